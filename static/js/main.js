// The playground page: wires the state table, the socket, the controls, the
// chart, the plane, the inspector and the lessons together.
//
// The page's state (state.js) is what the user asked for; the server's config
// is what runs. Every change is sent as a partial `config` (sliders debounced
// by SLIDER_DEBOUNCE_MS); every `hello` re-sends whatever differs, so a link,
// a reconnect or a change made while offline all end with the server running
// exactly the settings in the hash.
//
// Every text comes from the language's catalog (static/i18n, t()); the
// language is in the hash too (`lang=zh`), the browser's language otherwise.

import {
  BY_NAME, SETTINGS, boundsOf, clampToDataset, configDiff, datasetSpec, defaults,
  fromConfig, fromHash, optionsOf, setCatalog, settingsForField, toConfig, toHash,
} from "./state.js";
import { fmtLoss, fmtNum, fmtPercent } from "./format.js";
import { Connection } from "./socket.js";
import { Controls, settingLabel, valueLabel } from "./controls.js";
import { LossChart } from "./charts.js";
import { Plane, CLASS_COLORS, className } from "./plane.js";
import { Inspector } from "./inspector.js";
import { installGraphLink } from "./graphlink.js";
import { Lessons } from "./lessons.js";
import { Classroom } from "./classroom.js";
import { mountInside } from "./inside.js";
import { Busy, Help, Offline, showNotice } from "./overlays.js";
import { lang, loadLang, t, translatePage } from "./i18n.js";
import { DataIO } from "./dataio.js";
import { ImageView } from "./images.js";

await loadLang();
translatePage();
document.title = t("page.doc_title");

const SLIDER_DEBOUNCE_MS = 150;
const $ = (sel) => document.querySelector(sel);

// ---------------------------------------------------------------- state

setCatalog(JSON.parse($("#catalog-data").textContent));

const parsed = fromHash(location.hash);
const hashGiven = parsed.found.length > 0;
let state = parsed.state;
const PINS_KEY = "nnpg.pins";
// Config fields whose change re-initializes the network (the server then builds it anew).
const REINIT_FIELDS = new Set(SETTINGS.filter((x) => x.reinit && x.config).map((x) => x.config).concat("hidden_sizes"));
// Settings that change what a run learns (pins are labelled by them); the
// display and the pace do not.
const RUN_SETTINGS = SETTINGS.filter((x) => x.config && !["speed", "fps", "grid_resolution"].includes(x.name))
  .map((x) => x.name).concat(["hidden_layers", "hidden_size"]);
let serverConfig = null;
let limits = null;
const dirty = new Set(); // state names changed here and not yet sent
const lastSent = new Map(); // config field → {value, at}
let sendTimer = null;
let helloCount = 0;

const view = {
  running: false,
  runningHoldUntil: 0,
  status: "ok",
  step: 0,
  lastFrameStep: -1,
  chartNeedsClear: false,
  probe: null, // [x1, x2]
  probeLabel: null,
  addClass: 0,
  frames: 0,
  frameTimes: [],
  stepTimes: [], // [time, step] of recent frames while running: the measured steps/s
  stepsPerSecond: 0,
  awaitingReset: false, // a re-initializing config is on its way: busy until its frame
};

// ---------------------------------------------------------------- modules

const conn = new Connection();
const offline = new Offline(conn);
const busy = new Busy();
const help = new Help();
const controls = new Controls({
  data: $("#group-data"),
  network: $("#group-network"),
  training: $("#group-training"),
  display: $("#group-display"),
  transport: $("#transport-extra"),
  chart: $("#chart-options"),
}, onControl);

