// The network drawn beside the plane, as tensorflow/playground draws it: the
// feature inputs (toggles, each with its map over the plane), every hidden
// unit with its own map, the outputs, and the edges between what is drawn —
// coloured by the weight's sign, thick by its size. Hover a unit to enlarge
// its map, an edge to read its weight and gradient; click (or Enter on) an
// edge or a bias to type a new value, which the server applies live.
//
// It reads the frame's `neurons` view (docs/protocol.md) and never computes
// the network: every number it shows came from the server.

import { decodeBase64, divergingCss, drawMap } from "./diverging.js";
import { t } from "./i18n.js";

export const FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"];
// Written as mathematics; the sines in the page's language (正弦 in 中文).
const FEATURE_LABELS = {
  x1: "x₁", x2: "x₂", "x1^2": "x₁²", "x2^2": "x₂²", "x1*x2": "x₁x₂",
  get "sin(x1)"() { return t("engine.diagram.sin_x1"); },
  get "sin(x2)"() { return t("engine.diagram.sin_x2"); },
};
export const MAX_LAYERS = 6;   // the page's limit (tensorflow/playground's)
const SVG_NS = "http://www.w3.org/2000/svg";

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

export function fmt(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(2).replace("e+", "e");
  return String(Number(v.toPrecision(3)));
}

export class Diagram {
  /**
   * host: the element to fill. onConfig(patch): ask for a config change
   * (features, hidden_sizes). onParam(msg): send a `param` message.
   */
  constructor(host, { onConfig, onParam, outputColor }) {
    this.host = host;
    this.onConfig = onConfig;
    this.onParam = onParam;
    this.outputColor = outputColor || (() => "#888");
    this.shape = "";
    this.view = null;
    this.config = null;
    this.discrete = false;
    this.build();
  }

  build() {
    this.host.classList.add("diagram");
    this.head = el("div", { class: "diagram-head" });
    // Folded at first: its maps and edges add about 8 KB to every frame, so a class of thirty
    // asks for them only when someone opens it.
    this.host.classList.add("is-collapsed");
    this.title = el("button", { type: "button", class: "diagram-title", "aria-expanded": "false",
      title: t("engine.diagram.collapse"), text: t("engine.diagram.title") });
    this.title.addEventListener("click", () => {
      const collapsed = this.host.classList.toggle("is-collapsed");
      this.title.setAttribute("aria-expanded", String(!collapsed));
      this.onConfig({ neurons: !collapsed }); // no maps for a folded diagram
      if (!collapsed) requestAnimationFrame(() => { this.anchors = null; this.drawEdges(); });
    });
    this.layerButtons = el("div", { class: "diagram-layers" });
    this.head.append(this.title, this.layerButtons);
    this.body = el("div", { class: "diagram-body" });
    this.svg = document.createElementNS(SVG_NS, "svg");
    this.svg.classList.add("diagram-edges");
    this.svg.setAttribute("aria-hidden", "false");
    this.columns = el("div", { class: "diagram-columns" });
    this.body.append(this.svg, this.columns);
    this.params = el("p", { class: "diagram-params" });
    this.tip = el("div", { class: "diagram-tip", role: "tooltip", hidden: "" });
    this.zoom = el("div", { class: "diagram-zoom", hidden: "" });
    this.zoomCanvas = el("canvas", { width: "20", height: "20" });
    this.zoomLabel = el("p");
    this.zoom.append(this.zoomCanvas, this.zoomLabel);
    this.editor = el("form", { class: "diagram-edit", hidden: "" });
    this.editLabel = el("label", { for: "diagram-edit-value" });
    this.editInput = el("input", { id: "diagram-edit-value", type: "number", step: "any", inputmode: "decimal" });
    const ok = el("button", { type: "submit", class: "btn btn-small btn-primary", text: t("engine.diagram.set") });
    const cancel = el("button", { type: "button", class: "btn btn-small", text: t("engine.diagram.cancel") });
    this.editor.append(this.editLabel, this.editInput, ok, cancel);
    this.editor.addEventListener("submit", (ev) => { ev.preventDefault(); this.applyEdit(); });
    cancel.addEventListener("click", () => this.closeEdit());
    this.editor.addEventListener("keydown", (ev) => { if (ev.key === "Escape") this.closeEdit(); });
    this.host.replaceChildren(this.head, this.body, this.params, this.tip, this.zoom, this.editor);
    new ResizeObserver(() => { this.anchors = null; this.drawEdges(); }).observe(this.body);
  }

