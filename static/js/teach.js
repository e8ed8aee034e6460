// The teacher's board (/teach): a class's code and QR code, a live grid of
// every student's run, and the lead (push a lesson or a setting, spotlight,
// pause/resume all, end). Speaks POST /api/v1/classes and /ws/class
// (docs/protocol.md). Names are shown with textContent, never as HTML.

import { loadLang, t, translatePage, lang } from "./i18n.js";
import { LESSONS } from "./lessons.js";
import { LR_VALUES, clampToDataset, datasetSpec, defaults, setCatalog, toConfig } from "./state.js";
import { fmtFixed, fmtNum, fmtPercent } from "./format.js";
import { CLASS_COLORS } from "./plane.js";
import { RunViewer, drawThumbnail } from "./run_viewer.js";

const STORAGE_KEY = "nnpg.teach";
// A lesson's point: how far a student must get for the board to count them.
const GOALS = {
  linear: { metric: "train_accuracy", at_least: 0.45 },
  "two-layers": { metric: "train_accuracy", at_least: 0.95 },
  regularization: { metric: "test_accuracy", at_least: 0.9 },
  "svm-softmax": { metric: "train_accuracy", at_least: 0.95 },
  "sigmoid-relu": { metric: "train_accuracy", at_least: 0.9 },
  batch: { metric: "train_accuracy", at_least: 0.9 },
};
const DISPLAY_FIELDS = ["fps", "grid_resolution"]; // each student's own: never pushed

const $ = (sel) => document.querySelector(sel);
const tiles = new Map(); // session id → {li, parts}
let klass = null;
let ws = null;
let last = null; // the newest board update
let retries = 0;

function notify(text, kind = "info") {
  const box = $("#toast");
  box.textContent = text;
  box.dataset.kind = kind;
  box.classList.add("is-visible");
  clearTimeout(notify.timer);
  notify.timer = setTimeout(() => box.classList.remove("is-visible"), 3500);
}

// ---------------------------------------------------------------- the class

async function createClass() {
  const res = await fetch("/api/v1/classes", { method: "POST" });
  if (!res.ok) throw new Error(`POST /api/v1/classes: ${res.status}`);
  const made = await res.json();
  localStorage.setItem(STORAGE_KEY, JSON.stringify(made));
  return made;
}

function savedClass() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
    return saved && saved.code && saved.teacher_token ? saved : null;
  } catch {
    return null;
  }
}

function showJoinInfo() {
  $("#join-code").textContent = `${klass.code.slice(0, 3)} ${klass.code.slice(3)}`;
  $("#join-url").textContent = klass.join_url.replace(/^https?:\/\//, "");
  $("#qr").src = `/teach/qr.svg?code=${encodeURIComponent(klass.code)}`;
  $("#qr").alt = t("class.qr_alt", { url: klass.join_url });
  $("#my-run").href = `/?class=${encodeURIComponent(klass.code)}&teacher=1`;
}

function connect() {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${proto}//${location.host}/ws/class?code=${encodeURIComponent(klass.code)}`
    + `&token=${encodeURIComponent(klass.teacher_token)}`);
  ws = socket;
  socket.addEventListener("open", () => { retries = 0; setConn("open"); });
  socket.addEventListener("message", (ev) => onMessage(JSON.parse(ev.data)));
  socket.addEventListener("close", () => {
    if (ws !== socket) return;
    ws = null;
    setConn("closed");
    retries += 1;
    setTimeout(connect, Math.min(5000, 300 * 2 ** retries));
  });
}

let storeDown = false;

async function onMessage(msg) {
  if (msg.type === "board") {
    if (storeDown) notify(t("cluster.board_store_back"));
    storeDown = false;
    last = msg;
    render(msg);
  } else if (msg.type === "class_store") {
    // The class store (Redis) is away: the board stays as it was, saying so.
    notify(t("cluster.board_store_down"), "error");
    storeDown = true;
  } else if (msg.type === "ack") {
    notify(t(`class.ack_${msg.of}`, { n: msg.students ?? 0 }));
  } else if (msg.type === "error" && msg.field === "token") {
    // This class ended or expired: start a new one.
    ws = null;
    klass = await createClass();
    showJoinInfo();
    connect();
  } else if (msg.type === "error") {
    notify(msg.message, "error");
  } else if (msg.type === "ended") {
    localStorage.removeItem(STORAGE_KEY);
    ws = null;
    notify(t("class.ended"));
    $("#end-class").textContent = t("class.new_class");
    $("#end-class").onclick = () => { location.search = "?new=1"; };
  }
}

