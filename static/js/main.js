// The playground page: wires the state table, the socket, the controls, the
// chart, the plane, the inspector and the lessons together.
//
// The page's state (state.js) is what the user asked for; the server's config
// is what runs. Every change is sent as a partial `config` (sliders debounced
// by SLIDER_DEBOUNCE_MS); every `hello` re-sends whatever differs, so a link,
// a reconnect or a change made while offline all end with the server running
// exactly the settings in the hash.

import {
  BY_NAME, clampToDataset, configDiff, datasetSpec, defaults,
  fromConfig, fromHash, setCatalog, settingsForField, toConfig, toHash,
} from "./state.js";
import { fmtLoss, fmtNum, fmtPercent } from "./format.js";
import { Connection } from "./socket.js";
import { Controls } from "./controls.js";
import { LossChart } from "./charts.js";
import { Plane, CLASS_COLORS, CLASS_NAMES } from "./plane.js";
import { Inspector } from "./inspector.js";
import { installGraphLink } from "./graphlink.js";
import { Lessons } from "./lessons.js";
import { Classroom } from "./classroom.js";
import { loadLang, translatePage } from "./i18n.js";
import { DataIO } from "./dataio.js";
import { ImageView } from "./images.js";

const SLIDER_DEBOUNCE_MS = 150;
const $ = (sel) => document.querySelector(sel);

// ---------------------------------------------------------------- state

setCatalog(JSON.parse($("#catalog-data").textContent));

const parsed = fromHash(location.hash);
const hashGiven = parsed.found.length > 0;
let state = parsed.state;
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
};

// ---------------------------------------------------------------- modules

const conn = new Connection();
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
new Lessons($(".lessons"), $("#lesson-card"), applyLesson);
const classroom = new Classroom(conn, { notify: (text, kind) => notify(text, kind) });
// Own data in, the run out; and the image view (shown for an image dataset).
new DataIO($("#dataio"), { conn, config: () => serverConfig, limits: () => limits, notify });
new ImageView($("#image-view"), { conn, config: () => serverConfig, spec: datasetSpec });
loadLang().then(() => ["#dataio", "#image-view"].forEach((sel) => translatePage($(sel))));

// Debugging and test handle: read-only views of what the page knows.
window.nnpg = {
  get state() { return { ...state }; },
  get serverConfig() { return serverConfig && { ...serverConfig }; },
  get view() { return { ...view, frameTimes: undefined }; },
  get framesDrawn() { return plane.framesDrawn; },
  get chartReady() { return chart.ready; },
  get timing() {
    return { drawMs: plane.drawMs || 0, drawn: plane.framesDrawn, flushMs: chart.flushMs || 0,
      flushes: chart.flushes || 0, points: chart.count };
  },
  get session() { return conn.session; },
  get limits() { return limits; },
  get classroom() { return classroom.state; },
};

// ---------------------------------------------------------------- helpers

function isConfigSetting(name) {
  const s = BY_NAME[name];
  return Boolean(s && (s.config || name === "hidden_layers" || name === "hidden_size"));
}

function writeHash() {
  const hash = `#${toHash(state)}`;
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
    if (BY_NAME[name].reinit) notify(`${BY_NAME[name].label} changed: training starts over at step 0.`);
  }
  controls.render(state, new Set([name]));
  updateClassPickers();
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
  return true;
}

/** Take the server's config into the page's state, except what is being edited here. */
function adoptConfig(cfg, { all = false } = {}) {
  const incoming = fromConfig(cfg, state);
  const now = performance.now();
  for (const [name, value] of Object.entries(incoming)) {
    if (!all && dirty.has(name)) continue;
    const field = BY_NAME[name]?.config || "hidden_sizes";
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
conn.on("close", () => setConn("closed"));

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
    }
  }
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

conn.on("error", (msg) => {
  const field = typeof msg.field === "string" ? msg.field.replace(/^config\./, "") : null;
  const fields = field ? settingsForField(field) : [];
  if (field === "token" || field === "session") {
    notify(field === "token" ? "That session has ended; starting a new one."
      : "This session went on in another tab; starting a new one here.");
    return;
  }
  if (fields.length && serverConfig) {
    // The refused value was not applied: show what runs.
    lastSent.delete(field);
    Object.assign(state, fromConfig(serverConfig, state));
    controls.flag(fields);
    render();
    writeHash();
  }
  notify(msg.message ? `Server: ${msg.message}` : "The server refused that.", "error");
});

