// Loss and accuracy curves, drawn on a canvas of our own.
//
// Frames bring the history points recorded since the previous frame; add()
// only appends them to arrays (well under a millisecond) and asks for a
// redraw, which happens at most every REDRAW_MS on an animation frame. A
// redraw strokes every curve once: its cost grows with the points kept, so a
// run keeps one point every `stride` steps, and past MAX_POINTS every other
// point is dropped and the stride doubles (as the server does with its own
// history). A non-finite loss (divergence) is always kept and breaks the line.
//
// Up to MAX_PINS earlier runs stay on the chart, faded and labelled, under
// the current one: pinning copies the current run; reset and re-initializing
// settings clear only the current run.

import { t } from "./i18n.js";

const REDRAW_MS = 100;
const MAX_POINTS = 1500;
export const MAX_PINS = 3;
const KEYS = ["data_loss", "reg_loss", "total", "train_accuracy", "test_accuracy"];
// A regression run reports R² where a classification run reports accuracy.
const R2_OF = { train_accuracy: "train_r2", test_accuracy: "test_r2" };
const R2_LABEL = { train_accuracy: "engine.stat.train_r2", test_accuracy: "engine.stat.test_r2" };

// The current run's curves: colour-blind-safe colours, and a dash for the dashed ones.
const TRACES = [
  { key: "data_loss", label: "page.chart.data_loss", color: "#0072B2", width: 1.6, dash: [], panel: "loss" },
  { key: "reg_loss", label: "page.chart.reg_loss", color: "#CC79A7", width: 1.6, dash: [2, 3], panel: "loss" },
  { key: "total", label: "page.chart.total", color: "#1d2733", width: 2.6, dash: [], panel: "loss" },
  { key: "train_accuracy", label: "page.chart.train_acc", color: "#009E73", width: 2, dash: [], panel: "acc" },
  { key: "test_accuracy", label: "page.chart.test_acc", color: "#D55E00", width: 2, dash: [6, 4], panel: "acc" },
];
// Pinned runs: their total loss and train accuracy, faded.
const PIN_STYLES = [
  { color: "#6a4c93", dash: [7, 4] },
  { color: "#8c6d31", dash: [2, 3] },
  { color: "#5d6b7a", dash: [10, 3, 2, 3] },
];
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans CJK SC", sans-serif';
const GRID = "#e6e9ee";
const INK = "#1d2733";
const MUTED = "#5b6573";

function emptyRun() {
  const run = { step: [], stride: 1, lastStep: -1, lastKept: -Infinity };
  for (const k of KEYS) run[k] = [];
  return run;
}

