// The graph stepper: an expression's computational graph from POST /api/v1/graph,
// drawn as SVG and revealed node by node, forward (values) then backward
// (gradients, each written "[local] × [upstream] = gradient").

import { t } from "/static/js/i18n.js";
import { debounce, el, fmt, post, svg } from "/static/js/calculus-common.js";

const NEURON = { w0: 2, x0: -1, w1: -3, x1: -2, w2: -3 };
export const EXAMPLES = {
  seed4: { expression: "(x + y) * z", values: { x: -2, y: 5, z: -4 } },
  block: { expression: "sigmoid(w0*x0 + w1*x1 + w2)", values: NEURON },
  gates: { expression: "1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))", values: NEURON },
};
const RADIUS = 21;      // an operation's circle
const LEAF_HALF = 25;   // half the width of a short variable's or constant's box
const shownLabel = (node) => (node.op === "const" && node.label.length > 6 ? fmt(node.value) : node.label);
const halfWidth = (node) => Math.max(LEAF_HALF, 5.6 * shownLabel(node).length + 8);
const TWIN = { block: "gates", gates: "block" };   // the same neuron written the other way

const state = { example: "seed4", expression: "", values: {}, graph: null, fwd: 0, bwd: 0 };
const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- layout

/** Column and row of every node: leaves sit just left of their first consumer. */
function layout(nodes) {
  const depth = nodes.map(() => 0);
  for (const n of nodes) if (n.inputs.length) depth[n.id] = 1 + Math.max(...n.inputs.map((i) => depth[i]));
  const consumers = nodes.map(() => []);
  for (const n of nodes) for (const i of n.inputs) consumers[i].push(n.id);
  const col = depth.slice();
  for (const n of nodes) {
    if (!n.inputs.length && consumers[n.id].length) col[n.id] = Math.min(...consumers[n.id].map((c) => depth[c])) - 1;
  }
  const columns = [];
  for (const n of nodes) (columns[col[n.id]] ||= []).push(n.id);
  const row = nodes.map(() => 0);
  columns.forEach((ids, c) => {
    const key = (id) => (nodes[id].inputs.length ? nodes[id].inputs.reduce((s, i) => s + row[i], 0) / nodes[id].inputs.length
      : consumers[id].length ? consumers[id][0] + id / 1000 : id);
    if (c > 0) ids.sort((a, b) => key(a) - key(b));
    ids.forEach((id, r) => { row[id] = r - (ids.length - 1) / 2; });
  });
  return { col, row, columns: columns.length, rows: Math.max(...columns.map((c) => (c ? c.length : 0))) };
}

// ---------------------------------------------------------------- drawing

function draw() {
  const host = $("graph-host");
  host.replaceChildren();
  const g = state.graph;
  if (!g) return;
  const nodes = g.nodes;
  const { col, row, columns, rows } = layout(nodes);
  const dx = 104, dy = 78, padX = 46, padY = 40;
  const width = padX * 2 + (columns - 1) * dx + 90;
  const height = padY * 2 + Math.max(rows - 1, 1) * dy;
  const cx = (id) => padX + col[id] * dx;
  const cy = (id) => height / 2 + row[id] * dy;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "graph-svg", role: "img",
    "aria-label": t("calc.graph.aria"), style: `max-width: ${Math.round(width * 1.3)}px` });
  const shownValue = (id) => id < state.fwd;
  const processed = (id) => id >= nodes.length - state.bwd;   // backward walks from the last node
  const current = state.bwd ? nodes.length - state.bwd : state.fwd - 1;

  const edges = svg("g", { class: "edges" });
  const labels = svg("g", { class: "edge-labels" });
  for (const n of nodes) {
    n.inputs.forEach((i, k) => {
      const x1 = cx(i), y1 = cy(i), x2 = cx(n.id), y2 = cy(n.id);
      edges.append(svg("line", { x1, y1, x2, y2, class: "edge" }));
      // Labels sit halfway along the part of the edge between the two shapes.
      const length = Math.hypot(x2 - x1, y2 - y1) || 1;
      const from = nodes[i].inputs.length ? RADIUS : halfWidth(nodes[i]);
      const along = (from + (length - from - RADIUS) / 2) / length;
      const mx = x1 + (x2 - x1) * along, my = y1 + (y2 - y1) * along;
      if (shownValue(i)) labels.append(svg("text", { x: mx, y: my - 7, class: "edge-value" }, fmt(nodes[i].value)));
      if (processed(n.id)) labels.append(svg("text", { x: mx, y: my + 15, class: "edge-grad" }, fmt(n.contributions[k])));
    });
  }
  const last = nodes[nodes.length - 1];
  const ox = cx(last.id), oy = cy(last.id);
  edges.append(svg("line", { x1: ox, y1: oy, x2: ox + 80, y2: oy, class: "edge edge-out" }));
  if (shownValue(last.id)) labels.append(svg("text", { x: ox + 50, y: oy - 7, class: "edge-value" }, fmt(last.value)));
  if (processed(last.id)) labels.append(svg("text", { x: ox + 50, y: oy + 15, class: "edge-grad" }, "1"));
  root.append(edges);

  for (const n of nodes) {
    const x = cx(n.id), y = cy(n.id);
    const leaf = !n.inputs.length;
    const cls = ["node", leaf ? "node-leaf" : "node-op", n.id === current ? "is-current" : ""].join(" ");
    const group = svg("g", { class: cls, "data-node": n.id });
    const title = svg("title", {}, `${n.text} = ${fmt(n.value)}`);
    group.append(title);
    const half = halfWidth(n);
    if (leaf) group.append(svg("rect", { x: x - half, y: y - 16, width: 2 * half, height: 32, rx: 7 }));
    else group.append(svg("circle", { cx: x, cy: y, r: RADIUS }));
    const small = !leaf && n.label.length > 2;
    group.append(svg("text", { x, y: y + 5, class: small ? "node-label node-label-small" : "node-label" }, shownLabel(n)));
    if (leaf && processed(n.id)) {
      group.append(svg("text", { x, y: y + 34, class: "node-grad" }, fmt(n.grad)));
    }
    root.append(group);
  }
  root.append(labels);
  host.append(root);
}

