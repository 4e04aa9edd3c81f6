// The REST API with the signed-in bearer token. Errors are RFC 9457
// problems; their `detail` says precisely what went wrong, so that is what
// the user is shown.

import { token } from "./session.js";

// ApiError is a failed request: the HTTP status (0 when the server could not
// be reached) and the problem the server answered.
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
    // code is the problem's stable reason, e.g. "illegal_transition".
    this.code = problem.code ?? "";
  }
}

// request performs one call and returns the decoded JSON body (null for
// 204). It throws an ApiError for every answer but 2xx.
export async function request(path, { method = "GET", body, signal } = {}) {
  const headers = { Accept: "application/json, application/problem+json" };
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, { title: "Network error", detail: `dabba could not be reached (${err.message}); check that it is running.` });
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  if (text && /json/.test(res.headers.get("Content-Type") ?? "")) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    throw new ApiError(res.status, data && typeof data === "object" ? data : { title: res.statusText, detail: text.slice(0, 300) });
  }
  return data;
}

// get, post, put, patch and del are request with the method filled in.
export const get = (path, opts) => request(path, opts);
export const post = (path, body) => request(path, { method: "POST", body });
export const put = (path, body) => request(path, { method: "PUT", body });
export const patch = (path, body) => request(path, { method: "PATCH", body });
export const del = (path) => request(path, { method: "DELETE" });

// query renders the parameters that are set as a query string ("" when none).
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

// allPages follows next_cursor from path and returns every item (at most
// max, a guard against endless lists).
export async function allPages(path, max = 1000) {
  const items = [];
  let cursor = "";
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = await get(`${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...page.items);
    cursor = page.next_cursor ?? "";
  } while (cursor && items.length < max);
  return items;
}
