"""A live session's settings: the config, which fields apply live, and the
cross-field checks that per-field ranges cannot express. NumPy-free and
web-free: the stream validates with it, a notebook can too."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

from .datasets import DATASETS, DatasetSpec
from .features import DEFAULT_FEATURES, check_features

# Fields that apply to the running network; every other field rebuilds it.
LIVE_FIELDS = frozenset({
    "learning_rate", "reg", "loss", "margin", "batch_size", "optimizer",
    "speed", "fps", "grid_resolution", "regularization", "neurons", "health",
})
# Fields that define the points; changing one also drops user-added points.
DATA_FIELDS = frozenset({"dataset", "n_points", "classes", "noise", "seed", "test_fraction"})


@dataclass
class TrainingConfig:
    """Every setting of a session; the defaults are the CS231n spiral case study."""
    dataset: str = "spiral"
    n_points: int = 300
    classes: int = 3
    noise: float | None = None          # None: the dataset's default
    test_fraction: float = 0.2
    seed: int = 0
    hidden_sizes: list = field(default_factory=lambda: [100])
    activation: str = "relu"
    init: str = "small"
    loss: str = "softmax"
    margin: float = 1.0
    reg: float = 5e-4
    learning_rate: float = 1.0
    batch_size: int = 0
    optimizer: str = "sgd"
    speed: float = 0.0
    fps: float = 30.0
    grid_resolution: int = 100
    regularization: str = "l2"
    features: list = field(default_factory=lambda: list(DEFAULT_FEATURES))
    neurons: bool = False   # frames carry the per-neuron maps (the page asks for them)
    health: bool = True     # frames carry the network's health

    def __post_init__(self):
        if self.noise is None:
            self.noise = DATASETS[self.dataset].default_noise

    @property
    def regression(self):
        return DATASETS[self.dataset].task == "regression"

    def to_dict(self):
        return asdict(self)


CONFIG_FIELDS = tuple(f.name for f in fields(TrainingConfig))
_DEFAULTS = asdict(TrainingConfig())  # what switch_defaults() gives back on leaving an image set


def merge_config(config: TrainingConfig, patch: dict) -> TrainingConfig:
    """The config after a partial update.

    Switching the dataset without naming ``noise`` or ``classes`` takes the new
    dataset's default noise and keeps the class count if the dataset allows it
    (xor and moons have exactly 2), as a user switching datasets would expect;
    an image set brings its own session defaults (``switch_defaults``).
    """
    patch = dict(patch)
    if "dataset" in patch and patch["dataset"] != config.dataset:
        spec = DATASETS[patch["dataset"]]
        patch = {**switch_defaults(DATASETS[config.dataset], spec, _DEFAULTS), **patch}
        patch.setdefault("noise", spec.default_noise)
        if "classes" not in patch and not spec.min_classes <= config.classes <= spec.max_classes:
            patch["classes"] = spec.default_classes
        # regression takes the mse loss; back to classification, softmax
        if "loss" not in patch and (spec.task == "regression") != (config.loss == "mse"):
            patch["loss"] = "mse" if spec.task == "regression" else "softmax"
    if "features" in patch:
        try:
            patch["features"] = check_features(patch["features"])
        except ValueError as e:
            raise ConfigError("features", str(e)) from None
    return replace(config, **patch)


def switch_defaults(old: DatasetSpec, new: DatasetSpec, base: dict) -> dict:
    """The settings a session takes on switching from dataset ``old`` to ``new``
    (a patch naming a setting itself overrides them): ``new``'s session
    defaults, and back to ``base`` (the session's own defaults) for those of
    ``old``'s that ``new`` does not set; leaving an image set, ``new``'s
    default class count."""
    patch = {key: base[key] for key in old.session_defaults if key not in new.session_defaults}
    if old.kind != new.kind:
        patch["classes"] = new.default_classes
    return {**patch, **new.session_defaults}


def changed_fields(old: TrainingConfig, new: TrainingConfig) -> set:
    return {k for k in CONFIG_FIELDS if getattr(new, k) != getattr(old, k)}


class ConfigError(ValueError):
    """A config that is valid field by field but not as a whole; names the field."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


def check_config(config: TrainingConfig, extra_points=0, max_points=5000, min_classes=2):
    """Cross-field checks the per-field ranges cannot express. ``min_classes``
    (Settings) bounds classification; a regression dataset has one output."""
    spec = DATASETS[config.dataset]
    if (spec.task == "regression") != (config.loss == "mse"):
        raise ConfigError("loss", f"the {spec.task} dataset {config.dataset} takes the loss "
                                  + ("mse" if spec.task == "regression" else "softmax or svm"))
    least = spec.min_classes if spec.task == "regression" else max(spec.min_classes, min_classes)
    if not least <= config.classes <= spec.max_classes:
        raise ConfigError("classes", f"{config.dataset} takes {least} to {spec.max_classes} classes")
    if config.noise > spec.max_noise:
        raise ConfigError("noise", f"noise for {config.dataset} must be at most {spec.max_noise}")
    if config.n_points < config.classes:
        raise ConfigError("n_points", "n_points must be at least the number of classes")
    if config.n_points - round(config.test_fraction * config.n_points) < 1:
        raise ConfigError("test_fraction", "test_fraction leaves no training points")
    if config.n_points + extra_points > max_points:
        raise ConfigError("n_points", f"a session holds at most {max_points} points")