const chart = new LossChart($("#loss-chart"), { logScale: state.log_scale });
const plane = new Plane($("#plane-host"));
const inspector = new Inspector($("#inspector"));
let graphLink = null;
installGraphLink(conn, $("#inspector")).then((link) => { graphLink = link; });
const lessons = new Lessons($(".lessons"), $("#lesson-card"), applyLesson, applyTry);
chart.onUnpin = () => { savePins(); writeHash(); };
const classroom = new Classroom(conn, { notify: (text, kind) => notify(text, kind) });
// Own data in, the run out; and the image view (shown for an image dataset).
new DataIO($("#dataio"), { conn, config: () => serverConfig, limits: () => limits, notify });
new ImageView($("#image-view"), { conn, config: () => serverConfig, spec: datasetSpec });
["#dataio", "#image-view"].forEach((sel) => translatePage($(sel))); // built after the first pass

// Debugging and test handle: read-only views of what the page knows.
window.nnpg = {
  get state() { return { ...state }; },
  get serverConfig() { return serverConfig && { ...serverConfig }; },
  get view() { return { ...view, frameTimes: undefined }; },
  get framesDrawn() { return plane.framesDrawn; },
  get chartReady() { return chart.ready; },
  get timing() {
    return { drawMs: plane.drawMs || 0, drawn: plane.framesDrawn, chartAddMs: chart.addMs, chartAdds: chart.adds,
      chartDrawMs: chart.drawMs, chartDraws: chart.draws, points: chart.count };
  },
  get bytes() {
    return { received: conn.bytesReceived, frames: conn.framesReceived, maxFrame: conn.maxFrameBytes,
      lastFrame: conn.lastFrameBytes || 0, compact: conn.compact };
  },
  get chart() { return chart.series(); },
  /** The boundary drawn last, as the (R, R, C) bytes the page decoded. */
  get boundaryBytes() {
    const b = plane.boundary;
    if (!b) return null;
    return Array.from(b.bytes || Uint8Array.from(atob(b.data), (ch) => ch.charCodeAt(0)));
  },
  get session() { return conn.session; },
  get lang() { return lang(); },
  get limits() { return limits; },
  get classroom() { return classroom.state; },
};

// ---------------------------------------------------------------- helpers

function isConfigSetting(name) {
  const s = BY_NAME[name];
  return Boolean(s && (s.config || name === "hidden_layers" || name === "hidden_size"));
}

let switchingTo = null; // a language switch under way: the link keeps it until the page reloads

function writeHash() {
  const extra = new URLSearchParams({ lang: switchingTo || lang() });
  if (chart.pins.length) extra.set("pins", chart.pins.map((p) => p.label).join("|"));
  const hash = `#${toHash(state)}&${extra}`;
  if (location.hash !== hash) history.replaceState(null, "", hash);
}

let toastTimer = null;
function notify(text, kind = "info") {
  const box = $("#toast");
  box.textContent = text;
  box.dataset.kind = kind;
  box.classList.add("is-visible");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => box.classList.remove("is-visible"), kind === "error" ? 6000 : 3500);
}

function render() {
  controls.render(state, new Set(dirty));
  updateClassPickers();
  relabelPins();
}

// ---------------------------------------------------------------- config sync

function onControl(name, value, how) {
  state[name] = value;
  if (name === "dataset") {
    const spec = datasetSpec(value);
    state.noise = spec.default_noise;
    clampToDataset(state);
    dirty.add("noise");
    dirty.add("classes");
  }
  if (name === "log_scale") chart.setLogScale(value);
  writeHash();
  if (isConfigSetting(name)) {
    dirty.add(name);
    if (how.slider) scheduleSend();
    else sendConfig();
    if (BY_NAME[name].reinit) notify(t("page.notify.reinit", { name: settingLabel(BY_NAME[name]) }));
  }
  controls.render(state, new Set([name]));
  updateClassPickers();
  relabelPins();
}

function scheduleSend() {
  clearTimeout(sendTimer);
  sendTimer = setTimeout(sendConfig, SLIDER_DEBOUNCE_MS);
}

