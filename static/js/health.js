// The health strip under the chart: per layer the gradient norm, the update /
// weight ratio and the share of dead ReLUs or saturated sigmoid/tanh units, and
// one plain-language hint when the server sees something wrong (the frame's
// `health` view; the hint is a catalog key with its numbers).

import { fmt } from "./diagram.js";
import { t } from "./i18n.js";

function cell(tag, text, cls) {
  const node = document.createElement(tag);
  node.textContent = text;
  if (cls) node.className = cls;
  return node;
}

function pct(v) {
  return v === null || v === undefined ? "—" : `${Math.round(100 * v)} %`;
}

/** ‖ΔW‖/‖W‖ against CS231n's rule of thumb (about 1e-3): "ok", "high" or "low". */
function ratioClass(r) {
  if (r === null || r === undefined) return "";
  if (r > 3e-2) return "is-high";
  if (r < 1e-5) return "is-low";
  return "is-ok";
}

export class HealthStrip {
  constructor(host) {
    this.host = host;
    host.classList.add("health");
    this.title = cell("h3", t("engine.health.title"), "health-title");
    this.table = document.createElement("table");
    this.table.className = "health-table";
    this.hint = cell("p", "", "health-hint");
    this.hint.setAttribute("role", "status");
    host.replaceChildren(this.title, this.table, this.hint);
    this.lastHint = null;
  }

  /** The frame's health view; drawn on the next animation frame, once. */
  update(health, applies = true) {
    this.host.hidden = !applies;
    this.pending = health;
    if (this.rafPending) return;
    this.rafPending = true;
    requestAnimationFrame(() => {
      this.rafPending = false;
      this.render(this.pending);
    });
  }

  render(health) {
    // Before the first step the strip waits (its title shows); a task without the view hides it.
    this.host.classList.toggle("is-empty", !health);
    if (!health) return;
    const head = document.createElement("tr");
    head.append(cell("th", ""), ...health.layers.map((row) => cell("th", t("engine.health.layer", { layer: row.layer }))));
    const rows = [
      ["engine.health.grad_norm", (row) => [fmt(row.grad_norm), ""]],
      ["engine.health.update_ratio", (row) => [fmt(row.update_ratio), ratioClass(row.update_ratio)]],
      [health.layers.some((row) => row.saturated !== null) ? "engine.health.saturated" : "engine.health.dead",
        (row) => {
          const v = row.dead ?? row.saturated;
          return [pct(v), v !== null && v !== undefined && v >= 0.5 ? "is-high" : ""];
        }],
    ];
    const body = rows.map(([key, value]) => {
      const tr = document.createElement("tr");
      const th = cell("th", t(key));
      if (key === "engine.health.update_ratio") th.title = t("engine.health.update_ratio_help");
      tr.append(th, ...health.layers.map((row) => { const [text, cls] = value(row); return cell("td", text, cls); }));
      return tr;
    });
    this.table.replaceChildren(head, ...body);
    const hint = health.hint;
    const text = hint ? t(hint.key, hint.vars) : t("engine.health.ok");
    if (text !== this.lastHint) {
      this.lastHint = text;
      this.hint.textContent = text;
      this.hint.classList.toggle("is-warning", Boolean(hint));
      this.hint.dataset.key = hint ? hint.key : "";
    }
  }
}
