// The point inspector: what the network says about the probed point.
//
// One row per class, in class order: its score s_j, its probability p_j
// (softmax of the scores, a bar and a number), and for a labelled point the
// class's term of that point's loss: the hinge max(0, s_j − s_y + Δ) for the
// SVM loss, −ln p_y on the true class's row for softmax. Below: the
// prediction, the point's loss and how many hidden units are active.
// With the SVM loss the scores are not probabilities: the column says it
// shows softmax(s), which the network does not use for its loss.
// Where several data points lie under a click, the inspector lists them
// (choose()) and the user picks the one to inspect.

import { CLASS_COLORS, className } from "./plane.js";
import { el } from "./dom.js";
import { fmtFixed as fixed } from "./format.js";
import { t } from "./i18n.js";

export class Inspector {
  /**
   * @param {HTMLElement} root  the element with aria-label="Point inspector". Until a
   *   probe it holds no text: its hint (data-hint) is drawn by CSS while it has class is-empty.
   */
  constructor(root) {
    this.root = root;
    this.classes = 0;
    this.rows = [];
    this.head = el("p", "inspector-head");
    this.table = el("table", "inspector-table");
    const thead = el("thead");
    const hr = el("tr");
    this.termHeader = el("th", "num term-col", t("page.insp.term"));
    for (const [cls, text] of [["", t("page.insp.class")], ["num", t("page.insp.score")],
      ["prob-col", t("page.insp.prob")]]) {
      const th = el("th", cls, text);
      th.scope = "col";
      hr.append(th);
    }
    this.probHeader = hr.querySelector(".prob-col");
    this.termHeader.scope = "col";
    hr.append(this.termHeader);
    thead.append(hr);
    this.tbody = el("tbody");
    this.table.append(thead, this.tbody);
    this.summary = el("div", "inspector-summary");
    this.chooser = el("div", "inspector-chooser");
    this.chooser.hidden = true;
    this.body = el("div", "inspector-body");
    this.body.append(this.chooser, this.head, this.table, this.summary);
    this.body.hidden = true;
    this.root.append(this.body);
  }

  /** Several points under the click: list them, `onPick(point)` with the one chosen. */
  choose(points, onPick) {
    this.chooser.replaceChildren(el("p", "chooser-head", t("page.insp.several", { n: points.length })));
    const row = el("div", "chooser-options");
    points.forEach((pt) => {
      const btn = el("button", "btn btn-small chooser-pick");
      btn.type = "button";
      btn.dataset.label = String(pt.label);
      const sw = el("span", "swatch");
      sw.style.background = CLASS_COLORS[pt.label % CLASS_COLORS.length];
      sw.setAttribute("aria-hidden", "true");
      btn.append(sw, document.createTextNode(className(pt.label)));
      btn.addEventListener("click", () => {
        this.chooser.hidden = true;
        onPick(pt);
      });
      row.append(btn);
    });
    this.chooser.append(row);
    this.chooser.hidden = false;
    this.root.classList.remove("is-empty");
    this.body.hidden = false;
  }

  hideChooser() {
    this.chooser.hidden = true;
  }

  clear() {
    this.chooser.hidden = true;
    this.body.hidden = true;
    this.root.classList.add("is-empty");
    this.last = null;
  }

  buildRows(C) {
    this.tbody.replaceChildren();
    this.rows = [];
    for (let k = 0; k < C; k += 1) {
      const tr = el("tr");
      tr.dataset.class = String(k);
      const name = el("th", "cls");
      name.scope = "row";
      const sw = el("span", "swatch");
      sw.style.background = CLASS_COLORS[k % CLASS_COLORS.length];
      sw.setAttribute("aria-hidden", "true");
      name.append(sw, el("span", "cls-name", className(k)), el("span", "tag"));
      const score = el("td", "num score");
      const probCell = el("td", "prob-col");
      const bar = el("span", "pbar");
      const fill = el("span", "pbar-fill");
      fill.style.background = CLASS_COLORS[k % CLASS_COLORS.length];
      bar.append(fill);
      bar.setAttribute("aria-hidden", "true");
      const prob = el("span", "num prob");
      probCell.append(bar, prob);
      const term = el("td", "num term term-col");
      tr.append(name, score, probCell, term);
      this.tbody.append(tr);
      this.rows.push({ tr, name, tag: name.querySelector(".tag"), score, fill, prob, term });
    }
    this.classes = C;
  }

