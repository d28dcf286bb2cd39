"""The embedding part of a theme model: two scorers on document vectors, blended with the
bag-of-words model's scores.

- a logistic regression per theme on standardised vectors (strong L2 regularisation: with a few
  dozen positives per theme, 384 free weights overfit quickly);
- the labels of the nearest training documents (cosine, the ``k`` closest weighted by a softmax):
  it sees the local structure a linear boundary misses.

The two are averaged (on the dev set each alone adds little to the bag-of-words model, together
they add more: bench/README.md). Training (``fit_embedding``) needs scikit-learn; what it returns
is plain numpy (coefficients with the standardisation folded in, the training vectors in float16
and their labels, the blend weight, the blended thresholds), so tagging imports neither
scikit-learn nor the encoder: the vectors are read from the corpus.

Everything is chosen inside the training data: C by the mean average precision of out-of-fold
scores on the same folds that tune the bag-of-words model's thresholds, then the blend weight and
the per-theme thresholds of the blended score by out-of-fold F1, then per-theme thresholds for
each language with enough documents, halfway between that language's own and the shared ones.
A document without a vector keeps the bag-of-words score and thresholds.

Why thresholds per language and not weights: the blended scores of Indonesian documents are
calibrated differently (the shared thresholds cost them macro-F1 against the bag-of-words model),
while a weight per language, tried on fold seeds 3 and 11, gained nothing (bench/README.md). A
language's own thresholds rest on a few hundred documents and overfit: halfway is the shrinkage.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

C_GRID = (0.001, 0.003, 0.01, 0.03)
WEIGHT_GRID = (0.0, 0.25, 0.4, 0.5, 0.6, 0.75)
NEIGHBOURS = 10
TEMPERATURE = 0.05  # softmax over cosine similarities: 0.05 apart is a factor e in weight
LANG_GROUPS = {"mixed": "id"}  # a document with both abstracts is scored like an Indonesian one
MIN_LANG_DOCS = 100  # fewer training documents in a language: it keeps the shared thresholds
LANG_SHRINK = 0.5  # a language's thresholds: this share of the shared ones, the rest its own


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
    neighbours: np.ndarray  # training vectors (float16), for the nearest-neighbour scorer
    neighbour_labels: np.ndarray  # their labels (uint8, documents x themes)
    k: int = NEIGHBOURS
    # per language group (see lang_group): thresholds on the blended score; others use ``thresholds``
    lang_thresholds: dict[str, np.ndarray] = field(default_factory=dict)

    def proba(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        linear = _apply(X.astype(float), self.coef, self.intercept, self.constant)
        near = knn_scores(self.neighbours.astype(np.float32), self.neighbour_labels, X, self.k)
        return (linear + near) / 2

    def blend(self, bow: np.ndarray, X: np.ndarray) -> np.ndarray:
        return (1 - self.weight) * bow + self.weight * self.proba(X)

    def thresholds_for(self, langs: list[str]) -> np.ndarray:
        """Thresholds per document (documents x themes) for documents in these languages."""
        shared = np.asarray(self.thresholds, dtype=float)
        rows = [self.lang_thresholds.get(lang_group(g), shared) for g in langs]
        return np.stack(rows) if rows else np.zeros((0, len(shared)))

    def meta(self) -> dict[str, Any]:
        return {
            "encoder": self.encoder,
            "encoder_version": self.encoder_version,
            "max_tokens": self.max_tokens,
            "C": self.C,
            "weight": self.weight,
            "k": self.k,
            "temperature": TEMPERATURE,
            "languages": sorted(self.lang_thresholds),
        }


def lang_group(lang: str | None) -> str:
    return LANG_GROUPS.get(lang or "", lang or "")


def knn_scores(train: np.ndarray, labels: np.ndarray, X: np.ndarray, k: int = NEIGHBOURS) -> np.ndarray:
    """Per theme, the softmax-weighted share of the k most similar training documents with it."""
    k = min(k, len(train))
    if k == 0:
        return np.zeros((len(X), labels.shape[1]))
    S = X @ train.T
    idx = np.argpartition(-S, k - 1, axis=1)[:, :k]
    s = np.take_along_axis(S, idx, 1)
    w = np.exp((s - s.max(axis=1, keepdims=True)) / TEMPERATURE)
    w /= w.sum(axis=1, keepdims=True)
    return np.einsum("nk,nkj->nj", w, labels[idx].astype(float))


def _heads(X: np.ndarray, Y: np.ndarray, C: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Logistic regressions on standardised X, returned as weights on raw X (scaling folded in)."""
    from sklearn.linear_model import LogisticRegression

    mu, sd = X.mean(axis=0), X.std(axis=0) + 1e-6
    Z = (X - mu) / sd
    coef = np.zeros((X.shape[1], Y.shape[1]))
    intercept = np.zeros(Y.shape[1])
    constant = np.full(Y.shape[1], np.nan)
    for j in range(Y.shape[1]):
        y = Y[:, j]
        if y.min() == y.max():
            constant[j] = float(y[0])
            continue
        m = LogisticRegression(C=C, class_weight="balanced", max_iter=2000, random_state=seed).fit(Z, y)
        w = m.coef_.ravel()
        coef[:, j] = w / sd
        intercept[j] = float(m.intercept_[0]) - float((mu / sd) @ w)
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
    langs: list[str] | None = None,
) -> EmbeddingPart:
    """The embedding part for vectors X (documents x dim) and labels Y; ``bow_oof`` holds the
    bag-of-words model's out-of-fold scores on the same documents (ThemeClassifier.oof_), ``langs``
    their languages (DocView.lang; without them every document shares one set of thresholds)."""
    from sklearn.model_selection import KFold

    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=int)
    folds = max(2, min(folds, len(X)))
    splits = list(KFold(folds, shuffle=True, random_state=seed).split(X))
    C, emb_oof = embedding_oof(X, Y, splits, seed)
    weight, thresholds = choose_weight(Y, bow_oof, emb_oof)
    blended = (1 - weight) * bow_oof + weight * emb_oof
    by_lang = language_thresholds(Y, blended, langs or [], thresholds)
    coef, intercept, constant = _heads(X, Y, C, seed)
    return EmbeddingPart(
        encoder,
        encoder_version,
        max_tokens,
        coef,
        intercept,
        constant,
        weight,
        thresholds,
        C,
        X.astype(np.float16),
        Y.astype(np.uint8),
        lang_thresholds=by_lang,
    )


