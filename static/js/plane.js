// The decision-boundary plane.
//
// The plot box (aria-label "Decision boundary") maps linearly onto the latest
// frame's boundary.extent: x to the right, y upward. Under it a canvas shows
// the class probabilities (u8-probs, shape (R, R, C)): bilinearly
// interpolated, one colour per class (the most probable one), lighter where
// the network is unsure. Over it a second canvas shows the points and the
// probe. Only the latest frame is drawn, once per animation frame.
//
// A click inspects the data point under it (the nearest one; where points of
// several classes lie under it, all of them, for the user to pick), or in
// "add points" mode adds a point (as does a shift-click). Arrow keys move the
// probe (a spot, no longer a data point: its label is cleared); Enter adds a
// point there in "add points" mode.

// A regression frame's field (u8-values) is the predicted value on a diverging
// scale, and its points are coloured by their targets on the same scale.

import { diverging, divergingCss } from "./diverging.js";
import { t } from "./i18n.js";

export const CLASS_COLORS = [
  "#0072B2", // blue
  "#E69F00", // orange
  "#009E73", // bluish green
  "#CC79A7", // reddish purple
  "#56B4E9", // sky blue
  "#D55E00", // vermillion
  "#F0E442", // yellow
  "#4D4D4D", // dark grey
  "#8C6D31", // brown
  "#9A9AFF", // lavender
];
/** "Class k" in the page's language. */
export function className(k) {
  return t("page.class_name", { k });
}

const AXIS = { left: 44, right: 10, top: 8, bottom: 38 };
const ALPHA_MIN = 0.08;
const ALPHA_MAX = 0.62;
// Backing pixels of the boundary image per grid cell: probabilities are
// interpolated at this size, then the canvas is scaled (smoothly) to the box.
// More costs time on every frame and adds little: the grid is the limit.
const RENDER_PER_CELL = 2.5;
const MIN_RENDER = 160;

function hexToRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
const RGB = CLASS_COLORS.map(hexToRgb);

function decodeBase64(data) {
  const bin = atob(data);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i += 1) out[i] = bin.charCodeAt(i);
  return out;
}

function niceTicks(lo, hi, maxTicks = 7) {
  const span = hi - lo;
  if (!(span > 0)) return [];
  const raw = span / maxTicks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || 10 * mag;
  const ticks = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9; v += step) {
    ticks.push(Math.abs(v) < step * 1e-6 ? 0 : v);
  }
  return ticks;
}

function tickLabel(v) {
  return String(Number(v.toFixed(2)));
}

const SVG_NS = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

export class Plane {
  /**
   * @param {HTMLElement} host  element whose size the plane fills (a square inside it)
   */
  constructor(host) {
    this.host = host;
    this.extent = null;
    this.boundary = null;
    this.bytes = null;
    this.boundaryDirty = false;
    this.overlayDirty = true;
    this.points = null; // {X, y, test, nBase}: points from nBase on were added by the user
    this.probe = null; // [x1, x2]
    this.classes = 3;
    this.rafPending = false;
    this.framesDrawn = 0;
    this.addMode = false;
    this.handlers = { probe: () => {}, add: () => {}, hover: () => {} };
    this.build();
    this.observe();
  }

  build() {
    this.wrap = document.createElement("div");
    this.wrap.className = "plane-wrap";
    this.axes = svg("svg", { class: "plane-axes", "aria-hidden": "true" });
    this.box = document.createElement("div");
    this.box.className = "plane-box";
    this.box.setAttribute("role", "application");
    this.box.setAttribute("aria-roledescription", "plane");
    this.box.setAttribute("aria-label", t("page.plane.label"));
    this.box.setAttribute("aria-describedby", "plane-help");
    this.box.tabIndex = 0;
    this.canvas = document.createElement("canvas");
    this.canvas.className = "plane-boundary";
    this.overlay = document.createElement("canvas");
    this.overlay.className = "plane-overlay";
    this.box.append(this.canvas, this.overlay);
    this.wrap.append(this.axes, this.box);
    this.host.append(this.wrap);

    this.box.addEventListener("click", (ev) => this.onClick(ev));
    this.box.addEventListener("mousemove", (ev) => {
      const p = this.eventToData(ev);
      this.handlers.hover(p);
    });
    this.box.addEventListener("mouseleave", () => this.handlers.hover(null));
    this.box.addEventListener("keydown", (ev) => this.onKey(ev));
  }

