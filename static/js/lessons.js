// Lessons: one-click presets for the teaching material.
//
// Each lesson is the default state with a few settings changed (`settings`
// uses the state table's names), two lines of explanation and a Chinese line.
// Applying one sets every training setting, starts from step 0 and plays.

export const LESSONS = [
  {
    id: "linear",
    title: "Linear vs. spiral",
    zhTitle: "线性分类器",
    settings: { dataset: "spiral", classes: 3, hidden_layers: 0, learning_rate: 1, reg: 0.001 },
    lines: [
      "With no hidden layer the network is only the score function f(x) = Wx + b, so each border between two classes is a straight line.",
      "The three arms wind around each other: however long it trains, accuracy stalls near 50 %.",
    ],
    zh: "没有隐藏层时只有 f(x) = Wx + b，类与类之间只能用直线分开；螺旋的三条臂互相缠绕，准确率停在一半左右。",
  },
  {
    id: "two-layers",
    title: "Two layers can",
    zhTitle: "两层网络",
    settings: { dataset: "spiral", classes: 3, hidden_layers: 1, hidden_size: 100, activation: "relu",
      learning_rate: 1, reg: 0.0005 },
    lines: [
      "One hidden layer of 100 ReLU units, f = W₂·max(0, W₁x): each unit bends the plane along one line.",
      "Together the bends wrap a region around every arm; train accuracy passes 95 % within a few thousand steps.",
    ],
    zh: "加一层 100 个 ReLU 单元：f = W₂ max(0, W₁x)。许多折线拼出弯曲的边界，几千步内训练准确率超过 95%。",
  },
  {
    id: "lr-too-high",
    title: "Learning rate too high",
    zhTitle: "学习率过大",
    settings: { dataset: "spiral", classes: 3, hidden_layers: 2, hidden_size: 100, activation: "leaky_relu",
      init: "he", learning_rate: 5, reg: 0.0005, speed: 5, log_scale: true },
    lines: [
      "At learning rate 5 each step overshoots the bottom of the valley so far that the loss grows instead of falling: 1.6, 4, 55, 189, 10⁴…",
      "The speed is slowed to 5 steps a second so you can watch it: within a dozen steps the numbers overflow and the run stops as diverged.",
    ],
    zh: "学习率为 5 时每一步都远远越过谷底，损失不降反升：1.6、4、55、189、10⁴……（速度放慢到每秒 5 步）十几步后数值溢出，训练发散停止。",
  },
  {
    id: "regularization",
    title: "Regularization smooths",
    zhTitle: "正则化",
    settings: { dataset: "spiral", classes: 3, noise: 0.35, n_points: 200, hidden_layers: 1, hidden_size: 100,
      learning_rate: 1, reg: 0.002 },
    lines: [
      "The penalty λR(W) = λ·ΣW² makes large weights expensive, so the network prefers gentle slopes to sharp turns.",
      "With λ = 0.002 the boundary stays smooth through the noisy points; slide λ down to 0 and it bends to chase single points.",
    ],
    zh: "正则项 λΣW² 让大的权重付出代价：λ = 0.002 时边界平滑；把 λ 调到 0，边界会绕来绕去去迁就个别噪声点。",
  },
  {
    id: "svm-softmax",
    title: "SVM vs. softmax",
    zhTitle: "SVM 与 Softmax",
    settings: { dataset: "spiral", classes: 3, hidden_layers: 1, hidden_size: 100, loss: "svm", margin: 1,
      learning_rate: 0.3, reg: 0.0005 },
    lines: [
      "The hinge loss Σ max(0, s_j − s_y + Δ) is content once the right score leads every other by Δ: that point then costs exactly 0.",
      "Softmax's −ln p never reaches 0, so it keeps pushing. Click a point to see each class's term, then switch Loss to compare.",
    ],
    zh: "SVM 只要求正确类别的得分比其他类别高出 Δ，做到后损失就是 0；Softmax 的 −ln p 永远大于 0，会一直推。点一个点看看每一项。",
  },
  {
    id: "sigmoid-relu",
    title: "Sigmoid vs. ReLU",
    zhTitle: "Sigmoid 与 ReLU",
    settings: { dataset: "spiral", classes: 3, hidden_layers: 1, hidden_size: 100, activation: "sigmoid",
      learning_rate: 1, reg: 0.0005 },
    lines: [
      "A sigmoid's slope σ(1 − σ) is at most 0.25 and almost 0 where it saturates, so the gradient shrinks on its way back.",
      "The same spiral is learned far more slowly than with ReLU, whose slope is 1 for every active unit. Switch Activation to compare.",
    ],
    zh: "Sigmoid 的导数 σ(1−σ) 最大只有 0.25，饱和时几乎为 0，梯度越传越小；ReLU 激活时导数为 1，同样的数据学得快得多。",
  },
  {
    id: "batch",
    title: "Batch, mini-batch, SGD",
    zhTitle: "批量与随机梯度下降",
    settings: { dataset: "spiral", classes: 3, hidden_layers: 1, hidden_size: 100, batch_size: 32,
      learning_rate: 0.5, reg: 0.0005 },
    lines: [
      "Full batch averages the gradient over all points: a smooth curve, but each step costs the whole data set. A mini-batch of 32 is a cheaper, noisier estimate.",
      "Batch size 1 is plain SGD: each step sees one point and the loss curve jitters. Try Full, 32 and 1 and compare the curves.",
    ],
    zh: "批量梯度下降每步用全部样本，曲线平滑但每步都慢；小批量（32）便宜、略有噪声；batch = 1 就是随机梯度下降，曲线抖得最厉害。",
  },
];

export class Lessons {
  constructor(nav, card, onApply) {
    this.nav = nav;
    this.card = card;
    this.onApply = onApply;
    this.active = null;
    const list = document.createElement("ol");
    list.className = "lesson-list";
    LESSONS.forEach((lesson, i) => {
      const li = document.createElement("li");
      const btn = document.createElement("button");
      btn.type = "button";
      btn.className = "lesson-chip";
      btn.dataset.lesson = lesson.id;
      btn.title = lesson.zhTitle;
      const num = document.createElement("span");
      num.className = "lesson-num";
      num.setAttribute("aria-hidden", "true");
      num.textContent = String(i + 1);
      btn.append(num, document.createTextNode(lesson.title));
      btn.addEventListener("click", () => this.apply(lesson.id));
      li.append(btn);
      list.append(li);
    });
    nav.append(list);
    card.querySelector("[data-close]")?.addEventListener("click", () => this.show(null));
  }

  apply(id) {
    const lesson = LESSONS.find((l) => l.id === id);
    if (!lesson) return;
    this.show(lesson);
    this.onApply(lesson);
  }

  show(lesson) {
    this.active = lesson;
    for (const btn of this.nav.querySelectorAll(".lesson-chip")) {
      const on = lesson && btn.dataset.lesson === lesson.id;
      btn.classList.toggle("is-active", Boolean(on));
      if (on) btn.setAttribute("aria-current", "true");
      else btn.removeAttribute("aria-current");
    }
    if (!lesson) {
      this.card.hidden = true;
      return;
    }
    const i = LESSONS.indexOf(lesson) + 1;
    this.card.querySelector(".lesson-title").textContent = `Lesson ${i}: ${lesson.title}`;
    this.card.querySelector(".lesson-zh-title").textContent = lesson.zhTitle;
    const [a, b] = lesson.lines;
    this.card.querySelector(".lesson-line-1").textContent = a;
    this.card.querySelector(".lesson-line-2").textContent = b;
    this.card.querySelector(".lesson-zh").textContent = lesson.zh;
    this.card.hidden = false;
  }
}
