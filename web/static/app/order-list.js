// /app/orders: the orders a token may see — a customer's own, a
// restaurant's, a courier's deliveries, or all for admins — newest first,
// each linking to its live tracking. Orders still in progress update live.

import * as fmt from "./format.js";
import { activeStatuses, loadTransitions } from "./lifecycle.js";
import { Live } from "./live.js";
import { itemsText, orderUpdate, supersedes } from "./order.js";
import * as rest from "./rest.js";
import { token } from "./session.js";
import { busy, byId, h, markReady, showError, showLive, startPage } from "./ui.js";

// watchedAtMost bounds the live subscriptions of the page (the hub allows 64).
const watchedAtMost = 40;

const who = startPage({});
if (who) orderList().catch((err) => showError(err, "list the orders"));

async function orderList() {
  const table = await loadTransitions();
  const active = activeStatuses(table);
  const orders = new Map();
  const restaurants = new Map();
  const watches = new Map();
  let cursor = "";
  const live = new Live({ token: token(), onState: showLive, onError: (f) => showError(new Error(f.message), "watch the orders") });

  function restaurantName(id) {
    if (!restaurants.has(id)) {
      restaurants.set(id, rest.get(`/restaurants/${id}`).then((r) => r.name, () => `Restaurant ${id}`));
    }
    return restaurants.get(id);
  }

  function row(o, restaurant) {
    const status = h("td", { "data-field": "status" }, h("span", { class: "status", "data-status": o.status }, fmt.label(o.status)));
    return h(
      "tr",
      { id: `row-${o.id}` },
      h("th", { scope: "row" }, h("a", { href: `/app/track/${o.id}` }, `#${o.id}`)),
      status,
      h("td", {}, restaurant),
      h("td", {}, itemsText(o)),
      h("td", { class: "num" }, fmt.money(o.total)),
      h("td", {}, h("time", { datetime: o.placed_at }, fmt.dateTime(o.placed_at))),
    );
  }

  async function show(o) {
    const restaurant = await restaurantName(o.restaurant_id);
    if (!supersedes(o, orders.get(o.id))) return;
    orders.set(o.id, o);
    const el = row(o, restaurant);
    const old = document.getElementById(`row-${o.id}`);
    if (old) old.replaceWith(el);
    else byId("orders").tBodies[0].append(el);
    if (active.includes(o.status) && !watches.has(o.id) && watches.size < watchedAtMost) {
      watches.set(o.id, live.watch(`order:${o.id}`, { since: o.seq, onEvent: (f) => orderUpdate(f) && show(orderUpdate(f).order) }));
    } else if (!active.includes(o.status) && watches.has(o.id)) {
      watches.get(o.id).stop();
      watches.delete(o.id);
    }
  }

  async function loadPage() {
    const onlyActive = byId("active-only").checked;
    const page = await rest.get(`/orders${rest.query({ limit: 20, cursor, status: onlyActive ? active.join(",") : "" })}`);
    for (const o of page.items) await show(o);
    cursor = page.next_cursor ?? "";
    byId("more").hidden = !cursor;
    if (orders.size === 0) byId("orders").tBodies[0].replaceChildren(h("tr", {}, h("td", { colspan: 6, class: "muted" }, "No orders yet.")));
  }

  byId("more").addEventListener("click", (e) => busy(e.currentTarget, "list older orders", loadPage));
  byId("active-only").addEventListener("change", () => {
    for (const w of watches.values()) w.stop();
    watches.clear();
    orders.clear();
    cursor = "";
    byId("orders").tBodies[0].replaceChildren();
    loadPage().catch((err) => showError(err, "list the orders"));
  });
  await loadPage();
  markReady();
  addEventListener("pagehide", () => live.close());
}
