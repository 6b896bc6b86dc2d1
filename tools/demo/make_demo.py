#!/usr/bin/env python3
"""Bundled demo data: real predictions of simple classifiers on scikit-learn's
bundled data sets, on held-out halves the models never saw.

- data/demo/breast_cancer.csv: binary. Wisconsin diagnostic breast cancer
  (569 tumours, 30 features). Logistic regression on standardized features;
  the test half's truth (`malignant` / `benign`), the probability of
  malignant (`score`), the model's hard prediction (`pred`) and the tumour
  size tertile (`size`: small / medium / large, by mean radius) to slice by.
- data/demo/breast_cancer_baseline.csv: the same test items scored by a
  simpler baseline (logistic regression on the three "mean size" features
  only), for `assay compare`.
- data/demo/breast_cancer_train_manifest.csv, breast_cancer_test_manifest.csv:
  per-item content hashes (`id`, `sha256`) of the training and test halves,
  for the leakage check of ISO/IEC TS 4213 clause 5.3.7. An item's content is
  its 30 feature values as little-endian float64 bytes.
- data/demo/digits.csv: multi-class. 8x8 handwritten digits (1797 images,
  10 classes). Logistic regression; truth, one probability column per class
  (`prob_0` … `prob_9`) and the prediction.

Run:  .venv/bin/python tools/demo/make_demo.py
"""

import csv
import hashlib
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "data" / "demo"
SEED = 4213


def write(path, header, rows):
    with path.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    print(f"wrote {len(rows)} rows to {path.relative_to(ROOT)}")


def content_hash(features):
    """SHA-256 of an item's feature values as little-endian float64 bytes."""
    return hashlib.sha256(np.asarray(features, dtype="<f8").tobytes()).hexdigest()


def breast_cancer():
    data = load_breast_cancer()
    names = np.array(data.target_names)  # 0 = malignant, 1 = benign
    X_train, X_test, y_train, y_test, id_train, id_test = train_test_split(
        data.data, data.target, np.arange(len(data.target)), test_size=0.5, stratify=data.target, random_state=SEED
    )
    for part, ids, X in (("train", id_train, X_train), ("test", id_test, X_test)):
        rows = [[int(i), content_hash(x)] for i, x in zip(ids, X)]
        write(OUT / f"breast_cancer_{part}_manifest.csv", ["id", "sha256"], rows)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000, C=0.05)).fit(X_train, y_train)
    malignant = list(model.classes_).index(0)
    p = model.predict_proba(X_test)[:, malignant]
    pred = model.predict(X_test)
    # A slice column: tumour size by tertile of the mean radius (cut points from the training half).
    cuts = np.quantile(X_train[:, 0], [1 / 3, 2 / 3])
    size = np.array(["small", "medium", "large"])[np.searchsorted(cuts, X_test[:, 0])]
    rows = [[int(i), names[t], repr(float(s)), names[q], z] for i, t, s, q, z in zip(id_test, y_test, p, pred, size)]
    write(OUT / "breast_cancer.csv", ["id", "label", "score", "pred", "size"], rows)
    size_features = [0, 2, 3]  # mean radius, mean perimeter, mean area
    baseline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)).fit(X_train[:, size_features], y_train)
    pb = baseline.predict_proba(X_test[:, size_features])[:, list(baseline.classes_).index(0)]
    qb = baseline.predict(X_test[:, size_features])
    rows = [[int(i), names[t], repr(float(s)), names[q]] for i, t, s, q in zip(id_test, y_test, pb, qb)]
    write(OUT / "breast_cancer_baseline.csv", ["id", "label", "score", "pred"], rows)


def digits():
    data = load_digits()
    X_train, X_test, y_train, y_test, _, id_test = train_test_split(
        data.data, data.target, np.arange(len(data.target)), test_size=0.5, stratify=data.target, random_state=SEED
    )
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000, C=0.01)).fit(X_train, y_train)
    P = model.predict_proba(X_test)
    pred = model.classes_[P.argmax(axis=1)]
    header = ["id", "label"] + [f"prob_{c}" for c in model.classes_] + ["pred"]
    rows = [[int(i), int(t)] + [repr(float(v)) for v in row] + [int(q)] for i, t, row, q in zip(id_test, y_test, P, pred)]
    write(OUT / "digits.csv", header, rows)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"scikit-learn {sklearn.__version__}")
    breast_cancer()
    digits()
