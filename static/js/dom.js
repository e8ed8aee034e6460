// Building DOM elements.

/**
 * A new element. `attrs` is an object of attributes (`class` and `text` set the
 * class name and the text; `true` is an empty attribute; null, undefined and
 * false are left out) or simply a class name; `children` are nodes or strings.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  const given = typeof attrs === "string" ? { class: attrs } : attrs || {};
  for (const [k, v] of Object.entries(given)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children) if (child || child === 0) node.append(child);
  return node;
}