  /**
   * Show a probe answer ({x, scores, probs, hidden, prediction, label?, loss?, margins?}).
   * `ctx` = {loss: "softmax"|"svm", margin}
   */
  update(probe, ctx = {}) {
    if (!probe || !Array.isArray(probe.scores) || !Array.isArray(probe.probs)) return;
    this.last = probe;
    const C = probe.scores.length;
    if (C !== this.classes) this.buildRows(C);
    const labelled = Number.isInteger(probe.label);
    const svm = Array.isArray(probe.margins) || ctx.loss === "svm";
    const y = labelled ? probe.label : null;
    const prediction = Number.isInteger(probe.prediction) ? probe.prediction
      : probe.scores.indexOf(Math.max(...probe.scores));

    for (let k = 0; k < C; k += 1) {
      const row = this.rows[k];
      const s = probe.scores[k];
      const p = probe.probs[k];
      row.tr.dataset.score = String(s);
      row.tr.dataset.prob = String(p);
      row.score.textContent = fixed(s, 2);
      row.prob.textContent = fixed(p, 2);
      row.fill.style.width = `${Math.max(0, Math.min(1, p || 0)) * 100}%`;
      let term = "";
      if (labelled) {
        if (svm && Array.isArray(probe.margins)) term = k === y ? "—" : fixed(probe.margins[k], 2);
        else if (!svm && k === y) {
          term = fixed(Array.isArray(probe.terms) ? probe.terms[k] : -Math.log(Math.max(p, 1e-300)), 2);
        }
        else term = "";
      }
      row.term.textContent = term;
      row.tr.classList.toggle("is-true", k === y);
      row.tr.classList.toggle("is-pred", k === prediction);
      const tags = [];
      if (k === prediction) tags.push(t("page.insp.predicted"));
      if (k === y) tags.push(t("page.insp.true_class"));
      row.tag.textContent = tags.join(" · ");
    }
    this.table.classList.toggle("has-terms", labelled);
    this.termHeader.textContent = svm ? t("page.insp.hinge") : "−ln p";
    this.termHeader.title = svm ? t("page.insp.hinge_title") : t("page.insp.nll_title");
    this.probHeader.textContent = svm ? t("page.insp.prob_svm") : t("page.insp.prob");
    this.probHeader.title = svm ? t("page.insp.prob_svm_title") : "";
    this.probHeader.classList.toggle("is-formula", svm);

    const [x1, x2] = probe.x || [NaN, NaN];
    this.head.replaceChildren(
      el("span", "probe-x", t("page.insp.point", { x1: fixed(x1, 2), x2: fixed(x2, 2) })),
      document.createTextNode(` · ${labelled ? t("page.insp.labelled") : t("page.insp.unlabelled")}`),
    );

    const parts = [];
    const lossKey = t("page.insp.loss_of_point");
    if (labelled && typeof probe.loss === "number") {
      const formula = svm ? t("page.insp.loss_svm", { margin: ctx.margin ?? 1 }) : t("page.insp.nll_title");
      parts.push([lossKey, `Lᵢ = ${formula} = ${fixed(probe.loss, 3)}`]);
    } else if (labelled) {
      parts.push([lossKey, "—"]);
    } else {
      parts.push([lossKey, t("page.insp.choose_label")]);
    }
    if (Array.isArray(probe.hidden) && probe.hidden.length) {
      const active = probe.hidden.map((h) => {
        const arr = Array.isArray(h) ? h.flat() : [];
        const on = arr.filter((v) => typeof v === "number" && v > 0).length;
        return `${on}/${arr.length}`;
      });
      parts.push([t("page.insp.active_units"), active.join(" · ")]);
    }
    this.summary.replaceChildren(...parts.map(([k, v]) => {
      const p = el("p");
      p.append(el("span", "k", t("page.insp.kv", { k })), el("span", "v", v));
      return p;
    }));
    this.root.classList.remove("is-empty");
    this.body.hidden = false;
  }
}
