// The one state table: every setting of the page, described once.
//
// Each entry says how the setting is shown (control), what values it takes,
// its default, whether changing it re-initializes the network (reinit), how it
// maps to the server's config (config) and to the URL hash (the entry's name).
// controls.js builds the form from this table, main.js syncs it with the
// server, and the hash is written and read from it: nothing else lists settings.

import { lang, t } from "./i18n.js";
import { fmtNum, fmtPercent } from "./format.js";

// 1-2-5 sequences for the log-scale sliders: the slider's value is an index.
export const LR_VALUES = [1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05,
  0.1, 0.2, 0.5, 1, 2, 5, 10];
export const REG_VALUES = [0, 1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3,
  5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1];
// The page's named speeds, in steps per second (0: as fast as a fair share of
// the server allows). The page's default is "normal": the case study's spiral
// is learned over about 20 s, slow enough for a room to watch it happen.
export const SPEEDS = [
  { value: 5, label: "slow" }, { value: 100, label: "normal" }, { value: 1000, label: "fast" },
  { value: 0, label: "max" }];

// The server's catalog (app/catalog.py, embedded in the page as #catalog-data):
// the registries' entries with their labels, each config field's range and the
// limits. Every option list and bound of a config setting below comes from it.
export let CATALOG = {
  activations: {}, losses: {}, regularizers: {}, inits: {}, optimizers: {}, datasets: {},
  config: {}, limits: {},
};

// Used until the catalog is read, and for a dataset name the catalog does not know.
const FALLBACK_DATASET = { min_classes: 2, max_classes: 10, default_classes: 3, default_noise: 0, max_noise: 1 };

export function datasetSpec(name) {
  return CATALOG.datasets[name] || Object.values(CATALOG.datasets)[0] || FALLBACK_DATASET;
}

/** The entry's label in the page's language. */
function labelOf(entry, name) {
  const label = entry && entry.label;
  return (label && (label[lang()] || label.en)) || name;
}

/** A select's options: the entries of one registry of the catalog. */
function registryOptions(key) {
  return () => Object.entries(CATALOG[key] || {}).map(([value, entry]) => ({ value, label: labelOf(entry, value) }));
}

/** The table. `group` orders the form; `advanced` entries sit in a fold. */
export const SETTINGS = [
  // ---- data (all re-initialize) ----
  { name: "dataset", label: "Dataset", group: "data", control: "select", type: "enum",
    default: "spiral", reinit: true, config: "dataset",
    options: registryOptions("datasets") },
  { name: "classes", label: "Classes", group: "data", control: "range", type: "int",
    default: 3, min: 2, max: 10, step: 1, reinit: true, config: "classes",
    bounds: (s) => {
      const d = datasetSpec(s.dataset);
      const [lo, hi] = configRange("classes", [d.min_classes, d.max_classes]);
      return [Math.max(lo, d.min_classes), Math.min(hi, d.max_classes)];
    } },
  { name: "noise", label: "Noise", group: "data", control: "range", type: "float",
    default: 0.2, min: 0, max: 1, step: 0.01, reinit: true, config: "noise",
    bounds: (s) => [0, datasetSpec(s.dataset).max_noise],
    format: (v) => v.toFixed(2) },
  { name: "n_points", label: "Points", group: "data", control: "range", type: "int",
    default: 300, min: 20, max: 2000, step: 10, reinit: true, config: "n_points",
    accept: [2, 5000] },
  { name: "test_fraction", label: "Test share", group: "data", control: "range", type: "float",
    default: 0.2, min: 0, max: 0.9, step: 0.05, reinit: true, config: "test_fraction",
    format: (v) => fmtPercent(v) },
  { name: "seed", label: "Seed", group: "data", control: "number", type: "int",
    default: 0, min: 0, max: 2147483647, step: 1, reinit: true, config: "seed" },

  // ---- network (all re-initialize) ----
  { name: "hidden_layers", label: "Hidden layers", group: "network", control: "range", type: "int",
    default: 1, min: 0, max: 3, step: 1, reinit: true,
    format: (v) => (v === 0 ? t("page.value.linear") : String(v)) },
  { name: "hidden_size", label: "Hidden size", group: "network", control: "range", type: "int",
    default: 100, min: 1, max: 256, step: 1, reinit: true, accept: [1, 1024],
    format: (v) => String(v), enabled: (s) => s.hidden_layers > 0 },
  { name: "activation", label: "Activation", group: "network", control: "select", type: "enum",
    default: "relu", reinit: true, config: "activation", options: registryOptions("activations") },
  { name: "init", label: "Init", group: "network", control: "select", type: "enum",
    default: "small", reinit: true, config: "init", options: registryOptions("inits") },

  // ---- loss and training (all live) ----
  { name: "loss", label: "Loss", group: "training", control: "select", type: "enum",
    default: "softmax", reinit: false, config: "loss", options: registryOptions("losses") },
  { name: "margin", label: "Margin (Δ)", group: "training", control: "range", type: "float",
    default: 1, min: 0, max: 5, step: 0.25, reinit: false, config: "margin", accept: [0, 100],
    format: (v) => fmtNum(v), enabled: (s) => (CATALOG.losses[s.loss]?.params || []).includes("margin") },
  { name: "learning_rate", label: "Learning rate", group: "training", control: "log", type: "float",
    default: 1, values: LR_VALUES, reinit: false, config: "learning_rate", accept: [1e-12, 100],
    format: (v) => fmtNum(v) },
  { name: "reg", label: "Regularization (λ)", group: "training", control: "log", type: "float",
    default: 5e-4, values: REG_VALUES, reinit: false, config: "reg", accept: [0, 100],
    format: (v) => (v === 0 ? t("page.value.off") : fmtNum(v)) },
  { name: "regularization", label: "Penalty", group: "training", control: "select", type: "enum",
    default: "l2", reinit: false, config: "regularization", options: registryOptions("regularizers") },
  { name: "batch_size", label: "Batch size", group: "training", control: "select", type: "int",
    default: 0, reinit: false, config: "batch_size", accept: [0, 5000],
    options: [
      { value: 0, label: "Full batch" }, { value: 1, label: "1 (SGD)" }, { value: 8, label: "8" },
      { value: 32, label: "32" }, { value: 64, label: "64" }, { value: 128, label: "128" }] },
  { name: "optimizer", label: "Optimizer", group: "training", control: "select", type: "enum",
    default: "sgd", reinit: false, config: "optimizer", options: registryOptions("optimizers") },
  { name: "speed", label: "Speed", group: "transport", control: "select", type: "float",
    default: 100, reinit: false, config: "speed", accept: [0, 1e6], options: SPEEDS,
    format: (v) => t("page.value.steps_per_s", { n: v }) },

  // ---- display (live, tucked away) ----
  { name: "fps", label: "Frame rate", group: "display", control: "range", type: "int",
    default: 30, min: 1, max: 60, step: 1, reinit: false, config: "fps", advanced: true,
    format: (v) => t("page.value.per_s", { n: v }) },
  { name: "grid_resolution", label: "Grid resolution", group: "display", control: "range", type: "int",
    default: 100, min: 10, max: 200, step: 10, reinit: false, config: "grid_resolution", advanced: true,
    format: (v) => `${v}²` },

  // ---- page-only settings (in the hash, never sent as config) ----
  { name: "step_size", label: "Step size", group: "transport", control: "select", type: "int",
    default: 1, reinit: false, accept: [1, 10000],
    options: [{ value: 1, label: "1" }, { value: 10, label: "10" }, { value: 100, label: "100" },
      { value: 1000, label: "1000" }] },
  { name: "log_scale", label: "Log scale", group: "chart", control: "checkbox", type: "bool",
    default: false, reinit: false },
];

