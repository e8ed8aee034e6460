// The form, built from the state table: one labelled control per setting.
//
// Sliders report every movement (the caller debounces what it sends); the
// value is shown outside the label in an <output> and in aria-valuetext.
// Log-scale sliders move through a 1-2-5 list: their value is an index.

import { SETTINGS, GROUPS, optionsOf, boundsOf, nearestIndex } from "./state.js";
import { t, has } from "./i18n.js";
import { el } from "./dom.js";

/** A setting's label in the page's language (the state table's English otherwise). */
export function settingLabel(setting) {
  const key = `page.setting.${setting.name}`;
  return has(key) ? t(key) : setting.label;
}

/** An option's label in the page's language. */
export function optionLabel(setting, option) {
  const key = `page.opt.${setting.name}.${option.value}`;
  return has(key) ? t(key) : option.label;
}

function displayValue(setting, value) {
  if (setting.format) return setting.format(value);
  return String(value);
}

/** The label of a value a select offers, or the value formatted (a value from a link or a lesson). */
export function valueLabel(setting, value) {
  const option = optionsOf(setting).find((o) => String(o.value) === String(value));
  return option ? optionLabel(setting, option) : displayValue(setting, value);
}

export class Controls {
  /**
   * @param {Object<string, HTMLElement>} containers  group id → element to fill
   * @param {(name: string, value: any, how: {slider: boolean}) => void} onChange
   */
  constructor(containers, onChange) {
    this.onChange = onChange;
    this.fields = new Map();
    this.checks = new Map();
    for (const group of GROUPS) {
      const box = containers[group.id];
      if (!box) continue;
      for (const setting of SETTINGS.filter((s) => s.group === group.id)) {
        box.append(this.build(setting));
      }
    }
    for (const setting of SETTINGS.filter((s) => !GROUPS.some((g) => g.id === s.group))) {
      const box = containers[setting.group];
      if (box) box.append(this.build(setting));
    }
  }

  build(setting) {
    const id = `ctl-${setting.name}`;
    const field = el("div", { class: `field field-${setting.control}`, "data-name": setting.name });
    const label = el("label", { for: id, text: settingLabel(setting) });
    const head = el("div", { class: "field-head" }, label);
    if (setting.reinit) {
      head.append(el("span", { class: "reinit-mark", "aria-hidden": "true", title: t("page.reinit_title"),
        text: "↺" }));
    }
    const describedBy = setting.reinit ? "reinit-note" : undefined;
    let input;
    let output = null;

    if (setting.control === "select") {
      input = el("select", { id, name: setting.name, "aria-describedby": describedBy });
      this.fillOptions(input, setting);
      input.addEventListener("change", () => {
        const raw = input.value;
        const value = setting.type === "int" || setting.type === "float" ? Number(raw) : raw;
        this.onChange(setting.name, value, { slider: false });
      });
      field.append(head, input);
      field.classList.add("field-inline");
    } else if (setting.control === "checkbox") {
      input = el("input", { id, type: "checkbox", name: setting.name });
      input.addEventListener("change", () => this.onChange(setting.name, input.checked, { slider: false }));
      field.classList.add("field-check");
      field.append(input, label);
    } else if (setting.control === "number") {
      input = el("input", {
        id, type: "number", name: setting.name, min: setting.min, max: setting.max, step: setting.step,
        inputmode: "numeric", "aria-describedby": describedBy,
      });
      const errorId = `err-${setting.name}`;
      const error = el("p", { id: errorId, class: "field-error", hidden: true });
      // A value out of range is shown as invalid and not applied; the server keeps the last good one.
      const check = () => {
        const text = input.value.trim();
        const value = Number(text);
        const ok = text !== "" && /^[0-9]+$/.test(text) && value >= setting.min && value <= setting.max;
        input.setAttribute("aria-invalid", String(!ok));
        field.classList.toggle("is-invalid", !ok);
        error.hidden = ok;
        error.textContent = ok ? "" : t("page.invalid.int_range", { min: setting.min, max: setting.max });
        return ok ? value : undefined;
      };
      input.setAttribute("aria-describedby", [describedBy, errorId].filter(Boolean).join(" "));
      input.addEventListener("input", check);
      input.addEventListener("change", () => {
        const value = check();
        if (value !== undefined) this.onChange(setting.name, value, { slider: false });
      });
      this.checks.set(setting.name, check);
      const row = el("div", { class: "field-row" }, input);
      if (setting.name === "seed") {
        const dice = el("button", { type: "button", class: "btn btn-small", title: t("page.seed.random_title") },
          el("span", { "aria-hidden": "true", text: "⚄ " }), t("page.seed.new"));
        dice.addEventListener("click", () => {
          const value = Math.floor(Math.random() * 100000);
          input.value = String(value);
          check();
          this.onChange(setting.name, value, { slider: false });
        });
        row.append(dice);
      }
      field.append(head, row, error);
      field.classList.add("field-inline");
    } else {
      // range (value = the number) or log (value = an index into setting.values)
      const isLog = setting.control === "log";
      input = el("input", {
        id, type: "range", name: setting.name,
        min: isLog ? 0 : setting.min, max: isLog ? setting.values.length - 1 : setting.max,
        step: isLog ? 1 : setting.step, "aria-describedby": describedBy,
      });
      output = el("output", { id: `out-${setting.name}`, for: id, class: "field-value" });
      head.append(output);
      input.addEventListener("input", () => {
        const value = isLog ? setting.values[Number(input.value)] : Number(input.value);
        const text = displayValue(setting, value);
        output.textContent = text;
        input.setAttribute("aria-valuetext", text);
        this.onChange(setting.name, value, { slider: true });
      });
      field.append(head, input);
    }
    this.fields.set(setting.name, { setting, field, input, output });
    return field;
  }

