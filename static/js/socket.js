// The /ws/session protocol client (docs/protocol.md).
//
// Server → client: hello, config, frame, probe, error (each dispatched as an
// event of that name with the message as `detail`). Client → server: config,
// play, pause, step, reset, probe, points (send(type, fields)).
// The session id and its token live in sessionStorage, so a reload or a
// dropped connection resumes the same session (?session=ID&token=TOKEN).
// A new session's id is asked for first (POST /api/v1/sessions) and sent with
// the first connection (?session=ID&new=1): behind a proxy that routes by the
// id, that connection and every later one reach the process holding it.
//
// The page asks for the compact frame encoding (?encoding=compact): frames come
// as binary messages, the boundary a zlib stream decompressed here with DecompressionStream
// (docs/protocol.md, "The compact encoding"). Messages are handled in the order
// they arrived, even though decompressing is asynchronous.

const STORAGE_KEY = "nnpg.session";

function loadSaved() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
    return saved && saved.session && saved.token ? saved : null;
  } catch {
    return null;
  }
}

/** A fresh session id from any server process, or null (then the server picks one). */
async function freshSessionId() {
  try {
    const res = await fetch("/api/v1/sessions", { method: "POST" });
    return res.ok ? (await res.json()).session : null;
  } catch {
    return null;
  }
}

const COMPACT = "u8-probs-planar-grad";

async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A compact binary frame → the frame message, its boundary as bytes (R, R, C) in `boundary.bytes`. */
export async function decodeCompact(buffer) {
  const data = new Uint8Array(buffer);
  const n = new DataView(buffer).getUint32(0);
  const frame = JSON.parse(new TextDecoder().decode(data.subarray(4, 4 + n)));
  const b = frame.boundary;
  if (b && b.encoding === COMPACT) {
    const R = b.resolution;
    const C = b.classes;
    const planes = await inflate(data.subarray(4 + n));
    // Undo the filter (app/compact.py): sum down the columns, then along the rows.
    const bytes = new Uint8Array(R * R * C);
    const across = new Uint8Array(R);
    for (let c = 0; c < C; c += 1) {
      across.fill(0);
      for (let i = 0; i < R; i += 1) {
        let v = 0;
        let src = (c * R + i) * R;
        let dst = i * R * C + c;
        for (let j = 0; j < R; j += 1) {
          across[j] = (across[j] + planes[src]) & 255;
          v = (v + across[j]) & 255;
          bytes[dst] = v;
          src += 1;
          dst += C;
        }
      }
    }
    b.bytes = bytes;
    b.encoding = b.decoded || "u8-probs"; // u8-values for regression: the same bytes, filtered alike
    delete b.decoded;
  }
  return frame;
}

export class Connection extends EventTarget {
  constructor(path = "/ws/session", { compact = true } = {}) {
    super();
    this.path = path;
    this.compact = compact && typeof DecompressionStream === "function";
    this.bytesReceived = 0;
    this.framesReceived = 0;
    this.maxFrameBytes = 0;
    this.queue = Promise.resolve();
    this.nextRetryAt = 0;
    this.ws = null;
    this.session = null;
    this.open = false;
    this.retries = 0;
    this.timer = null;
    this.resumed = false;
  }

  async url() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const url = `${proto}//${location.host}${this.path}`;
    const sep = this.path.includes("?") ? "&" : "?";
    const saved = loadSaved();
    this.resuming = Boolean(saved);
    const query = new URLSearchParams();
    if (saved) {
      query.set("session", saved.session);
      query.set("token", saved.token);
    } else {
      const fresh = await freshSessionId();
      if (fresh) {
        query.set("session", fresh);
        query.set("new", "1");
      }
    }
    if (this.compact) query.set("encoding", "compact");
    const q = query.toString();
    return q ? `${url}${sep}${q}` : url;
  }

  async connect() {
    clearTimeout(this.timer);
    let ws;
    try {
      ws = new WebSocket(await this.url());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.current = ws;
    ws.binaryType = "arraybuffer";
    ws.addEventListener("open", () => {
      this.open = true;
      this.retries = 0;
      this.emit("open", {});
    });
    ws.addEventListener("message", (ev) => {
      const binary = ev.data instanceof ArrayBuffer;
      const size = binary ? ev.data.byteLength : ev.data.length;
      this.bytesReceived += size;
      const parsed = binary ? decodeCompact(ev.data) : Promise.resolve(ev.data).then(JSON.parse);
      this.queue = this.queue.then(() => parsed).then((msg) => {
        if (msg && msg.type === "frame") {
          this.framesReceived += 1;
          this.lastFrameBytes = size;
          this.maxFrameBytes = Math.max(this.maxFrameBytes, size);
        }
        if (this.current === ws) this.handle(msg);
      }, () => { /* not a message: ignored */ }).catch((err) => console.error(err));
    });
    ws.addEventListener("close", (ev) => {
      if (this.ws !== ws) return;
      this.open = false;
      this.ws = null;
      this.emit("close", { code: ev.code });
      this.scheduleReconnect();
    });
  }

  handle(msg) {
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
      if (msg.code !== "rate_limited") this.retries = 0; // (too many new sessions: back off)
    }
    this.emit(msg.type, msg);
  }

  scheduleReconnect() {
    const delay = Math.min(5000, 300 * 2 ** this.retries);
    this.retries += 1;
    clearTimeout(this.timer);
    this.nextRetryAt = Date.now() + delay;
    this.timer = setTimeout(() => this.connect(), delay);
  }

  /** Try again now (the disconnected overlay's button). */
  retryNow() {
    if (this.ws) return;
    this.connect();
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
