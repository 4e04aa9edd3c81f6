// The order transition table — which moves exist, who may make them, which
// reason codes they take — exactly as the API publishes it: the
// description of POST /orders/{id}/status in /openapi.json renders the one
// table the server enforces (store.Transitions), so the apps never keep a
// copy that could drift from it.

import { get } from "./rest.js";

const statusRoute = "/orders/{id}/status";

// parseTransitions reads the Markdown table of the status route's
// description: rows "| from | to | who may | reason codes |".
export function parseTransitions(description) {
  const table = [];
  for (const line of String(description).split("\n")) {
    const m = /^\|\s*([a-z_]+)\s*\|\s*([a-z_]+)\s*\|([^|]*)\|([^|]*)\|\s*$/.exec(line.trim());
    if (!m || m[1] === "from") continue;
    table.push({
      from: m[1],
      to: m[2],
      // "system (accept deadline)" is the role "system".
      roles: m[3].split(",").map((r) => r.trim().split(/\s+/)[0]).filter(Boolean),
      reasons: [...m[4].matchAll(/`([a-z_]+)`/g)].map((r) => r[1]),
    });
  }
  return table;
}

// loadTransitions fetches the published table. It throws when the
// description holds none, rather than offering no moves at all.
export async function loadTransitions() {
  const spec = await get("/openapi.json");
  const table = parseTransitions(spec?.paths?.[statusRoute]?.post?.description ?? "");
  if (table.length === 0) throw new Error("the API description publishes no order transition table");
  return table;
}

// movesFrom lists the moves a role may make from a status, in table order.
export function movesFrom(table, status, role) {
  return table.filter((t) => t.from === status && t.roles.includes(role));
}

// activeStatuses lists the statuses some move leaves: an order in one of
// them is still in progress.
export function activeStatuses(table) {
  return [...new Set(table.map((t) => t.from))];
}