export const BY_NAME = Object.fromEntries(SETTINGS.map((s) => [s.name, s]));

/** [min, max] of a config field in the catalog, or `fallback`. */
function configRange(field, fallback) {
  const r = CATALOG.config[field];
  return r && typeof r.min === "number" && typeof r.max === "number" ? [r.min, r.max] : fallback;
}

/** Take the server's catalog: options, the accepted ranges of config settings, the limits. */
export function setCatalog(catalog) {
  if (!catalog || typeof catalog !== "object") return;
  CATALOG = { ...CATALOG, ...catalog };
  for (const setting of SETTINGS) {
    const r = setting.config && CATALOG.config[setting.config];
    if (!r || typeof r.min !== "number" || typeof r.max !== "number" || setting.bounds) continue;
    setting.accept = [r.min, r.max];
    setting.minExclusive = Boolean(r.min_exclusive);
  }
  const layers = CATALOG.config.hidden_sizes;
  if (layers) {
    BY_NAME.hidden_layers.accept = [0, layers.max_length];
    BY_NAME.hidden_layers.max = layers.max_length;
    BY_NAME.hidden_size.accept = [layers.min, layers.max];
  }
  if (CATALOG.limits.max_steps) BY_NAME.step_size.accept = [1, CATALOG.limits.max_steps];
}

export const GROUPS = [
  { id: "data", title: "Data" },
  { id: "network", title: "Network" },
  { id: "training", title: "Loss and training" },
  { id: "display", title: "Display", advanced: true },
];

export function optionsOf(setting) {
  return typeof setting.options === "function" ? setting.options() : setting.options || [];
}

/** [lo, hi] a value may take in state `s` (wider than the slider for some). */
export function boundsOf(setting, s) {
  if (setting.bounds) return setting.bounds(s);
  if (setting.accept) return setting.accept;
  if (setting.values) return [Math.min(...setting.values), Math.max(...setting.values)];
  return [setting.min, setting.max];
}

export function defaults() {
  const s = {};
  for (const setting of SETTINGS) s[setting.name] = setting.default;
  s.noise = datasetSpec(s.dataset).default_noise;
  return s;
}