  on(name, handler) {
    this.handlers[name] = handler;
  }

  observe() {
    const ro = new ResizeObserver(() => this.layout());
    ro.observe(this.host);
    this.layout();
  }

  layout() {
    const w = this.host.clientWidth;
    const h = this.host.clientHeight;
    const size = Math.max(120, Math.floor(Math.min(w - AXIS.left - AXIS.right, h - AXIS.top - AXIS.bottom)));
    if (size === this.size) return;
    this.size = size;
    const totalW = size + AXIS.left + AXIS.right;
    const totalH = size + AXIS.top + AXIS.bottom;
    Object.assign(this.wrap.style, { width: `${totalW}px`, height: `${totalH}px` });
    Object.assign(this.box.style, { left: `${AXIS.left}px`, top: `${AXIS.top}px`,
      width: `${size}px`, height: `${size}px` });
    this.axes.setAttribute("width", totalW);
    this.axes.setAttribute("height", totalH);
    const dpr = Math.min(window.devicePixelRatio || 1, 2);
    this.maxRender = Math.round(size * dpr);
    this.overlay.width = Math.round(size * dpr);
    this.overlay.height = Math.round(size * dpr);
    this.image = null;
    this.boundaryDirty = true;
    this.overlayDirty = true;
    this.drawAxes();
    this.request();
  }

  // ---- inputs ----

  /** The latest frame's boundary; decoded and drawn on the next animation frame. */
  setBoundary(boundary) {
    if (!boundary || !(boundary.data || boundary.bytes)) return;
    if (this.boundary && this.boundary.encoding !== boundary.encoding) this.overlayDirty = true; // point colours
    this.boundary = boundary;
    this.boundaryDirty = true;
    const ext = boundary.extent;
    if (Array.isArray(ext) && ext.length === 4
        && (!this.extent || ext.some((v, i) => v !== this.extent[i]))) {
      this.extent = ext.slice();
      this.overlayDirty = true;
      this.drawAxes();
    }
    this.classes = boundary.classes || this.classes;
    this.request();
  }

  /** A class's colour, or for regression (a real target) its place on the diverging scale. */
  pointColor(k) {
    if (this.boundary && this.boundary.encoding === "u8-values") return divergingCss(k);
    return CLASS_COLORS[k % CLASS_COLORS.length];
  }

  setShowTest(on) {
    this.showTest = on;
    this.overlayDirty = true;
    this.request();
  }

  setDiscrete(on) {
    this.discrete = on;
    this.boundaryDirty = true;
    this.request();
  }

  setPoints(points) {
    this.points = points;
    this.overlayDirty = true;
    this.request();
  }

  setAddMode(on) {
    this.addMode = Boolean(on);
    this.box.classList.toggle("is-adding", this.addMode);
  }

  /** How many points the user added (after the data set's own). */
  get addedCount() {
    return this.points ? this.points.X.length - (this.points.nBase ?? this.points.X.length) : 0;
  }

  setProbe(x) {
    this.probe = x ? [x[0], x[1]] : null;
    this.overlayDirty = true;
    this.request();
  }

  // ---- coordinates ----

  eventToData(ev) {
    if (!this.extent) return null;
    const rect = this.box.getBoundingClientRect();
    const fx = (ev.clientX - rect.left) / rect.width;
    const fy = (ev.clientY - rect.top) / rect.height;
    if (fx < 0 || fx > 1 || fy < 0 || fy > 1) return null;
    const [x0, x1, y0, y1] = this.extent;
    return [x0 + fx * (x1 - x0), y1 - fy * (y1 - y0)];
  }

  toPixel(x, y, w, h) {
    const [x0, x1, y0, y1] = this.extent;
    return [((x - x0) / (x1 - x0)) * w, (1 - (y - y0) / (y1 - y0)) * h];
  }

