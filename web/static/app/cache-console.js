// /app/cache: the enterprise cache for admins — health, each namespace's
// fleet-wide hit ratio against the target, latencies, memory, alerts and
// the invalidation audit log, with the clear and warm operations of the
// /cache endpoints. Everything is read over REST on load and every half
// minute; between those, the cache:console topic brings the figures
// (cache.stats, every few seconds) and each alert (cache.alert) live.

import * as fmt from "./format.js";
import { Live } from "./live.js";
import * as rest from "./rest.js";
import { token } from "./session.js";
import { busy, byId, h, markReady, showError, showInfo, showLive, startPage } from "./ui.js";

// hitRatioTarget is the specification's target: more than 80 % of reads
// served from the cache.
const hitRatioTarget = 0.8;

// refreshEvery is the period of the automatic refresh over REST (the
// memory report scans the keys, so not too often).
const refreshEvery = 30000;

// The seed's clear and warm endpoints, by the namespace they act on.
const operations = [
  { name: "Menu items", namespace: "static", clear: "/cache/clear/menu-items", warm: "/cache/warm/menu-items" },
  { name: "Restaurants", namespace: "restaurants", clear: "/cache/clear/restaurants", warm: "/cache/warm/restaurants" },
  { name: "Orders", namespace: "orders", clear: "/cache/clear/orders" },
  { name: "Analytics", namespace: "analytics", clear: "/cache/clear/analytics" },
];

const who = startPage({});
if (who) cacheConsole().catch((err) => showError(err, "open the cache console"));

