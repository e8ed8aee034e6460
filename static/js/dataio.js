// Your own data in, your run out: Load/Save/paste CSV, Save/Load model,
// Export as Python, Report.
//
// CSV is read by the server (POST /api/v1/points/csv: all or nothing, the
// line and what is wrong) and then sent as one `points` `replace` message; a
// bad file changes nothing. The model comes from the session (`model`
// message); the script and the report from /api/v1/export/python and
// /api/v1/report. Nothing here computes what the network does.

import { t, translatePage } from "./i18n.js";

const MAX_FILE_BYTES = 1_000_000;
const MAX_MESSAGE_BYTES = 64 * 1024; // the server's limit for one WebSocket message
const HISTORY_KEYS = ["step", "data_loss", "reg_loss", "total", "train_accuracy", "test_accuracy"];

function emptyHistory() {
  return Object.fromEntries(HISTORY_KEYS.map((k) => [k, []]));
}

/** Download `text` as a file named `name`. */
export function download(name, text, type = "text/plain") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The CSV text of the session's points: header, then x1,x2,label per point. */
export function pointsToCsv(points) {
  const rows = ["x1,x2,label"];
  points.X.forEach((x, i) => rows.push(`${x[0]},${x[1]},${points.y[i]}`));
  return `${rows.join("\n")}\n`;
}

/** The `replace` message for points, with coordinates shortened if the full ones do not fit. */
export function replaceMessage(points) {
  for (const digits of [null, 6, 4, 3]) {
    const rows = digits === null ? points
      : points.map(([a, b, k]) => [Number(a.toPrecision(digits)), Number(b.toPrecision(digits)), k]);
    const text = JSON.stringify({ type: "points", replace: rows });
    if (text.length <= MAX_MESSAGE_BYTES - 64) return { replace: rows, digits };
  }
  return null;
}

async function postJson(path, body) {
  const res = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  if (res.ok) return res;
  let message = `HTTP ${res.status}`;
  try {
    const detail = (await res.json()).detail?.[0];
    if (detail?.msg) message = detail.msg;
  } catch { /* keep the status */ }
  throw new Error(message);
}

export class DataIO {
  /**
   * host: the card to fill; conn: the socket (events hello, config, frame, model);
   * config(): the server's config; limits(): the session limits; notify(text, kind).
   */
  constructor(host, { conn, config, limits, notify }) {
    this.host = host;
    this.conn = conn;
    this.config = config;
    this.limits = limits;
    this.notify = notify;
    this.points = null;
    this.history = emptyHistory();
    this.lastStep = -1;
    this.modelWaiters = [];
    this.build();
    conn.on("hello", (msg) => { this.history = emptyHistory(); this.lastStep = -1; this.takePoints(msg.points); });
    conn.on("config", (msg) => {
      if (msg.reset) this.history = emptyHistory();
      if (this.settingModel && !msg.reset) this.notify(t("images.io.model_loaded"));
      this.settingModel = false;
    });
    conn.on("error", () => { this.settingModel = false; });
    conn.on("frame", (frame) => this.onFrame(frame));
    conn.on("model", (msg) => this.onModel(msg));
  }

  build() {
    this.host.innerHTML = `
      <div class="card-head"><h2 data-i18n="images.io.title"></h2></div>
      <div class="io-row" role="group" data-i18n-attr="aria-label:images.io.points">
        <span class="io-label" data-i18n="images.io.points"></span>
        <button type="button" class="btn btn-small" data-act="load-csv" data-i18n="images.io.load_csv"></button>
        <button type="button" class="btn btn-small" data-act="save-csv" data-i18n="images.io.save_csv"></button>
        <button type="button" class="btn btn-small" data-act="paste" data-i18n="images.io.paste"></button>
        <input type="file" accept=".csv,text/csv,text/plain" data-file="csv" hidden>
      </div>
      <div class="io-paste" hidden>
        <textarea rows="5" spellcheck="false" data-i18n-attr="placeholder:images.io.paste_hint,aria-label:images.io.paste"></textarea>
        <div class="io-row">
          <button type="button" class="btn btn-small btn-primary" data-act="paste-apply" data-i18n="images.io.paste_apply"></button>
          <button type="button" class="btn btn-small" data-act="paste-cancel" data-i18n="images.io.cancel"></button>
        </div>
      </div>
      <div class="io-row" role="group" data-i18n-attr="aria-label:images.io.run">
        <span class="io-label" data-i18n="images.io.run"></span>
        <button type="button" class="btn btn-small" data-act="save-model" data-i18n="images.io.save_model"></button>
        <button type="button" class="btn btn-small" data-act="load-model" data-i18n="images.io.load_model"></button>
        <button type="button" class="btn btn-small" data-act="python" data-i18n="images.io.python"></button>
        <button type="button" class="btn btn-small" data-act="report" data-i18n="images.io.report"></button>
        <input type="file" accept=".json,application/json" data-file="model" hidden>
      </div>`;
    translatePage(this.host);
    const on = (act, fn) => this.host.querySelector(`[data-act="${act}"]`).addEventListener("click", fn);
    const csvInput = this.host.querySelector('[data-file="csv"]');
    const modelInput = this.host.querySelector('[data-file="model"]');
    const paste = this.host.querySelector(".io-paste");
    on("load-csv", () => csvInput.click());
    on("save-csv", () => this.saveCsv());
    on("paste", () => { paste.hidden = !paste.hidden; if (!paste.hidden) paste.querySelector("textarea").focus(); });
    on("paste-cancel", () => { paste.hidden = true; });
    on("paste-apply", async () => { if (await this.loadCsv(paste.querySelector("textarea").value)) paste.hidden = true; });
    on("save-model", () => this.saveModel());
    on("load-model", () => modelInput.click());
    on("python", () => this.exportPython());
    on("report", () => this.report());
    csvInput.addEventListener("change", async () => {
      const file = csvInput.files[0];
      csvInput.value = "";
      if (!file) return;
      if (file.size > MAX_FILE_BYTES) { this.notify(t("images.io.too_large"), "error"); return; }
      await this.loadCsv(await file.text());
    });
    modelInput.addEventListener("change", async () => {
      const file = modelInput.files[0];
      modelInput.value = "";
      if (file) await this.loadModel(await file.text());
    });
  }