  /**
   * The data points under a click at `p`: [] when none is within `radius` CSS px;
   * the nearest one alone; or, when points of other classes are drawn about as
   * close (within `tie` px more), the nearest point of each of those classes.
   * Each is {x: [x1, x2], label, distance} (distance in CSS px).
   */
  pointsAt(p, radius = 9, tie = 2.5) {
    if (!this.extent || !p || !this.points) return [];
    const size = this.size;
    const [px, py] = this.toPixel(p[0], p[1], size, size);
    const near = [];
    this.points.X.forEach((xy, i) => {
      const [qx, qy] = this.toPixel(xy[0], xy[1], size, size);
      const distance = Math.hypot(qx - px, qy - py);
      if (distance <= radius) near.push({ x: [xy[0], xy[1]], label: this.points.y[i], distance });
    });
    near.sort((a, b) => a.distance - b.distance);
    if (!near.length) return [];
    const byClass = new Map();
    for (const pt of near) {
      if (pt.distance <= near[0].distance + tie && !byClass.has(pt.label)) byClass.set(pt.label, pt);
    }
    return [...byClass.values()];
  }

  onClick(ev) {
    const p = this.eventToData(ev);
    if (!p) return;
    if (ev.shiftKey || this.addMode) this.handlers.add(p);
    else this.handlers.probe(p, this.pointsAt(p));
  }

  onKey(ev) {
    if (!this.extent) return;
    const keys = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
    const [x0, x1, y0, y1] = this.extent;
    if (keys[ev.key]) {
      ev.preventDefault();
      const frac = ev.shiftKey ? 0.1 : 0.02;
      const start = this.probe || [(x0 + x1) / 2, (y0 + y1) / 2];
      const [dx, dy] = keys[ev.key];
      const p = [
        Math.min(x1, Math.max(x0, start[0] + dx * frac * (x1 - x0))),
        Math.min(y1, Math.max(y0, start[1] + dy * frac * (y1 - y0))),
      ];
      this.handlers.probe(p, null);
    } else if (ev.key === "Enter" && this.addMode) {
      ev.preventDefault();
      this.handlers.add(this.probe || [(x0 + x1) / 2, (y0 + y1) / 2]);
    } else if (ev.key === "Enter" && !this.probe) {
      ev.preventDefault();
      this.handlers.probe([(x0 + x1) / 2, (y0 + y1) / 2], null);
    }
  }

  // ---- drawing ----

  request() {
    if (this.rafPending) return;
    this.rafPending = true;
    requestAnimationFrame(() => {
      this.rafPending = false;
      if (this.boundaryDirty) {
        this.boundaryDirty = false;
        this.drawBoundary();
      }
      if (this.overlayDirty) {
        this.overlayDirty = false;
        this.drawOverlay();
      }
    });
  }