function finiteOrNull(v) {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function niceStep(span, maxTicks) {
  const raw = span / maxTicks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || 10 * mag;
}

function linearTicks(lo, hi, maxTicks) {
  if (!(hi > lo)) return [lo];
  const step = niceStep(hi - lo, maxTicks);
  const out = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function tickText(v) {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(0).replace("e+", "e");
  if (a >= 1000) return `${Number((v / 1000).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

export class LossChart {
  constructor(host, { logScale = false } = {}) {
    this.host = host;
    this.logScale = logScale;
    this.fontSize = 12;
    this.run = emptyRun();
    this.pins = [];
    this.ready = true;
    this.addMs = 0;
    this.adds = 0;
    this.drawMs = 0;
    this.draws = 0;
    this.lastDraw = 0;
    this.timer = null;
    this.legend = document.createElement("ul");
    this.legend.className = "chart-legend";
    this.canvas = document.createElement("canvas");
    this.canvas.className = "chart-canvas";
    this.tip = document.createElement("div");
    this.tip.className = "chart-tip";
    this.tip.hidden = true;
    host.append(this.legend, this.canvas, this.tip);
    this.canvas.addEventListener("mousemove", (ev) => this.hover(ev));
    this.canvas.addEventListener("mouseleave", () => { this.tip.hidden = true; });
    this.onUnpin = () => {};
    new ResizeObserver(() => this.resize()).observe(host);
    this.renderLegend();
    this.resize();
  }

  get count() {
    return this.run.step.length;
  }

  // ---- data ----

  /** Append a frame's history ({step: [], data_loss: [], …}). */
  add(history) {
    if (!history || !Array.isArray(history.step) || !history.step.length) return;
    const t0 = performance.now();
    const run = this.run;
    const steps = history.step;
    for (let k = 0; k < steps.length; k += 1) {
      const step = steps[k];
      if (step <= run.lastStep) continue; // already plotted
      run.lastStep = step;
      const total = history.total ? history.total[k] : null;
      const diverged = !(typeof total === "number" && Number.isFinite(total));
      if (step - run.lastKept < run.stride && !diverged) continue;
      run.lastKept = step;
      run.step.push(step);
      for (const key of KEYS) {
        const source = history[R2_OF[key]] || history[key]; // regression: R² in the metric panel
        run[key].push(finiteOrNull(source ? source[k] : null));
      }
    }
    const r2 = Boolean(history.train_r2);
    if (r2 !== this.r2) { this.r2 = r2; this.renderLegend(); }
    if (run.step.length > MAX_POINTS) this.thin(run);
    this.markEmpty();
    this.schedule();
    this.addMs += performance.now() - t0;
    this.adds += 1;
  }

  /** Keep every other point (and the newest): a long run stays cheap to draw. */
  thin(run) {
    const n = run.step.length;
    const keep = (arr) => arr.filter((_, k) => k % 2 === 0 || k === n - 1);
    run.step = keep(run.step);
    for (const key of KEYS) run[key] = keep(run[key]);
    run.stride *= 2;
  }

  /** Forget the current run (reset, re-initialization, new session); pins stay. */
  clear() {
    this.run = emptyRun();
    this.markEmpty();
    this.schedule();
  }

  /** Keep a copy of the current run; the oldest pin goes past MAX_PINS. */
  pin(label, settings = null) {
    if (!this.count) return null;
    const run = this.run;
    const last = this.pins[this.pins.length - 1];
    if (last && last.step.length === run.step.length && last.step[last.step.length - 1] === run.lastStep
        && last.total[last.total.length - 1] === run.total[run.total.length - 1]) {
      return last; // this run is pinned already
    }
    const copy = { step: this.run.step.slice(), total: this.run.total.slice(),
      train_accuracy: this.run.train_accuracy.slice(), label, settings };
    this.pins.push(copy);
    while (this.pins.length > MAX_PINS) this.pins.shift();
    this.renderLegend();
    this.schedule();
    return copy;
  }

  unpin(index) {
    this.pins.splice(index, 1);
    this.renderLegend();
    this.schedule();
  }

  setPins(pins) {
    this.pins = pins.slice(-MAX_PINS);
    this.renderLegend();
    this.schedule();
  }

  /** Relabel the pins (their labels say what differs from the current settings). */
  relabel(labelOf) {
    let changed = false;
    for (const pin of this.pins) {
      const label = labelOf(pin);
      if (label !== pin.label) { pin.label = label; changed = true; }
    }
    if (changed) { this.renderLegend(); this.schedule(); }
  }

  markEmpty() {
    this.host.parentElement?.classList.toggle("is-empty", this.count === 0 && !this.pins.length);
  }

  // ---- display ----

  setLogScale(on) {
    this.logScale = Boolean(on);
    this.schedule();
  }

  setFontSize(px) {
    this.fontSize = px;
    this.resize();
  }

  resize() {
    const w = Math.max(200, this.canvas.clientWidth || this.host.clientWidth);
    const h = Math.max(160, this.canvas.clientHeight || 200);
    const dpr = Math.min(window.devicePixelRatio || 1, 2);
    if (this.canvas.width !== Math.round(w * dpr) || this.canvas.height !== Math.round(h * dpr)) {
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(h * dpr);
    }
    this.dpr = dpr;
    this.draw();
  }

  renderLegend() {
    const items = TRACES.map((tr) => {
      const li = document.createElement("li");
      const sw = document.createElement("span");
      sw.className = `lg-line${tr.dash.length ? " is-dashed" : ""}`;
      sw.style.borderColor = tr.color;
      sw.setAttribute("aria-hidden", "true");
      li.append(sw, document.createTextNode(t((this.r2 && R2_LABEL[tr.key]) || tr.label)));
      return li;
    });
    this.pins.forEach((pin, i) => {
      const li = document.createElement("li");
      li.className = "lg-pin";
      const sw = document.createElement("span");
      sw.className = "lg-line is-dashed";
      sw.style.borderColor = PIN_STYLES[i % PIN_STYLES.length].color;
      sw.setAttribute("aria-hidden", "true");
      const text = document.createElement("span");
      text.className = "lg-pin-label";
      text.textContent = t("page.chart.pinned", { label: pin.label });
      const x = document.createElement("button");
      x.type = "button";
      x.className = "lg-unpin";
      x.textContent = "×";
      x.title = t("page.chart.unpin");
      x.setAttribute("aria-label", t("page.chart.unpin_named", { label: pin.label }));
      x.addEventListener("click", () => { this.unpin(i); this.onUnpin(); });
      li.append(sw, text, x);
      items.push(li);
    });
    this.legend.replaceChildren(...items);
    this.markEmpty();
  }

  schedule() {
    if (this.timer) return;
    const wait = Math.max(0, this.lastDraw + REDRAW_MS - performance.now());
    this.timer = setTimeout(() => requestAnimationFrame(() => {
      this.timer = null;
      this.draw();
    }), wait);
  }

  draw() {
    const t0 = performance.now();
    this.lastDraw = t0;
    const ctx = this.canvas.getContext("2d");
    const dpr = this.dpr || 1;
    const W = this.canvas.width / dpr;
    const H = this.canvas.height / dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    const f = this.fontSize;
    const left = 4.2 * f;
    const right = 1.2 * f;
    const lossBox = { x: left, y: 0.6 * f, w: W - left - right, h: (H - 4.6 * f) * 0.62 };
    const accBox = { x: left, y: lossBox.y + lossBox.h + 1.6 * f, w: lossBox.w, h: (H - 4.6 * f) * 0.38 - 0.6 * f };
    const runs = [...this.pins, this.run];
    const maxStep = Math.max(1, ...runs.map((r) => (r.step.length ? r.step[r.step.length - 1] : 0)));
    const xOf = (step) => left + (step / maxStep) * lossBox.w;
    this.geometry = { left, width: lossBox.w, maxStep };

    // loss range over every curve drawn
    let lo = Infinity;
    let hi = -Infinity;
    const scan = (arr) => { for (const v of arr) if (v !== null) { if (v > hi) hi = v; if (v > 0 && v < lo) lo = v; } };
    for (const pin of this.pins) scan(pin.total);
    for (const tr of TRACES) if (tr.panel === "loss") scan(this.run[tr.key]);
    if (!(hi > 0)) { hi = 1; lo = 0.1; }
    const log = this.logScale && lo < Infinity && hi > lo;
    let yLoss;
    let lossTicks;
    if (log) {
      const l0 = Math.floor(Math.log10(lo));
      const l1 = Math.max(l0 + 1, Math.ceil(Math.log10(hi)));
      yLoss = (v) => (v > 0 ? lossBox.y + lossBox.h * (1 - (Math.log10(v) - l0) / (l1 - l0)) : null);
      lossTicks = [];
      const every = Math.max(1, Math.ceil((l1 - l0) / 5));
      for (let e = l0; e <= l1; e += every) lossTicks.push(10 ** e);
    } else {
      const top = hi * 1.05;
      yLoss = (v) => lossBox.y + lossBox.h * (1 - v / top);
      lossTicks = linearTicks(0, top, 5).filter((v) => v <= top);
    }
    const yAcc = (v) => accBox.y + accBox.h * (1 - v / 1.04);

    ctx.font = `${f}px ${FONT}`;
    ctx.lineWidth = 1;
    // frames and grids
    for (const box of [lossBox, accBox]) {
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(box.x, box.y, box.w, box.h);
    }
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    ctx.fillStyle = MUTED;
    ctx.strokeStyle = GRID;
    for (const v of lossTicks) {
      const y = yLoss(v);
      if (y === null) continue;
      ctx.beginPath(); ctx.moveTo(lossBox.x, y); ctx.lineTo(lossBox.x + lossBox.w, y); ctx.stroke();
      ctx.fillText(log ? `10^${Math.round(Math.log10(v))}` : tickText(v), lossBox.x - 4, y);
    }
    for (const v of [0, 0.5, 1]) {
      const y = yAcc(v);
      ctx.beginPath(); ctx.moveTo(accBox.x, y); ctx.lineTo(accBox.x + accBox.w, y); ctx.stroke();
      ctx.fillText(this.r2 ? String(v) : `${Math.round(v * 100)}%`, accBox.x - 4, y); // R² is no percentage
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const v of linearTicks(0, maxStep, Math.max(2, Math.floor(lossBox.w / (6 * f))))) {
      const x = xOf(v);
      ctx.beginPath(); ctx.moveTo(x, accBox.y + accBox.h); ctx.lineTo(x, accBox.y + accBox.h + 4); ctx.stroke();
      ctx.fillText(tickText(v), x, accBox.y + accBox.h + 5);
    }
    ctx.fillStyle = INK;
    ctx.fillText(t("page.chart.step"), lossBox.x + lossBox.w / 2, accBox.y + accBox.h + 1.4 * f + 4);
    ctx.save();
    ctx.translate(0.9 * f, lossBox.y + lossBox.h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(t("page.chart.loss"), 0, -0.6 * f);
    ctx.restore();
    ctx.save();
    ctx.translate(0.9 * f, accBox.y + accBox.h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(t(this.r2 ? "page.chart.r2" : "page.chart.accuracy"), 0, -0.6 * f);
    ctx.restore();
    ctx.strokeStyle = "#c7ced8";
    for (const box of [lossBox, accBox]) ctx.strokeRect(box.x, box.y, box.w, box.h);

    const line = (steps, values, y, color, width, dash, alpha = 1) => {
      ctx.save();
      ctx.globalAlpha = alpha;
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.setLineDash(dash);
      ctx.lineJoin = "round";
      ctx.beginPath();
      let open = false;
      for (let i = 0; i < steps.length; i += 1) {
        const v = values[i];
        const py = v === null ? null : y(v);
        if (py === null || !Number.isFinite(py)) { open = false; continue; }
        const px = xOf(steps[i]);
        if (open) ctx.lineTo(px, py); else ctx.moveTo(px, py);
        open = true;
      }
      ctx.stroke();
      ctx.restore();
    };

    ctx.save();
    ctx.beginPath();
    ctx.rect(lossBox.x, lossBox.y, lossBox.w, accBox.y + accBox.h - lossBox.y);
    ctx.clip();
    this.pins.forEach((pin, i) => {
      const style = PIN_STYLES[i % PIN_STYLES.length];
      line(pin.step, pin.total, yLoss, style.color, 2, style.dash, 0.55);
      line(pin.step, pin.train_accuracy, yAcc, style.color, 2, style.dash, 0.55);
    });
    for (const tr of TRACES) {
      line(this.run.step, this.run[tr.key], tr.panel === "loss" ? yLoss : yAcc, tr.color, tr.width, tr.dash);
    }
    ctx.restore();

    // each pin's label at the end of its loss curve, moved up past the labels already placed
    ctx.textAlign = "right";
    ctx.textBaseline = "bottom";
    ctx.font = `${0.9 * f}px ${FONT}`;
    const placed = [];
    this.pins.forEach((pin, i) => {
      let k = pin.step.length - 1;
      while (k >= 0 && pin.total[k] === null) k -= 1;
      if (k < 0) return;
      let y = yLoss(pin.total[k]);
      if (y === null) return;
      const x = Math.max(lossBox.x + 40, Math.min(xOf(pin.step[k]), lossBox.x + lossBox.w - 2));
      const w = ctx.measureText(pin.label).width;
      const h = 1.15 * f;
      const hits = (yy) => placed.some((r) => x - w - 3 < r.x2 && r.x1 < x + 1 && yy - h < r.y2 && r.y1 < yy);
      for (let tries = 0; tries < 6 && hits(y); tries += 1) y -= h;
      y = Math.max(lossBox.y + h, y);
      placed.push({ x1: x - w - 3, x2: x + 1, y1: y - h, y2: y });
      ctx.fillStyle = "rgba(255,255,255,0.85)";
      ctx.fillRect(x - w - 3, y - 1.2 * f, w + 4, 1.1 * f);
      ctx.fillStyle = PIN_STYLES[i % PIN_STYLES.length].color;
      ctx.fillText(pin.label, x, y - 1);
    });
    this.drawMs += performance.now() - t0;
    this.draws += 1;
  }

  /** The values of the current run at the step under the mouse, in a small box. */
  hover(ev) {
    const g = this.geometry;
    const run = this.run;
    if (!g || !run.step.length) { this.tip.hidden = true; return; }
    const rect = this.canvas.getBoundingClientRect();
    const want = ((ev.clientX - rect.left - g.left) / g.width) * g.maxStep;
    let lo = 0;
    let hi = run.step.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (run.step[mid] < want) lo = mid + 1; else hi = mid;
    }
    if (lo > 0 && want - run.step[lo - 1] < run.step[lo] - want) lo -= 1;
    const fmt = (key, v) => (v === null ? "—" : key.endsWith("accuracy") ? `${(100 * v).toFixed(1)} %`
      : Number(v.toPrecision(4)).toString());
    const rows = [`${t("page.chart.step")} ${run.step[lo]}`,
      ...TRACES.map((tr) => `${t(tr.label)}: ${fmt(tr.key, run[tr.key][lo])}`)];
    this.tip.textContent = rows.join("\n");
    this.tip.hidden = false;
    const x = ev.clientX - rect.left;
    this.tip.style.left = `${x > rect.width / 2 ? x - this.tip.offsetWidth - 12 : x + 12}px`;
    this.tip.style.top = `${ev.clientY - rect.top + this.canvas.offsetTop}px`;
  }

  /** What the chart holds (for tests and the debugging handle). */
  series() {
    return { current: { ...this.run }, pins: this.pins.map((p) => ({ ...p })) };
  }
}