/** Send the fields where the page's state differs from the server's config. */
function sendConfig() {
  clearTimeout(sendTimer);
  sendTimer = null;
  if (!serverConfig || !conn.open) return false; // re-sent on the next hello
  const diff = configDiff(toConfig(state), serverConfig);
  for (const field of Object.keys(diff)) {
    const last = lastSent.get(field);
    if (last && JSON.stringify(last.value) === JSON.stringify(diff[field]) && performance.now() - last.at < 1500) {
      delete diff[field]; // already on its way
    }
  }
  dirty.clear();
  if (!Object.keys(diff).length) return false;
  const now = performance.now();
  for (const [field, value] of Object.entries(diff)) lastSent.set(field, { value, at: now });
  conn.send("config", { config: diff });
  if (Object.keys(diff).some((f) => REINIT_FIELDS.has(f))) startBusy();
  return true;
}

/** The server is re-initializing: say what it builds until the frame that shows it. */
function startBusy() {
  view.awaitingReset = true;
  busy.start(toConfig(state));
}

/** Take the server's config into the page's state, except what is being edited here. */
function adoptConfig(cfg, { all = false } = {}) {
  const incoming = fromConfig(cfg, state);
  const now = performance.now();
  for (const [name, value] of Object.entries(incoming)) {
    if (!all && dirty.has(name)) continue;
    const field = BY_NAME[name]?.config || (["features", "neurons"].includes(name) ? name : "hidden_sizes");
    const last = lastSent.get(field);
    if (!all && last && now - last.at < 2000 && JSON.stringify(last.value) !== JSON.stringify(cfg[field])) {
      continue; // an older echo: the newer value is still coming
    }
    if (last && JSON.stringify(last.value) === JSON.stringify(cfg[field])) lastSent.delete(field);
    state[name] = value;
  }
  clampToDataset(state);
}

/** The session's points (hello and some frames carry them): the data set, then the points added here. */
function showPoints(points) {
  if (!points || !Array.isArray(points.X)) return;
  const own = Number.isInteger(points.own) ? points.own : null; // loaded points come first
  const nBase = Math.min(points.X.length, own ?? serverConfig?.n_points ?? points.X.length);
  plane.setPoints({ X: points.X, y: points.y, test: points.test || points.X.map(() => false), nBase });
}

// ---------------------------------------------------------------- protocol

conn.on("open", () => setConn("open"));
conn.on("close", () => {
  setConn("closed");
  setRunning(false);
  busy.stop();
  view.wasOffline = true;
  view.stepTimes = [];
  showRate();
  // A dropped connection that comes back at once needs no overlay.
  clearTimeout(view.offlineTimer);
  view.offlineTimer = setTimeout(() => { if (!conn.open) offline.show(); }, 1200);
});

conn.on("hello", (msg) => {
  helloCount += 1;
  serverConfig = msg.config || {};
  limits = msg.limits || null;
  if (msg.catalog) setCatalog(msg.catalog); // a server restarted with other settings
  const adopt = helloCount === 1 && conn.resumed && !hashGiven;
  lastSent.clear();
  if (adopt) {
    adoptConfig(serverConfig, { all: true });
  } else {
    const diff = configDiff(toConfig(state), serverConfig);
    if (Object.keys(diff).length) {
      const now = performance.now();
      for (const [field, value] of Object.entries(diff)) lastSent.set(field, { value, at: now });
      conn.send("config", { config: diff });
      if (Object.keys(diff).some((f) => REINIT_FIELDS.has(f))) startBusy();
    }
  }
  clearTimeout(view.offlineTimer);
  if (offline.hide() || view.wasOffline || view.sessionLost) {
    notify(conn.resumed ? t("page.offline.back_resumed", { step: msg.step ?? 0 })
      : t(view.sessionLost || "page.offline.back_new"));
  }
  view.wasOffline = false;
  view.sessionLost = false;
  dirty.clear();
  view.status = msg.status || "ok";
  setRunning(Boolean(msg.running));
  view.lastFrameStep = -1;
  // hello carries the history so far: a reloaded page shows its chart again.
  chart.clear();
  if (msg.history) chart.add(msg.history);
  view.chartNeedsClear = false;
  view.probe = null;
  plane.setProbe(null);
  inspector.clear();
  graphLink?.probed(null);
  render();
  writeHash();
  showPoints(msg.points);
  updateStatus({ step: msg.step ?? 0, epoch: 0, status: msg.status, loss: {} });
  setConn("open");
});

