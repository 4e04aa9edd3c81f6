// /app/kitchen: a restaurant runs its kitchen — orders arrive live on
// restaurant:{id} and move across the board with the moves the transition
// table allows the restaurant; capacity, pauses and the menu's
// availability are set here too. Admins open any kitchen with ?restaurant=ID.

import * as fmt from "./format.js";
import { loadTransitions, movesFrom } from "./lifecycle.js";
import { Live } from "./live.js";
import { itemsText, orderUpdate, supersedes } from "./order.js";
import * as rest from "./rest.js";
import { token } from "./session.js";
import { busy, byId, h, markReady, showError, showInfo, showLive, startPage } from "./ui.js";

// The board's lanes: the statuses in which an order is the kitchen's to move.
const lanes = ["placed", "accepted", "preparing", "ready"];

// How the board words each move.
const moveNames = {
  accepted: "Accept",
  rejected: "Reject…",
  preparing: "Start preparing",
  ready: "Mark ready",
  cancelled: "Cancel…",
  picked_up: "Picked up",
  delivered: "Delivered",
};

// finishedShown bounds the list of orders that left the kitchen.
const finishedShown = 12;

const who = startPage({ roles: ["restaurant", "admin"] });
if (who) {
  const id = kitchenOf(who);
  if (id) kitchen(who, id).catch((err) => showError(err, "open the kitchen"));
}

// kitchenOf is the restaurant whose kitchen to show: a restaurant's own, or
// for admins the one named by ?restaurant=ID (asked for when missing).
function kitchenOf(who) {
  if (who.role === "restaurant") return who.id;
  const id = Number(new URLSearchParams(location.search).get("restaurant"));
  if (Number.isInteger(id) && id > 0) return id;
  const form = byId("pick-restaurant");
  form.hidden = false;
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    location.assign(`/app/kitchen?restaurant=${encodeURIComponent(form.elements.restaurant.value)}`);
  });
  return 0;
}

