// "Show the graph": the inspector's point as a computational graph.
//
// When a point is probed, the session is asked for its live network
// ({type: "model"}); the network and the point are kept in sessionStorage
// ("nnpg.graph"), which a tab opened from this one starts with, and the
// button opens the calculus page's network view: affine → activation → … →
// loss for this one example (POST /api/v1/graph/network).

import { loadLang, t } from "./i18n.js";

export const STORAGE_KEY = "nnpg.graph";

export async function installGraphLink(conn, anchor) {
  await loadLang();
  const button = document.createElement("button");
  button.type = "button";
  button.className = "btn btn-ghost graph-link";
  button.textContent = t("graph_link.button");
  button.title = t("graph_link.title");
  button.hidden = true;
  anchor.after(button);
  let point = null;

  button.addEventListener("click", () => {
    if (sessionStorage.getItem(STORAGE_KEY)) window.open("/calculus#view=network", "_blank");
  });
  conn.on("model", (msg) => {
    if (!point) return;
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ model: msg.model, ...point }));
    button.disabled = false;
  });
  return {
    /** A point was probed (or null: none): fetch the network as it is now. */
    probed(p) {
      point = p;
      button.hidden = !p;
      button.disabled = true;
      if (p) conn.send("model");
    },
  };
}