function setConn(kind) {
  const box = $("#conn");
  const text = { open: "Live", closed: "Reconnecting…", connecting: "Connecting…" }[kind] || kind;
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
  lossEl.title = `data ${fmtLoss(loss.data)} + λR(W) ${fmtLoss(loss.reg)}`;
  $("#stat-train").textContent = fmtPercent(frame.train_accuracy, 1);
  $("#stat-test").textContent = fmtPercent(frame.test_accuracy, 1);
  const diverged = view.status === "diverged";
  $("#diverged").hidden = !diverged;
  $("#status").classList.toggle("is-diverged", diverged);
  const lower = $("#diverged-lower");
  const target = Math.max(1e-4, state.learning_rate / 10);
  lower.textContent = `Use learning rate ${fmtNum(target)} and start over`;
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
  btn.querySelector(".btn-label").textContent = running ? "Pause" : "Play";
  btn.classList.toggle("is-running", running);
  document.body.classList.toggle("is-running", running);
}

// ---------------------------------------------------------------- transport

function togglePlay() {
  if (view.running) {
    conn.send("pause");
    setRunning(false, { optimistic: true });
  } else if (view.status === "diverged") {
    notify("Training diverged: lower the learning rate and start over first.", "error");
  } else {
    conn.send("play");
    setRunning(true, { optimistic: true });
  }
}

$("#play").addEventListener("click", togglePlay);
$("#step").addEventListener("click", () => {
  conn.send("step", { n: state.step_size });
  setRunning(false, { optimistic: true });
});
$("#reset").addEventListener("click", () => {
  conn.send("reset");
  view.chartNeedsClear = true;
});
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

document.addEventListener("keydown", (ev) => {
  if (ev.key !== " " || ev.target !== document.body) return;
  ev.preventDefault();
  togglePlay();
});

// ---------------------------------------------------------------- plane and inspector

function probeContext() {
  return { loss: serverConfig?.loss || state.loss, margin: serverConfig?.margin ?? state.margin };
}

function sendProbe() {
  if (!view.probe) return;
  const msg = { x: view.probe };
  if (Number.isInteger(view.probeLabel)) msg.label = view.probeLabel;
  conn.send("probe", msg);
}

plane.on("probe", (p, label) => {
  view.probe = p;
  if (label !== undefined) view.probeLabel = label; // a click: the class of the point under it, or none
  $("#probe-label").value = Number.isInteger(view.probeLabel) ? String(view.probeLabel) : "";
  plane.setProbe(p);
  sendProbe();
});

plane.on("add", (p) => {
  // The next frame brings the session's points with this one added.
  conn.send("points", { add: [[p[0], p[1], view.addClass]] });
});

plane.on("hover", (p) => {
  $("#hover-readout").textContent = p ? `x₁ = ${p[0].toFixed(2)}, x₂ = ${p[1].toFixed(2)}` : "";
});

$("#probe-label").addEventListener("change", (ev) => {
  const v = ev.target.value;
  view.probeLabel = v === "" ? null : Number(v);
  sendProbe();
});

$("#clear-points").addEventListener("click", () => {
  conn.send("points", { clear: true });
  notify("Removed the points you added.");
});

function updateClassPickers() {
  const C = serverConfig?.classes ?? state.classes;
  const box = $("#add-class-options");
  if (Number(box.dataset.classes) !== C) {
    box.dataset.classes = String(C);
    box.replaceChildren();
    for (let k = 0; k < C; k += 1) {
      const id = `add-class-${k}`;
      const input = document.createElement("input");
      input.type = "radio";
      input.name = "add-class";
      input.id = id;
      input.value = String(k);
      input.checked = k === Math.min(view.addClass, C - 1);
      input.addEventListener("change", () => { view.addClass = k; });
      const label = document.createElement("label");
      label.htmlFor = id;
      label.title = CLASS_NAMES[k];
      const sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = CLASS_COLORS[k % CLASS_COLORS.length];
      sw.setAttribute("aria-hidden", "true");
      const text = document.createElement("span");
      text.className = "sr-only";
      text.textContent = `Add points of class ${k}`;
      label.append(sw, text);
      box.append(input, label);
    }
    view.addClass = Math.min(view.addClass, C - 1);
    const select = $("#probe-label");
    const current = select.value;
    select.replaceChildren(new Option("none", ""));
    for (let k = 0; k < C; k += 1) select.append(new Option(CLASS_NAMES[k], String(k)));
    select.value = Number(current) < C ? current : "";
  }
}

// ---------------------------------------------------------------- lessons

function applyLesson(lesson) {
  const keep = { step_size: state.step_size, log_scale: state.log_scale, fps: state.fps,
    grid_resolution: state.grid_resolution, speed: state.speed };
  const next = { ...defaults(), ...keep };
  if (lesson.settings.dataset) next.dataset = lesson.settings.dataset;
  next.noise = datasetSpec(next.dataset).default_noise;
  Object.assign(next, lesson.settings);
  clampToDataset(next);
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

// ---------------------------------------------------------------- page chrome

window.addEventListener("hashchange", () => {
  const next = fromHash(location.hash, state);
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
  $("#conn").title = `${fps.toFixed(0)} frames/s from the server`;
}, 1000);

render();
writeHash();
conn.connect();
