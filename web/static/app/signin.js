// /app/: sign in with a pasted token, then pick an app. Coming here with
// ?next=/app/… returns there once signed in.

import * as rest from "./rest.js";
import { describe, signIn, signOut, whoami } from "./session.js";
import { appsFor, busy, byId, h, markReady, showInfo, showSignedIn } from "./ui.js";

// The descriptions of the apps on this page.
const blurbs = {
  "/app/orders": "Your orders, and live tracking of each one.",
  "/app/kitchen": "Incoming orders live, capacity, pauses and the menu.",
  "/app/cache": "Hit ratios, memory, alerts and the audit log of the enterprise cache.",
};

// next is where to go after signing in: only an app page of this origin.
function next() {
  const to = new URLSearchParams(location.search).get("next") ?? "";
  return /^\/app\/[\w\-/?=&%.]*$/.test(to) ? to : "";
}

function showApps(who) {
  showSignedIn(who);
  byId("identity").textContent = `Signed in as ${describe(who)}${who.expiresAt ? ` until ${who.expiresAt.toLocaleString()}` : ""}`;
  byId("apps").replaceChildren(...appsFor(who.role).map((a) => h("li", {}, h("a", { href: a.path }, a.name), ` — ${blurbs[a.path]}`)));
  byId("signed-in").hidden = false;
  byId("sign-in-title").textContent = "Sign in with another token";
}

const form = byId("sign-in-form");
form.addEventListener("submit", (e) => {
  e.preventDefault();
  busy(e.submitter, "sign in", async () => {
    const who = signIn(form.elements.token.value);
    try {
      // Any list answers every role: the server's verdict on the token.
      await rest.get("/orders?limit=1");
    } catch (err) {
      signOut();
      throw err;
    }
    form.reset();
    if (next()) location.assign(next());
    else showApps(who);
  });
});

byId("track-form").addEventListener("submit", (e) => {
  e.preventDefault();
  location.assign(`/app/track/${encodeURIComponent(e.target.elements.order.value)}`);
});

const who = whoami();
if (who) showApps(who);
else if (next()) showInfo("Sign in to open that page.");
markReady();