// ---------------------------------------------------------------- the panel

function inputName(node) {
  if (node.op === "var") return node.name;
  if (node.op === "const") return node.label;
  return node.text.length > 22 ? node.text.slice(0, 21) + "…" : node.text;
}

/** The backward lines so far: for each processed node, "[local] × [upstream] = gradient" per input. */
function renderLog() {
  const log = $("backward-log");
  log.replaceChildren();
  const g = state.graph;
  if (!g || !state.bwd) return;
  const nodes = g.nodes;
  for (let s = 0; s < state.bwd; s++) {
    const n = nodes[nodes.length - 1 - s];
    if (s === 0) log.append(el("li", { class: "log-start", text: t("calc.log.start", { value: fmt(n.value) }) }));
    n.inputs.forEach((i, k) => {
      const line = `${inputName(nodes[i])}: [${fmt(n.local[k])}] × [${fmt(n.grad)}] = ${fmt(n.contributions[k])}`;
      log.append(el("li", { "data-input": i, text: line }));
    });
    const uses = nodes.filter((m) => m.inputs.includes(n.id)).length;
    if (!n.inputs.length && uses > 1) {
      log.append(el("li", { class: "log-sum", text: t("calc.log.sum", { name: inputName(n), uses, grad: fmt(n.grad) }) }));
    }
  }
  log.scrollTop = log.scrollHeight;
}

function renderTable() {
  const body = $("result-table").querySelector("tbody");
  body.replaceChildren();
  const g = state.graph;
  if (!g) return;
  for (const n of g.nodes.filter((m) => m.op === "var")) {
    const done = n.id >= g.nodes.length - state.bwd;
    body.append(el("tr", { "data-var": n.name },
      el("th", { text: n.name }), el("td", { class: "val", text: fmt(n.value) }),
      el("td", { class: "grad", text: done ? fmt(n.grad) : "—" })));
  }
  $("output-value").textContent = state.fwd === g.nodes.length ? fmt(g.output) : "—";
}

function renderStatus() {
  const g = state.graph;
  const total = g ? g.nodes.length : 0;
  $("fwd-step").disabled = !g || state.fwd >= total;
  $("bwd-step").disabled = !g || state.fwd < total || state.bwd >= total;
  $("run-all").disabled = !g || state.bwd >= total;
  let text = "";
  if (g) {
    text = state.bwd ? t("calc.status.backward", { k: state.bwd, n: total })
      : state.fwd ? t("calc.status.forward", { k: state.fwd, n: total }) : t("calc.status.ready", { n: total });
  }
  $("step-status").textContent = text;
}

function render() {
  draw();
  renderLog();
  renderTable();
  renderStatus();
}

// ---------------------------------------------------------------- data

const ERROR_KINDS = ["syntax", "limit", "number", "missing", "not_finite"];

/** A refused expression, in the page's language: the kind of error and the position it names. */
function graphError(res) {
  const kind = res.type === "string_too_long" ? "limit" : res.type.replace(/^graph_/, "");
  const position = (res.message.match(/position (\d+)/) || [])[1];
  if (!ERROR_KINDS.includes(kind)) return t("calc.error.graph", { message: res.message });
  return t(`calc.error.${kind}`, { position: position ?? "?" });
}