/** Parse one raw (string or number) value; undefined when it is not acceptable. */
export function coerce(setting, raw, s) {
  if (raw === undefined || raw === null || raw === "") return undefined;
  if (setting.type === "bool") {
    if (raw === true || raw === "1" || raw === "true") return true;
    if (raw === false || raw === "0" || raw === "false") return false;
    return undefined;
  }
  if (setting.type === "enum") {
    const value = String(raw);
    return optionsOf(setting).some((o) => o.value === value) ? value : undefined;
  }
  const num = Number(raw);
  if (!Number.isFinite(num)) return undefined;
  if (setting.type === "int" && !Number.isInteger(num)) return undefined;
  const [lo, hi] = boundsOf(setting, s);
  if (num < lo || num > hi) return undefined;
  if (setting.minExclusive && num <= lo) return undefined;
  return num;
}

/** Keep dependent settings valid after `dataset` changes. */
export function clampToDataset(s) {
  const d = datasetSpec(s.dataset);
  s.classes = Math.min(Math.max(s.classes, d.min_classes), d.max_classes);
  if (!(s.noise >= 0 && s.noise <= d.max_noise)) s.noise = d.default_noise;
  return s;
}

// ---- the server's config ----

/** The full server config described by state `s`. */
export function toConfig(s) {
  const cfg = {};
  for (const setting of SETTINGS) if (setting.config) cfg[setting.config] = s[setting.name];
  // Per-layer widths (set in the network diagram) while the sliders still describe them;
  // moving a slider makes every layer that size again.
  const widths = s.hidden_widths;
  const perLayer = Array.isArray(widths) && widths.length === s.hidden_layers && widths[0] === s.hidden_size;
  cfg.hidden_sizes = perLayer ? widths.slice() : Array.from({ length: s.hidden_layers }, () => s.hidden_size);
  cfg.features = Array.isArray(s.features) ? s.features.slice() : ["x1", "x2"];
  cfg.neurons = s.neurons === true; // the network diagram's maps, while it is open
  return cfg;
}

/** The state fields a server config implies. */
export function fromConfig(cfg, s) {
  const out = {};
  for (const setting of SETTINGS) {
    if (setting.config && cfg[setting.config] !== undefined && cfg[setting.config] !== null) {
      out[setting.name] = cfg[setting.config];
    }
  }
  if (Array.isArray(cfg.hidden_sizes)) {
    out.hidden_layers = cfg.hidden_sizes.length;
    out.hidden_size = cfg.hidden_sizes.length ? cfg.hidden_sizes[0] : s.hidden_size;
    out.hidden_widths = cfg.hidden_sizes.slice();
  }
  if (Array.isArray(cfg.features)) out.features = cfg.features.slice();
  if (typeof cfg.neurons === "boolean") out.neurons = cfg.neurons;
  return out;
}

function sameValue(a, b) {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => v === b[i]);
  }
  if (typeof a === "number" && typeof b === "number") {
    return a === b || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
  }
  return a === b;
}

/** The fields of `want` (a full config) that differ from `have`. */
export function configDiff(want, have) {
  const diff = {};
  for (const [k, v] of Object.entries(want)) if (!have || !sameValue(v, have[k])) diff[k] = v;
  return diff;
}

/** Which settings a config field maps to (for errors naming a field). */
export function settingsForField(field) {
  if (field === "hidden_sizes") return ["hidden_layers", "hidden_size"];
  return SETTINGS.filter((s) => s.config === field).map((s) => s.name);
}

// ---- the URL hash ----

function hashValue(setting, v) {
  if (setting.type === "bool") return v ? "1" : "0";
  if (typeof v === "number") return String(Number(v.toPrecision(12)));
  return String(v);
}

/** Every setting, in table order: `dataset=spiral&classes=3&…`. */
export function toHash(s) {
  const params = new URLSearchParams();
  for (const setting of SETTINGS) params.set(setting.name, hashValue(setting, s[setting.name]));
  return params.toString();
}

/** State from a hash string (with or without '#'), over `base`; also lists the keys found
 * and the keys whose values were refused (the page says so and uses `base`'s). */
export function fromHash(hash, base = defaults()) {
  const params = new URLSearchParams(String(hash || "").replace(/^#/, ""));
  const s = { ...base };
  const found = [];
  const rejected = []; // names whose value in the hash was not acceptable
  // The dataset first: other settings' bounds depend on it.
  const order = ["dataset", ...SETTINGS.map((x) => x.name).filter((n) => n !== "dataset")];
  for (const name of order) {
    if (!params.has(name)) continue;
    const value = coerce(BY_NAME[name], params.get(name), s);
    if (value === undefined) {
      rejected.push(name);
      continue;
    }
    s[name] = value;
    found.push(name);
    if (name === "dataset" && !params.has("noise")) s.noise = datasetSpec(value).default_noise;
  }
  clampToDataset(s);
  return { state: s, found, rejected };
}

/** Index of the entry of a log slider's list nearest to `v` (on a log scale). */
export function nearestIndex(values, v) {
  const exact = values.findIndex((x) => sameValue(x, v));
  if (exact >= 0) return exact;
  let best = 0;
  let bestDist = Infinity;
  values.forEach((x, i) => {
    if (!(x > 0) || !(v > 0)) return;
    const d = Math.abs(Math.log(x / v));
    if (d < bestDist) { bestDist = d; best = i; }
  });
  return best;
}