def embedding_oof(
    X: np.ndarray, Y: np.ndarray, splits: list[tuple[np.ndarray, np.ndarray]], seed: int
) -> tuple[float, np.ndarray]:
    """C (by mean average precision) and the embedding part's out-of-fold scores on ``splits``."""
    best: tuple[float, float, np.ndarray] | None = None
    for C in C_GRID:
        oof = np.zeros(Y.shape, dtype=float)
        for train, test in splits:
            oof[test] = _apply(X[test], *_heads(X[train], Y[train], C, seed))
        ap = _mean_ap(Y, oof)
        if best is None or ap > best[0] + 1e-9:
            best = (ap, C, oof)
    assert best is not None
    _, C, linear_oof = best
    X32 = X.astype(np.float32)
    near_oof = np.zeros(Y.shape, dtype=float)
    for train, test in splits:
        near_oof[test] = knn_scores(X32[train], Y[train], X32[test])
    return C, (linear_oof + near_oof) / 2


def choose_weight(Y: np.ndarray, bow_oof: np.ndarray, emb_oof: np.ndarray) -> tuple[float, np.ndarray]:
    """The blend weight and its thresholds by out-of-fold macro-F1; ties go to the smaller weight
    (the bag-of-words model alone is the fallback)."""
    choice = max(
        ((*_tuned_macro_f1(Y, (1 - w) * bow_oof + w * emb_oof), -w) for w in WEIGHT_GRID),
        key=lambda t: (round(t[0], 6), t[2]),
    )
    _, thresholds, neg_w = choice
    return -neg_w, thresholds


def language_thresholds(
    Y: np.ndarray, S: np.ndarray, langs: list[str], shared: np.ndarray
) -> dict[str, np.ndarray]:
    """Per language group with at least MIN_LANG_DOCS documents, thresholds tuned on its own
    out-of-fold blended scores ``S`` and shrunk toward the ``shared`` ones; a theme without
    positives in that language keeps the shared threshold."""
    from pipeline.themes.classifier import tune_thresholds

    groups = np.array([lang_group(g) for g in langs])
    out = {}
    for g in sorted(set(groups.tolist())):
        m = groups == g
        if not g or m.sum() < MIN_LANG_DOCS:
            continue
        own, _ = tune_thresholds(Y[m], S[m])
        own = np.where(Y[m].any(axis=0), own, shared)
        out[g] = LANG_SHRINK * shared + (1 - LANG_SHRINK) * own
    return out


def save(part: EmbeddingPart, folder: Path) -> None:
    (folder / "embedding.json").write_text(json.dumps(part.meta(), sort_keys=True), "utf-8")
    np.savez_compressed(
        folder / "embedding.npz",
        coef=part.coef.astype(np.float32),
        intercept=part.intercept,
        constant=part.constant,
        thresholds=part.thresholds,
        neighbours=part.neighbours.astype(np.float16),
        neighbour_labels=np.packbits(part.neighbour_labels.astype(bool), axis=1),
        **{f"thresholds_{g}": t for g, t in part.lang_thresholds.items()},
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
            a["neighbours"],
            np.unpackbits(a["neighbour_labels"], axis=1, count=len(a["thresholds"])),
            int(meta["k"]),
            # a model saved before thresholds per language has no "languages": all share one set
            {g: a[f"thresholds_{g}"] for g in meta.get("languages", [])},
        )
