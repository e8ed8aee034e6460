// The lessons of the inside-the-network views, in the lesson bar's format
// (static/js/lessons.js): settings by the state table's names, the moves the
// text suggests as `tries`, and the text in static/i18n under `key`.

export const INSIDE_LESSONS = [
  {
    id: "engine-neuron",
    key: "engine.lesson.neuron",
    settings: { dataset: "circles", classes: 2, hidden_layers: 1, hidden_size: 3, activation: "tanh", init: "xavier",
      learning_rate: 0.3, reg: 0 },
    tries: [{ id: "one", settings: { hidden_size: 1 } }, { id: "three", settings: { hidden_size: 3 } }],
  },
  {
    id: "engine-crosses",
    key: "engine.lesson.crosses",
    settings: { dataset: "xor", classes: 2, hidden_layers: 0, learning_rate: 0.3, reg: 0, features: ["x1", "x2"] },
    tries: [{ id: "cross", settings: { features: ["x1", "x2", "x1*x2"] } },
      { id: "plain", settings: { features: ["x1", "x2"] } }],
  },
  {
    id: "engine-l1-l2",
    key: "engine.lesson.l1l2",
    settings: { dataset: "circles", classes: 2, hidden_layers: 0, learning_rate: 0.3, reg: 0.01,
      regularization: "l1", features: ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"] },
    tries: [{ id: "l2", settings: { regularization: "l2" } }, { id: "l1", settings: { regularization: "l1" } }],
  },
  {
    id: "engine-regression",
    key: "engine.lesson.regression",
    settings: { dataset: "plane", classes: 1, loss: "mse", hidden_layers: 0, learning_rate: 0.5, reg: 0,
      batch_size: 0, speed: 20, log_scale: true },
    tries: [{ id: "sgd", settings: { batch_size: 1 } }, { id: "mini", settings: { batch_size: 10 } },
      { id: "batch", settings: { batch_size: 0 } }],
  },
  {
    id: "engine-died",
    key: "engine.lesson.died",
    settings: { hidden_layers: 1, hidden_size: 100, activation: "relu", init: "small", learning_rate: 5, reg: 0.0005 },
    tries: [{ id: "lower", settings: { learning_rate: 0.5 } },
      { id: "adam", settings: { learning_rate: 1, optimizer: "adam" } },
      { id: "deep", settings: { hidden_layers: 3, activation: "tanh", learning_rate: 1, optimizer: "sgd" } }],
  },
];

/**
 * Add these lessons to the page's lesson bar and card: a chip each after the page's own, and in
 * the card their text (in the page's language) and their `tries` as buttons. apply(lesson) is
 * the page's own way to start a lesson (every setting, step 0, play).
 */
export function mountInsideLessons({ nav, card, apply, t }) {
  const list = nav.querySelector(".lesson-list") || nav;
  const first = list.querySelectorAll(".lesson-chip").length;
  INSIDE_LESSONS.forEach((lesson, i) => {
    const li = document.createElement("li");
    const btn = document.createElement("button");
    btn.type = "button";
    btn.className = "lesson-chip";
    btn.dataset.lesson = lesson.id;
    const num = document.createElement("span");
    num.className = "lesson-num";
    num.setAttribute("aria-hidden", "true");
    num.textContent = String(first + i + 1);
    btn.append(num, document.createTextNode(t(`${lesson.key}.title`)));
    btn.addEventListener("click", () => {
      show(lesson, first + i + 1);
      apply(lesson);
    });
    li.append(btn);
    list.append(li);
  });

  function show(lesson, n) {
    for (const chip of nav.querySelectorAll(".lesson-chip")) {
      const on = chip.dataset.lesson === lesson.id;
      chip.classList.toggle("is-active", on);
      if (on) chip.setAttribute("aria-current", "true");
      else chip.removeAttribute("aria-current");
    }
    const text = (sel, value) => { const node = card.querySelector(sel); if (node) node.textContent = value; };
    text(".lesson-title", `${n}. ${t(`${lesson.key}.title`)}`);
    text(".lesson-zh-title", "");
    text(".lesson-line-1", t(`${lesson.key}.text1`));
    text(".lesson-line-2", t(`${lesson.key}.text2`));
    text(".lesson-zh", "");
    let tries = card.querySelector(".lesson-tries");
    if (!tries) {
      tries = document.createElement("div");
      tries.className = "lesson-tries";
      card.querySelector(".lesson-text").append(tries);
    }
    tries.replaceChildren(...lesson.tries.map((item) => {
      const btn = document.createElement("button");
      btn.type = "button";
      btn.className = "btn btn-small";
      btn.dataset.try = item.id;
      btn.textContent = t(`${lesson.key}.try.${item.id}`);
      btn.addEventListener("click", () => apply({ ...lesson, settings: { ...lesson.settings, ...item.settings } }));
      return btn;
    }));
    tries.hidden = false;
    card.dataset.lesson = lesson.id;
    card.hidden = false;
  }
  // A page lesson shown after one of these: its card has no tries of ours.
  list.addEventListener("click", (ev) => {
    const chip = ev.target.closest(".lesson-chip");
    const tries = card.querySelector(".lesson-tries");
    if (chip && !chip.dataset.lesson.startsWith("engine-") && tries) tries.hidden = true;
  });
}