conn.on("config", (msg) => {
  serverConfig = msg.config || serverConfig;
  if (view.awaitingReset && msg.reset) view.configArrived = true;
  adoptConfig(serverConfig);
  if (msg.reset) {
    view.chartNeedsClear = true;
    view.lastFrameStep = -1;
  }
  render();
  writeHash();
  if (view.probe) sendProbe(); // the answer depends on the network and the loss
});

conn.on("frame", (frame) => {
  view.frames += 1;
  const now = performance.now();
  view.frameTimes.push(now);
  while (view.frameTimes.length && now - view.frameTimes[0] > 2000) view.frameTimes.shift();

  if (view.chartNeedsClear || (typeof frame.step === "number" && frame.step < view.lastFrameStep)) {
    chart.clear();
    view.chartNeedsClear = false;
  }
  view.lastFrameStep = frame.step;
  if (view.configArrived) {
    view.awaitingReset = false;
    view.configArrived = false;
    busy.stop();
  }
  measureRate(now, frame);
  chart.add(frame.history);
  if (frame.points) showPoints(frame.points);
  plane.setBoundary(frame.boundary);
  updateStatus(frame);
  if (typeof frame.running === "boolean") setRunning(frame.running, { fromServer: true });
  if (frame.probe && view.probe) inspector.update(frame.probe, probeContext());
});

conn.on("probe", (msg) => {
  if (!view.probe) return;
  inspector.update(msg, probeContext());
  graphLink?.probed({ x: msg.x, y: msg.label ?? msg.prediction, loss: serverConfig?.loss,
    reg: serverConfig?.reg, margin: serverConfig?.margin });
});

// Why a session was lost (an `error`'s code) → what the page says with the next hello.
const SESSION_LOST = { evicted: "session.evicted" };

conn.on("error", (msg) => {
  const field = typeof msg.field === "string" ? msg.field.replace(/^config\./, "") : null;
  const fields = field ? settingsForField(field) : [];
  if (field === "token" || field === "session") {
    // (a lost session, its server restarted, it expired or it was closed to
    // make room, is said again with the next hello)
    view.sessionLost = SESSION_LOST[msg.code] || (field === "token" ? "cluster.session_gone" : null);
    notify(t(view.sessionLost || (msg.code === "rate_limited" ? "session.rate_limited" : "session.taken_over")));
    return;
  }
  if (fields.length && serverConfig) {
    // The refused value was not applied: show what runs.
    lastSent.delete(field);
    Object.assign(state, fromConfig(serverConfig, state));
    controls.flag(fields);
    render();
    writeHash();
    busy.stop();
    view.awaitingReset = false;
    notify(t("page.error.field", { name: fields.map((n) => settingLabel(BY_NAME[n])).join(", ") }), "error");
    return;
  }
  notify(t("page.error.generic"), "error");
});

function setConn(kind) {
  const box = $("#conn");
  const text = { open: t("page.conn.live"), closed: t("page.conn.reconnecting"),
    connecting: t("page.conn.connecting") }[kind] || kind;
  box.dataset.state = kind;
  box.querySelector(".conn-text").textContent = text;
}

// ---------------------------------------------------------------- status

