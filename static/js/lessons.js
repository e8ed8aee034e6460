// Lessons: one-click presets for the teaching material.
//
// A lesson is the page's defaults with a few settings changed: every setting
// it depends on, display and speed included, so whatever was on the page
// before never leaks into it. Its text (static/i18n, page.lesson.ID.*) makes
// a point that the tests check by following it (tests/browser/test_lessons.py).
// `tries` are the moves the text suggests, as buttons: each pins the run on
// the chart, applies its settings and starts again at step 0, so the runs
// can be compared side by side.

import { t } from "./i18n.js";
import { INSIDE_LESSONS } from "./inside_lessons.js";

export const LESSONS = [
  {
    id: "linear",
    settings: { hidden_layers: 0, learning_rate: 1, reg: 0.001 },
    tries: [{ id: "hidden", settings: { hidden_layers: 1 } }],
  },
  {
    id: "two-layers",
    settings: { hidden_layers: 1, hidden_size: 100, activation: "relu", learning_rate: 1, reg: 0.0005 },
    tries: [{ id: "ten", settings: { hidden_size: 10 } }],
  },
  {
    id: "lr-too-high",
    settings: { hidden_layers: 2, hidden_size: 100, activation: "leaky_relu", init: "he", learning_rate: 5,
      reg: 0.0005, speed: 5, log_scale: true },
    tries: [{ id: "lower", settings: { learning_rate: 0.1 } }],
  },
  {
    id: "regularization",
    settings: { noise: 0.35, n_points: 200, hidden_layers: 1, hidden_size: 100, learning_rate: 1, reg: 0.002,
      speed: 1000 },
    tries: [{ id: "none", settings: { reg: 0 } }, { id: "back", settings: { reg: 0.002 } }],
  },
  {
    id: "svm-softmax",
    settings: { hidden_layers: 1, hidden_size: 100, loss: "svm", margin: 1, learning_rate: 0.3, reg: 0.0005 },
    tries: [{ id: "softmax", settings: { loss: "softmax" } }, { id: "svm", settings: { loss: "svm" } }],
  },
  {
    id: "sigmoid-relu",
    settings: { hidden_layers: 1, hidden_size: 100, activation: "sigmoid", learning_rate: 1, reg: 0.0005 },
    tries: [{ id: "relu", settings: { activation: "relu" } }],
  },
  {
    id: "batch",
    settings: { hidden_layers: 1, hidden_size: 100, batch_size: 0, learning_rate: 0.2, reg: 0.0005 },
    tries: [{ id: "b32", settings: { batch_size: 32 } }, { id: "b1", settings: { batch_size: 1 } },
      { id: "full", settings: { batch_size: 0 } }],
  },
];

// The lessons of the network diagram, health, regression and L1 (their text under their own `key`).
LESSONS.push(...INSIDE_LESSONS);

/** Where a lesson's texts are in static/i18n. */
function lessonKey(lesson) {
  return lesson.key || `page.lesson.${lesson.id}`;
}

export class Lessons {
  /**
   * @param {HTMLElement} nav  the lesson bar
   * @param {HTMLElement} card  the lesson card
   * @param {(lesson) => void} onApply
   * @param {(lesson, tryItem) => void} onTry
   */
  constructor(nav, card, onApply, onTry) {
    this.nav = nav;
    this.card = card;
    this.onApply = onApply;
    this.onTry = onTry;
    this.active = null;
    const list = document.createElement("ol");
    list.className = "lesson-list";
    LESSONS.forEach((lesson, i) => {
      const li = document.createElement("li");
      const btn = document.createElement("button");
      btn.type = "button";
      btn.className = "lesson-chip";
      btn.dataset.lesson = lesson.id;
      btn.title = t(`${lessonKey(lesson)}.title`);
      const num = document.createElement("span");
      num.className = "lesson-num";
      num.setAttribute("aria-hidden", "true");
      num.textContent = String(i + 1);
      btn.append(num, document.createTextNode(t(`${lessonKey(lesson)}.title`)));
      btn.addEventListener("click", () => this.apply(lesson.id));
      li.append(btn);
      list.append(li);
    });
    nav.append(list);
    card.querySelector("[data-close]")?.addEventListener("click", () => this.show(null));
  }

  apply(id) {
    const lesson = LESSONS.find((l) => l.id === id);
    if (!lesson) return;
    this.show(lesson);
    this.onApply(lesson);
  }

  show(lesson) {
    this.active = lesson;
    for (const btn of this.nav.querySelectorAll(".lesson-chip")) {
      const on = lesson && btn.dataset.lesson === lesson.id;
      btn.classList.toggle("is-active", Boolean(on));
      if (on) btn.setAttribute("aria-current", "true");
      else btn.removeAttribute("aria-current");
    }
    if (!lesson) {
      this.card.hidden = true;
      return;
    }
    const i = LESSONS.indexOf(lesson) + 1;
    const key = lessonKey(lesson);
    this.card.dataset.lesson = lesson.id;
    this.card.querySelector(".lesson-title").textContent = t("page.lesson.heading", { n: i, title: t(`${key}.title`) });
    this.card.querySelector(".lesson-line-1").textContent = t(`${key}.text1`);
    this.card.querySelector(".lesson-line-2").textContent = t(`${key}.text2`);
    const tries = this.card.querySelector(".lesson-tries");
    tries.replaceChildren();
    for (const item of lesson.tries || []) {
      const btn = document.createElement("button");
      btn.type = "button";
      btn.className = "btn btn-small lesson-try";
      btn.dataset.try = item.id;
      btn.textContent = t(`${key}.try.${item.id}`);
      btn.addEventListener("click", () => this.onTry(lesson, item));
      tries.append(btn);
    }
    this.card.hidden = false;
  }
}
