// /app/track/{id}: one order, live — its status and timeline, the courier
// on a map and the ETA — for its customer (and its restaurant, courier or
// an admin). The page loads the order over REST, then watches order:{id}
// from the sequence it loaded, so nothing between the two is lost.

import * as fmt from "./format.js";
import { loadTransitions, movesFrom } from "./lifecycle.js";
import { Live } from "./live.js";
import { drawMap } from "./map.js";
import { eventText, orderUpdate, supersedes } from "./order.js";
import * as rest from "./rest.js";
import { token } from "./session.js";
import { busy, byId, h, markReady, showError, showInfo, showLive, startPage } from "./ui.js";

// trailLength bounds the courier positions kept for the trail on the map.
const trailLength = 60;

const who = startPage({});
if (who) track(who).catch((err) => showError(err, "load the order"));

async function track(who) {
  const id = Number(location.pathname.split("/").pop());
  const state = { order: null, restaurant: null, events: new Map(), tracking: null, trail: [], table: [] };

  function applyOrder(o) {
    if (supersedes(o, state.order)) state.order = o;
  }

  // Positions are latest-wins: keep a state only if it is not older than
  // the one shown, whichever of REST and the websocket brought it.
  function applyTracking(t) {
    if (!t || (state.tracking && Date.parse(t.updated_at) < Date.parse(state.tracking.updated_at))) return;
    const last = state.tracking?.courier;
    if (last && t.courier && (last.location.lat !== t.courier.location.lat || last.location.lng !== t.courier.location.lng)) {
      state.trail = [...state.trail, last.location].slice(-trailLength);
    }
    state.tracking = t;
  }

  async function refreshTracking() {
    try {
      applyTracking(await rest.get(`/orders/${id}/tracking`));
      renderDelivery();
    } catch (err) {
      showError(err, "refresh the courier's position");
    }
  }

  // load reads the whole order over REST and returns the last sequence it
  // includes.
  async function load() {
    const [order, timeline] = await Promise.all([rest.get(`/orders/${id}`), rest.get(`/orders/${id}/timeline`)]);
    applyOrder(order);
    for (const ev of timeline.events) state.events.set(ev.seq, ev);
    state.restaurant ??= await rest.get(`/restaurants/${order.restaurant_id}`);
    applyTracking(await rest.get(`/orders/${id}/tracking`).catch((err) => (showError(err, "read the courier's position"), null)));
    render();
    return Math.max(order.seq, ...timeline.events.map((e) => e.seq));
  }

  function onEvent(frame) {
    if (frame.type === "courier.location") {
      applyTracking(frame.data);
      renderDelivery();
      return;
    }
    const update = orderUpdate(frame);
    if (!update) return;
    state.events.set(update.event.seq, update.event);
    applyOrder(update.order);
    render();
    // The ETA and the courier change with the status and the assignment.
    refreshTracking();
  }

  function render() {
    const o = state.order;
    document.title = `Order #${o.id} · ${fmt.label(o.status)} · dabba`;
    byId("order-id").textContent = `#${o.id}`;
    const status = byId("status");
    status.textContent = fmt.label(o.status);
    status.dataset.status = o.status;
    renderTimeline();
    renderSummary();
    renderCancel();
    renderDelivery();
  }

  function renderTimeline() {
    const events = [...state.events.values()].sort((a, b) => a.seq - b.seq);
    byId("timeline").replaceChildren(
      ...events.map((ev) =>
        h("li", { "data-seq": ev.seq, "data-type": ev.type }, h("time", { datetime: ev.at }, fmt.time(ev.at)), " ", eventText(ev)),
      ),
    );
  }

  function renderSummary() {
    const o = state.order;
    const r = state.restaurant;
    byId("restaurant").replaceChildren(h("strong", {}, r.name), ` · ${r.address}`);
    byId("items").tBodies[0].replaceChildren(
      ...o.items.map((i) =>
        h("tr", {}, h("td", {}, i.name), h("td", { class: "num" }, i.quantity), h("td", { class: "num" }, fmt.money(i.unit_price)), h("td", { class: "num" }, fmt.money(i.line_total))),
      ),
    );
    const line = (name, m, cls) => h("tr", { class: cls }, h("th", { scope: "row", colspan: 3 }, name), h("td", { class: "num" }, fmt.money(m)));
    const lines = [line("Subtotal", o.subtotal), line("Delivery fee", o.delivery_fee)];
    if (o.surge_fee.amount !== 0) lines.push(line("Surge", o.surge_fee));
    byId("items").tFoot.replaceChildren(...lines, line("Total", o.total, "total"));
    byId("address").replaceChildren(
      "To ",
      h("strong", {}, o.delivery_address.line),
      o.scheduled_for ? ` · scheduled for ${fmt.dateTime(o.scheduled_for)}` : "",
      ` · placed ${fmt.dateTime(o.placed_at)}`,
      o.notes ? h("span", { class: "notes" }, ` · “${o.notes}”`) : "",
    );
  }

  function renderCancel() {
    const form = byId("cancel");
    const move = movesFrom(state.table, state.order.status, who.role).find((t) => t.to === "cancelled");
    form.hidden = !move;
    if (!move) return;
    const select = byId("cancel-reason");
    if (select.options.length === 0) {
      const preferred = who.role === "customer" ? "customer_request" : move.reasons[0];
      select.replaceChildren(...move.reasons.map((r) => h("option", { value: r, selected: r === preferred }, fmt.label(r))));
    }
  }

  function renderDelivery() {
    const o = state.order;
    const t = state.tracking;
    const fix = t?.courier;
    const eta = byId("eta");
    if (o.status === "delivered") {
      const at = [...state.events.values()].find((e) => e.status === "delivered")?.at ?? o.updated_at;
      eta.textContent = `Delivered at ${fmt.time(at)}.`;
    } else if (o.status === "cancelled" || o.status === "rejected") {
      eta.textContent = `${fmt.label(o.status)}${o.reason ? `: ${fmt.label(o.reason)}` : ""}.`;
    } else {
      const when = t?.estimated_delivery_at ?? o.estimated_delivery_at;
      const left = t?.remaining_m != null ? ` · ${fmt.distance(t.remaining_m)} to go` : "";
      eta.textContent = when ? `Arrives around ${fmt.time(when)} (${fmt.relative(when)})${left}` : "The arrival time is not known yet.";
    }
    eta.dataset.eta = t?.estimated_delivery_at ?? o.estimated_delivery_at ?? "";
    const r = state.restaurant;
    byId("map-desc").textContent = drawMap(byId("map"), {
      restaurant: { ...r.location, label: r.name },
      customer: { ...o.delivery_address.location, label: who.role === "customer" ? "You" : "Delivery address" },
      courier: fix ? { ...fix.location, heading: fix.heading_deg } : null,
      trail: state.trail,
    });
    byId("courier-fix").textContent = fix
      ? `Courier ${fix.courier_id}'s position at ${fmt.time(fix.at)} (${fmt.relative(fix.at)}), moving at ${fmt.speed(fix.speed_mps)}.`
      : t?.courier_id
        ? `Courier ${t.courier_id} is assigned; waiting for their first position.`
        : "No courier is assigned yet.";
  }

  byId("cancel").addEventListener("submit", (e) => {
    e.preventDefault();
    busy(e.submitter ?? e.target.querySelector("button"), "cancel the order", async () => {
      const o = await rest.post(`/orders/${id}/status`, { status: "cancelled", reason: byId("cancel-reason").value });
      applyOrder(o);
      render();
      showInfo(`Order #${id} is cancelled.`);
    });
  });

  state.table = await loadTransitions();
  const since = await load();
  const live = new Live({ token: token(), onState: showLive, onError: (f) => showError(new Error(f.message), "watch the order") });
  live.watch(`order:${id}`, {
    since,
    onSubscribed: ({ resumed }) => {
      // Positions are not replayed: read the latest after a reconnect.
      if (resumed) refreshTracking();
      markReady();
    },
    onEvent,
    onReset: () => load().catch((err) => showError(err, "reload the order")),
    onError: (f) => showError(new Error(f.message), "watch the order live"),
  });
  // Relative times ("in 12 minutes") age.
  setInterval(renderDelivery, 15000);
  addEventListener("pagehide", () => live.close());
}
