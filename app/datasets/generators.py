"""Two-dimensional datasets for the playground: classification and regression.

Pure NumPy (plus the standard library), so it runs in a notebook with no web
stack. Every dataset is a deterministic function of its parameters and
``seed``: all randomness comes from one ``np.random.default_rng(seed)``.

Conventions shared by every generator:

* ``n`` is the total number of points. Class ``k`` gets ``n // classes``
  points, plus one more for the first ``n % classes`` classes, and points are
  stored class by class (class 0 first).
* ``noise`` only scales the random draws. A generator draws the same random
  numbers whatever ``noise`` is, so moving a noise slider with a fixed seed
  moves the same points further or closer, and the held-out points stay the
  same.
* At noise 0 every point lies in [-1, 1] on both axes; the noise spreads them
  out, and at the default noise more than 99 % of them stay within
  [-1.5, 1.5] (the plane the browser draws). Gaussian noise has unbounded
  tails, so a few points fall outside, more of them at a high noise.
* The test split is drawn from the same generator after the points: exactly
  ``round(test_fraction * n)`` points are held out, split across the classes
  in proportion to their sizes (largest remainder), chosen at random within
  each class.

The image sets ``digits`` and ``shapes`` (app/images.py) follow the same
conventions, one flattened image per row of ``X``.

Shapes:

* ``spiral``: the CS231n case study, unchanged. Arm ``j`` has radius
  ``linspace(0, 1, n_j)`` and angle ``linspace(4j, 4(j+1), n_j)`` plus
  ``noise`` times a standard normal draw (noise is in radians).
* ``circles``: concentric rings, class ``k`` at radius ``(k+1)/classes`` with a
  uniform angle; the radius gets gaussian noise of standard deviation ``noise``.
* ``xor``: points uniform in [-1, 1]^2 but at least 0.1 from both axes; class 0
  in the quadrants where x1 and x2 have the same sign, class 1 where they
  differ; then gaussian noise (std ``noise``) on both coordinates.
* ``gaussians``: one round blob per class, centres evenly spaced on a circle
  of radius 0.75 (class 0 on the positive x1 axis), standard deviation
  ``noise``.
* ``moons``: sklearn's two interleaving half circles (evenly spaced angles;
  class 0 is the upper one), centred on the origin and scaled by 2/3, so they
  span x1 in [-1, 1] and x2 in [-0.5, 0.5]; then gaussian noise (std
  ``noise``).
* ``linear``: angular sectors. Class ``k`` fills the sector of angle
  ``2 pi / classes`` centred on direction ``pi/4 + 2 pi k / classes``, at radius
  0.25 to 1 and at most 80 % of the half-angle from the centre line, so there
  is an empty wedge along every boundary. Each sector is a convex cone around
  the origin, so at noise 0 the classes are separated by a linear classifier
  (``W`` with row ``k`` the unit vector of sector ``k``, ``b = 0``, predict
  ``argmax(x @ W.T)``); two classes are two half-planes. Noise is gaussian
  (std ``noise``) on both coordinates.

Regression datasets (``task`` "regression") give every point a real target in
[-1, 1] instead of a label; they have one "class" (one output), points uniform
in [-1, 1]², and ``noise`` is the standard deviation of gaussian noise added
to the target (then clipped to [-1, 1]). Their generators take (rng, n, noise)
and return (X, y):

* ``plane``: the seed's linear regression, y = a·x1 + b·x2 with a = 0.6,
  b = -0.3 (REGRESSION_PLANE): a network with no hidden layer can learn W = [a, b].
* ``gaussians-regression``: a sum of four round bumps of height ±1 and width
  0.3 at (±0.5, ±0.5), positive where x1 and x2 have different signs.
"""

from __future__ import annotations

import math

import numpy as np

# Shape constants (see the module docstring).
_XOR_GAP = 0.1
_GAUSSIAN_RADIUS = 0.75
_MOONS_SCALE = 2 / 3
_LINEAR_INNER_RADIUS = 0.25
_LINEAR_SPREAD = 0.8  # fraction of each sector's half-angle that holds points
_LINEAR_OFFSET = math.pi / 4
REGRESSION_PLANE = (0.6, -0.3)
_BUMP_WIDTH = 0.3
_BUMPS = ((-0.5, 0.5, 1.0), (0.5, -0.5, 1.0), (0.5, 0.5, -1.0), (-0.5, -0.5, -1.0))  # (x1, x2, height)



