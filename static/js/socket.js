// The /ws/session protocol client (docs/protocol.md).
//
// Server → client: hello, config, frame, probe, error (each dispatched as an
// event of that name with the message as `detail`). Client → server: config,
// play, pause, step, reset, probe, points (send(type, fields)).
// The session id and its token live in sessionStorage, so a reload or a
// dropped connection resumes the same session (?session=ID&token=TOKEN).

const STORAGE_KEY = "nnpg.session";

function loadSaved() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
    return saved && saved.session && saved.token ? saved : null;
  } catch {
    return null;
  }
}

export class Connection extends EventTarget {
  constructor(path = "/ws/session") {
    super();
    this.path = path;
    this.ws = null;
    this.session = null;
    this.open = false;
    this.retries = 0;
    this.timer = null;
    this.resumed = false;
  }

  url() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    let url = `${proto}//${location.host}${this.path}`;
    const saved = loadSaved();
    this.resuming = Boolean(saved);
    if (saved) {
      url += `${this.path.includes("?") ? "&" : "?"}session=${encodeURIComponent(saved.session)}`
        + `&token=${encodeURIComponent(saved.token)}`;
    }
    return url;
  }

  connect() {
    clearTimeout(this.timer);
    let ws;
    try {
      ws = new WebSocket(this.url());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.open = true;
      this.retries = 0;
      this.emit("open", {});
    });
    ws.addEventListener("message", (ev) => {
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (!msg || typeof msg.type !== "string") return;
      if (msg.type === "hello") {
        this.resumed = this.resuming && msg.session === (loadSaved() || {}).session;
        this.session = msg.session;
        try {
          sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ session: msg.session, token: msg.token }));
        } catch { /* private mode: no resume, still works */ }
      } else if (msg.type === "error" && (msg.field === "token" || msg.field === "session")) {
        // Expired, unknown, or taken over by another tab: forget it; the server
        // closes this socket and the reconnect starts a session of our own.
        sessionStorage.removeItem(STORAGE_KEY);
        this.retries = 0;
      }
      this.emit(msg.type, msg);
    });
    ws.addEventListener("close", (ev) => {
      if (this.ws !== ws) return;
      this.open = false;
      this.ws = null;
      this.emit("close", { code: ev.code });
      this.scheduleReconnect();
    });
  }

  scheduleReconnect() {
    const delay = Math.min(5000, 300 * 2 ** this.retries);
    this.retries += 1;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  on(type, handler) {
    this.addEventListener(type, (ev) => handler(ev.detail));
  }

  /** Send one message; false when the socket is not open (the caller resyncs on hello). */
  send(type, fields = {}) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify({ type, ...fields }));
    return true;
  }
}
