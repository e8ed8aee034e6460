// A run watched read-only: /ws/session?session=ID&watch=1 drawn on a Plane.
//
// Used by the student page (the teacher's spotlight) and the teacher's board
// (a student's run, full size). `onStatus(frame)` gets each frame's numbers.

import { Plane } from "./plane.js";

export class RunViewer {
  constructor(host, { onStatus = () => {}, onEnd = () => {} } = {}) {
    this.host = host;
    this.plane = null;
    this.ws = null;
    this.session = null;
    this.onStatus = onStatus;
    this.onEnd = onEnd;
    this.nBase = 0;
  }

  /** Watch `session` (stops watching the previous one). */
  watch(session) {
    if (session === this.session && this.ws) return;
    this.stop();
    this.session = session;
    if (!this.plane) this.plane = new Plane(this.host);
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}/ws/session?session=${encodeURIComponent(session)}&watch=1`);
    this.ws = ws;
    ws.addEventListener("message", (ev) => {
      if (this.ws !== ws) return;
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      if (msg.type === "hello") {
        this.nBase = msg.config?.n_points ?? 0;
        this.showPoints(msg.points);
        this.onStatus({ step: msg.step, status: msg.status, running: msg.running, loss: {} });
      } else if (msg.type === "config") {
        this.nBase = msg.config?.n_points ?? this.nBase;
      } else if (msg.type === "frame") {
        if (msg.points) this.showPoints(msg.points);
        this.plane.setBoundary(msg.boundary);
        this.onStatus(msg);
      } else if (msg.type === "error" && msg.field === "session") {
        this.onEnd();
      }
    });
    ws.addEventListener("close", () => {
      if (this.ws === ws) this.ws = null;
    });
  }

  showPoints(points) {
    if (!points || !Array.isArray(points.X)) return;
    this.plane.setPoints({ X: points.X, y: points.y, test: points.test || points.X.map(() => false),
      nBase: Math.min(points.X.length, this.nBase || points.X.length) });
  }

  get framesDrawn() {
    return this.plane ? this.plane.framesDrawn : 0;
  }

  stop() {
    const ws = this.ws;
    this.ws = null;
    this.session = null;
    if (ws) ws.close();
  }
}

/** A frame's `u8-probs` boundary drawn into a small canvas (one pixel per cell). */
export function drawThumbnail(canvas, boundary, colors) {
  const R = boundary.resolution;
  const C = boundary.classes;
  const bin = atob(boundary.data);
  canvas.width = R;
  canvas.height = R;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(R, R);
  const rgb = colors.map((hex) => {
    const n = parseInt(hex.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  });
  for (let i = 0; i < R; i += 1) {
    for (let j = 0; j < R; j += 1) {
      const cell = i * R + j;
      let best = 0;
      let bestP = -1;
      for (let k = 0; k < C; k += 1) {
        const p = bin.charCodeAt(cell * C + k);
        if (p > bestP) { bestP = p; best = k; }
      }
      const a = 0.15 + 0.7 * (bestP / 255);
      const [r, g, b] = rgb[best % rgb.length];
      const o = ((R - 1 - i) * R + j) * 4; // row 0 is the lowest y: drawn at the bottom
      img.data[o] = Math.round(255 - a * (255 - r));
      img.data[o + 1] = Math.round(255 - a * (255 - g));
      img.data[o + 2] = Math.round(255 - a * (255 - b));
      img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}