  /** A frame arrived: its `neurons` view (or none) and the server's config. Drawn on the
   * next animation frame, once however many frames arrive before it. */
  update(view, config) {
    this.config = config;
    // No view (switched off, or a task without it, such as images): the diagram steps aside.
    this.host.hidden = !view && !this.host.classList.contains("is-collapsed");
    if (!view) return;
    this.pending = view;
    if (this.rafPending) return;
    this.rafPending = true;
    requestAnimationFrame(() => {
      this.rafPending = false;
      this.render(this.pending);
    });
  }

  render(view) {
    const config = this.config;
    this.view = view;
    const shape = JSON.stringify([view.inputs.names, view.layers.map((l) => [l.width, l.units]),
      view.edges.length ? view.edges[view.edges.length - 1].cols.length : 0, config && config.hidden_sizes]);
    if (shape !== this.shape) {
      this.shape = shape;
      this.layout();
      this.anchors = null;
    }
    this.drawMaps();
    this.drawEdges();
    const p = view.parameters;
    if (p) this.params.textContent = t("engine.diagram.params", { arithmetic: p.arithmetic });
  }

  setDiscrete(on) {
    this.discrete = on;
    if (this.view) this.drawMaps();
  }

  // ---- structure ---------------------------------------------------------------

  layout() {
    const view = this.view;
    this.nodes = new Map();   // key → {el, canvas, set, m}
    this.columns.replaceChildren();
    this.layerButtons.replaceChildren(...this.layerControls());

    // Features: every one is a toggle; the active ones carry their maps.
    const features = el("div", { class: "diagram-col diagram-features" },
      el("p", { class: "diagram-col-head", text: t("engine.diagram.features") }));
    const active = view.inputs.names;
    for (const name of FEATURES) {
      const on = active.includes(name);
      const button = el("button", {
        type: "button", class: `node node-feature${on ? "" : " is-off"}`, "aria-pressed": String(on),
        "data-feature": name, title: t(on ? "engine.diagram.feature_off" : "engine.diagram.feature_on", { name: FEATURE_LABELS[name] }),
      });
      const canvas = el("canvas", { width: "20", height: "20", "aria-hidden": "true" });
      button.append(canvas, el("span", { class: "node-label", text: FEATURE_LABELS[name] }));
      button.addEventListener("click", () => this.toggleFeature(name));
      features.append(button);
      if (on) this.nodes.set(`in:${active.indexOf(name)}`, { el: button, canvas, set: "inputs", m: active.indexOf(name), label: FEATURE_LABELS[name] });
    }
    this.columns.append(features);

    view.layers.forEach((layer, l) => {
      const col = el("div", { class: "diagram-col diagram-hidden" });
      col.append(this.widthControls(l, layer.width));
      layer.units.forEach((u, m) => {
        const node = el("div", { class: "node node-unit", tabindex: "0", role: "img",
          "aria-label": t("engine.diagram.unit", { layer: l + 1, unit: u + 1 }) });
        const canvas = el("canvas", { width: "20", height: "20", "aria-hidden": "true" });
        node.append(canvas, this.biasHandle(l, u));
        this.hoverZoom(node, `h:${l}:${u}`);
        col.append(node);
        this.nodes.set(`h:${l}:${u}`, { el: node, canvas, set: l, m, label: t("engine.diagram.unit", { layer: l + 1, unit: u + 1 }) });
      });
      if (layer.more > 0) col.append(el("p", { class: "diagram-more", text: t("engine.diagram.more", { n: layer.more }) }));
      this.columns.append(col);
    });

    const out = el("div", { class: "diagram-col diagram-output" },
      el("p", { class: "diagram-col-head", text: t("engine.diagram.output") }));
    const last = view.edges[view.edges.length - 1];
    const L = view.edges.length - 1;
    const regression = this.config && this.config.loss === "mse";
    last.cols.forEach((k) => {
      const node = el("div", { class: "node node-output" });
      const dot = el("span", { class: "node-swatch", "aria-hidden": "true" });
      dot.style.background = regression ? divergingCss(0.6) : this.outputColor(k);
      node.title = regression ? "ŷ" : t("engine.diagram.class", { k });
      node.append(dot, el("span", { class: "node-label", text: regression ? "ŷ" : String(k) }),
        this.biasHandle(L, k, true));
      out.append(node);
      this.nodes.set(`out:${k}`, { el: node, label: regression ? "ŷ" : t("engine.diagram.class", { k }) });
    });
    this.columns.append(out);
  }

