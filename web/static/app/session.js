// Who is signed in. The bearer token lives in sessionStorage: it survives
// reloads of the tab and dies with it, and never leaves this origin.

const storageKey = "dabba.token";

// identify reads a JWT's payload for display: the role, the subject's ID
// and the expiry. It checks nothing — the server verifies every request.
// It returns null for something that is not a JWT with a role.
export function identify(token) {
  const parts = String(token).split(".");
  if (parts.length !== 3) return null;
  try {
    const b64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(b64.padEnd(Math.ceil(b64.length / 4) * 4, "=")), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof claims.role !== "string") return null;
    return {
      role: claims.role,
      id: Number(claims.sub ?? 0),
      expiresAt: typeof claims.exp === "number" ? new Date(claims.exp * 1000) : null,
    };
  } catch {
    return null;
  }
}

// describe names a principal the way people say it: "restaurant 12", "admin".
export function describe(who) {
  return who.role === "admin" || !who.id ? who.role : `${who.role} ${who.id}`;
}

// token returns the signed-in token, or null.
export function token() {
  return sessionStorage.getItem(storageKey);
}

// whoami returns the signed-in principal, or null when nobody is signed in
// or the token has expired.
export function whoami() {
  const t = token();
  const who = t && identify(t);
  if (!who || (who.expiresAt && who.expiresAt <= new Date())) return null;
  return who;
}

// signIn keeps a token (a pasted "Bearer …" works too) and returns who it
// speaks for. It throws when the text is not a token or has expired.
export function signIn(text) {
  const t = String(text).trim().replace(/^Bearer\s+/i, "");
  const who = identify(t);
  if (!who) throw new Error("That is not a dabba token: paste the whole JWT that `make run` or `dabba token` printed.");
  if (who.expiresAt && who.expiresAt <= new Date()) {
    throw new Error(`That token expired on ${who.expiresAt.toLocaleString()}: mint a new one with \`dabba token\`.`);
  }
  sessionStorage.setItem(storageKey, t);
  return who;
}

// signOut forgets the token.
export function signOut() {
  sessionStorage.removeItem(storageKey);
}