async function cacheConsole() {
  let lastFailure = "";
  let auditCursor = "";
  // stats is the last detailed report, which live figures update.
  let stats = null;

  // failed shows a failure once, not on every automatic refresh.
  function failed(err, doing) {
    const key = `${doing}: ${err.message}`;
    if (key !== lastFailure) showError(err, doing);
    lastFailure = key;
  }

  async function refresh() {
    const results = await Promise.allSettled([
      rest.get("/cache/health/detailed").then(renderHealth),
      rest.get("/cache/stats/detailed").then(renderStats),
      rest.get("/cache/memory-usage").then(renderMemory),
      loadAudit(false),
    ]);
    const failure = results.find((r) => r.status === "rejected");
    if (failure) failed(failure.reason, "read the cache's figures");
    else lastFailure = "";
    byId("updated").textContent = `Updated ${fmt.time(new Date().toISOString())}`;
  }

  // ---- health and alerts ----

  function renderHealth(d) {
    const badge = byId("health");
    badge.textContent = fmt.label(d.status);
    badge.dataset.status = d.status;
    byId("health-reasons").replaceChildren(...(d.reasons ?? []).map((r) => h("li", {}, r)));
    facts(byId("health-facts"), [
      ["Redis", `${d.redis} · ${fmt.millis(d.latency_ms)}`],
      ["Circuit breaker", d.breaker],
      ["Server", d.server?.version ? `Redis ${d.server.version} (${d.server.mode}), up ${fmt.count(Math.floor(d.server.uptime_seconds / 3600))} h, ${d.server.connected_clients} clients` : "—"],
      ["Connections", `${d.pool.total_conns} open, ${d.pool.idle_conns} idle, ${d.pool.timeouts} timeouts`],
      ["Profile", d.profile],
      ["Key prefix", d.prefix],
      ["Pending renewals", d.pending_renewals?.length ? d.pending_renewals.join(", ") : "none"],
      ["Checked", fmt.time(d.checked_at)],
    ]);
    renderAlerts(d.alerts);
  }

  function renderAlerts(report) {
    const counts = (report?.counts ?? []).filter((c) => c.count > 0);
    byId("alert-counts").textContent = counts.length ? counts.map((c) => `${fmt.label(c.kind)} × ${c.count}`).join(" · ") : "";
    const recent = report?.recent ?? [];
    byId("alerts").replaceChildren(...(recent.length ? recent.map(alertItem) : [h("li", { class: "muted" }, "No alerts.")]));
  }

  function alertItem(a) {
    return h(
      "li",
      { "data-kind": a.kind },
      h("time", { datetime: a.at }, fmt.time(a.at)),
      " ",
      h("strong", {}, fmt.label(a.kind)),
      a.namespace ? ` in ${a.namespace}` : "",
      ": ",
      a.message,
    );
  }

  // ---- namespaces ----

  function renderStats(d) {
    stats = d;
    const generations = new Map((d.generations ?? []).map((g) => [g.namespace, g.generation]));
    byId("namespaces").tBodies[0].replaceChildren(...d.namespaces.map((n) => statsRow(n, generations.get(n.namespace))));
    byId("namespaces").tFoot.replaceChildren(statsRow({ ...d.total, namespace: "" }, null));
    const select = byId("audit-namespace");
    if (select.options.length === 1) select.append(...d.namespaces.map((n) => h("option", { value: n.namespace }, n.namespace)));
  }

  function statsRow(n, generation) {
    const below = n.reads > 0 && n.hit_ratio < hitRatioTarget;
    const cell = (field, text) => h("td", { class: "num", "data-field": field }, text);
    return h(
      "tr",
      { id: n.namespace ? `ns-${n.namespace}` : "ns-total", class: below ? "below-target" : null },
      h("th", { scope: "row" }, n.namespace || "All namespaces"),
      cell("reads", fmt.count(n.reads)),
      cell("hits", fmt.count(n.hits + n.local_hits)),
      cell("misses", fmt.count(n.misses)),
      h(
        "td",
        { "data-field": "hit_ratio" },
        h("meter", { min: 0, max: 1, low: hitRatioTarget, optimum: 1, value: n.hit_ratio, "aria-label": `${n.namespace || "total"} hit ratio` }),
        " ",
        n.reads > 0 ? fmt.percent(n.hit_ratio) : "no reads",
      ),
      cell("hit_latency", n.latency.hit.count ? `${fmt.millis(n.latency.hit.p50_ms)} / ${fmt.millis(n.latency.hit.p99_ms)}` : "—"),
      cell("load_latency", n.latency.load.count ? `${fmt.millis(n.latency.load.p50_ms)} / ${fmt.millis(n.latency.load.p99_ms)}` : "—"),
      cell("invalidations", fmt.count(n.invalidations)),
      cell("generation", generation ?? ""),
    );
  }

  // ---- memory ----

  function renderMemory(m) {
    facts(byId("memory"), [
      ["Used", `${fmt.bytes(m.redis.used_bytes)} (peak ${fmt.bytes(m.redis.peak_bytes)})`],
      ["Limit", m.redis.max_memory_bytes ? `${fmt.bytes(m.redis.max_memory_bytes)} · ${fmt.percent(m.redis.used_ratio)} used` : "none set"],
      ["Alert above", fmt.bytes(m.redis.alert_threshold_bytes)],
      ["Fragmentation", String(m.redis.fragmentation_ratio)],
      ["Eviction policy", m.redis.eviction_policy || "—"],
      ["Keys scanned", `${fmt.count(m.keys_scanned)}${m.complete ? "" : " (stopped early)"}`],
    ]);
    byId("memory-namespaces").tBodies[0].replaceChildren(
      ...m.namespaces
        .filter((n) => n.keys > 0)
        .map((n) => h("tr", {}, h("th", { scope: "row" }, n.namespace), h("td", { class: "num" }, fmt.count(n.keys)), h("td", { class: "num" }, fmt.bytes(n.estimated_bytes)))),
    );
  }

  // ---- audit log ----

  async function loadAudit(older) {
    const page = await rest.get(`/cache/audit${rest.query({ limit: 20, namespace: byId("audit-namespace").value, cursor: older ? auditCursor : "" })}`);
    const rows = page.entries.map((e) =>
      h(
        "tr",
        { "data-action": e.action },
        h("td", {}, h("time", { datetime: e.at }, fmt.dateTime(e.at))),
        h("td", {}, e.who),
        h("td", {}, fmt.label(e.action)),
        h("td", {}, e.namespace),
        h("td", { class: "num" }, e.generation),
        h("td", {}, e.entity ? `${e.entity} ${e.entity_id || ""}` : ""),
        h("td", {}, e.reason),
        h("td", {}, [...(e.keys ?? []), ...(e.groups ?? []).map((g) => `group ${g}`)].join(", ")),
      ),
    );
    const body = byId("audit").tBodies[0];
    if (older) body.append(...rows);
    else body.replaceChildren(...(rows.length ? rows : [h("tr", {}, h("td", { colspan: 8, class: "muted" }, "Nothing invalidated yet."))]));
    auditCursor = page.next_cursor ?? "";
    byId("audit-more").hidden = !auditCursor;
  }

  // ---- clear and warm ----

  function renderActions() {
    const rows = operations.map((op) =>
      h(
        "div",
        { class: "action-row" },
        h("span", {}, h("strong", {}, op.name), ` (${op.namespace})`),
        clearButton(`Clear`, op.clear, `clear ${op.name.toLowerCase()}`),
        op.warm ? actionButton("Warm", op.warm, `warm ${op.name.toLowerCase()}`, warmed) : null,
      ),
    );
    rows.push(
      h("div", { class: "action-row" }, h("span", {}, h("strong", {}, "Old generations"), " (every namespace)"), clearButton("Remove now", "/cache/clear/expired", "remove expired keys")),
      h("div", { class: "action-row" }, h("span", {}, h("strong", {}, "Predictive warming"), " (keys about to be needed)"), actionButton("Warm", "/enterprise/warming/predictive", "warm predictively", predicted)),
    );
    byId("actions").replaceChildren(...rows);
  }

  // clearButton needs a second press within 5 s: a clear empties a
  // namespace for every node at once.
  function clearButton(text, path, doing) {
    const b = h("button", { type: "button", class: "danger", "data-path": path }, text);
    let armed = null;
    b.addEventListener("click", () => {
      if (!armed) {
        b.textContent = "Press again to confirm";
        armed = setTimeout(() => {
          armed = null;
          b.textContent = text;
        }, 5000);
        return;
      }
      clearTimeout(armed);
      armed = null;
      b.textContent = text;
      busy(b, doing, async () => {
        showInfo(cleared(await rest.del(path)));
        await refresh();
      });
    });
    return b;
  }

  // actionButton runs an operation that answers with its result, or with
  // a background job (202) whose result it follows at GET /jobs/{id}.
  function actionButton(text, path, doing, describe) {
    const b = h("button", { type: "button", "data-path": path }, text);
    b.addEventListener("click", () =>
      busy(b, doing, async () => {
        let answer = await rest.post(path);
        if (isJob(answer)) {
          showInfo(`Queued as background job ${answer.id}.`);
          answer = await jobResult(answer);
        }
        showInfo(describe(answer));
        await refresh();
      }),
    );
    return b;
  }

  function isJob(answer) {
    return typeof answer?.id === "string" && typeof answer?.state === "string";
  }

  // jobResult waits for a background job to complete and returns its
  // result; it gives up after a minute (the job goes on).
  async function jobResult(job) {
    for (let i = 0; i < 60; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      job = await rest.get(`/jobs/${encodeURIComponent(job.id)}`);
      if (job.state === "completed") return job.result;
      if (job.state === "archived") throw new Error(`background job ${job.id} failed: ${job.last_error || "no reason given"}`);
    }
    throw new Error(`background job ${job.id} is still ${job.state}; GET /jobs/${job.id} tells when it is done`);
  }

  function cleared(r) {
    const gens = r.namespaces.map((n) => `${n.namespace} generation ${n.previous_generation} → ${n.generation}`);
    return `${gens.length ? `Cleared: ${gens.join(", ")}` : "Nothing to clear"}; ${fmt.count(r.keys_reclaimed)} keys reclaimed.`;
  }

  function warmed(r) {
    return `Warmed ${fmt.count(r.keys_warmed)} ${r.namespace} entries in ${fmt.millis(r.duration_ms)}.`;
  }

  function predicted(r) {
    const n = r.namespaces.reduce((sum, w) => sum + w.keys_warmed, 0);
    return `${fmt.count(r.predictions)} predicted needs; warmed ${fmt.count(n)} entries in ${fmt.millis(r.duration_ms)}.`;
  }

  // applyStats updates the figures from a cache.stats event: the counts
  // of each namespace (latencies and generations stay as last read).
  function applyStats(live) {
    byId("updated").textContent = `Updated ${fmt.time(live.at)}`;
    const badge = byId("health");
    badge.textContent = fmt.label(live.health);
    badge.dataset.status = live.health;
    byId("alert-counts").textContent = (live.alert_counts ?? [])
      .filter((c) => c.count > 0)
      .map((c) => `${fmt.label(c.kind)} × ${c.count}`)
      .join(" · ");
    if (!stats || !live.total) return;
    const update = (n, f) => {
      // Reads are hits (from Redis and the local tiers) plus misses.
      const hits = f.reads - f.misses - n.local_hits;
      Object.assign(n, { reads: f.reads, misses: f.misses, hits, hit_ratio: f.hit_ratio, invalidations: f.invalidations });
    };
    update(stats.total, live.total);
    for (const f of live.namespaces) {
      const n = stats.namespaces.find((x) => x.namespace === f.namespace);
      if (n) update(n, f);
    }
    renderStats(stats);
  }

  // ---- live ----

  // A burst of events (a clear touches several namespaces) refreshes once.
  let pending = null;
  function refreshSoon() {
    clearTimeout(pending);
    pending = setTimeout(refresh, 300);
  }

  function onEvent(frame) {
    switch (frame.type) {
      case "cache.stats":
        return applyStats(frame.data);
      case "cache.alert":
        byId("alerts").querySelector("li.muted")?.remove();
        byId("alerts").prepend(alertItem(frame.data));
        return;
      default:
        refreshSoon();
    }
  }

  byId("target").textContent = fmt.percent(hitRatioTarget);
  renderActions();
  byId("refresh").addEventListener("click", (e) => busy(e.currentTarget, "refresh", refresh));
  byId("audit-namespace").addEventListener("change", () => loadAudit(false).catch((err) => showError(err, "read the audit log")));
  byId("audit-more").addEventListener("click", (e) => busy(e.currentTarget, "read older audit entries", () => loadAudit(true)));
  setInterval(() => {
    if (byId("auto").checked && !document.hidden) refresh();
  }, refreshEvery);

  await refresh();
  const live = new Live({ token: token(), onState: showLive, onError: (f) => showError(new Error(f.message), "watch the cache") });
  live.watch("cache:console", {
    onSubscribed: ({ resumed }) => (resumed ? refresh() : markReady()),
    onEvent,
    onReset: refreshSoon,
    onError: (f) => showError(new Error(f.message), "watch the cache live"),
  });
  addEventListener("pagehide", () => live.close());
}

// facts fills a description list with [term, description] pairs.
function facts(dl, pairs) {
  dl.replaceChildren(...pairs.flatMap(([term, desc]) => [h("dt", {}, term), h("dd", {}, desc)]));
}