# ---------------------------------------------------------------- generators
#
# Each takes the generator, the per-class counts and the noise, and returns one
# (n_k, 2) array per class. The draws never depend on the value of noise.


def _spiral(rng: np.random.Generator, counts: list[int], noise: float) -> list[np.ndarray]:
    parts = []
    for j, n_j in enumerate(counts):
        r = np.linspace(0.0, 1, n_j)
        t = np.linspace(j * 4, (j + 1) * 4, n_j) + rng.standard_normal(n_j) * noise
        parts.append(np.c_[r * np.sin(t), r * np.cos(t)])
    return parts


def _circles(rng: np.random.Generator, counts: list[int], noise: float) -> list[np.ndarray]:
    k_total = len(counts)
    parts = []
    for k, n_k in enumerate(counts):
        angle = rng.uniform(0.0, 2 * np.pi, n_k)
        radius = (k + 1) / k_total + noise * rng.standard_normal(n_k)
        parts.append(np.c_[radius * np.cos(angle), radius * np.sin(angle)])
    return parts


def _xor(rng: np.random.Generator, counts: list[int], noise: float) -> list[np.ndarray]:
    parts = []
    for k, n_k in enumerate(counts):
        magnitude = rng.uniform(_XOR_GAP, 1.0, (n_k, 2))
        sign1 = rng.integers(0, 2, n_k) * 2 - 1
        sign2 = sign1 if k == 0 else -sign1  # class 0: same signs, class 1: opposite
        clean = magnitude * np.c_[sign1, sign2]
        parts.append(clean + noise * rng.standard_normal((n_k, 2)))
    return parts


def _gaussians(rng: np.random.Generator, counts: list[int], noise: float) -> list[np.ndarray]:
    k_total = len(counts)
    parts = []
    for k, n_k in enumerate(counts):
        angle = 2 * np.pi * k / k_total
        centre = _GAUSSIAN_RADIUS * np.array([np.cos(angle), np.sin(angle)])
        parts.append(centre + noise * rng.standard_normal((n_k, 2)))
    return parts


def _moons(rng: np.random.Generator, counts: list[int], noise: float) -> list[np.ndarray]:
    n_outer, n_inner = counts
    t_outer = np.linspace(0.0, np.pi, n_outer)
    t_inner = np.linspace(0.0, np.pi, n_inner)
    outer = np.c_[np.cos(t_outer), np.sin(t_outer)]
    inner = np.c_[1.0 - np.cos(t_inner), 0.5 - np.sin(t_inner)]
    centre = np.array([0.5, 0.25])  # the middle of [-1, 2] x [-0.5, 1]
    parts = []
    for clean in (outer, inner):
        shape = _MOONS_SCALE * (clean - centre)
        parts.append(shape + noise * rng.standard_normal(clean.shape))
    return parts


def _linear(rng: np.random.Generator, counts: list[int], noise: float) -> list[np.ndarray]:
    k_total = len(counts)
    half = np.pi / k_total
    parts = []
    for k, n_k in enumerate(counts):
        centre = _LINEAR_OFFSET + 2 * np.pi * k / k_total
        angle = centre + rng.uniform(-_LINEAR_SPREAD * half, _LINEAR_SPREAD * half, n_k)
        # Uniform over the annulus' area: radius**2 uniform.
        radius = np.sqrt(rng.uniform(_LINEAR_INNER_RADIUS**2, 1.0, n_k))
        clean = np.c_[radius * np.cos(angle), radius * np.sin(angle)]
        parts.append(clean + noise * rng.standard_normal((n_k, 2)))
    return parts


def _plane(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-1.0, 1.0, (n, 2))
    a, b = REGRESSION_PLANE
    return X, a * X[:, 0] + b * X[:, 1] + noise * rng.standard_normal(n)


def _bumps(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-1.0, 1.0, (n, 2))
    y = sum(h * np.exp(-((X[:, 0] - c1) ** 2 + (X[:, 1] - c2) ** 2) / (2 * _BUMP_WIDTH**2)) for c1, c2, h in _BUMPS)
    return X, y + noise * rng.standard_normal(n)


# The dataset registry: REST, the session schemas, the catalog and the page read it.
