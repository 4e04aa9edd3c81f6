// The realtime protocol of /ws (realtime/PROTOCOL.md), for browsers: one
// socket carries every topic the page watches; it authenticates with the
// subprotocol list ["dabba.v1", "bearer.<token>"], resumes each topic from
// the last sequence it applied after a reconnect, and tells the page when
// what was missed cannot be replayed (`reset`) so it reloads over REST.

// Close codes after which reconnecting cannot help.
const fatalCloses = new Map([
  [4001, "the server refused the token: sign in again"],
  [4003, "the token expired: sign in again"],
  [1008, "the server refused the connection (policy)"],
  [1009, "a frame was too large"],
]);

// Error codes of a subscription that are worth retrying.
const retryableErrors = new Set(["unavailable", "rate_limited"]);

// backoff is the wait before reconnect attempt n (from 0): exponential from
// 1 s, capped at 30 s, with jitter so a restarted fleet is not stormed.
export function backoff(n) {
  const ceiling = Math.min(30000, 1000 * 2 ** Math.min(n, 15));
  return ceiling / 2 + (Math.random() * ceiling) / 2;
}

// drainDelay is the wait before reconnecting after close code 1012 (the
// node is shutting down): random in 0.5–5 s, as the protocol asks.
export function drainDelay() {
  return 500 + Math.random() * 4500;
}

// socketURL is /ws on this page's origin.
export function socketURL(loc = window.location) {
  return `${loc.protocol === "https:" ? "wss" : "ws"}://${loc.host}/ws`;
}

// Live is one realtime connection.
//
// onState({state, detail, retryIn}) reports the connection: "connecting",
// "live" (a subscription is active), "waiting" (reconnecting in retryIn
// ms), "stopped" (for good: detail says why). onError(frame) gets error
// frames no subscription handles.
export class Live {
  #token;
  #url;
  #onState;
  #onError;
  #pingEvery;
  #ws = null;
  #subs = new Map();
  #attempt = 0;
  #timer = null;
  #heartbeat = null;
  #awaitingPong = false;
  #stopped = false;

  constructor({ token, url = socketURL(), onState = () => {}, onError = () => {}, pingEvery = 20000 }) {
    this.#token = token;
    this.#url = url;
    this.#onState = onState;
    this.#onError = onError;
    this.#pingEvery = pingEvery;
  }

