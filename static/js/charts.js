// Loss and accuracy curves (Plotly, served by our own server).
//
// Frames bring the history points recorded since the previous frame; they are
// buffered and appended with Plotly.extendTraces at most ~10 times a second,
// so the chart grows without ever being redrawn from scratch.
// A Plotly redraw costs time in proportion to the points drawn, so the chart
// keeps one point every `stride` steps: past MAX_POINTS the kept points are
// thinned by half (one full redraw, rarely) and the stride doubles, as the
// server does with its own history. A non-finite loss (divergence) is always kept.

const FLUSH_MS = 100; // at most ~10 redraws a second…
const FLUSH_SHARE = 0.25; // …and at most about a quarter of the page's time
const MAX_POINTS = 1200;

// Trace order: the indices used by extendTraces.
const TRACES = [
  { key: "data_loss", name: "data loss", color: "#0072B2", width: 1.6, dash: "solid", yaxis: "y" },
  { key: "reg_loss", name: "λR(W)", color: "#CC79A7", width: 1.6, dash: "dot", yaxis: "y" },
  { key: "total", name: "total loss", color: "#1d2733", width: 2.6, dash: "solid", yaxis: "y" },
  { key: "train_accuracy", name: "train acc.", color: "#009E73", width: 2, dash: "solid", yaxis: "y2" },
  { key: "test_accuracy", name: "test acc.", color: "#D55E00", width: 2, dash: "dash", yaxis: "y2" },
];

/** Plotly loads asynchronously (it is large): the plane need not wait for it. */
function whenPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  return new Promise((resolve, reject) => {
    const script = document.getElementById("plotly-js");
    if (!script) { reject(new Error("no Plotly script")); return; }
    script.addEventListener("load", () => resolve(window.Plotly));
    script.addEventListener("error", () => reject(new Error("Plotly did not load")));
  });
}