  drawBoundary() {
    const b = this.boundary;
    if (!b) return;
    const R = b.resolution;
    const C = b.classes;
    let bytes = b.bytes; // the compact encoding: already decoded (socket.js)
    try {
      if (!bytes) bytes = decodeBase64(b.data);
    } catch {
      return;
    }
    if (R < 2 || C < 1 || bytes.length !== R * R * C) return;
    const t0 = performance.now();
    const S = Math.min(this.maxRender || 400, Math.max(MIN_RENDER, Math.round(RENDER_PER_CELL * R)));
    if (this.canvas.width !== S) {
      this.canvas.width = S;
      this.canvas.height = S;
    }
    const ctx = this.canvas.getContext("2d");
    if (!this.image || this.image.width !== S) this.image = ctx.createImageData(S, S);
    const img = this.image.data;

    // Column and row interpolation positions (cell centres sit on the box edges).
    const j0s = new Int32Array(S);
    const wxs = new Float32Array(S);
    for (let p = 0; p < S; p += 1) {
      const f = ((p + 0.5) / S) * (R - 1);
      const j0 = Math.min(R - 2, Math.floor(f));
      j0s[p] = j0;
      wxs[p] = f - j0;
    }
    const rgb = [];
    for (let k = 0; k < C; k += 1) rgb.push(RGB[k % RGB.length]);
    const chance = 1 / C;
    const span = C > 1 ? 1 - chance : 1;
    const rowStride = R * C;
    const values = b.encoding === "u8-values";
    const [lo, hi] = values && Array.isArray(b.range) ? b.range : [-1, 1];
    let o = 0;
    for (let py = 0; py < S; py += 1) {
      const f = (1 - (py + 0.5) / S) * (R - 1); // row 0 is ymin: the bottom
      const i0 = Math.min(R - 2, Math.floor(f));
      const wy = f - i0;
      const rowA = i0 * rowStride;
      const rowB = rowA + rowStride;
      for (let px = 0; px < S; px += 1) {
        const j0 = j0s[px];
        const wx = wxs[px];
        const w00 = (1 - wx) * (1 - wy);
        const w01 = wx * (1 - wy);
        const w10 = (1 - wx) * wy;
        const w11 = wx * wy;
        const a = rowA + j0 * C;
        const c = rowB + j0 * C;
        if (values) { // regression: the predicted value, lo..hi, on the diverging scale
          const q = w00 * bytes[a] + w01 * bytes[a + C] + w10 * bytes[c] + w11 * bytes[c + C];
          const v = lo + (q / 255) * (hi - lo);
          const [r, g, bl] = diverging(this.discrete ? Math.sign(v) : v);
          img[o] = r; img[o + 1] = g; img[o + 2] = bl; img[o + 3] = 255;
          o += 4;
          continue;
        }
        let best = -1;
        let bestK = 0;
        for (let k = 0; k < C; k += 1) {
          const v = w00 * bytes[a + k] + w01 * bytes[a + C + k] + w10 * bytes[c + k] + w11 * bytes[c + C + k];
          if (v > best) { best = v; bestK = k; }
        }
        let t = this.discrete ? 1 : (best / 255 - chance) / span;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const alpha = ALPHA_MIN + (ALPHA_MAX - ALPHA_MIN) * t;
        const col = rgb[bestK];
        img[o] = 255 + (col[0] - 255) * alpha;
        img[o + 1] = 255 + (col[1] - 255) * alpha;
        img[o + 2] = 255 + (col[2] - 255) * alpha;
        img[o + 3] = 255;
        o += 4;
      }
    }
    ctx.putImageData(this.image, 0, 0);
    this.framesDrawn += 1;
    this.drawMs = (this.drawMs || 0) + performance.now() - t0;
  }

