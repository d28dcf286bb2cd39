"""The embedding part of a theme model: one logistic regression per theme on document vectors,
blended with the bag-of-words model's scores.

Training (``fit_embedding``) needs scikit-learn; what it returns is plain numpy (coefficients,
intercepts, the blend weight and the blended thresholds), so tagging with it imports neither
scikit-learn nor the encoder: the vectors are read from the corpus.

Everything is chosen inside the training data: the regularisation C and the blend weight by
out-of-fold scores on the same folds that tune the bag-of-words model's thresholds, then the
per-theme thresholds of the blended score. Without a vector a document keeps the bag-of-words
score and thresholds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

C_GRID = (0.003, 0.01, 0.03, 0.1)
WEIGHT_GRID = (0.0, 0.25, 0.4, 0.5, 0.6, 0.75)


@dataclass
class EmbeddingPart:
    encoder: str  # the encoder id whose vectors it reads
    encoder_version: str
    max_tokens: int
    coef: np.ndarray  # dim x themes
    intercept: np.ndarray  # themes
    constant: np.ndarray  # themes: NaN, or the fixed score of a theme the data never varied
    weight: float  # share of the embedding score in the blend
    thresholds: np.ndarray  # per theme, on the blended score
    C: float

    def proba(self, X: np.ndarray) -> np.ndarray:
        return _apply(np.asarray(X, dtype=float), self.coef, self.intercept, self.constant)

    def blend(self, bow: np.ndarray, X: np.ndarray) -> np.ndarray:
        return (1 - self.weight) * bow + self.weight * self.proba(X)

    def meta(self) -> dict[str, Any]:
        return {
            "encoder": self.encoder,
            "encoder_version": self.encoder_version,
            "max_tokens": self.max_tokens,
            "C": self.C,
            "weight": self.weight,
        }


def _heads(X: np.ndarray, Y: np.ndarray, C: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    coef = np.zeros((X.shape[1], Y.shape[1]))
    intercept = np.zeros(Y.shape[1])
    constant = np.full(Y.shape[1], np.nan)
    for j in range(Y.shape[1]):
        y = Y[:, j]
        if y.min() == y.max():
            constant[j] = float(y[0])
            continue
        m = LogisticRegression(C=C, class_weight="balanced", max_iter=2000, random_state=seed).fit(X, y)
        coef[:, j] = m.coef_.ravel()
        intercept[j] = float(m.intercept_[0])
    return coef, intercept, constant


def _apply(X: np.ndarray, coef: np.ndarray, intercept: np.ndarray, constant: np.ndarray) -> np.ndarray:
    P = 1.0 / (1.0 + np.exp(-(X @ coef + intercept)))
    fixed = ~np.isnan(constant)
    P[:, fixed] = constant[fixed]
    return P


def _average_precision(y: np.ndarray, s: np.ndarray) -> float:
    pos = int(y.sum())
    if pos == 0:
        return float("nan")
    order = np.argsort(-s, kind="stable")
    hits = y[order].astype(bool)
    ranks = np.flatnonzero(hits) + 1
    return float(np.mean(np.arange(1, pos + 1) / ranks))


def _mean_ap(Y: np.ndarray, P: np.ndarray) -> float:
    return float(np.nanmean([_average_precision(Y[:, j], P[:, j]) for j in range(Y.shape[1])]))


def _tuned_macro_f1(Y: np.ndarray, P: np.ndarray) -> tuple[float, np.ndarray]:
    from pipeline.themes.classifier import _f1, tune_thresholds

    thresholds, _ = tune_thresholds(Y, P)
    f1s = [_f1(Y[:, j].astype(bool), P[:, j] >= thresholds[j]) for j in range(Y.shape[1]) if Y[:, j].any()]
    return (float(np.mean(f1s)) if f1s else 0.0), thresholds


def fit_embedding(
    X: np.ndarray,
    Y: np.ndarray,
    bow_oof: np.ndarray,
    folds: int,
    seed: int,
    encoder: str,
    encoder_version: str,
    max_tokens: int,
) -> EmbeddingPart:
    """The embedding part for vectors X (documents x dim) and labels Y; ``bow_oof`` holds the
    bag-of-words model's out-of-fold scores on the same documents (ThemeClassifier.oof_)."""
    from sklearn.model_selection import KFold

    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=int)
    folds = max(2, min(folds, len(X)))
    splits = list(KFold(folds, shuffle=True, random_state=seed).split(X))
    best: tuple[float, float, np.ndarray] | None = None
    for C in C_GRID:
        oof = np.zeros(Y.shape, dtype=float)
        for train, test in splits:
            oof[test] = _apply(X[test], *_heads(X[train], Y[train], C, seed))
        ap = _mean_ap(Y, oof)
        if best is None or ap > best[0] + 1e-9:
            best = (ap, C, oof)
    assert best is not None
    _, C, emb_oof = best
    # The blend weight and its thresholds, on the same out-of-fold scores; ties go to the
    # smaller weight (the bag-of-words model alone is the fallback).
    choice = max(
        ((*_tuned_macro_f1(Y, (1 - w) * bow_oof + w * emb_oof), -w) for w in WEIGHT_GRID),
        key=lambda t: (round(t[0], 6), t[2]),
    )
    f1, thresholds, neg_w = choice
    coef, intercept, constant = _heads(X, Y, C, seed)
    return EmbeddingPart(
        encoder, encoder_version, max_tokens, coef, intercept, constant, -neg_w, thresholds, C
    )


def save(part: EmbeddingPart, folder: Path) -> None:
    (folder / "embedding.json").write_text(json.dumps(part.meta(), sort_keys=True), "utf-8")
    np.savez_compressed(
        folder / "embedding.npz",
        coef=part.coef.astype(np.float32),
        intercept=part.intercept,
        constant=part.constant,
        thresholds=part.thresholds,
    )


def load(folder: Path) -> EmbeddingPart | None:
    if not (folder / "embedding.json").is_file():
        return None
    meta = json.loads((folder / "embedding.json").read_text("utf-8"))
    with np.load(folder / "embedding.npz") as a:
        return EmbeddingPart(
            meta["encoder"],
            meta["encoder_version"],
            int(meta["max_tokens"]),
            a["coef"].astype(float),
            a["intercept"],
            a["constant"],
            float(meta["weight"]),
            a["thresholds"],
            float(meta["C"]),
        )