function finiteOrNull(v) {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

export class LossChart {
  constructor(div, { logScale = false } = {}) {
    this.div = div;
    this.logScale = logScale;
    this.forgetPoints();
    this.timer = null;
    this.lastFlush = 0;
    this.fontSize = 12;
    this.ready = false;
    whenPlotly().then(() => this.init());
  }

  layout() {
    const f = this.fontSize;
    return {
      margin: { l: 4.4 * f, r: 1.2 * f, t: 2.2 * f, b: 3.2 * f },
      font: { family: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", size: f, color: "#1d2733" },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "#ffffff",
      showlegend: true,
      // three entries a row; two with large text, where "total loss" would not
      // fit a third of the plot's width
      legend: { orientation: "h", x: 0, y: 1.0, yanchor: "bottom", font: { size: f * 0.9 }, itemclick: "toggle",
        entrywidth: f > 14 ? 0.5 : 0.33, entrywidthmode: "fraction", tracegroupgap: 0 },
      hovermode: "x unified",
      uirevision: "keep",
      xaxis: { title: { text: "step", standoff: 4 }, anchor: "y2", zeroline: false, gridcolor: "#e6e9ee",
        rangemode: "tozero", automargin: true },
      yaxis: { domain: [0.42, 1], title: { text: "loss" }, type: this.logScale ? "log" : "linear",
        rangemode: "tozero", gridcolor: "#e6e9ee", zeroline: false, exponentformat: "power", automargin: true },
      yaxis2: { domain: [0, 0.32], title: { text: "accuracy" }, range: [0, 1.04], tickformat: ".0%",
        tickvals: [0, 0.5, 1], gridcolor: "#e6e9ee", zeroline: false, automargin: true },
    };
  }

  traces() {
    return TRACES.map((t) => ({
      type: "scatter", mode: "lines", name: t.name, x: [], y: [], yaxis: t.yaxis,
      line: { color: t.color, width: t.width, dash: t.dash }, connectgaps: false,
      hovertemplate: t.yaxis === "y2" ? "%{y:.1%}" : "%{y:.4g}",
    }));
  }

  init() {
    const Plotly = window.Plotly;
    Plotly.newPlot(this.div, this.traces(), this.layout(), {
      displayModeBar: false, responsive: true, doubleClick: "reset",
    });
    this.ready = true;
    this.schedule();
  }

  markEmpty() {
    this.div.parentElement?.classList.toggle("is-empty", this.count === 0);
  }

  /** The bookkeeping of points received and kept, emptied. */
  forgetPoints() {
    this.pending = TRACES.map(() => ({ x: [], y: [] }));
    this.pendingCount = 0;
    this.count = 0;
    this.lastStep = -1;
    this.lastKept = -Infinity;
    this.stride = 1;
  }

  /** Forget every point (reset, re-initialization, new session). */
  clear() {
    this.forgetPoints();
    this.markEmpty();
    if (!this.ready) return;
    const update = { x: TRACES.map(() => []), y: TRACES.map(() => []) };
    window.Plotly.restyle(this.div, update, TRACES.map((_, i) => i));
  }

  /** Queue a frame's history ({step: [], data_loss: [], …}). */
  add(history) {
    if (!history || !Array.isArray(history.step) || !history.step.length) return;
    const steps = history.step;
    for (let k = 0; k < steps.length; k += 1) {
      const step = steps[k];
      if (step <= this.lastStep) continue; // already plotted
      this.lastStep = step;
      const total = history.total ? history.total[k] : null;
      const diverged = !(typeof total === "number" && Number.isFinite(total));
      if (step - this.lastKept < this.stride && !diverged) continue;
      this.lastKept = step;
      TRACES.forEach((t, i) => {
        const series = history[t.key];
        this.pending[i].x.push(step);
        this.pending[i].y.push(finiteOrNull(series ? series[k] : null));
      });
      this.pendingCount += 1;
    }
    this.schedule();
  }

  schedule() {
    if (this.timer || !this.pendingCount) return;
    const gap = Math.min(1000, Math.max(FLUSH_MS, (this.lastCost || 0) / FLUSH_SHARE));
    const wait = Math.max(0, this.lastFlush + gap - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, wait);
  }

  flush() {
    if (!this.pendingCount || !this.ready) return;
    const Plotly = window.Plotly;
    const batch = this.pending;
    this.pending = TRACES.map(() => ({ x: [], y: [] }));
    this.count += this.pendingCount;
    this.pendingCount = 0;
    this.markEmpty();
    this.lastFlush = performance.now();
    if (this.count > MAX_POINTS) {
      this.thin(batch);
      return;
    }
    const t0 = performance.now();
    Plotly.extendTraces(this.div, { x: batch.map((b) => b.x), y: batch.map((b) => b.y) },
      TRACES.map((_, i) => i));
    this.lastCost = performance.now() - t0;
    this.flushMs = (this.flushMs || 0) + this.lastCost;
    this.flushes = (this.flushes || 0) + 1;
  }

  /** Keep every other point (and the newest): a long run stays cheap to draw. */
  thin(batch) {
    const data = this.div.data;
    const x = data.map((tr, i) => [...tr.x, ...batch[i].x]);
    const y = data.map((tr, i) => [...tr.y, ...batch[i].y]);
    const keep = (arr) => arr.filter((_, k) => k % 2 === 0 || k === arr.length - 1);
    const nx = x.map(keep);
    const ny = y.map(keep);
    this.count = nx[0].length;
    this.stride *= 2;
    window.Plotly.restyle(this.div, { x: nx, y: ny }, TRACES.map((_, i) => i));
  }

  setLogScale(on) {
    this.logScale = Boolean(on);
    if (!this.ready) return;
    window.Plotly.relayout(this.div, { "yaxis.type": this.logScale ? "log" : "linear",
      "yaxis.autorange": true });
  }

  setFontSize(px) {
    this.fontSize = px;
    if (!this.ready) return;
    window.Plotly.relayout(this.div, this.layout());
  }

  resize() {
    if (!this.ready) return;
    window.Plotly.Plots.resize(this.div);
  }
}
