// The student's side of a class on the playground page.
//
// "Join a class" (or a join URL, /?class=CODE) asks for a display name and
// reconnects the page's own session with ?class=CODE&name=…; the session
// stays the student's own, now in the class. Class messages arrive on that
// socket: `class` (joined, pushed, paused, resumed, ended: a banner) and
// `spotlight` (the page watches that session read-only, full size, until
// it is released, or until "make it mine" forks it into the student's own).
// /?class=CODE&teacher=1 is the teacher's own run (the token from /teach).
// Names are shown with textContent, never as HTML.

import { loadLang, t } from "./i18n.js";
import { RunViewer } from "./run_viewer.js";
import { fmtPercent } from "./format.js";

const CLASS_KEY = "nnpg.class";
const TEACH_KEY = "nnpg.teach";
const CODE_RE = /^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}$/;

function load(key, store = sessionStorage) {
  try { return JSON.parse(store.getItem(key) || "null"); } catch { return null; }
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class Classroom {
  constructor(conn, { notify }) {
    this.conn = conn;
    this.notify = notify;
    this.own = null;       // this page's session id
    this.spotlight = null; // the session in the spotlight, if any
    this.joined = load(CLASS_KEY);
    const params = new URLSearchParams(location.search);
    const code = (params.get("class") || "").toUpperCase();
    const teach = load(TEACH_KEY, localStorage);
    if (CODE_RE.test(code) && params.has("teacher") && teach && teach.code === code) {
      this.joined = { code, teacher: teach.teacher_token };
    }
    this.invited = CODE_RE.test(code) && (!this.joined || this.joined.code !== code) ? code : null;
    this.applyPath();
    conn.on("hello", (msg) => { this.own = msg.session; });
    conn.on("class", (msg) => this.onClass(msg));
    conn.on("spotlight", (msg) => this.onSpotlight(msg));
    conn.on("error", (msg) => this.onError(msg));
    this.ready = loadLang().then(() => this.build());
  }

  applyPath() {
    const j = this.joined;
    this.conn.path = !j ? "/ws/session"
      : j.teacher ? `/ws/session?class=${encodeURIComponent(j.code)}&teacher=${encodeURIComponent(j.teacher)}`
        : `/ws/session?class=${encodeURIComponent(j.code)}&name=${encodeURIComponent(j.name)}`;
  }

  /** Join (code, name): the page's socket reconnects into the class. */
  join(code, name) {
    this.joined = { code, name };
    this.joining = true; // the reconnect that follows is this join, not a dropped connection
    try { sessionStorage.setItem(CLASS_KEY, JSON.stringify(this.joined)); } catch { /* no resume */ }
    this.applyPath();
    if (this.conn.ws) this.conn.ws.close(); // the connection reconnects with the new path
    else this.conn.connect();
  }

  leave() {
    this.joined = null;
    sessionStorage.removeItem(CLASS_KEY);
    this.applyPath();
    this.showBar();
  }

  // ---- page parts ------------------------------------------------------------

  build() {
    const button = el("button", "btn btn-ghost", t("class.join_button"));
    button.type = "button";
    button.id = "join-class";
    button.addEventListener("click", () => this.openDialog(""));
    document.querySelector(".topbar-right")?.prepend(button);

    this.bar = el("div", "class-bar");
    this.bar.hidden = true;
    this.bar.setAttribute("role", "status");
    this.barWho = el("strong", "class-who");
    this.barText = el("span", "class-text");
    this.bar.append(this.barWho, this.barText);
    document.querySelector(".topbar")?.after(this.bar);

    this.overlay = el("section", "spotlight");
    this.overlay.hidden = true;
    this.overlay.setAttribute("aria-live", "polite");
    const head = el("div", "spotlight-head");
    this.banner = el("p", "spotlight-banner");
    this.stats = el("span", "spotlight-stats");
    const mine = el("button", "btn btn-primary", t("class.make_mine"));
    mine.type = "button";
    mine.id = "make-mine";
    mine.addEventListener("click", () => this.fork());
    head.append(this.banner, this.stats, mine);
    const host = el("div", "spotlight-plane");
    this.overlay.append(head, host);
    document.body.append(this.overlay);
    this.viewer = new RunViewer(host, {
      onStatus: (f) => {
        this.stats.textContent = t("class.watch_stats", { step: f.step ?? 0,
          train: fmtPercent(f.train_accuracy, 1), test: fmtPercent(f.test_accuracy, 1) });
      },
    });
    this.showBar();
    if (this.invited) this.openDialog(this.invited);
  }

  openDialog(code) {
    const dialog = el("dialog", "join-dialog");
    const form = el("form");
    form.method = "dialog";
    const title = el("h2", "", t("class.join_heading"));
    const codeLabel = el("label", "field", t("class.join_code"));
    const codeInput = el("input");
    Object.assign(codeInput, { name: "code", value: code, maxLength: 8, required: true, autocomplete: "off" });
    codeInput.setAttribute("autocapitalize", "characters");
    codeLabel.append(codeInput);
    const nameLabel = el("label", "field", t("class.join_name"));
    const nameInput = el("input");
    Object.assign(nameInput, { name: "name", maxLength: 24, required: true, autocomplete: "nickname" });
    nameLabel.append(nameInput);
    const hint = el("p", "join-hint", t("class.join_hint"));
    const row = el("div", "join-actions");
    const cancel = el("button", "btn", t("class.join_cancel"));
    cancel.type = "button";
    cancel.addEventListener("click", () => dialog.close());
    const submit = el("button", "btn btn-primary", t("class.join_submit"));
    submit.type = "submit";
    row.append(cancel, submit);
    form.append(title, codeLabel, nameLabel, hint, row);
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const typed = codeInput.value.replace(/[\s-]/g, "").toUpperCase();
      if (!CODE_RE.test(typed)) { codeInput.focus(); return; }
      dialog.close();
      this.join(typed, nameInput.value.trim());
    });
    dialog.addEventListener("close", () => dialog.remove());
    dialog.append(form);
    document.body.append(dialog);
    dialog.showModal();
    (code ? nameInput : codeInput).focus();
  }

  showBar(text = "") {
    if (!this.bar) return;
    const j = this.joined;
    this.bar.hidden = !j;
    if (!j) return;
    this.barWho.textContent = j.teacher ? t("class.teacher_run", { code: j.code })
      : t("class.in_class", { code: j.code, name: this.name || j.name });
    this.barText.textContent = text;
  }

  // ---- class messages ----------------------------------------------------------

  async onClass(msg) {
    await this.ready;
    if (msg.event === "joined") {
      this.name = msg.name;
      this.showBar(msg.paused ? t("class.paused_banner") : "");
      if (this.joining) this.notify(t("class.joined_toast", { code: msg.code, name: msg.name }));
      this.joining = false;
      return;
    }
    if (msg.event === "ended") {
      this.leave();
      this.notify(t("class.ended_banner"));
      return;
    }
    let text = t(`class.${msg.event}_banner`);
    if (msg.event === "store_down" || msg.event === "store_back") text = t(`cluster.class_${msg.event}`);
    if (msg.event === "pushed") {
      const pushed = msg.teacher_pushed || {};
      text = pushed.lesson ? t("class.pushed_lesson", { title: pushed.lesson.title })
        : t("class.pushed", { what: Object.entries(pushed.config || {}).map(([k, v]) => `${k} = ${v}`).join(", ") });
      if (msg.refused) text += ` ${t("class.push_kept", { message: msg.refused })}`;
    }
    this.showBar(text);
    this.notify(text);
  }

  async onSpotlight(msg) {
    await this.ready;
    this.spotlight = msg.session;
    const mine = msg.session && msg.session === this.own;
    this.overlay.hidden = !msg.session || mine;
    document.body.classList.toggle("in-spotlight", !this.overlay.hidden);
    if (mine) this.showBar(t("class.spotlight_you"));
    if (!msg.session || mine) {
      this.viewer.stop();
      return;
    }
    this.banner.textContent = msg.name ? t("class.spotlight_banner", { name: msg.name })
      : t("class.spotlight_teacher");
    this.viewer.watch(msg.session);
  }

  onError(msg) {
    if (this.joined && (msg.field === "class" || msg.field === "name")) {
      this.leave(); // the socket closes; the page goes on with its own run
      this.notify(t("class.join_refused", { message: msg.message }), "error");
    } else if (this.joined?.teacher && msg.field === "token" && !this.own) {
      this.leave();
    }
  }

  fork() {
    if (!this.spotlight) return;
    this.conn.send("fork", { session: this.spotlight });
    this.overlay.hidden = true;
    document.body.classList.remove("in-spotlight");
    this.viewer.stop();
    this.notify(t("class.forked"));
  }

  get state() {
    return { joined: this.joined && { code: this.joined.code }, spotlight: this.spotlight,
      watching: this.viewer ? this.viewer.session : null, drawn: this.viewer ? this.viewer.framesDrawn : 0,
      banner: this.overlay && !this.overlay.hidden ? this.banner.textContent : null };
  }
}