  layerControls() {
    const sizes = (this.config && this.config.hidden_sizes) || [];
    const minus = el("button", { type: "button", class: "btn btn-small", "data-action": "remove-layer",
      "aria-label": t("engine.diagram.remove_layer"), title: t("engine.diagram.remove_layer"), text: "−" });
    const plus = el("button", { type: "button", class: "btn btn-small", "data-action": "add-layer",
      "aria-label": t("engine.diagram.add_layer"), title: t("engine.diagram.add_layer"), text: "+" });
    minus.disabled = sizes.length === 0;
    plus.disabled = sizes.length >= MAX_LAYERS;
    minus.addEventListener("click", () => this.onConfig({ hidden_sizes: sizes.slice(0, -1) }));
    plus.addEventListener("click", () => this.onConfig({ hidden_sizes: [...sizes, sizes.length ? sizes[sizes.length - 1] : 4] }));
    const label = el("span", { class: "diagram-layers-label", text: t("engine.diagram.layers", { n: sizes.length }) });
    return [minus, label, plus];
  }

  widthControls(l, width) {
    const sizes = (this.config && this.config.hidden_sizes) || [];
    const box = el("div", { class: "diagram-width" });
    const change = (d) => {
      const next = sizes.slice();
      next[l] = Math.max(1, Math.min(1024, (next[l] || width) + d));
      this.onConfig({ hidden_sizes: next });
    };
    const minus = el("button", { type: "button", class: "btn btn-tiny", "data-action": `narrow-${l}`,
      "aria-label": t("engine.diagram.narrow", { layer: l + 1 }), text: "−" });
    const plus = el("button", { type: "button", class: "btn btn-tiny", "data-action": `widen-${l}`,
      "aria-label": t("engine.diagram.widen", { layer: l + 1 }), text: "+" });
    minus.disabled = width <= 1;
    minus.addEventListener("click", () => change(-1));
    plus.addEventListener("click", () => change(1));
    box.append(minus, el("span", { text: String(width) }), plus);
    return box;
  }

  biasHandle(layer, unit, output = false) {
    const handle = el("button", { type: "button", class: "bias-handle", "data-layer": String(layer),
      "data-unit": String(unit), "aria-label": t("engine.diagram.bias_label", { layer: layer + 1, unit: unit + 1 }) });
    handle.addEventListener("click", (ev) => {
      ev.stopPropagation();
      this.openEdit({ layer, name: "b", index: [unit] }, handle);
    });
    handle.addEventListener("mouseenter", () => this.showTip(handle, this.biasText(layer, unit)));
    handle.addEventListener("mouseleave", () => this.hideTip());
    handle.addEventListener("focus", () => this.showTip(handle, this.biasText(layer, unit)));
    handle.addEventListener("blur", () => this.hideTip());
    handle.dataset.output = String(output);
    return handle;
  }

  toggleFeature(name) {
    const active = this.view.inputs.names;
    const next = active.includes(name) ? active.filter((f) => f !== name) : [...active, name];
    if (!next.length) return; // a network needs at least one input
    this.onConfig({ features: FEATURES.filter((f) => next.includes(f)) });
  }

  // ---- maps -------------------------------------------------------------------

  mapBytes(set) {
    const src = set === "inputs" ? this.view.inputs : this.view.layers[set];
    if (!src.bytes) src.bytes = decodeBase64(src.data);
    return src;
  }

