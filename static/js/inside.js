// Mounts the inside-the-network views on the page: the diagram beside the
// plane, the health strip under the chart, the "show test data" and
// "discretize output" toggles. main.js calls mountInside() once; the views
// then follow the socket's frames and config messages by themselves.

import { Diagram, fmt } from "./diagram.js";
import { HealthStrip } from "./health.js";
import { loadLang, t } from "./i18n.js";

function toggle(id, key, onChange, checked) {
  const label = document.createElement("label");
  label.className = "inside-toggle";
  const input = document.createElement("input");
  input.type = "checkbox";
  input.id = id;
  input.checked = checked;
  input.addEventListener("change", () => onChange(input.checked));
  const text = document.createElement("span");
  text.dataset.i18n = key;
  text.textContent = t(key);
  label.append(input, text);
  return label;
}

/**
 * conn: the Connection (on/send). plane: the Plane (setShowTest, setDiscrete
 * when it has them). sendConfig(patch): how the page sends a config change
 * (so that its own settings stay in step); config(): the server's config now.
 */
export function mountInside(options) {
  // Listen at once (a paused session sends few frames: none may be missed), draw once the
  // catalogs are loaded (already, when the page loaded them first).
  const latest = { frame: null, probe: null, views: null };
  options.conn.on("frame", (frame) => {
    latest.frame = frame;
    if (latest.views) latest.views.onFrame(frame);
  });
  options.conn.on("probe", (probe) => {
    latest.probe = probe;
    if (latest.views) latest.views.onProbe(probe);
  });
  return loadLang().then(() => {
    latest.views = build(options);
    if (latest.frame) latest.views.onFrame(latest.frame);
    if (latest.probe) latest.views.onProbe(latest.probe);
    return latest.views;
  });
}

function build({ plane, sendConfig, config, outputColor, conn }) {
  const planeHost = document.getElementById("plane-host");
  const stage = document.createElement("div");
  stage.className = "stage";
  const diagramHost = document.createElement("section");
  diagramHost.id = "diagram";
  diagramHost.setAttribute("aria-label", t("engine.diagram.title"));
  const planeBlock = planeHost.closest(".plane-stage") || planeHost; // the plane with its overlays
  planeBlock.before(stage);
  stage.append(diagramHost, planeBlock);

  const send = sendConfig || ((patch) => conn.send("config", { config: patch }));
  const diagram = new Diagram(diagramHost, {
    onConfig: send,
    onParam: (msg) => conn.send("param", msg),
    outputColor,
  });

  const toggles = document.createElement("div");
  toggles.className = "inside-toggles";
  toggles.append(
    toggle("show-test", "engine.toggle.show_test", (on) => plane.setShowTest && plane.setShowTest(on), true),
    toggle("discretize", "engine.toggle.discretize", (on) => {
      if (plane.setDiscrete) plane.setDiscrete(on);
      diagram.setDiscrete(on);
    }, false),
  );
  stage.after(toggles); // under the plane, whether the diagram is open or folded

  const healthHost = document.createElement("section");
  healthHost.id = "health";
  healthHost.className = "card health-card";
  const chartCard = document.querySelector(".chart-card");
  if (chartCard) chartCard.after(healthHost);
  else stage.after(healthHost);
  const health = new HealthStrip(healthHost);

  const onFrame = (frame) => {
    diagram.update(frame.neurons, config());
    health.update(frame.health, Boolean(frame.boundary)); // the plane's tasks (not images)
    showMetric(frame);
    if (frame.probe && frame.probe.squared_error !== undefined) showRegressionProbe(frame.probe);
  };
  const onProbe = (probe) => {
    if (config() && config().loss === "mse") showRegressionProbe(probe);
  };
  window.nnpgInside = { diagram, health };
  return { diagram, health, onFrame, onProbe };
}

/** R² in the status cells of a regression frame (after the page's own handler wrote accuracy there). */
function showMetric(frame) {
  const regression = frame.train_r2 !== undefined;
  for (const [id, value, key] of [["stat-train", frame.train_r2, "engine.stat.train_r2"],
    ["stat-test", frame.test_r2, "engine.stat.test_r2"]]) {
    const dd = document.getElementById(id);
    if (!dd) continue;
    const dt = dd.previousElementSibling;
    if (dt && dt.dataset.metricText === undefined) dt.dataset.metricText = dt.textContent;
    if (regression) {
      dd.textContent = fmt(value);
      if (dt) dt.textContent = t(key);
    } else if (dt && dt.dataset.metricText !== undefined && dt.textContent !== dt.dataset.metricText) {
      dt.textContent = dt.dataset.metricText;
    }
  }
}

/** The inspector for a regression probe: prediction, target and squared error. */
function showRegressionProbe(probe) {
  const box = document.getElementById("inspector");
  if (!box) return;
  box.classList.remove("is-empty");
  const rows = [["engine.probe.point", `(${fmt(probe.x[0])}, ${fmt(probe.x[1])})`],
    ["engine.probe.prediction", fmt(probe.prediction)]];
  if (probe.label !== undefined && probe.label !== null) {
    rows.push(["engine.probe.target", fmt(probe.label)], ["engine.probe.squared_error", fmt(probe.squared_error)],
      ["engine.probe.loss", fmt(probe.loss)]);
  }
  const dl = document.createElement("dl");
  dl.className = "regression-probe";
  for (const [key, value] of rows) {
    const dt = document.createElement("dt");
    dt.textContent = t(key);
    const dd = document.createElement("dd");
    dd.textContent = value;
    dl.append(dt, dd);
  }
  box.replaceChildren(dl);
}
