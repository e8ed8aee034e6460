"""Write app/data/digits.npz from scikit-learn's copy of the UCI optical digits.

Run once by a maintainer (scikit-learn is the dev-only extra ``[data]``):

    .venv/bin/pip install -e '.[data]'
    .venv/bin/python scripts/make_digits.py

The file holds ``images`` (1797, 8, 8) uint8 with the original grey levels
0..16 and ``labels`` (1797,) uint8; app/images.py divides by 16. Nothing is
downloaded at run time: scikit-learn ships these 1,797 images in its package.
See app/data/README.md for the citation and licence.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

OUT = Path(__file__).resolve().parent.parent / "app" / "data" / "digits.npz"


def main() -> None:
    digits = load_digits()
    images = np.asarray(digits.images)
    assert images.shape == (1797, 8, 8) and images.min() == 0 and images.max() == 16
    assert np.array_equal(images, np.round(images))
    np.savez_compressed(OUT, images=images.astype(np.uint8), labels=digits.target.astype(np.uint8))
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