  drawMaps() {
    const R = this.view.resolution;
    for (const node of this.nodes.values()) {
      if (!node.canvas) continue;
      const src = this.mapBytes(node.set);
      drawMap(node.canvas, src.bytes, node.m, R, src.lo[node.m], src.hi[node.m], { discrete: this.discrete });
    }
  }

  hoverZoom(node, key) {
    const show = () => {
      const n = this.nodes.get(key);
      if (!n) return;
      const src = this.mapBytes(n.set);
      drawMap(this.zoomCanvas, src.bytes, n.m, this.view.resolution, src.lo[n.m], src.hi[n.m], { discrete: this.discrete });
      this.zoomLabel.textContent = t("engine.diagram.zoom", { name: n.label, lo: fmt(src.lo[n.m]), hi: fmt(src.hi[n.m]) });
      this.place(this.zoom, node);
      this.zoom.hidden = false;
    };
    const hide = () => { this.zoom.hidden = true; };
    node.addEventListener("mouseenter", show);
    node.addEventListener("mouseleave", hide);
    node.addEventListener("focus", show);
    node.addEventListener("blur", hide);
  }

  // ---- edges ------------------------------------------------------------------

  sourceKey(l, r) {
    return l === 0 ? `in:${r}` : `h:${l - 1}:${r}`;
  }

  targetKey(l, c) {
    return l === this.view.edges.length - 1 ? `out:${c}` : `h:${l}:${c}`;
  }

