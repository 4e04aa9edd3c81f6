// What every app page shares: building DOM safely (text is always text,
// never parsed as HTML), the header with who is signed in and the
// connection's state, and telling the user what went wrong.

import { describe, signOut, whoami } from "./session.js";

const svgNS = "http://www.w3.org/2000/svg";

function build(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// h builds an HTML element: h("button", {class: "primary", onclick: f}, "Accept").
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

// s builds an SVG element.
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(svgNS, tag), attrs, children);
}

// byId returns the element with the id; a page missing it is a bug.
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el;
}

// The apps each role has, in the header's order.
const apps = [
  { path: "/app/orders", name: "Orders", roles: ["customer", "courier", "restaurant", "admin"] },
  { path: "/app/kitchen", name: "Kitchen", roles: ["restaurant", "admin"] },
  { path: "/app/cache", name: "Cache console", roles: ["admin"] },
];

// appsFor lists the apps a role uses.
export function appsFor(role) {
  return apps.filter((a) => a.roles.includes(role));
}

// signInURL is the sign-in page, coming back here afterwards.
export function signInURL() {
  return `/app/?next=${encodeURIComponent(location.pathname + location.search)}`;
}

// startPage fills in the header and returns who is signed in. Without a
// valid token it sends the user to sign in; a role the page is not for
// gets an explanation and null.
export function startPage({ roles }) {
  const who = whoami();
  if (!who) {
    location.replace(signInURL());
    return null;
  }
  showSignedIn(who);
  // A page restored from the back-forward cache has a closed socket.
  addEventListener("pageshow", (e) => e.persisted && location.reload());
  if (roles && !roles.includes(who.role)) {
    byId("main").replaceChildren(
      h("h1", {}, "Not for this token"),
      h("p", {}, `This page is for ${roles.join(" or ")} tokens; you are signed in as ${describe(who)}. `, h("a", { href: signInURL() }, "Sign in with another token"), "."),
    );
    return null;
  }
  return who;
}

// showSignedIn fills the header for who: their apps, who they are, and
// signing out.
export function showSignedIn(who) {
  const nav = byId("nav");
  nav.replaceChildren(
    ...appsFor(who.role).map((a) => h("a", { href: a.path, "aria-current": location.pathname === a.path ? "page" : null }, a.name)),
    h("a", { href: "/docs" }, "API docs"),
  );
  byId("who").textContent = `Signed in as ${describe(who)}`;
  const out = byId("sign-out");
  out.hidden = false;
  out.addEventListener("click", () => {
    signOut();
    location.assign("/app/");
  });
}

// showLive shows the realtime connection's state in the header.
export function showLive({ state, detail, retryIn }) {
  const el = byId("live");
  el.dataset.state = state;
  el.textContent = {
    connecting: "Connecting…",
    live: "Live",
    waiting: `Reconnecting in ${Math.ceil(retryIn / 1000)} s`,
    stopped: `Offline${detail ? `: ${detail}` : ""}`,
  }[state];
  el.title = detail ?? "";
}

function notice(kind, ...content) {
  const close = h("button", { type: "button", class: "quiet", "aria-label": "Dismiss" }, "×");
  const item = h("div", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" }, h("p", {}, ...content), close);
  close.addEventListener("click", () => item.remove());
  byId("notices").prepend(item);
  if (kind !== "error") setTimeout(() => item.remove(), 8000);
  return item;
}

// showError tells the user what failed: the problem's detail, and for a
// refused token the way to sign in again.
export function showError(err, doing) {
  const what = doing ? `Could not ${doing}: ` : "";
  if (err?.status === 401) {
    return notice("error", `${what}${err.message}. `, h("a", { href: signInURL() }, "Sign in again"), ".");
  }
  // The detail names the first invalid field; list them all when there are more.
  const fields = (err?.problem?.errors ?? []).map((f) => `${f.field} ${f.reason}`);
  return notice("error", `${what}${err?.message ?? err}`, fields.length > 1 ? `: ${fields.join("; ")}` : "");
}

// showInfo confirms something that happened.
export function showInfo(message) {
  return notice("info", message);
}

// busy runs action with the button disabled; a failure is shown.
export async function busy(button, doing, action) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await action();
  } catch (err) {
    showError(err, doing);
    return undefined;
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

// markReady tells observers (and tests) that the page loaded its state and
// watches it live.
export function markReady() {
  document.body.dataset.ready = "true";
}
