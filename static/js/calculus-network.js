// Two views of a whole network: the gradient check (POST /api/v1/gradcheck) and the
// computational graph of one example (POST /api/v1/graph/network).
//
// The network view takes its model and point from sessionStorage["nnpg.graph"] =
// {"model": {...}, "x": [x1, x2], "y": k, "loss": "...", "reg": λ, "margin": Δ},
// which the playground's inspector writes before it opens this page.

import { t } from "/static/js/i18n.js";
import { el, fmt, getJSON, post } from "/static/js/calculus-common.js";

export const STORAGE_KEY = "nnpg.graph";
const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- gradient check

async function exampleBatch(activation, points) {
  const [made, data] = await Promise.all([
    post("models", { sizes: [2, 10, 8, 3], activation, init: "xavier", seed: 1 }),
    getJSON(`/api/v1/datasets/spiral?n=${points}&classes=3&seed=0&test_fraction=0`),
  ]);
  return { model: made.body.model, X: data.X, y: data.y };
}

function checkRow(layer, name, c) {
  return el("tr", { "data-layer": layer, "data-param": name },
    el("td", { text: String(layer) }), el("td", { text: name }),
    el("td", { class: "num", text: c.relative_error.toExponential(2) }),
    el("td", { class: "num", text: c.max_entry_error.toExponential(2) }),
    el("td", { text: `[${c.worst.join(", ")}]` }),
    el("td", { class: "num", text: fmt(c.analytic) }), el("td", { class: "num", text: fmt(c.numeric) }),
    el("td", {}, badge(c.verdict)));
}

function badge(verdict) {
  return el("span", { class: `badge badge-${verdict}`, text: t(`calc.verdict.${verdict}`) });
}

export async function runCheck() {
  const activation = $("check-activation").value;
  const points = Math.max(1, Math.min(100, Number($("check-points").value) || 20));
  const summary = $("check-summary");
  summary.textContent = t("calc.check.running");
  const batch = await exampleBatch(activation, points);
  const res = await post("gradcheck", { ...batch, loss: $("check-loss").value, reg: 0.001, h: Number($("check-h").value) });
  const body = $("check-table").querySelector("tbody");
  body.replaceChildren();
  if (!res.ok) {
    summary.textContent = t("calc.error.graph", { message: res.message });
    return;
  }
  const r = res.body;
  r.layers.forEach((layer, l) => { body.append(checkRow(l, "W", layer.W), checkRow(l, "b", layer.b)); });
  summary.replaceChildren(badge(r.verdict), " ", t("calc.check.summary", {
    error: r.max_relative_error.toExponential(2), h: String(r.h), kinks: r.kinks, n: points }));
  if (r.kinks) summary.append(el("span", { class: "calc-kink-note", text: t("calc.check.kink_note") }));
}

// ---------------------------------------------------------------- the network's graph

function tensorBlock(kind, tensor) {
  const more = tensor.shape.reduce((a, b) => a * b, 1) > tensor.head.length;
  const head = tensor.head.map(fmt).join(", ") + (more ? ", …" : "");
  const details = el("details", {}, el("summary", { text: t("calc.net.all") }),
    el("pre", { text: JSON.stringify(tensor.values) }));
  return el("div", { class: `tensor tensor-${kind}` },
    el("div", { class: "tensor-line", text: `${t(`calc.net.${kind}`)}: [${head}]` }),
    el("div", { class: "tensor-norm", text: t("calc.net.norm", { norm: fmt(tensor.norm) }) }),
    more ? details : "");
}

function nodeCard(node, nodes) {
  const shape = node.value.shape.length ? `(${node.value.shape.join(" × ")})` : t("calc.net.scalar");
  const card = el("article", { class: `net-node net-${node.op}`, "data-node": node.label },
    el("header", {}, el("strong", { text: node.label }), el("span", { class: "net-op", text: `${node.op} ${shape}` })));
  const inputs = node.inputs.map((i) => nodes[i]);
  if (inputs.length) card.append(el("div", { class: "net-inputs", text: "← " + inputs.map((n) => n.label).join(", ") }));
  card.append(tensorBlock("value", node.value), tensorBlock("grad", node.grad));
  return card;
}

function drawNetwork(graph, source) {
  const host = $("net-graph");
  host.replaceChildren();
  const nodes = graph.nodes;
  const flow = el("div", { class: "net-flow" });
  const params = el("div", { class: "net-params" });
  for (const n of nodes) {
    if (n.op === "param") params.append(nodeCard(n, nodes));
    else {
      if (flow.childElementCount) flow.append(el("span", { class: "net-arrow", "aria-hidden": "true", text: "→" }));
      flow.append(nodeCard(n, nodes));
    }
  }
  host.append(flow, el("h3", { text: t("calc.net.params") }), params);
  $("net-loss").textContent = t("calc.net.loss", { data: fmt(graph.loss.data), reg: fmt(graph.loss.reg),
    total: fmt(graph.loss.total) });
  $("net-source").textContent = source;
}

async function showNetwork(spec, source) {
  const res = await post("graph/network", { model: spec.model, X: [spec.x], y: [spec.y], loss: spec.loss || "softmax",
    reg: spec.reg ?? 0, margin: spec.margin ?? 1 });
  if (!res.ok) {
    $("net-source").textContent = t("calc.error.graph", { message: res.message });
    return;
  }
  drawNetwork(res.body, source);
}

async function exampleNetwork() {
  const made = await post("models", { sizes: [2, 6, 3], activation: "relu", init: "xavier", seed: 0 });
  return { model: made.body.model, x: [0.5, -0.3], y: 1, loss: "softmax", reg: 0.001, margin: 1 };
}

/** The model and point the playground left in sessionStorage, or null. */
export function storedSpec() {
  try {
    const spec = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
    return spec && spec.model && Array.isArray(spec.x) ? spec : null;
  } catch {
    return null;
  }
}

export async function loadNetworkView() {
  const spec = storedSpec();
  if (spec) {
    await showNetwork(spec, t("calc.net.from_playground", { x: spec.x.map(fmt).join(", "), y: spec.y }));
  } else {
    $("net-source").textContent = t("calc.net.none");
  }
}

export function initNetwork() {
  $("check-run").addEventListener("click", runCheck);
  $("net-example").addEventListener("click", async () => {
    const spec = await exampleNetwork();
    await showNetwork(spec, t("calc.net.from_example", { x: spec.x.map(fmt).join(", "), y: spec.y }));
  });
}