/** The name of a variable the server says has no value (it names its position), or null. */
function missingName(res) {
  const position = res.type === "graph_missing" && (res.message.match(/position (\d+)/) || [])[1];
  const match = position !== undefined && position !== false && state.expression.slice(Number(position)).match(/^[A-Za-z_]\w*/);
  return match ? match[0] : null;
}

async function fetchGraph(keepSteps) {
  let res = await post("graph", { expression: state.expression, values: state.values });
  // A new variable starts at 1, one request per variable (at most 100 of them).
  for (let tries = 0; !res.ok && missingName(res) && tries < 100; tries++) {
    state.values[missingName(res)] = 1;
    res = await post("graph", { expression: state.expression, values: state.values });
  }
  const error = $("graph-error");
  if (!res.ok) {
    error.textContent = graphError(res);
    error.title = res.message;
    error.hidden = false;
    state.graph = null;
    render();
    return;
  }
  error.hidden = true;
  const same = state.graph && state.graph.nodes.length === res.body.nodes.length;
  state.graph = res.body;
  if (!(keepSteps && same)) state.fwd = state.bwd = 0;
  render();
  renderVariables();
  compareTwin();
}

/** The §5 neuron: the other way of writing it, at the same inputs, and whether the gradients agree. */
async function compareTwin() {
  const note = $("same-gradients");
  const twin = TWIN[state.example];
  if (!twin || state.expression !== EXAMPLES[state.example].expression || !state.graph) {
    note.hidden = true;
    return;
  }
  const res = await post("graph", { expression: EXAMPLES[twin].expression, values: state.values });
  if (!res.ok) return;
  const mine = state.graph.gradients, theirs = res.body.gradients;
  const same = Object.keys(mine).every((k) => Math.abs(mine[k] - theirs[k]) <= 1e-12 * Math.max(1, Math.abs(mine[k])));
  const list = Object.keys(mine).map((k) => `${k} ${fmt(mine[k])}`).join(", ");
  note.textContent = t(same ? "calc.same.yes" : "calc.same.no", { list, count: state.graph.nodes.length,
    other: res.body.nodes.length });
  note.hidden = false;
}

function variableNames() {
  return state.graph ? state.graph.nodes.filter((n) => n.op === "var").map((n) => n.name) : [];
}

const refetch = debounce(() => fetchGraph(true), 120);

function setValue(name, raw) {
  const v = Number(raw);
  if (raw === "" || !Number.isFinite(v)) return;
  state.values[name] = v;
  for (const input of document.querySelectorAll(`[data-var-input="${name}"]`)) if (input.value !== raw) input.value = raw;
  refetch();
}

function renderVariables() {
  const host = $("variables");
  const names = variableNames();
  const have = [...host.querySelectorAll("[data-var-row]")].map((r) => r.dataset.varRow);
  if (names.join() === have.join()) return;
  host.replaceChildren();
  for (const name of names) {
    const value = String(state.values[name] ?? 0);
    const number = el("input", { type: "number", step: "any", value, "data-var-input": name, "aria-label": name });
    const range = el("input", { type: "range", min: "-5", max: "5", step: "0.1", value, "data-var-input": name,
      "aria-label": name });
    for (const input of [number, range]) input.addEventListener("input", () => setValue(name, input.value));
    host.append(el("div", { class: "calc-var", "data-var-row": name }, el("span", { class: "var-name", text: name }),
      number, range));
  }
}

export function loadExample(key) {
  state.example = key;
  $("example").value = key;
  if (EXAMPLES[key]) {
    state.expression = EXAMPLES[key].expression;
    state.values = { ...EXAMPLES[key].values };
    $("expression").value = state.expression;
  }
  $("variables").replaceChildren();
  return fetchGraph(false);
}

function onExpression() {
  state.expression = $("expression").value;
  const match = Object.entries(EXAMPLES).find(([, e]) => e.expression === state.expression);
  state.example = match ? match[0] : "custom";
  $("example").value = state.example;
  fetchGraph(false);
}

export function initStepper() {
  $("example").addEventListener("change", (e) => {
    if (e.target.value === "custom") $("expression").focus();
    else loadExample(e.target.value);
  });
  $("expression").addEventListener("input", debounce(onExpression, 300));
  $("fwd-step").addEventListener("click", () => { state.fwd += 1; render(); });
  $("bwd-step").addEventListener("click", () => { state.bwd += 1; render(); });
  $("run-all").addEventListener("click", () => {
    state.fwd = state.bwd = state.graph.nodes.length;
    render();
  });
  $("restart").addEventListener("click", () => { state.fwd = state.bwd = 0; render(); });
  window.addEventListener("resize", debounce(draw, 150));
  return loadExample("seed4");
}

/** For tests and the screenshots: the stepper's state. */
export const stepper = state;
