// What the page says over its content: the keyboard help (`?`, Esc closes
// it), the disconnected state with its retry countdown, the busy state while
// the server builds a large network, and the notice about a link's bad values.

import { t } from "./i18n.js";

const $ = (sel) => document.querySelector(sel);

// [keys, catalog key of what they do]
const SHORTCUTS = [
  ["Space", "page.help.k.play"],
  ["S", "page.help.k.step"],
  ["R", "page.help.k.reset"],
  ["A", "page.help.k.add"],
  ["1 … 9, 0", "page.help.k.class"],
  ["← ↑ → ↓", "page.help.k.arrows"],
  ["Shift + ← ↑ → ↓", "page.help.k.arrows_far"],
  ["Enter", "page.help.k.enter"],
  ["Shift + click", "page.help.k.shift_click"],
  ["P", "page.help.k.pin"],
  ["?", "page.help.k.help"],
  ["Esc", "page.help.k.esc"],
];

export class Help {
  constructor() {
    this.box = $("#help");
    this.opener = null;
    const rows = SHORTCUTS.map(([keys, key]) => {
      const tr = document.createElement("tr");
      const th = document.createElement("th");
      th.scope = "row";
      for (const [i, part] of keys.split(" + ").entries()) {
        if (i) th.append(" + ");
        const kbd = document.createElement("kbd");
        // key caps read as printed on the keyboard; space and click in words
        kbd.textContent = part === "Space" ? t("page.help.space") : part === "click" ? t("page.help.click") : part;
        th.append(kbd);
      }
      const td = document.createElement("td");
      td.textContent = t(key);
      tr.append(th, td);
      return tr;
    });
    $("#help-keys").replaceChildren(...rows);
    $("#help-open").addEventListener("click", () => this.open());
    $("#help-close").addEventListener("click", () => this.close());
    this.box.addEventListener("click", (ev) => { if (ev.target === this.box) this.close(); });
  }

  get isOpen() {
    return !this.box.hidden;
  }

  open() {
    this.opener = document.activeElement;
    this.box.hidden = false;
    $("#help-close").focus();
  }

  close() {
    if (this.box.hidden) return;
    this.box.hidden = true;
    if (this.opener && this.opener.focus) this.opener.focus();
  }
}

/** The disconnected state: the page greyed out and inert, a message, the retry countdown. */
export class Offline {
  constructor(conn) {
    this.conn = conn;
    this.box = $("#offline");
    this.timer = null;
    this.shownAt = 0;
    $("#offline-retry").addEventListener("click", () => conn.retryNow());
  }

  show() {
    if (!this.box.hidden) return;
    this.box.hidden = false;
    document.querySelector("main.layout").inert = true;
    document.body.classList.add("is-offline");
    const tick = () => {
      const left = Math.max(0, Math.ceil((this.conn.nextRetryAt - Date.now()) / 1000));
      $("#offline-text").textContent = this.conn.ws ? t("page.offline.trying")
        : t("page.offline.retry_in", { s: left });
    };
    tick();
    this.timer = setInterval(tick, 250);
  }

  hide() {
    clearInterval(this.timer);
    this.timer = null;
    if (this.box.hidden) return false;
    this.box.hidden = true;
    document.querySelector("main.layout").inert = false;
    document.body.classList.remove("is-offline");
    return true;
  }
}

/** "Building a 3×1024 network on 5,000 points…" while the server re-initializes. */
export class Busy {
  constructor() {
    this.box = $("#busy");
    this.timer = null;
    this.active = false;
  }

  start(cfg) {
    const layers = cfg.hidden_sizes || [];
    const points = Number(cfg.n_points).toLocaleString("en-US");
    const text = layers.length
      ? t("page.busy.building", { net: `${layers.length}×${layers[0]}`, points })
      : t("page.busy.building_linear", { points });
    $("#busy-text").textContent = text;
    this.active = true;
    clearTimeout(this.timer);
    // Shown only if the server takes a moment: small networks are built before it would flash.
    this.timer = setTimeout(() => {
      if (this.active) {
        this.box.hidden = false;
        document.body.classList.add("is-busy");
      }
    }, 250);
  }

  stop() {
    this.active = false;
    clearTimeout(this.timer);
    this.box.hidden = true;
    document.body.classList.remove("is-busy");
  }
}

/** A notice under the lesson bar (bad values in a link), closed by its button. */
export function showNotice(text) {
  $("#notice-text").textContent = text;
  $("#notice").hidden = false;
}
$("#notice-close")?.addEventListener("click", () => { $("#notice").hidden = true; });