function send(type, fields = {}) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type, ...fields }));
}

function setConn(kind) {
  const box = $("#conn");
  box.dataset.state = kind;
  box.querySelector(".conn-text").textContent = t(kind === "open" ? "class.live" : "class.reconnecting");
}

// ---------------------------------------------------------------- the grid

const STAT_KEYS = ["step", "loss", "train", "test"];

function makeTile(student) {
  const li = document.createElement("li");
  li.className = "tile";
  const main = document.createElement("button");
  main.type = "button";
  main.className = "tile-main";
  const canvas = document.createElement("canvas");
  canvas.className = "thumb";
  canvas.width = 32;
  canvas.height = 32;
  const name = document.createElement("span");
  name.className = "tile-name";
  main.append(canvas);
  main.addEventListener("click", () => openWatch(li.dataset.session));
  const status = document.createElement("span");
  status.className = "tile-status";
  const side = document.createElement("div");
  side.className = "tile-side";
  const stats = document.createElement("dl");
  stats.className = "tile-stats";
  const values = {};
  for (const key of STAT_KEYS) {
    const div = document.createElement("div");
    const dt = document.createElement("dt");
    dt.textContent = t(`class.stat_${key}`);
    const dd = document.createElement("dd");
    div.append(dt, dd);
    stats.append(div);
    values[key] = dd;
  }
  const spot = document.createElement("button");
  spot.type = "button";
  spot.className = "btn btn-small tile-spot";
  spot.textContent = t("class.spotlight");
  spot.addEventListener("click", () => send("spotlight", { session: li.dataset.session }));
  side.append(status, stats);
  li.append(name, main, side, spot);
  li.dataset.session = student.session;
  return { li, canvas, name, status, values, main };
}

function order(students) {
  const by = $("#sort").value;
  const list = students.slice();
  const acc = (s) => s.test_accuracy ?? s.train_accuracy ?? -1;
  const rank = (s) => {
    const i = ["diverged", "dead", "chance"].indexOf(s.help);
    return i >= 0 ? i : 3 + (s.status !== "disconnected");
  };
  if (by === "accuracy") list.sort((a, b) => acc(b) - acc(a));
  if (by === "help") list.sort((a, b) => rank(a) - rank(b) || acc(a) - acc(b));
  return list;
}

function render(msg) {
  const grid = $("#grid");
  const present = new Set();
  for (const s of order(msg.students)) {
    present.add(s.session);
    let tile = tiles.get(s.session);
    if (!tile) {
      tile = makeTile(s);
      tiles.set(s.session, tile);
    }
    tile.name.textContent = s.name; // plain text, whatever the student typed
    tile.main.setAttribute("aria-label", t("class.watch_who", { name: s.name }));
    tile.li.dataset.status = s.status;
    tile.li.dataset.help = s.help || "";
    tile.li.classList.toggle("is-spotlit", msg.spotlight === s.session);
    tile.status.textContent = s.help ? t(`class.help_${s.help}`) : t(`class.status_${s.status}`);
    tile.values.step.textContent = s.step ?? "—";
    tile.values.loss.textContent = s.loss == null ? (s.status === "diverged" ? "∞" : "—") : fmtFixed(s.loss, 3);
    tile.values.train.textContent = fmtPercent(s.train_accuracy, 0);
    tile.values.test.textContent = fmtPercent(s.test_accuracy, 0);
    if (s.thumbnail) {
      drawThumbnail(tile.canvas, s.thumbnail, CLASS_COLORS);
      tile.li.dataset.drawn = String(Number(tile.li.dataset.drawn || 0) + 1);
    }
    grid.append(tile.li); // in sort order
  }
  for (const [sid, tile] of tiles) {
    if (!present.has(sid)) { tile.li.remove(); tiles.delete(sid); }
  }
  $("#board-empty").hidden = msg.students.length > 0;
  $("#student-count").textContent = t("class.count", { n: msg.students.length });
  const lesson = msg.lesson;
  $("#lesson-progress").hidden = !lesson || lesson.reached === null;
  if (lesson && lesson.reached !== null) {
    $("#lesson-progress").textContent = t("class.progress", {
      title: lesson.title, reached: lesson.reached, of: lesson.of,
      goal: `${t(`class.stat_${lesson.goal.metric === "test_accuracy" ? "test" : "train"}`)} ≥ ${fmtPercent(lesson.goal.at_least, 0)}`,
    });
  }
  const spotName = msg.spotlight === msg.teacher_session ? t("class.your_run")
    : (msg.students.find((s) => s.session === msg.spotlight) || {}).name;
  $("#spotlight-state").hidden = !msg.spotlight;
  if (msg.spotlight) $("#spotlight-state").textContent = t("class.spotlit", { name: spotName ?? "" });
  $("#release").disabled = !msg.spotlight;
  $("#spotlight-mine").disabled = !msg.teacher_session;
  $("#pause-all").classList.toggle("is-active", msg.paused);
}