  drawOverlay() {
    const ctx = this.overlay.getContext("2d");
    const W = this.overlay.width;
    const H = this.overlay.height;
    ctx.clearRect(0, 0, W, H);
    if (!this.extent) return;
    const scale = W / this.size;
    const r = Math.max(3, Math.min(6.5, this.size / 95)) * scale;
    ctx.lineWidth = 1.2 * scale;

    const drawTrain = (x, y, k) => {
      const [px, py] = this.toPixel(x, y, W, H);
      ctx.beginPath();
      ctx.arc(px, py, r + 1.3 * scale, 0, 2 * Math.PI);
      ctx.fillStyle = "rgba(255,255,255,0.9)";
      ctx.fill();
      ctx.beginPath();
      ctx.arc(px, py, r, 0, 2 * Math.PI);
      ctx.fillStyle = this.pointColor(k);
      ctx.fill();
      ctx.strokeStyle = "rgba(29,39,51,0.6)";
      ctx.lineWidth = 0.8 * scale;
      ctx.stroke();
    };
    const drawTest = (x, y, k) => {
      const [px, py] = this.toPixel(x, y, W, H);
      ctx.beginPath();
      ctx.arc(px, py, r * 0.92, 0, 2 * Math.PI);
      ctx.fillStyle = "#ffffff";
      ctx.fill();
      ctx.lineWidth = 2.4 * scale;
      ctx.strokeStyle = this.pointColor(k);
      ctx.stroke();
      ctx.beginPath();
      ctx.arc(px, py, r * 0.92 + 1.6 * scale, 0, 2 * Math.PI);
      ctx.lineWidth = 0.8 * scale;
      ctx.strokeStyle = "rgba(29,39,51,0.55)";
      ctx.stroke();
    };
    const drawAdded = (x, y, k) => {
      const [px, py] = this.toPixel(x, y, W, H);
      const d = r * 1.35;
      ctx.beginPath();
      ctx.moveTo(px, py - d);
      ctx.lineTo(px + d, py);
      ctx.lineTo(px, py + d);
      ctx.lineTo(px - d, py);
      ctx.closePath();
      ctx.fillStyle = this.pointColor(k);
      ctx.fill();
      ctx.lineWidth = 1.4 * scale;
      ctx.strokeStyle = "#1d2733";
      ctx.stroke();
    };

    if (this.points) {
      const { X, y, test } = this.points;
      const nBase = this.points.nBase ?? X.length;
      // Training points first, held-out points on top so they stay visible, added ones last.
      for (let i = 0; i < nBase; i += 1) if (!test[i]) drawTrain(X[i][0], X[i][1], y[i]);
      if (this.showTest !== false) for (let i = 0; i < nBase; i += 1) if (test[i]) drawTest(X[i][0], X[i][1], y[i]);
      for (let i = nBase; i < X.length; i += 1) drawAdded(X[i][0], X[i][1], y[i]);
    }

    if (this.probe) {
      const [px, py] = this.toPixel(this.probe[0], this.probe[1], W, H);
      const arm = 11 * scale;
      ctx.lineCap = "round";
      for (const [color, width] of [["#ffffff", 5 * scale], ["#1d2733", 2 * scale]]) {
        ctx.strokeStyle = color;
        ctx.lineWidth = width;
        ctx.beginPath();
        ctx.moveTo(px - arm, py);
        ctx.lineTo(px - 4 * scale, py);
        ctx.moveTo(px + 4 * scale, py);
        ctx.lineTo(px + arm, py);
        ctx.moveTo(px, py - arm);
        ctx.lineTo(px, py - 4 * scale);
        ctx.moveTo(px, py + 4 * scale);
        ctx.lineTo(px, py + arm);
        ctx.stroke();
      }
      ctx.beginPath();
      ctx.arc(px, py, 6.5 * scale, 0, 2 * Math.PI);
      ctx.lineWidth = 2 * scale;
      ctx.strokeStyle = "#1d2733";
      ctx.stroke();
    }
  }

  drawAxes() {
    const g = this.axes;
    g.replaceChildren();
    if (!this.size) return;
    const size = this.size;
    const left = AXIS.left;
    const top = AXIS.top;
    g.append(svg("rect", { x: left - 0.5, y: top - 0.5, width: size + 1, height: size + 1,
      fill: "none", stroke: "#9aa4b1", "stroke-width": 1 }));
    if (!this.extent) return;
    const [x0, x1, y0, y1] = this.extent;
    for (const v of niceTicks(x0, x1)) {
      const px = left + ((v - x0) / (x1 - x0)) * size;
      g.append(svg("line", { x1: px, x2: px, y1: top + size, y2: top + size + 5, stroke: "#6b7684" }));
      g.append(svg("text", { x: px, y: top + size + 17, "text-anchor": "middle", class: "tick" }, tickLabel(v)));
    }
    for (const v of niceTicks(y0, y1)) {
      const py = top + (1 - (v - y0) / (y1 - y0)) * size;
      g.append(svg("line", { x1: left - 5, x2: left, y1: py, y2: py, stroke: "#6b7684" }));
      g.append(svg("text", { x: left - 8, y: py + 4, "text-anchor": "end", class: "tick" }, tickLabel(v)));
    }
    g.append(svg("text", { x: left + size / 2, y: top + size + 33, "text-anchor": "middle", class: "axis-title" }, "x₁"));
    g.append(svg("text", { x: 12, y: top + size / 2, "text-anchor": "middle", class: "axis-title",
      transform: `rotate(-90 12 ${top + size / 2})` }, "x₂"));
  }
}
