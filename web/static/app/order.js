// Orders as the apps see them: the realtime frames that carry order changes
// and how an order's events read.

import { label } from "./format.js";

// orderUpdate returns the {event, order} an order event frame carries (the
// event of the order's timeline and the order after it), or null for
// another kind of frame.
export function orderUpdate(frame) {
  const d = frame?.data;
  return d && typeof d === "object" && d.event && d.order ? d : null;
}

// supersedes reports whether order a is at least as recent as b: every
// change of an order advances its seq, so the higher seq wins whichever of
// REST and the websocket delivered it first.
export function supersedes(a, b) {
  return !b || a.seq >= b.seq;
}

// eventText says what an order event means.
export function eventText(ev) {
  const data = ev.data ?? {};
  switch (ev.type) {
    case "order.placed":
      return "Order placed";
    case "order.status_changed":
      return data.reason ? `${label(ev.status)} (${label(data.reason)})` : label(ev.status);
    case "delivery.assigned":
      return data.courier_id ? `Courier ${data.courier_id} assigned` : "Courier assigned";
    case "delivery.unassigned":
      return "Courier unassigned";
    default:
      return label(String(ev.type).replace(/^.*\./, ""));
  }
}

// itemsText lists an order's lines: "2 × Chicken Biryani, 1 × Raita".
export function itemsText(order) {
  return order.items.map((i) => `${i.quantity} × ${i.name}`).join(", ");
}