  fillOptions(select, setting) {
    const options = optionsOf(setting);
    const current = [...select.options].map((o) => `${o.value}=${o.textContent}`).join("|");
    if (current === options.map((o) => `${o.value}=${optionLabel(setting, o)}`).join("|")) return;
    select.replaceChildren(...options.map((o) => el("option", { value: o.value, text: optionLabel(setting, o) })));
  }

  /** Show state `s` in every control (bounds and enabled states too). */
  render(s, skip = new Set()) {
    for (const [name, { setting, field, input, output }] of this.fields) {
      const value = s[name];
      const enabled = setting.enabled ? setting.enabled(s) : true;
      input.disabled = !enabled;
      field.classList.toggle("is-disabled", !enabled);
      if (skip.has(name) && document.activeElement === input) continue;
      if (setting.control === "select") {
        this.fillOptions(input, setting);
        if (!optionsOf(setting).some((o) => String(o.value) === String(value))) {
          // A value from the server or the hash that the list does not offer: show it anyway.
          input.append(el("option", { value, text: displayValue(setting, value) }));
        }
        input.value = String(value);
      } else if (setting.control === "checkbox") {
        input.checked = Boolean(value);
      } else if (setting.control === "number") {
        if (input.getAttribute("aria-invalid") === "true") continue; // until corrected, or discard()
        if (Number(input.value) !== value || input.value === "") input.value = String(value);
        this.checks.get(name)?.();
      } else if (setting.control === "log") {
        input.value = String(nearestIndex(setting.values, value));
      } else {
        const [lo, hi] = boundsOf(setting, s);
        const min = Math.max(setting.min, lo);
        const max = Math.min(setting.max, hi);
        input.min = String(min);
        input.max = String(max);
        if (min === max) input.disabled = true;
        field.classList.toggle("is-disabled", input.disabled);
        input.value = String(value);
      }
      if (output) {
        const text = displayValue(setting, value);
        output.textContent = text;
        input.setAttribute("aria-valuetext", text);
      }
    }
  }

  /** Forget what was typed and not applied (a lesson or a link sets every value). */
  discard() {
    for (const name of this.checks.keys()) {
      const { input } = this.fields.get(name);
      input.setAttribute("aria-invalid", "false");
      input.value = ""; // the next render() shows the state's value and checks it
    }
  }

  input(name) {
    return this.fields.get(name)?.input;
  }

  /** Flash the fields that a server error names. */
  flag(names) {
    for (const name of names) {
      const f = this.fields.get(name);
      if (!f) continue;
      f.field.classList.remove("is-refused");
      void f.field.offsetWidth;
      f.field.classList.add("is-refused");
    }
  }
}
