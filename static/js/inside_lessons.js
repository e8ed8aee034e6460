// The lessons of the inside-the-network views, in the lesson bar's format
// (static/js/lessons.js appends them): settings by the state table's names,
// the moves the text suggests as `tries` (each pins the run on the chart), and
// the text in static/i18n under `key`.

export const INSIDE_LESSONS = [
  {
    id: "engine-neuron",
    key: "engine.lesson.neuron",
    settings: { dataset: "circles", classes: 2, hidden_layers: 1, hidden_size: 3, activation: "tanh", init: "xavier",
      learning_rate: 0.3, reg: 0 },
    tries: [{ id: "one", settings: { hidden_size: 1 } }, { id: "three", settings: { hidden_size: 3 } }],
  },
  {
    id: "engine-crosses",
    key: "engine.lesson.crosses",
    settings: { dataset: "xor", classes: 2, hidden_layers: 0, learning_rate: 0.3, reg: 0, features: ["x1", "x2"] },
    tries: [{ id: "cross", settings: { features: ["x1", "x2", "x1*x2"] } },
      { id: "plain", settings: { features: ["x1", "x2"] } }],
  },
  {
    id: "engine-l1-l2",
    key: "engine.lesson.l1l2",
    settings: { dataset: "circles", classes: 2, hidden_layers: 0, learning_rate: 0.3, reg: 0.01,
      regularization: "l1", features: ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"] },
    tries: [{ id: "l2", settings: { regularization: "l2" } }, { id: "l1", settings: { regularization: "l1" } }],
  },
  {
    id: "engine-regression",
    key: "engine.lesson.regression",
    settings: { dataset: "plane", classes: 1, loss: "mse", hidden_layers: 0, learning_rate: 0.5, reg: 0,
      batch_size: 0, speed: 20, log_scale: true },
    tries: [{ id: "sgd", settings: { batch_size: 1 } }, { id: "mini", settings: { batch_size: 10 } },
      { id: "batch", settings: { batch_size: 0 } }],
  },
  {
    id: "engine-died",
    key: "engine.lesson.died",
    settings: { hidden_layers: 1, hidden_size: 100, activation: "relu", init: "small", learning_rate: 5, reg: 0.0005 },
    tries: [{ id: "lower", settings: { learning_rate: 0.5 } },
      { id: "adam", settings: { learning_rate: 1, optimizer: "adam" } },
      { id: "deep", settings: { hidden_layers: 3, activation: "tanh", learning_rate: 1, optimizer: "sgd" } }],
  },
];
