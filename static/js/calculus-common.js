// Helpers shared by the calculus page's views: REST calls, number formatting, elements.

import { t } from "/static/js/i18n.js";

/** POST a JSON body to /api/v1/<path>: {ok, status, body}; an error's text is in `message`. */
export async function post(path, body) {
  const res = await fetch(`/api/v1/${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (res.ok) return { ok: true, status: res.status, body: data };
  const first = (data.detail && data.detail[0]) || {};
  return { ok: false, status: res.status, type: first.type || "", message: first.msg || t("calc.error.server", { status: res.status }) };
}

export async function getJSON(path) {
  const res = await fetch(path);
  return res.json();
}

/** A number as the seed writes it: up to 4 decimals, a true minus sign, exponent form when tiny or huge. */
export function fmt(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "—";
  if (v === 0) return "0";
  const a = Math.abs(v);
  const text = a >= 1e5 || a < 1e-3 ? v.toExponential(2) : String(parseFloat(v.toFixed(4)));
  return text.replace("-", "−");
}

/** document.createElement with attributes, and text or children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";

export function svg(tag, attrs = {}, text = null) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== null) node.textContent = text;
  return node;
}

/** Calls fn once `ms` have passed without another call. */
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