  // watch subscribes to a topic. handlers:
  //   since         the last sequence the page already has (e.g. from REST);
  //                 the hub replays every event after it. Omit for "from now".
  //   onSubscribed({seq, resumed})  the subscription is live; resumed is
  //                 true after a reconnect (latest-wins state may be stale:
  //                 reload it over REST).
  //   onEvent(frame)  an event frame {topic, seq, type, data, ts}.
  //   onReset(reason)  events were missed for good: reload over REST.
  //   onError(frame)   the hub refused the subscription (e.g. forbidden).
  // It returns {stop()} and the position as `seq`.
  watch(topic, handlers = {}) {
    if (this.#subs.has(topic)) throw new Error(`already watching ${topic}`);
    const sub = {
      topic,
      handlers,
      seq: handlers.since ?? null,
      subscribedSeq: null,
      fresh: false,
      adopt: false,
      rounds: 0,
      failed: false,
      retry: null,
    };
    this.#subs.set(topic, sub);
    if (this.#isOpen()) this.#subscribe(sub);
    else if (!this.#ws && !this.#timer && !this.#stopped) this.#connect();
    return {
      stop: () => this.#unwatch(sub),
      get seq() {
        return sub.seq;
      },
    };
  }

  // close ends the connection for good.
  close() {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#stopHeartbeat();
    for (const sub of this.#subs.values()) clearTimeout(sub.retry);
    const ws = this.#ws;
    this.#ws = null;
    ws?.close(1000, "page closed");
    this.#state("stopped", "closed");
  }

  #isOpen() {
    return this.#ws?.readyState === WebSocket.OPEN;
  }

  #state(state, detail = "", retryIn = 0) {
    this.#onState({ state, detail, retryIn });
  }

  #connect() {
    this.#timer = null;
    this.#state("connecting");
    let ws;
    try {
      ws = new WebSocket(this.#url, ["dabba.v1", `bearer.${this.#token}`]);
    } catch (err) {
      this.#state("stopped", `cannot open the websocket: ${err.message}`);
      return;
    }
    this.#ws = ws;
    ws.onopen = () => {
      for (const sub of this.#subs.values()) this.#subscribe(sub);
      this.#startHeartbeat();
    };
    ws.onmessage = (e) => this.#receive(e.data);
    ws.onclose = (e) => {
      if (this.#ws === ws) this.#closed(e.code, e.reason);
    };
  }

  #send(frame) {
    if (this.#isOpen()) this.#ws.send(JSON.stringify(frame));
  }

  #subscribe(sub) {
    if (sub.failed) return;
    const frame = { op: "subscribe", topic: sub.topic };
    if (sub.seq !== null) frame.since = sub.seq;
    this.#send(frame);
  }

  #unwatch(sub) {
    if (this.#subs.get(sub.topic) !== sub) return;
    clearTimeout(sub.retry);
    this.#subs.delete(sub.topic);
    this.#send({ op: "unsubscribe", topic: sub.topic });
  }

  #receive(raw) {
    let f;
    try {
      f = JSON.parse(raw);
    } catch {
      return;
    }
    const sub = typeof f.topic === "string" ? this.#subs.get(f.topic) : undefined;
    switch (f.op) {
      case "subscribed":
        if (!sub) return;
        sub.rounds++;
        sub.subscribedSeq = f.seq;
        sub.fresh = true;
        if (sub.seq === null) sub.seq = f.seq;
        this.#attempt = 0;
        this.#state("live");
        sub.handlers.onSubscribed?.({ seq: f.seq, resumed: sub.rounds > 1 });
        return;
      case "event":
        if (!sub) return;
        // Latest-wins events carry the current sequence without advancing
        // it, so the position only moves forward — except right after a
        // reset, when the next event's sequence is the position to adopt.
        sub.seq = sub.seq === null || sub.adopt ? f.seq : Math.max(sub.seq, f.seq);
        sub.adopt = false;
        sub.fresh = false;
        sub.handlers.onEvent?.(f);
        return;
      case "reset":
        if (!sub) return;
        if (sub.fresh) sub.seq = sub.subscribedSeq;
        sub.adopt = true;
        sub.handlers.onReset?.(f.reason);
        return;
      case "error":
        this.#refused(sub, f);
        return;
      case "pong":
        this.#awaitingPong = false;
        return;
    }
  }

  #refused(sub, f) {
    if (f.code === "already_subscribed") return;
    if (sub && retryableErrors.has(f.code)) {
      clearTimeout(sub.retry);
      sub.retry = setTimeout(() => this.#isOpen() && this.#subscribe(sub), 1000 + Math.random() * 2000);
      return;
    }
    if (sub) sub.failed = true;
    (sub?.handlers.onError ?? this.#onError)(f);
  }

  #closed(code, reason) {
    this.#ws = null;
    this.#stopHeartbeat();
    if (this.#stopped) return;
    const fatal = fatalCloses.get(code);
    if (fatal) {
      this.#stopped = true;
      this.#state("stopped", reason ? `${fatal} (${reason})` : fatal);
      return;
    }
    const delay = code === 1012 ? drainDelay() : backoff(this.#attempt++);
    this.#state("waiting", reason || `connection lost (${code})`, delay);
    this.#timer = setTimeout(() => this.#connect(), delay);
  }

  // The hub pings the socket itself, but a browser does not notice a dead
  // network until it writes: an application-level ping that goes
  // unanswered until the next one means the connection is gone.
  #startHeartbeat() {
    this.#stopHeartbeat();
    this.#awaitingPong = false;
    this.#heartbeat = setInterval(() => {
      if (this.#awaitingPong) {
        const ws = this.#ws;
        this.#ws = null;
        ws?.close(4000, "no pong");
        this.#closed(1006, "the server stopped answering");
        return;
      }
      this.#awaitingPong = true;
      this.#send({ op: "ping" });
    }, this.#pingEvery);
  }

  #stopHeartbeat() {
    clearInterval(this.#heartbeat);
    this.#heartbeat = null;
  }
}
