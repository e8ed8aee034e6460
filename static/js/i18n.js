// Every string a user reads, in English and 中文: static/i18n/{en,zh}.json.
//
// The catalogs are flat maps of dotted keys ("calc.step_forward") to text;
// `{name}` in a text is filled from `vars`. The language comes from the URL
// (`lang=zh` in the hash or query), else the browser's language.

const catalogs = {};
let current = "en";

export const LANGS = ["en", "zh"];

export function detectLang() {
  const fromUrl = new URLSearchParams(location.hash.slice(1)).get("lang")
    || new URLSearchParams(location.search).get("lang");
  if (LANGS.includes(fromUrl)) return fromUrl;
  return (navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en";
}

export async function loadLang(lang = detectLang()) {
  current = LANGS.includes(lang) ? lang : "en";
  for (const l of new Set(["en", current])) {
    if (!catalogs[l]) {
      const res = await fetch(`/static/i18n/${l}.json`);
      catalogs[l] = await res.json();
    }
  }
  document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
  return current;
}

export function lang() {
  return current;
}

/** The text of `key` in the current language (English if missing, else the key). */
export function t(key, vars = {}) {
  const text = (catalogs[current] || {})[key] ?? (catalogs.en || {})[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

/** Whether `key` has a text in the current language or in English. */
export function has(key) {
  return key in (catalogs[current] || {}) || key in (catalogs.en || {});
}

/** Fill every element with `data-i18n="key"` (text) or `data-i18n-attr="attr:key,..."`. */
export function translatePage(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(",")) {
      const [attr, key] = pair.split(":");
      el.setAttribute(attr.trim(), t(key.trim()));
    }
  }
}