function updateStatus(frame) {
  view.step = frame.step ?? view.step;
  view.status = frame.status || "ok";
  $("#stat-step").textContent = String(frame.step ?? 0);
  $("#stat-epoch").textContent = String(frame.epoch ?? 0);
  const loss = frame.loss || {};
  const lossEl = $("#stat-loss");
  lossEl.textContent = frame.step === 0 && loss.total === undefined ? "—" : fmtLoss(loss.total);
  lossEl.title = t("page.stat.loss_title", { data: fmtLoss(loss.data), reg: fmtLoss(loss.reg) });
  $("#stat-train").textContent = fmtPercent(frame.train_accuracy, 1);
  $("#stat-test").textContent = fmtPercent(frame.test_accuracy, 1);
  const diverged = view.status === "diverged";
  $("#diverged").hidden = !diverged;
  $("#status").classList.toggle("is-diverged", diverged);
  const lower = $("#diverged-lower");
  const target = Math.max(1e-4, state.learning_rate / 10);
  lower.textContent = t("page.diverged.lower", { lr: fmtNum(target) });
}

/** Steps per second, measured from the frames of the last 2 s while running. */
function measureRate(now, frame) {
  if (!frame.running || typeof frame.step !== "number") {
    view.stepTimes = [];
  } else {
    const last = view.stepTimes[view.stepTimes.length - 1];
    if (last && frame.step < last[1]) view.stepTimes = [];
    view.stepTimes.push([now, frame.step]);
    while (view.stepTimes.length > 2 && now - view.stepTimes[0][0] > 2000) view.stepTimes.shift();
  }
  const n = view.stepTimes.length;
  const span = n > 1 ? view.stepTimes[n - 1][0] - view.stepTimes[0][0] : 0;
  view.stepsPerSecond = span > 300 ? (1000 * (view.stepTimes[n - 1][1] - view.stepTimes[0][1])) / span : 0;
  showRate();
}

function showRate() {
  const v = view.stepsPerSecond;
  $("#stat-rate").textContent = view.stepTimes.length > 1 && v > 0 ? (v >= 100 ? v.toFixed(0) : v.toFixed(1)) : "—";
}

function setRunning(running, { fromServer = false, optimistic = false } = {}) {
  const now = performance.now();
  if (fromServer) {
    view.serverRunning = running;
    // Right after a click the server may still report the old state: hold the
    // new one briefly, then show whatever the server says.
    if (now < view.runningHoldUntil && running !== view.running && view.status !== "diverged") {
      clearTimeout(view.holdTimer);
      view.holdTimer = setTimeout(() => {
        if (typeof view.serverRunning === "boolean") setRunning(view.serverRunning);
      }, view.runningHoldUntil - now + 10);
      return;
    }
  }
  if (optimistic) view.runningHoldUntil = now + 800;
  view.running = running;
  const btn = $("#play");
  btn.querySelector(".btn-label").textContent = running ? t("page.pause") : t("page.play");
  btn.classList.toggle("is-running", running);
  document.body.classList.toggle("is-running", running);
}

// ---------------------------------------------------------------- transport

function togglePlay() {
  if (view.running) {
    conn.send("pause");
    setRunning(false, { optimistic: true });
  } else if (view.status === "diverged") {
    notify(t("page.diverged.notify"), "error");
  } else {
    conn.send("play");
    setRunning(true, { optimistic: true });
  }
}

$("#play").addEventListener("click", togglePlay);
function stepOnce() {
  conn.send("step", { n: state.step_size });
  setRunning(false, { optimistic: true });
}
function resetRun() {
  conn.send("reset");
  view.chartNeedsClear = true;
}
$("#step").addEventListener("click", stepOnce);
$("#reset").addEventListener("click", resetRun);
$("#diverged-restart").addEventListener("click", () => {
  conn.send("reset");
  view.chartNeedsClear = true;
});
$("#diverged-lower").addEventListener("click", () => {
  state.learning_rate = Math.max(1e-4, state.learning_rate / 10);
  writeHash();
  render();
  sendConfig();
  conn.send("reset");
  view.chartNeedsClear = true;
});

