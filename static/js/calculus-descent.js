// Descent on the seed's linear regression: contours of J(θ₀, θ₁) with the paths of
// batch, mini-batch, SGD (and momentum, Adam) from POST /api/v1/descent, drawn step
// by step, and the data with each path's current fit line beside it.

import { t } from "/static/js/i18n.js";
import { debounce, el, fmt, post } from "/static/js/calculus-common.js";

export const COLORS = { batch: "#0072B2", minibatch: "#E69F00", sgd: "#009E73", momentum: "#CC79A7", adam: "#D55E00" };
const STEP_MS = 60;
const $ = (id) => document.getElementById(id);
const state = { data: null, k: 0, timer: null, drawn: false };

function whenPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  return new Promise((resolve) => $("plotly-js").addEventListener("load", () => resolve(window.Plotly)));
}

function request() {
  const methods = [...document.querySelectorAll('input[name="method"]:checked')].map((i) => i.value);
  return {
    learning_rate: Number($("lr").value), batch_size: Number($("batch").value), steps: Number($("steps").value),
    methods: methods.length ? methods : ["batch"],
  };
}

function maxSteps() {
  return Math.max(...Object.values(state.data.paths).map((p) => p.steps));
}

const FONT = { family: "system-ui, sans-serif", size: 13, color: "#1d2733" };

function pathTraces(k) {
  return Object.entries(state.data.paths).map(([m, p]) => {
    const pts = p.theta.slice(0, Math.min(k, p.steps) + 1);
    return { x: pts.map((q) => q[0]), y: pts.map((q) => q[1]) };
  });
}

function contourFigure() {
  const d = state.data;
  const g = d.grid;
  const paths = Object.entries(d.paths);
  const traces = [{
    type: "contour", x: g.theta0, y: g.theta1, z: g.cost.map((r) => r.map((v) => Math.log10(v))),
    colorscale: [[0, "#f7fbff"], [0.5, "#c6dbef"], [1, "#6baed6"]], showscale: false, ncontours: 22,
    contours: { coloring: "heatmap", showlines: true }, line: { color: "rgba(29,39,51,0.25)", width: 1 },
    hoverinfo: "skip", name: "J",
  }];
  const now = pathTraces(state.k);
  paths.forEach(([m], i) => traces.push({
    type: "scatter", mode: "lines+markers", name: t(`calc.method.${m}`), x: now[i].x, y: now[i].y,
    line: { color: COLORS[m], width: 2.5 }, marker: { size: 5, color: COLORS[m] },
    hovertemplate: "θ₀ %{x:.3f}, θ₁ %{y:.3f}<extra>%{fullData.name}</extra>",
  }));
  traces.push({ type: "scatter", mode: "markers", name: t("calc.descent.minimum"), x: [d.minimum[0]], y: [d.minimum[1]],
    marker: { symbol: "star", size: 15, color: "#1d2733" }, hoverinfo: "name" });
  const layout = {
    margin: { l: 52, r: 10, t: 36, b: 44 }, font: FONT, showlegend: true,
    legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", font: { size: 12 } },
    xaxis: { title: { text: "θ₀" }, range: [g.theta0[0], g.theta0[g.theta0.length - 1]], zeroline: false },
    yaxis: { title: { text: "θ₁" }, range: [g.theta1[0], g.theta1[g.theta1.length - 1]], zeroline: false },
  };
  return { traces, layout };
}

function fitFigure() {
  const d = state.data;
  const xs = [Math.min(...d.x), Math.max(...d.x)];
  const line = (th) => xs.map((x) => th[0] + th[1] * x);
  const traces = [{ type: "scatter", mode: "markers", name: t("calc.descent.data"), x: d.x, y: d.y,
    marker: { size: 6, color: "#5f6b7a" } },
  { type: "scatter", mode: "lines", name: t("calc.descent.best"), x: xs, y: line(d.minimum),
    line: { color: "#1d2733", dash: "dot", width: 1.5 } }];
  for (const [m, p] of Object.entries(d.paths)) {
    const th = p.theta[Math.min(state.k, p.steps)];
    traces.push({ type: "scatter", mode: "lines", name: t(`calc.method.${m}`), x: xs, y: line(th),
      line: { color: COLORS[m], width: 2 } });
  }
  const ys = d.y;
  const pad = (Math.max(...ys) - Math.min(...ys)) * 0.25;
  const layout = { margin: { l: 44, r: 10, t: 36, b: 44 }, font: FONT, showlegend: false,
    title: { text: t("calc.descent.fit"), font: { size: 13 }, x: 0.02 },
    xaxis: { title: { text: "x" } }, yaxis: { title: { text: "y" }, range: [Math.min(...ys) - pad, Math.max(...ys) + pad] } };
  return { traces, layout };
}

function renderStatus() {
  const list = $("descent-status");
  list.replaceChildren();
  for (const [m, p] of Object.entries(state.data.paths)) {
    const k = Math.min(state.k, p.steps);
    const text = p.status === "diverged" && state.k >= p.steps
      ? t("calc.descent.diverged", { method: t(`calc.method.${m}`), step: p.steps + 1 })
      : t("calc.descent.at", { method: t(`calc.method.${m}`), k, cost: fmt(p.cost[k]) });
    list.append(el("li", { "data-method": m, "data-status": p.status, style: `--c:${COLORS[m]}`, text }));
  }
}

async function render() {
  const Plotly = await whenPlotly();
  const c = contourFigure(), f = fitFigure();
  const config = { displayModeBar: false, responsive: true };
  await Plotly.react("contour", c.traces, c.layout, config);
  await Plotly.react("fit", f.traces, f.layout, config);
  renderStatus();
  state.drawn = true;
}

async function fetchPaths() {
  const res = await post("descent", request());
  if (!res.ok) return;
  stop();
  state.data = res.body;
  state.k = maxSteps();
  await render();
}

function stop() {
  clearInterval(state.timer);
  state.timer = null;
}

export function play() {
  stop();
  state.k = 0;
  render();
  state.timer = setInterval(() => {
    state.k += 1;
    render();
    if (state.k >= maxSteps()) stop();
  }, STEP_MS);
}

function showOutputs() {
  $("lr-out").textContent = $("lr").value;
  $("batch-out").textContent = $("batch").value;
  $("steps-out").textContent = $("steps").value;
}

let started = null;

/** Fetch and draw once the view is first shown (Plotly needs a visible box). */
export function showDescent() {
  started ||= fetchPaths();
  return started;
}

export function initDescent() {
  const refetch = debounce(fetchPaths, 150);
  for (const id of ["lr", "batch", "steps"]) {
    $(id).addEventListener("input", () => { showOutputs(); refetch(); });
  }
  for (const box of document.querySelectorAll('input[name="method"]')) box.addEventListener("change", refetch);
  $("descent-play").addEventListener("click", play);
  $("descent-all").addEventListener("click", () => { stop(); state.k = maxSteps(); render(); });
  showOutputs();
}

export const descentState = state;