  drawEdges() {
    if (!this.view || !this.nodes) return;
    if (!this.anchors) this.measure();
    const anchor = (key, side) => {
      const a = this.anchors.get(key);
      return a ? a[side] : null;
    };
    const want = [];
    this.view.edges.forEach((edge, l) => {
      edge.rows.forEach((r, i) => {
        edge.cols.forEach((c, j) => {
          const a = anchor(this.sourceKey(l, r), "out");
          const b = anchor(this.targetKey(l, c), "in");
          if (!a || !b) return;
          want.push({ l, r, c, i, j, a, b, w: edge.W[i][j], g: edge.dW ? edge.dW[i][j] : null });
        });
      });
    });
    // Thickness and opacity by |w| against the largest drawn weight, so that a network of small
    // weights (the 0.01 init) and a trained one both show which edges matter.
    const biggest = Math.max(1e-12, ...want.map((e) => (Number.isFinite(e.w) ? Math.abs(e.w) : 0)));
    // Reuse the path elements: one visible path and one wide transparent hit path per edge.
    while (this.svg.childNodes.length > want.length) this.svg.lastChild.remove();
    want.forEach((e, n) => {
      let group = this.svg.childNodes[n];
      if (!group) {
        group = document.createElementNS(SVG_NS, "g");
        group.classList.add("edge");
        group.setAttribute("tabindex", "0");
        group.setAttribute("role", "button");
        const line = document.createElementNS(SVG_NS, "path");
        line.classList.add("edge-line");
        const hit = document.createElementNS(SVG_NS, "path");
        hit.classList.add("edge-hit");
        group.append(line, hit);
        group.addEventListener("mouseenter", () => this.showTip(group, this.edgeText(group.edge)));
        group.addEventListener("mouseleave", () => this.hideTip());
        group.addEventListener("focus", () => this.showTip(group, this.edgeText(group.edge)));
        group.addEventListener("blur", () => this.hideTip());
        group.addEventListener("click", () => this.openEditEdge(group));
        group.addEventListener("keydown", (ev) => {
          if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); this.openEditEdge(group); }
        });
        this.svg.append(group);
      }
      group.edge = e;
      const [x1, y1] = e.a;
      const [x2, y2] = e.b;
      const mx = (x1 + x2) / 2;
      const d = `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
      const [line, hit] = group.childNodes;
      line.setAttribute("d", d);
      hit.setAttribute("d", d);
      const w = Number.isFinite(e.w) ? e.w : 0;
      line.setAttribute("stroke", divergingCss(w >= 0 ? 1 : -1));
      const share = Math.abs(w) / biggest;
      line.setAttribute("stroke-width", String(0.4 + 3.6 * share));
      line.setAttribute("stroke-opacity", String(0.3 + 0.7 * share));
      group.dataset.layer = String(e.l);
      group.dataset.from = String(e.r);
      group.dataset.to = String(e.c);
      group.setAttribute("aria-label", this.edgeText(e));
    });
  }

  /** Where each node's edges start and end (measured once per layout or resize). */
  measure() {
    const box = this.body.getBoundingClientRect();
    this.svg.setAttribute("width", String(box.width));
    this.svg.setAttribute("height", String(box.height));
    this.svg.setAttribute("viewBox", `0 0 ${box.width} ${box.height}`);
    this.anchors = new Map();
    for (const [key, n] of this.nodes) {
      const r = n.el.getBoundingClientRect();
      const y = r.top + r.height / 2 - box.top;
      this.anchors.set(key, { out: [r.right - box.left, y], in: [r.left - box.left, y] });
    }
  }

  edgeName(e) {
    const from = e.l === 0 ? FEATURE_LABELS[this.view.inputs.names[e.r]] : t("engine.diagram.unit_short", { layer: e.l, unit: e.r + 1 });
    const last = e.l === this.view.edges.length - 1;
    const to = last ? (this.config && this.config.loss === "mse" ? "ŷ" : t("engine.diagram.class", { k: e.c }))
      : t("engine.diagram.unit_short", { layer: e.l + 1, unit: e.c + 1 });
    return `${from} → ${to}`;
  }

  edgeText(e) {
    return t("engine.diagram.edge", { name: this.edgeName(e), w: fmt(e.w), g: fmt(e.g) });
  }

  biasText(layer, unit) {
    const edge = this.view && this.view.edges[layer];
    if (!edge) return "";
    const j = edge.cols.indexOf(unit);
    const g = edge.db ? edge.db[j] : null;
    return t("engine.diagram.bias", { layer: layer + 1, unit: unit + 1, b: fmt(edge.b[j]), g: fmt(g) });
  }

  // ---- tooltip and editor -------------------------------------------------------

  place(box, target) {
    const host = this.host.getBoundingClientRect();
    const r = target.getBoundingClientRect();
    box.style.left = `${Math.max(0, Math.min(host.width - 170, r.left - host.left + r.width / 2 - 80))}px`;
    box.style.top = `${r.bottom - host.top + 6}px`;
  }

  showTip(target, text) {
    this.tip.textContent = text;
    this.place(this.tip, target);
    this.tip.hidden = false;
  }

  hideTip() {
    this.tip.hidden = true;
  }

  openEditEdge(group) {
    const e = group.edge; // rows and cols are the layer's own input and output indices
    this.openEdit({ layer: e.l, name: "W", index: [e.r, e.c], value: e.w, label: this.edgeName(e) }, group);
  }

  openEdit(target, anchorEl) {
    if (target.name === "b") {
      const edge = this.view.edges[target.layer];
      target.value = edge.b[edge.cols.indexOf(target.index[0])];
      target.label = t("engine.diagram.bias_label", { layer: target.layer + 1, unit: target.index[0] + 1 });
    }
    this.editing = { target, anchorEl };
    this.editLabel.textContent = t("engine.diagram.edit", { name: target.label });
    this.editInput.value = Number.isFinite(target.value) ? String(Number(target.value.toPrecision(4))) : "0";
    this.place(this.editor, anchorEl);
    this.editor.hidden = false;
    this.editInput.focus();
    this.editInput.select();
  }

  applyEdit() {
    const value = Number(this.editInput.value);
    if (!this.editing || this.editInput.value.trim() === "" || !Number.isFinite(value)) {
      this.editInput.setCustomValidity(t("engine.diagram.bad_value"));
      this.editInput.reportValidity();
      return;
    }
    this.editInput.setCustomValidity("");
    const { layer, name, index } = this.editing.target;
    this.onParam({ layer, name, index, value });
    this.closeEdit();
  }

  closeEdit() {
    const anchorEl = this.editing && this.editing.anchorEl;
    this.editor.hidden = true;
    this.editing = null;
    if (anchorEl && anchorEl.isConnected) anchorEl.focus();
  }
}