// Keyboard shortcuts (listed in the help overlay, overlays.js). Keys typed
// into a field stay there.
function typing(target) {
  return target instanceof HTMLElement
    && (target.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName));
}
document.addEventListener("keydown", (ev) => {
  if (ev.key === "Escape") {
    if (help.isOpen) help.close();
    else if (plane.addMode) setAddMode(false);
    return;
  }
  if (help.isOpen || ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target) || !conn.open) return;
  const onButton = ev.target instanceof HTMLButtonElement;
  const key = ev.key.length === 1 ? ev.key.toLowerCase() : ev.key;
  if (key === "?") help.open();
  else if (key === " " && !onButton) togglePlay();
  else if (key === "s") stepOnce();
  else if (key === "r") resetRun();
  else if (key === "a") setAddMode(!plane.addMode);
  else if (key === "p") pinRun();
  else if (/^[0-9]$/.test(key)) {
    const k = key === "0" ? 9 : Number(key) - 1;
    if (k < (serverConfig?.classes ?? state.classes)) setAddClass(k);
    else return;
  } else return;
  ev.preventDefault();
});

// ---------------------------------------------------------------- plane and inspector

function probeContext() {
  return { loss: serverConfig?.loss || state.loss, margin: serverConfig?.margin ?? state.margin };
}

function sendProbe() {
  if (!view.probe) return;
  const msg = { x: view.probe };
  if (Number.isFinite(view.probeLabel)) msg.label = view.probeLabel; // a class, or a regression target
  conn.send("probe", msg);
}

function probeAt(p, label) {
  view.probe = p;
  view.probeLabel = Number.isInteger(label) ? label : null;
  $("#probe-label").value = Number.isInteger(view.probeLabel) ? String(view.probeLabel) : "";
  plane.setProbe(p);
  sendProbe();
}

// A click brings the data points under it (nearest first; several when points
// of different classes are there): one is inspected, several are offered to
// pick from. Arrow keys bring null: a spot of the plane, no data point.
plane.on("probe", (p, hits) => {
  inspector.hideChooser();
  if (!hits || !hits.length) probeAt(p, null);
  else if (hits.length === 1) probeAt(hits[0].x, hits[0].label);
  else {
    probeAt(p, null);
    inspector.choose(hits, (pt) => probeAt(pt.x, pt.label));
  }
});

plane.on("add", (p) => {
  // The next frame brings the session's points with this one added.
  conn.send("points", { add: [[p[0], p[1], view.addClass]] });
});

function setAddMode(on) {
  plane.setAddMode(on);
  const btn = $("#add-mode");
  btn.setAttribute("aria-pressed", String(Boolean(on)));
  btn.classList.toggle("is-on", Boolean(on));
  $("#add-class").classList.toggle("is-active", Boolean(on));
  if (on) notify(t("page.add.mode_on", { cls: className(view.addClass) }));
}
$("#add-mode").addEventListener("click", () => setAddMode(!plane.addMode));

function setAddClass(k) {
  view.addClass = k;
  for (const btn of document.querySelectorAll("#add-class .class-pick")) {
    const on = Number(btn.dataset.k) === k;
    btn.setAttribute("aria-checked", String(on));
    btn.tabIndex = on ? 0 : -1;
  }
}

plane.on("hover", (p) => {
  const coord = (v) => (Math.abs(v) < 0.005 ? 0 : v).toFixed(2); // no "-0.00"
  $("#hover-readout").textContent = p ? `x₁ = ${coord(p[0])}, x₂ = ${coord(p[1])}` : "";
});

$("#probe-label").addEventListener("change", (ev) => {
  const v = ev.target.value;
  view.probeLabel = v === "" ? null : Number(v);
  sendProbe();
});

$("#clear-points").addEventListener("click", () => {
  const n = plane.addedCount;
  if (!n) {
    notify(t("page.add.none_to_clear"));
    return;
  }
  conn.send("points", { clear: true });
  notify(t("page.add.cleared", { n }));
});