  // ---- what the session sends ----

  takePoints(points) {
    if (points && Array.isArray(points.y)) this.points = points;
  }

  onFrame(frame) {
    this.takePoints(frame.points);
    if (typeof frame.step === "number" && frame.step < this.lastStep) this.history = emptyHistory();
    this.lastStep = frame.step;
    const h = frame.history;
    if (!h || !Array.isArray(h.step)) return;
    for (const k of HISTORY_KEYS) this.history[k].push(...(h[k] || []));
    const over = this.history.step.length - 10000;
    if (over > 0) for (const k of HISTORY_KEYS) this.history[k].splice(0, over);
  }

  onModel(msg) {
    if (!msg.model) return;
    const waiters = this.modelWaiters;
    this.modelWaiters = [];
    waiters.forEach((resolve) => resolve(msg.model));
  }

  /** The live model, asked of the session (null if it does not answer). */
  fetchModel() {
    return new Promise((resolve) => {
      if (!this.conn.send("model")) { resolve(null); return; }
      this.modelWaiters.push(resolve);
      setTimeout(() => {
        const i = this.modelWaiters.indexOf(resolve);
        if (i >= 0) { this.modelWaiters.splice(i, 1); resolve(null); }
      }, 10000);
    });
  }

  isImages() {
    return Boolean(this.points && !Array.isArray(this.points.X)); // an image set's points come without X
  }

  // ---- actions ----

  saveCsv() {
    if (!this.points || this.isImages()) { this.notify(t("images.io.points_2d_only"), "error"); return; }
    download(`${this.config()?.dataset || "points"}.csv`, pointsToCsv(this.points), "text/csv");
  }

  async loadCsv(text) {
    const cfg = this.config();
    if (!cfg) return false;
    if (this.isImages()) { this.notify(t("images.io.points_2d_only"), "error"); return false; }
    try {
      const res = await postJson("/api/v1/points/csv",
        { csv: text, classes: cfg.classes, max_points: this.limits()?.max_points || 5000 });
      const { points } = await res.json();
      const msg = replaceMessage(points);
      if (!msg) throw new Error(t("images.io.too_many_to_send"));
      this.conn.send("points", { replace: msg.replace });
      this.notify(t("images.io.loaded", { n: points.length }));
      return true;
    } catch (err) {
      this.notify(t("images.io.refused", { why: err.message }), "error");
      return false;
    }
  }

  async saveModel() {
    const model = await this.fetchModel();
    if (!model) { this.notify(t("images.io.no_model"), "error"); return; }
    download(`model_${this.config()?.dataset || "run"}.json`, JSON.stringify(model), "application/json");
  }

  async loadModel(text) {
    let model;
    try {
      model = JSON.parse(text);
    } catch {
      this.notify(t("images.io.model_not_json"), "error");
      return;
    }
    const set = model.model || model;
    if (JSON.stringify({ type: "model", set }).length > MAX_MESSAGE_BYTES) {
      this.notify(t("images.io.model_too_large"), "error");
      return;
    }
    this.settingModel = this.conn.send("model", { set });
  }

  async exportPython() {
    const cfg = this.config();
    if (!cfg) return;
    try {
      const res = await postJson("/api/v1/export/python", { config: cfg, ...this.pointsBody() });
      const out = await res.json();
      download(out.filename, out.script, "text/x-python");
    } catch (err) {
      this.notify(t("images.io.refused", { why: err.message }), "error");
    }
  }

  /** The session's own points for export: loaded ones (`own_points`) and those added by hand (`points`). */
  pointsBody() {
    const cfg = this.config();
    if (!this.points || !cfg || this.isImages()) return {};
    const p = this.points;
    const rows = (from, to) => p.X.slice(from, to).map((x, i) => [x[0], x[1], p.y[from + i]]);
    const own = Number.isInteger(p.own) ? p.own : null;
    const base = own ?? cfg.n_points;
    return { points: rows(base, p.X.length), ...(own === null ? {} : { own_points: rows(0, own) }) };
  }

  async report() {
    const cfg = this.config();
    const model = await this.fetchModel();
    if (!cfg || !model) { this.notify(t("images.io.no_model"), "error"); return; }
    try {
      const lang = document.documentElement.lang.startsWith("zh") ? "zh" : "en";
      const res = await postJson("/api/v1/report",
        { config: cfg, model, history: this.history, ...this.pointsBody(), lang });
      download(`report_${cfg.dataset}.html`, await res.text(), "text/html");
    } catch (err) {
      this.notify(t("images.io.refused", { why: err.message }), "error");
    }
  }
}
