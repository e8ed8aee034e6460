// The form, built from the state table: one labelled control per setting.
//
// Sliders report every movement (the caller debounces what it sends); the
// value is shown outside the label in an <output> and in aria-valuetext.
// Log-scale sliders move through a 1-2-5 list: their value is an index.

import { SETTINGS, GROUPS, optionsOf, boundsOf, nearestIndex } from "./state.js";
import { el } from "./dom.js";

const REINIT_TITLE = "Changing this starts over: new data or new weights, step 0";

function displayValue(setting, value) {
  if (setting.format) return setting.format(value);
  return String(value);
}

export class Controls {
  /**
   * @param {Object<string, HTMLElement>} containers  group id → element to fill
   * @param {(name: string, value: any, how: {slider: boolean}) => void} onChange
   */
  constructor(containers, onChange) {
    this.onChange = onChange;
    this.fields = new Map();
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
    const label = el("label", { for: id, text: setting.label });
    const head = el("div", { class: "field-head" }, label);
    if (setting.reinit) {
      head.append(el("span", { class: "reinit-mark", "aria-hidden": "true", title: REINIT_TITLE, text: "↺" }));
    }
    const describedBy = setting.reinit ? "reinit-note" : undefined;
    let input;
    let output = null;

    if (setting.control === "select") {
      input = el("select", { id, name: setting.name, "aria-describedby": describedBy });
      this.fillOptions(input, setting);
      input.addEventListener("change", () => {
        const raw = input.value;
        const value = setting.type === "int" ? Number(raw) : raw;
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
      const commit = () => {
        const value = Number(input.value);
        if (Number.isInteger(value) && value >= setting.min && value <= setting.max) {
          this.onChange(setting.name, value, { slider: false });
        }
      };
      input.addEventListener("change", commit);
      const row = el("div", { class: "field-row" }, input);
      if (setting.name === "seed") {
        const dice = el("button", { type: "button", class: "btn btn-small", title: "Pick a random seed" },
          el("span", { "aria-hidden": "true", text: "⚄ " }), "New seed");
        dice.addEventListener("click", () => {
          const value = Math.floor(Math.random() * 100000);
          input.value = String(value);
          this.onChange(setting.name, value, { slider: false });
        });
        row.append(dice);
      }
      field.append(head, row);
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
    if (current === options.map((o) => `${o.value}=${o.label}`).join("|")) return;
    select.replaceChildren(...options.map((o) => el("option", { value: o.value, text: o.label })));
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
          input.append(el("option", { value, text: String(value) }));
        }
        input.value = String(value);
      } else if (setting.control === "checkbox") {
        input.checked = Boolean(value);
      } else if (setting.control === "number") {
        if (Number(input.value) !== value || input.value === "") input.value = String(value);
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