function updateClassPickers() {
  const C = serverConfig?.classes ?? state.classes;
  const box = $("#add-class");
  if (Number(box.dataset.classes) === C) return;
  box.dataset.classes = String(C);
  view.addClass = Math.min(view.addClass, C - 1);
  // A radio group of buttons: tap or click one; arrow keys move within it, 1-9 from anywhere.
  const buttons = [];
  for (let k = 0; k < C; k += 1) {
    const btn = document.createElement("button");
    btn.type = "button";
    btn.className = "class-pick";
    btn.dataset.k = String(k);
    btn.setAttribute("role", "radio");
    btn.setAttribute("aria-label", className(k));
    btn.title = className(k);
    const sw = document.createElement("span");
    sw.className = "swatch";
    sw.style.background = CLASS_COLORS[k % CLASS_COLORS.length];
    sw.setAttribute("aria-hidden", "true");
    const num = document.createElement("span");
    num.className = "class-num";
    num.setAttribute("aria-hidden", "true");
    num.textContent = String(k);
    btn.append(sw, num);
    btn.addEventListener("click", () => setAddClass(k));
    btn.addEventListener("keydown", (ev) => {
      const d = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[ev.key];
      if (!d) return;
      ev.preventDefault();
      ev.stopPropagation();
      const next = (k + d + C) % C;
      setAddClass(next);
      buttons[next].focus();
    });
    buttons.push(btn);
  }
  box.replaceChildren(...buttons);
  setAddClass(view.addClass);
  const select = $("#probe-label");
  const current = select.value;
  select.replaceChildren(new Option(t("page.insp.none"), ""));
  for (let k = 0; k < C; k += 1) select.append(new Option(className(k), String(k)));
  select.value = Number(current) < C ? current : "";
}

// ---------------------------------------------------------------- pinned runs

/** What differs between a pinned run's settings and the current ones: "Activation Sigmoid". */
function pinLabel(pin) {
  const parts = [];
  for (const name of RUN_SETTINGS) {
    const was = pin.settings?.[name];
    if (was === undefined || JSON.stringify(was) === JSON.stringify(state[name])) continue;
    if (name === "hidden_size" && (pin.settings.hidden_layers === 0 || state.hidden_layers === 0)) continue;
    if (name === "margin" && pin.settings.loss !== "svm" && state.loss !== "svm") continue;
    parts.push(`${settingLabel(BY_NAME[name])} ${valueLabel(BY_NAME[name], was)}`);
  }
  return parts.length ? parts.join(", ") : t("page.chart.same", { n: chart.pins.indexOf(pin) + 1 });
}

function relabelPins() {
  chart.relabel(pinLabel);
}

function savePins() {
  try { sessionStorage.setItem(PINS_KEY, JSON.stringify(chart.pins)); } catch { /* private mode */ }
}

function pinRun() {
  const settings = Object.fromEntries(RUN_SETTINGS.map((n) => [n, state[n]]));
  const pin = chart.pin("", settings);
  if (!pin) {
    notify(t("page.chart.nothing_to_pin"));
    return false;
  }
  relabelPins();
  savePins();
  writeHash();
  return true;
}
$("#pin-run").addEventListener("click", pinRun);

// Pins come back after a reload (a language switch) when the link still names them.
if (new URLSearchParams(location.hash.slice(1)).has("pins")) {
  try {
    const saved = JSON.parse(sessionStorage.getItem(PINS_KEY) || "[]");
    if (Array.isArray(saved)) chart.setPins(saved.filter((p) => p && Array.isArray(p.step)));
  } catch { /* none */ }
}

// ---------------------------------------------------------------- lessons

/** Start over with `next` as the whole state: from step 0, playing. */
function restartWith(next) {
  clampToDataset(next);
  controls.discard();
  state = next;
  dirty.clear();
  writeHash();
  render();
  chart.setLogScale(state.log_scale);
  sendConfig();
  conn.send("reset");
  view.chartNeedsClear = true;
  conn.send("play");
  setRunning(true, { optimistic: true });
}

