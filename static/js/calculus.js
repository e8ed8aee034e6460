// The calculus page: four views (graph stepper, gradient check, descent, this
// network) behind tabs, and four lessons that open them with the seed's examples.
// The view and the language live in the hash: #view=descent&lang=zh.

import { lang, loadLang, t, translatePage } from "/static/js/i18n.js";
import { el } from "/static/js/calculus-common.js";
import { initStepper, loadExample, stepper } from "/static/js/calculus-graph.js";
import { descentState, initDescent, play, showDescent } from "/static/js/calculus-descent.js";
import { initNetwork, loadNetworkView, runCheck } from "/static/js/calculus-network.js";

const VIEWS = ["stepper", "gradcheck", "descent", "network"];
const LESSONS = [
  { id: "backprop", view: "stepper", run: () => loadExample("seed4") },
  { id: "chain", view: "stepper", run: () => loadExample("block") },
  { id: "numeric", view: "gradcheck", run: runCheck },
  { id: "descent", view: "descent", run: async () => { await showDescent(); play(); } },
];

function hashParams() {
  return new URLSearchParams(location.hash.slice(1));
}

function setHash(changes) {
  const params = hashParams();
  for (const [k, v] of Object.entries(changes)) params.set(k, v);
  history.replaceState(null, "", "#" + params.toString());
}

export function showView(view) {
  if (!VIEWS.includes(view)) view = "stepper";
  for (const v of VIEWS) {
    document.getElementById(`view-${v}`).hidden = v !== view;
  }
  for (const tab of document.querySelectorAll(".calc-tab")) {
    const on = tab.dataset.view === view;
    tab.setAttribute("aria-selected", String(on));
    tab.classList.toggle("is-active", on);
  }
  setHash({ view });
  if (view === "descent") return showDescent();
  if (view === "network") return loadNetworkView();
  return null;
}

function openLesson(lesson) {
  const card = document.getElementById("calc-lesson");
  card.querySelector(".lesson-title").textContent = t(`calc.lesson.${lesson.id}.title`);
  card.querySelector(".lesson-line-1").textContent = t(`calc.lesson.${lesson.id}.line1`);
  card.querySelector(".lesson-line-2").textContent = t(`calc.lesson.${lesson.id}.line2`);
  card.hidden = false;
  for (const chip of document.querySelectorAll(".lesson-chip")) {
    chip.classList.toggle("is-active", chip.dataset.lesson === lesson.id);
  }
  showView(lesson.view);
  return lesson.run();
}

function renderLessons() {
  const list = document.getElementById("calc-lessons");
  LESSONS.forEach((lesson, i) => {
    const chip = el("button", { type: "button", class: "lesson-chip", "data-lesson": lesson.id },
      el("span", { class: "lesson-num", text: String(i + 1) }), t(`calc.lesson.${lesson.id}.title`));
    chip.addEventListener("click", () => openLesson(lesson));
    list.append(el("li", {}, chip));
  });
  document.querySelector("#calc-lesson [data-close]").addEventListener("click", () => {
    document.getElementById("calc-lesson").hidden = true;
  });
}

function languageLink() {
  const link = document.getElementById("calc-lang");
  const other = lang() === "zh" ? "en" : "zh";
  link.textContent = other === "zh" ? "中文" : "English";
  link.addEventListener("click", (e) => {
    e.preventDefault();
    setHash({ lang: other });
    location.reload();
  });
}

async function main() {
  await loadLang();
  translatePage();
  document.title = t("calc.page_title");
  languageLink();
  renderLessons();
  for (const tab of document.querySelectorAll(".calc-tab")) tab.addEventListener("click", () => showView(tab.dataset.view));
  initDescent();
  initNetwork();
  await initStepper();
  await showView(hashParams().get("view") || "stepper");
  window.nnpgCalc = { stepper, descent: descentState, showView, ready: true };
}

main();