async function kitchen(who, rid) {
  const orders = new Map();
  let table = [];
  let capacityDirty = false;

  function applyOrder(o) {
    if (o.restaurant_id === rid && supersedes(o, orders.get(o.id))) orders.set(o.id, o);
  }

  async function loadOrders() {
    const scope = who.role === "admin" ? `&restaurant_id=${rid}` : "";
    for (const o of await rest.allPages(`/orders?status=${lanes.join(",")}${scope}`)) applyOrder(o);
    renderBoard();
  }

  async function loadCapacity() {
    const [capacity, availability] = await Promise.all([rest.get(`/restaurants/${rid}/capacity`), rest.get(`/restaurants/${rid}/availability`)]);
    renderCapacity(capacity);
    renderAvailability(availability);
  }

  async function loadMenu() {
    const items = await rest.allPages(`/restaurants/${rid}/menu-items`);
    items.sort((a, b) => a.category.localeCompare(b.category) || a.name.localeCompare(b.name));
    byId("menu").tBodies[0].replaceChildren(...items.map(menuRow));
  }

  // ---- the board ----

  // A card is rebuilt only when its order changed, so a reason being
  // picked on one card survives another order's update.
  const cards = new Map();
  function cardOf(o) {
    const known = cards.get(o.id);
    if (known?.seq === o.seq) return known.el;
    const el = card(o);
    cards.set(o.id, { seq: o.seq, el });
    return el;
  }

  function renderBoard() {
    for (const status of lanes) {
      const lane = [...orders.values()].filter((o) => o.status === status).sort((a, b) => Date.parse(a.placed_at) - Date.parse(b.placed_at));
      byId(`lane-${status}`).replaceChildren(...lane.map(cardOf));
      byId(`count-${status}`).textContent = lane.length ? `(${lane.length})` : "";
    }
    const gone = [...orders.values()].filter((o) => !lanes.includes(o.status)).sort((a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at));
    for (const o of gone) cards.delete(o.id);
    // A dashboard stays open all day: forget what no longer shows.
    for (const o of gone.slice(finishedShown)) orders.delete(o.id);
    byId("finished").replaceChildren(
      ...gone.slice(0, finishedShown).map((o) =>
        h("li", { id: `finished-${o.id}`, "data-status": o.status }, h("a", { href: `/app/track/${o.id}` }, `#${o.id}`), ` ${fmt.label(o.status)}`, o.reason ? ` (${fmt.label(o.reason)})` : ""),
      ),
    );
    if (gone.length === 0) byId("finished").replaceChildren(h("li", { class: "muted" }, "Nothing yet."));
  }

  function card(o) {
    const actions = h("div", { class: "actions" });
    const reasonForm = h("form", { class: "reason", hidden: true });
    for (const move of movesFrom(table, o.status, who.role)) {
      const button = h("button", { type: "button", "data-move": move.to, class: move.reasons.length ? "danger" : "primary" }, moveNames[move.to] ?? fmt.label(move.to));
      button.addEventListener("click", () => (move.reasons.length ? askReason(o, move, actions, reasonForm) : changeStatus(button, o, move.to)));
      actions.append(button);
    }
    return h(
      "li",
      { id: `order-${o.id}`, class: "order-card", "data-status": o.status },
      h(
        "div",
        { class: "card-head" },
        h("a", { href: `/app/track/${o.id}` }, `#${o.id}`),
        h("time", { datetime: o.placed_at, title: fmt.dateTime(o.placed_at) }, fmt.relative(o.placed_at)),
        h("span", { class: "num" }, fmt.money(o.total)),
      ),
      h("p", { class: "items" }, itemsText(o)),
      o.notes ? h("p", { class: "notes" }, `“${o.notes}”`) : null,
      o.scheduled_for ? h("p", { class: "meta" }, `Scheduled for ${fmt.dateTime(o.scheduled_for)}`) : null,
      o.courier_id ? h("p", { class: "meta" }, `Courier ${o.courier_id}`) : null,
      actions,
      reasonForm,
    );
  }

  function askReason(o, move, actions, form) {
    const select = h("select", { name: "reason", "aria-label": "Reason" }, ...move.reasons.map((r) => h("option", { value: r }, fmt.label(r))));
    const confirm = h("button", { type: "submit", class: "danger", "data-confirm": move.to }, move.to === "rejected" ? "Reject order" : "Cancel order");
    const back = h("button", { type: "button", class: "quiet" }, "Back");
    form.replaceChildren(select, confirm, back);
    form.onsubmit = (e) => {
      e.preventDefault();
      changeStatus(confirm, o, move.to, select.value);
    };
    back.onclick = () => {
      form.hidden = true;
      actions.hidden = false;
    };
    actions.hidden = true;
    form.hidden = false;
    select.focus();
  }

  function changeStatus(button, o, to, reason) {
    return busy(button, `move order #${o.id} to ${fmt.label(to).toLowerCase()}`, async () => {
      applyOrder(await rest.post(`/orders/${o.id}/status`, reason ? { status: to, reason } : { status: to }));
      renderBoard();
    });
  }

  // ---- capacity and availability ----

  function renderCapacity(c) {
    const meter = byId("load");
    meter.max = c.max_active_orders;
    meter.high = Math.max(1, Math.floor(c.max_active_orders * 0.8));
    meter.value = c.active_orders;
    byId("load-text").textContent =
      `${c.active_orders} of ${c.max_active_orders} orders in the kitchen · ${c.available} more fit · ` +
      `${c.effective_prep_minutes} min to prepare${c.busy ? " (busy mode)" : ""}`;
    if (capacityDirty) return;
    const f = byId("capacity").elements;
    f.max_active_orders.value = c.max_active_orders;
    f.prep_minutes.value = c.prep_minutes;
    f.busy.checked = c.busy;
    f.busy_extra_minutes.value = c.busy_extra_minutes;
    f.slot_capacity.value = c.slot_capacity;
  }

  function renderAvailability(a) {
    const why = [];
    if (!a.open) why.push("closed: outside its opening hours");
    if (a.paused) why.push(`paused until ${fmt.dateTime(a.paused_until)}${a.pause_reason ? ` (${a.pause_reason})` : ""}`);
    if (a.at_capacity) why.push("at capacity");
    const text = a.accepting_orders ? "Taking orders." : `Not taking orders: ${why.join("; ")}.`;
    for (const el of [byId("kitchen-state"), byId("availability")]) {
      el.textContent = text;
      el.dataset.accepting = a.accepting_orders;
    }
    byId("resume").disabled = !a.paused;
  }

  const capacityForm = byId("capacity");
  capacityForm.addEventListener("input", () => (capacityDirty = true));
  capacityForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const f = capacityForm.elements;
    busy(e.submitter, "save the capacity", async () => {
      const c = await rest.put(`/restaurants/${rid}/capacity`, {
        max_active_orders: f.max_active_orders.valueAsNumber,
        prep_minutes: f.prep_minutes.valueAsNumber,
        busy: f.busy.checked,
        busy_extra_minutes: f.busy_extra_minutes.valueAsNumber,
        slot_capacity: f.slot_capacity.valueAsNumber,
      });
      capacityDirty = false;
      renderCapacity(c);
      showInfo("Capacity saved.");
    });
  });

  const pauseForm = byId("pause");
  const soon = new Date(Date.now() + 30 * 60000);
  soon.setSeconds(0, 0);
  soon.setMinutes(soon.getMinutes() - soon.getTimezoneOffset());
  pauseForm.elements.until.value = soon.toISOString().slice(0, 16);
  pauseForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const f = pauseForm.elements;
    busy(e.submitter, "pause the kitchen", async () => {
      // datetime-local is local time; new Date() reads it so.
      const body = { paused_until: new Date(f.until.value).toISOString() };
      if (f.reason.value.trim()) body.reason = f.reason.value.trim();
      renderAvailability(await rest.put(`/restaurants/${rid}/availability`, body));
    });
  });
  byId("resume").addEventListener("click", (e) =>
    busy(e.currentTarget, "resume the kitchen", async () => renderAvailability(await rest.put(`/restaurants/${rid}/availability`, {}))),
  );

  // ---- the menu ----

  function menuRow(item) {
    const toggle = h("input", { type: "checkbox", role: "switch", checked: item.available, "aria-label": `${item.name} available`, "data-item": item.id });
    toggle.addEventListener("change", async () => {
      toggle.disabled = true;
      try {
        const saved = await rest.patch(`/menu-items/${item.id}`, { available: toggle.checked });
        toggle.checked = saved.available;
      } catch (err) {
        toggle.checked = !toggle.checked;
        showError(err, `change ${item.name}`);
      } finally {
        toggle.disabled = false;
      }
    });
    return h("tr", {}, h("td", {}, item.name), h("td", {}, item.category), h("td", { class: "num" }, fmt.money(item.price)), h("td", {}, h("label", { class: "switch" }, toggle)));
  }

  // ---- live ----

  function onEvent(frame) {
    if (frame.type === "restaurant.capacity") return renderCapacity(frame.data);
    if (frame.type === "restaurant.availability") return renderAvailability(frame.data);
    const update = orderUpdate(frame);
    if (!update) return;
    const arriving = update.event.type === "order.placed" && !orders.has(update.order.id);
    applyOrder(update.order);
    renderBoard();
    const el = document.getElementById(`order-${update.order.id}`);
    if (arriving && el) {
      showInfo(`New order #${update.order.id}: ${itemsText(update.order)}`);
      el.classList.add("new");
      setTimeout(() => el.classList.remove("new"), 10000);
    }
  }

  const restaurant = await rest.get(`/restaurants/${rid}`);
  byId("kitchen-title").textContent = `${restaurant.name} — kitchen`;
  document.title = `${restaurant.name} · Kitchen · dabba`;
  table = await loadTransitions();
  await loadMenu();

  const live = new Live({ token: token(), onState: showLive, onError: (f) => showError(new Error(f.message), "watch the kitchen") });
  live.watch(`restaurant:${rid}`, {
    // Load once the subscription is live, so no order placed in between
    // is missed; after a reconnect the hub replays the order events, and
    // capacity and availability (latest-wins) are read again.
    onSubscribed: ({ resumed }) => {
      const loading = resumed ? loadCapacity() : Promise.all([loadOrders(), loadCapacity()]);
      loading.then(markReady, (err) => showError(err, "load the kitchen"));
    },
    onEvent,
    onReset: () => loadOrders().catch((err) => showError(err, "reload the orders")),
    onError: (f) => showError(new Error(f.message), "watch the kitchen live"),
  });
  // Ages on the cards ("3 minutes ago") grow.
  setInterval(() => {
    for (const t of document.querySelectorAll(".order-card time")) t.textContent = fmt.relative(t.dateTime);
  }, 30000);
  addEventListener("pagehide", () => live.close());
}
