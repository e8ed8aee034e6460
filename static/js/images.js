// The image view: templates, the confusion matrix, the test images, and a
// canvas to draw your own image for the network to score.
//
// Everything shown comes from the server: `templates`, `confusion` and `test_predictions` in
// frames (docs/protocol.md), the test images from GET /api/v1/datasets/{name}
// (the session's images are exactly that answer), the scores of a drawn image
// from the `probe` reply. The page only draws pixels.

import { t, translatePage } from "./i18n.js";

const GRID_MAX = 60; // test images shown at once
const THUMB = 40; // CSS pixels per thumbnail
// A digit is drawn on 32×32 and seen as 8×8, each pixel the mean of a 4×4
// block: how the UCI set itself was made from 32×32 bitmaps.
const DRAW_SIZE = 32;

function decodeBase64(data) {
  const bin = atob(data);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i += 1) out[i] = bin.charCodeAt(i);
  return out;
}

/** Paint an (H, W, Ch) image given as numbers in [0, 1] (or 0..255 with `u8`) on a canvas. */
export function paint(canvas, values, [h, w, ch], u8 = false) {
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(w, h);
  const k = u8 ? 1 : 255;
  for (let p = 0; p < h * w; p += 1) {
    for (let c = 0; c < 3; c += 1) img.data[4 * p + c] = Math.round(k * values[p * ch + (ch === 3 ? c : 0)]);
    img.data[4 * p + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

const SHAPE_DRAW = {
  circle: (g, r) => { g.beginPath(); g.arc(16, 16, r, 0, 2 * Math.PI); g.fill(); },
  ring: (g, r) => { g.lineWidth = 4; g.beginPath(); g.arc(16, 16, r - 2, 0, 2 * Math.PI); g.stroke(); },
  square: (g, r) => g.fillRect(16 - 0.8 * r, 16 - 0.8 * r, 1.6 * r, 1.6 * r),
  frame: (g, r) => { g.lineWidth = 4; g.strokeRect(18 - 0.8 * r, 18 - 0.8 * r, 1.6 * r - 4, 1.6 * r - 4); },
  triangle: (g, r) => { g.beginPath(); g.moveTo(16, 16 - r); g.lineTo(16 + 1.08 * r, 16 + 0.8 * r); g.lineTo(16 - 1.08 * r, 16 + 0.8 * r); g.fill(); },
  diamond: (g, r) => { g.beginPath(); g.moveTo(16, 16 - r); g.lineTo(16 + r, 16); g.lineTo(16, 16 + r); g.lineTo(16 - r, 16); g.fill(); },
  plus: (g, r) => { g.fillRect(14, 16 - r, 4, 2 * r); g.fillRect(16 - r, 14, 2 * r, 4); },
  cross: (g, r) => { g.lineWidth = 5; g.beginPath(); g.moveTo(16 - 0.8 * r, 16 - 0.8 * r); g.lineTo(16 + 0.8 * r, 16 + 0.8 * r); g.moveTo(16 + 0.8 * r, 16 - 0.8 * r); g.lineTo(16 - 0.8 * r, 16 + 0.8 * r); g.stroke(); },
  stripes: (g, r) => { for (let y = 16 - 0.8 * r; y < 16 + 0.8 * r; y += 6) g.fillRect(16 - 0.8 * r, y, 1.6 * r, 3); },
  checker: (g, r) => {
    for (let y = 0; y < 1.6 * r; y += 4) for (let x = 0; x < 1.6 * r; x += 4) {
      if ((x + y) % 8 === 0) g.fillRect(16 - 0.8 * r + x, 16 - 0.8 * r + y, 4, 4);
    }
  },
};

export class ImageView {
  /** host: the section to fill; conn: the socket; config(): the server's config; spec(name): a dataset's spec. */
  constructor(host, { conn, config, spec }) {
    this.host = host;
    this.conn = conn;
    this.config = config;
    this.spec = spec;
    this.active = false;
    this.test = null; // {X, y} of the test images
    this.confusion = null;
    this.filter = null; // [true, predicted] or null
    this.key = "";
    this.colour = "#ffcc00";
    this.build();
    // The messages' own config: this view may hear them before main.js has taken them in.
    conn.on("hello", (msg) => this.sync(msg.config));
    conn.on("config", (msg) => this.sync(msg.config));
    conn.on("frame", (frame) => this.onFrame(frame));
    conn.on("probe", (msg) => this.onProbe(msg));
  }

  build() {
    this.host.innerHTML = `
      <p class="iv-stats" data-role="stats" aria-live="off"></p>
      <div class="iv-block iv-templates">
        <h3 data-i18n="images.view.templates"></h3>
        <p class="iv-help" data-role="templates-help"></p>
        <div class="iv-template-grid" data-role="templates"></div>
      </div>
      <div class="iv-block iv-confusion">
        <h3 data-i18n="images.view.confusion"></h3>
        <p class="iv-help" data-i18n="images.view.confusion_help"></p>
        <table class="iv-matrix" data-role="matrix"></table>
      </div>
      <div class="iv-block iv-draw">
        <h3 data-i18n="images.view.draw"></h3>
        <p class="iv-help" data-role="draw-help"></p>
        <div class="iv-draw-row">
          <canvas class="iv-canvas" data-role="canvas" width="32" height="32" aria-label=""></canvas>
          <canvas class="iv-seen" data-role="seen" width="8" height="8" aria-hidden="true"></canvas>
          <div class="iv-probs" data-role="probs" aria-live="polite"></div>
        </div>
        <div class="iv-tools" data-role="tools"></div>
      </div>
      <div class="iv-block iv-grid-block">
        <h3><span data-i18n="images.view.grid"></span> <small data-role="grid-caption"></small>
          <button type="button" class="btn btn-small" data-act="all" data-i18n="images.view.show_all" hidden></button></h3>
        <div class="iv-grid" data-role="grid"></div>
      </div>`;
    translatePage(this.host);
    this.$ = (role) => this.host.querySelector(`[data-role="${role}"]`);
    this.host.querySelector('[data-act="all"]').addEventListener("click", () => { this.filter = null; this.drawGrid(); });
    this.setupCanvas();
  }

  shape() {
    const cfg = this.cfg || this.config();
    const spec = cfg && this.spec(cfg.dataset);
    return spec && spec.image_shape ? spec.image_shape : null;
  }

  /** Show or hide the view for the session's dataset; fetch its test images. */
  async sync(cfg) {
    this.cfg = cfg || this.cfg;
    cfg = this.cfg;
    if (!cfg) return;
    const shape = this.shape();
    this.active = Boolean(shape);
    this.host.hidden = !this.active;
    document.body.classList.toggle("is-images", this.active);
    if (!this.active) return;
    const key = JSON.stringify([cfg.dataset, cfg.n_points, cfg.noise, cfg.seed, cfg.test_fraction]);
    if (key === this.key) return;
    this.key = key;
    this.test = null;
    this.filter = null;
    this.resetCanvas();
    const q = new URLSearchParams({ n: cfg.n_points, noise: cfg.noise, seed: cfg.seed, test_fraction: cfg.test_fraction,
      only_test: true });
    const res = await fetch(`/api/v1/datasets/${encodeURIComponent(cfg.dataset)}?${q}`);
    if (!res.ok || key !== this.key) return;
    const data = await res.json(); // the test images, in the order of the confusion's predictions
    this.test = { X: data.X, y: data.y };
    this.drawGrid();
  }

  names() {
    const cfg = this.cfg || this.config();
    const names = (cfg && this.spec(cfg.dataset)?.class_names) || [];
    // A class name in the page's language where the catalog has it (shapes), else as the data names it.
    return names.map((name) => { const key = `class_name.${name}`; const text = t(key); return text === key ? name : text; });
  }

  onFrame(frame) {
    if (!this.active) return;
    this.showStats(frame);
    if (frame.templates) this.drawTemplates(frame.templates);
    if (frame.probe && Array.isArray(frame.probe.probs) && frame.probe.x?.length > 2) this.onProbe(frame.probe);
    if (frame.confusion) {
      this.confusion = { matrix: frame.confusion, ...(frame.test_predictions || {}) };
      this.drawMatrix();
      this.drawGrid();
    }
  }

  /** "N steps/s · P parameters": the steps of the last two seconds of frames, and the network's size. */
  showStats(frame) {
    const now = performance.now();
    this.ticks = (this.ticks || []).filter(([t]) => now - t < 2000);
    this.ticks.push([now, frame.step]);
    const [t0, s0] = this.ticks[0];
    const rate = now > t0 && frame.step >= s0 ? ((frame.step - s0) * 1000) / (now - t0) : 0;
    const shape = this.shape();
    const sizes = [shape[0] * shape[1] * shape[2], ...(this.cfg?.hidden_sizes || []), this.names().length];
    const params = sizes.slice(1).reduce((sum, out, i) => sum + (sizes[i] + 1) * out, 0);
    this.$("stats").textContent = `${frame.running ? `${t("images.view.steps_per_s", { n: Math.round(rate).toLocaleString() })} · ` : ""}${
      t("images.view.params", { n: params.toLocaleString() })} (${sizes.join(" → ")})`;
  }

  drawTemplates(msg) {
    const [k, h, w, ch] = msg.shape;
    const bytes = decodeBase64(msg.data);
    const box = this.$("templates");
    const linear = k === this.names().length && (this.cfg?.hidden_sizes || []).length === 0;
    this.$("templates-help").textContent = linear ? t("images.view.templates_linear")
      : t("images.view.templates_hidden", { k });
    box.classList.toggle("is-linear", linear);
    while (box.children.length > k) box.lastChild.remove();
    for (let i = 0; i < k; i += 1) {
      let fig = box.children[i];
      if (!fig) {
        fig = document.createElement("figure");
        fig.append(document.createElement("canvas"), document.createElement("figcaption"));
        box.append(fig);
      }
      paint(fig.firstChild, bytes.subarray(i * h * w * ch, (i + 1) * h * w * ch), [h, w, ch], true);
      fig.lastChild.textContent = linear ? this.names()[i] : "";
    }
  }

  drawMatrix() {
    const { matrix, per_class_accuracy: acc } = this.confusion;
    const names = this.names();
    const table = this.$("matrix");
    const max = Math.max(1, ...matrix.map((row) => Math.max(...row)));
    const head = `<tr><th class="iv-corner">↓${t("images.view.true")}<br>→${t("images.view.predicted")}</th>${
      names.map((n, k) => `<th scope="col" title="${n}">${n.length > 2 ? k : n}</th>`).join("")}<th title="${t("images.view.class_accuracy")}">%</th></tr>`;
    const rows = matrix.map((row, i) => `<tr><th scope="row" class="iv-rowname" title="${names[i] ?? i}">${
      names[i] && names[i].length > 2 ? `${i} ${names[i]}` : names[i] ?? i}</th>${row.map((v, j) => {
      const a = v / max;
      const bg = i === j ? `rgba(0,114,178,${0.1 + 0.8 * a})` : `rgba(213,94,0,${v ? 0.15 + 0.75 * a : 0})`;
      const sel = this.filter && this.filter[0] === i && this.filter[1] === j ? " is-selected" : "";
      return `<td class="iv-cell${sel}" data-i="${i}" data-j="${j}" style="background:${bg};color:${a > 0.55 ? "#fff" : "#222"}"
        tabindex="0" role="button">${v}</td>`;
    }).join("")}<td class="iv-acc">${acc[i] === null ? "—" : `${Math.round(100 * acc[i])} %`}</td></tr>`).join("");
    table.innerHTML = head + rows;
    table.classList.toggle("has-names", names.some((n) => n.length > 2));
    table.querySelectorAll(".iv-cell").forEach((td) => {
      const pick = () => { this.filter = [Number(td.dataset.i), Number(td.dataset.j)]; this.drawMatrix(); this.drawGrid(); };
      td.addEventListener("click", pick);
      td.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); pick(); } });
    });
  }

  drawGrid() {
    const grid = this.$("grid");
    const shape = this.shape();
    if (!this.test || !shape) { grid.replaceChildren(); return; }
    const pred = this.confusion?.predicted;
    const prob = this.confusion?.probability;
    const names = this.names();
    let idx = this.test.y.map((_, i) => i);
    if (this.filter && pred) idx = idx.filter((i) => this.test.y[i] === this.filter[0] && pred[i] === this.filter[1]);
    this.host.querySelector('[data-act="all"]').hidden = !this.filter;
    this.$("grid-caption").textContent = this.filter
      ? t("images.view.grid_cell", { true: names[this.filter[0]], pred: names[this.filter[1]], n: idx.length })
      : t("images.view.grid_all");
    grid.replaceChildren(...idx.slice(0, GRID_MAX).map((i) => {
      const fig = document.createElement("figure");
      const canvas = document.createElement("canvas");
      canvas.style.width = canvas.style.height = `${THUMB}px`;
      paint(canvas, this.test.X[i], shape);
      const cap = document.createElement("figcaption");
      if (pred) {
        const wrong = pred[i] !== this.test.y[i];
        fig.classList.toggle("is-wrong", wrong);
        cap.textContent = `${names[pred[i]]} ${Math.round(100 * prob[i])}%`;
        fig.title = `${t("images.view.true")}: ${names[this.test.y[i]]}${wrong ? ` (${t("images.view.wrong")})` : ""}`;
      }
      fig.append(canvas, cap);
      return fig;
    }));
  }

  // ---- draw your own ----

  setupCanvas() {
    const canvas = this.$("canvas");
    let drawing = false;
    const at = (ev) => {
      const r = canvas.getBoundingClientRect();
      return [(ev.clientX - r.left) / r.width * canvas.width, (ev.clientY - r.top) / r.height * canvas.height];
    };
    const stroke = (ev) => {
      const [x, y] = at(ev);
      const g = canvas.getContext("2d");
      const digits = this.shape()?.[2] === 1;
      g.fillStyle = digits ? "#fff" : this.colour;
      g.beginPath();
      g.arc(x, y, digits ? 3 : 1.8, 0, 2 * Math.PI);
      g.fill();
      this.sendProbe();
    };
    canvas.addEventListener("pointerdown", (ev) => { drawing = true; canvas.setPointerCapture(ev.pointerId); stroke(ev); });
    canvas.addEventListener("pointermove", (ev) => { if (drawing) stroke(ev); });
    canvas.addEventListener("pointerup", () => { drawing = false; });
  }

  resetCanvas() {
    const shape = this.shape();
    if (!shape) return;
    const digits = shape[2] === 1;
    this.$("seen").hidden = !digits;
    this.$("draw-help").textContent = t(digits ? "images.view.draw_help" : "images.view.shape_help");
    this.$("canvas").setAttribute("aria-label", t("images.view.draw"));
    const tools = this.$("tools");
    tools.replaceChildren();
    const button = (label, fn) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "btn btn-small";
      b.textContent = label;
      b.addEventListener("click", fn);
      tools.append(b);
      return b;
    };
    button(t("images.view.clear"), () => this.clearCanvas());
    if (!digits) {
      const pick = document.createElement("input");
      pick.type = "color";
      pick.value = this.colour;
      pick.title = t("images.view.colour");
      pick.setAttribute("aria-label", t("images.view.colour"));
      pick.addEventListener("input", () => { this.colour = pick.value; });
      tools.append(pick);
      for (const name of this.names()) button(name, () => this.stamp(name));
    }
    this.clearCanvas(false);
    this.$("probs").replaceChildren();
  }

  clearCanvas(send = true) {
    const canvas = this.$("canvas");
    const g = canvas.getContext("2d");
    g.fillStyle = this.shape()?.[2] === 1 ? "#000" : "#1a1a2e";
    g.fillRect(0, 0, canvas.width, canvas.height);
    if (send) this.sendProbe();
  }

  stamp(name) {
    this.clearCanvas(false);
    const g = this.$("canvas").getContext("2d");
    g.fillStyle = g.strokeStyle = this.colour;
    SHAPE_DRAW[name]?.(g, 9);
    this.sendProbe();
  }

  /** The drawing as the network's input: (H·W·Ch) numbers in [0, 1], each
   * the mean of a block of the 32×32 drawing (1×1 for shapes, 4×4 for digits). */
  pixels() {
    const [h, w, ch] = this.shape();
    const data = this.$("canvas").getContext("2d").getImageData(0, 0, DRAW_SIZE, DRAW_SIZE).data;
    const block = DRAW_SIZE / w;
    const out = [];
    for (let i = 0; i < h; i += 1) {
      for (let j = 0; j < w; j += 1) {
        for (let c = 0; c < ch; c += 1) {
          let sum = 0;
          for (let di = 0; di < block; di += 1) {
            for (let dj = 0; dj < block; dj += 1) sum += data[4 * ((i * block + di) * DRAW_SIZE + j * block + dj) + c];
          }
          out.push(Math.round((sum / (255 * block * block)) * 1000) / 1000);
        }
      }
    }
    if (ch === 1) paint(this.$("seen"), out, [h, w, ch]);
    return out;
  }

  sendProbe() {
    if (!this.active) return;
    cancelAnimationFrame(this.probeFrame);
    this.probeFrame = requestAnimationFrame(() => this.conn.send("probe", { x: this.pixels() }));
  }

  onProbe(msg) {
    if (!this.active || !Array.isArray(msg.probs)) return;
    const names = this.names();
    const box = this.$("probs");
    box.innerHTML = msg.probs.map((p, k) => `<div class="iv-prob${k === msg.prediction ? " is-top" : ""}">
      <span class="iv-prob-name">${names[k] ?? k}</span>
      <span class="iv-bar"><i style="width:${(100 * (p ?? 0)).toFixed(1)}%"></i></span>
      <span class="iv-prob-val">${((p ?? 0) * 100).toFixed(1)}%</span>
      <span class="iv-score">${msg.scores[k] === null ? "—" : msg.scores[k].toFixed(2)}</span></div>`).join("");
  }
}