// ---------------------------------------------------------------- watching one run

const viewer = new RunViewer($("#watch-plane"), {
  onStatus: (f) => {
    $("#watch-stats").textContent = t("class.watch_stats", {
      step: f.step ?? 0, train: fmtPercent(f.train_accuracy, 1), test: fmtPercent(f.test_accuracy, 1) });
  },
});

function openWatch(session) {
  const student = last?.students.find((s) => s.session === session);
  $("#watch-title").textContent = student ? student.name : t("class.your_run");
  $("#watch").dataset.session = session;
  $("#watch").hidden = false;
  viewer.watch(session);
  window.nnpgBoard.watching = session;
}

function closeWatch() {
  $("#watch").hidden = true;
  viewer.stop();
  window.nnpgBoard.watching = null;
}

// ---------------------------------------------------------------- lead

/** A lesson's config, as the playground applies it: the defaults with the lesson's settings. */
function lessonConfig(lesson) {
  const next = defaults();
  if (lesson.settings.dataset) next.noise = datasetSpec(lesson.settings.dataset).default_noise;
  Object.assign(next, lesson.settings);
  clampToDataset(next);
  const config = toConfig(next);
  for (const field of DISPLAY_FIELDS) delete config[field];
  return config;
}

function fillControls() {
  const lessons = $("#lesson-select");
  LESSONS.forEach((lesson, i) => {
    lessons.append(new Option(`${i + 1}. ${t(`page.lesson.${lesson.id}.title`)}`, lesson.id));
  });
  const lr = $("#lr-select");
  for (const v of LR_VALUES) lr.append(new Option(fmtNum(v), String(v)));
  lr.value = "0.1";
  $("#lang-switch").href = lang() === "zh" ? "?lang=en" : "?lang=zh";
  $("#lang-switch").textContent = lang() === "zh" ? "English" : "中文";
}

function wire() {
  $("#push-lesson").addEventListener("click", () => {
    const lesson = LESSONS.find((l) => l.id === $("#lesson-select").value);
    const title = t(`page.lesson.${lesson.id}.title`);
    send("push", { config: lessonConfig(lesson), restart: true,
      lesson: { id: lesson.id, title, goal: GOALS[lesson.id] || null } });
  });
  $("#push-lr").addEventListener("click", () => {
    send("push", { config: { learning_rate: Number($("#lr-select").value) } });
  });
  $("#pause-all").addEventListener("click", () => send("pause_all"));
  $("#resume-all").addEventListener("click", () => send("resume_all"));
  $("#release").addEventListener("click", () => send("spotlight", { session: null }));
  $("#spotlight-mine").addEventListener("click", () => {
    if (last?.teacher_session) send("spotlight", { session: last.teacher_session });
  });
  $("#end-class").onclick = () => {
    if (window.confirm(t("class.end_confirm"))) send("end");
  };
  $("#watch-close").addEventListener("click", closeWatch);
  $("#watch-spotlight").addEventListener("click", () => {
    send("spotlight", { session: $("#watch").dataset.session });
    closeWatch();
  });
  document.addEventListener("keydown", (ev) => { if (ev.key === "Escape") closeWatch(); });
  $("#sort").addEventListener("change", () => last && render(last));
}

// Test handle: read-only views of the board.
window.nnpgBoard = {
  get klass() { return klass && { code: klass.code }; },
  get last() { return last; },
  get thumbnailsDrawn() {
    return [...tiles.values()].filter((tile) => Number(tile.li.dataset.drawn || 0) > 0).length;
  },
  get watchDrawn() { return viewer.framesDrawn; },
  watching: null,
};

async function start() {
  await loadLang();
  translatePage();
  setCatalog(JSON.parse($("#catalog-data").textContent));
  fillControls();
  wire();
  const wanted = new URLSearchParams(location.search).has("new");
  klass = (!wanted && savedClass()) || await createClass();
  showJoinInfo();
  connect();
}

start();