/** A lesson: the defaults (display and speed included) with the lesson's settings. */
function applyLesson(lesson) {
  const next = defaults();
  if (lesson.settings.dataset) next.noise = datasetSpec(lesson.settings.dataset).default_noise;
  Object.assign(next, lesson.settings);
  chart.setPins([]);
  savePins();
  restartWith(next);
}

/** One of a lesson's suggested moves: pin the run so far, change, start over. */
function applyTry(lesson, item) {
  pinRun();
  restartWith({ ...state, ...item.settings });
}

// ---------------------------------------------------------------- page chrome

window.addEventListener("hashchange", () => {
  const wanted = new URLSearchParams(location.hash.slice(1)).get("lang");
  if (wanted && wanted !== lang()) {
    location.reload(); // every text is built in the page's language
    return;
  }
  const next = fromHash(location.hash, state);
  if (next.rejected.length) showNotice(badValuesText(next.rejected));
  if (!next.found.length) return;
  state = next.state;
  render();
  chart.setLogScale(state.log_scale);
  sendConfig();
});

const LARGE_KEY = "nnpg.largeText";
function setLargeText(on) {
  document.documentElement.classList.toggle("large-text", on);
  $("#large-text").setAttribute("aria-pressed", String(on));
  chart.setFontSize(on ? 17 : 12);
  try { localStorage.setItem(LARGE_KEY, on ? "1" : "0"); } catch { /* ignore */ }
  requestAnimationFrame(() => chart.resize());
}
$("#lang").value = lang();
$("#lang").addEventListener("change", (ev) => {
  savePins();
  // Reload now, not on hashchange: a message handled before that event would
  // write the link back with the old language.
  switchingTo = ev.target.value;
  writeHash();
  location.reload(); // every text is built in the page's language
});

/** "Classes must be 2–10; Dataset must be one of …": what a link got wrong (its values are not repeated). */
function badValuesText(names) {
  const parts = names.map((name) => {
    const setting = BY_NAME[name];
    const label = settingLabel(setting);
    if (setting.type === "enum") {
      const options = optionsOf(setting).map((o) => valueLabel(setting, o.value)).join(", ");
      return t("page.notice.one_of", { name: label, options });
    }
    if (setting.type === "bool") return t("page.notice.bool", { name: label });
    const [lo, hi] = boundsOf(setting, state);
    return t("page.notice.range", { name: label, lo: fmtNum(lo), hi: fmtNum(hi) });
  });
  return t("page.notice.bad_link", { list: parts.join(t("page.list_sep")) });
}
if (parsed.rejected.length) showNotice(badValuesText(parsed.rejected));

$("#large-text").addEventListener("click", () => {
  setLargeText(!document.documentElement.classList.contains("large-text"));
});
try {
  if (localStorage.getItem(LARGE_KEY) === "1") setLargeText(true);
} catch { /* ignore */ }

// Frames per second shown in the connection badge's tooltip (and for tests).
setInterval(() => {
  const n = view.frameTimes.length;
  const fps = n > 1 ? ((n - 1) * 1000) / (view.frameTimes[n - 1] - view.frameTimes[0] || 1) : 0;
  view.fps = fps;
  $("#conn").title = t("page.conn.fps", { n: fps.toFixed(0) });
}, 1000);

// The network diagram and the health strip; their changes go through the page's state.
mountInside({
  conn, plane, config: () => serverConfig, outputColor: (k) => CLASS_COLORS[k % CLASS_COLORS.length],
  sendConfig: (patch) => {
    Object.assign(state, fromConfig({ ...(serverConfig || {}), ...toConfig(state), ...patch }, state));
    writeHash();
    render();
    sendConfig();
  },
});

render();
writeHash();
conn.connect();
