"""Which unlabelled documents to label next: those whose labels would teach the model most.

A document scores high when the model is unsure about it (a score near a theme's threshold),
more so for themes with few labelled examples. The pool is cut into clusters (k-means over the
document vectors when the corpus has them, else the pair of language and most likely theme) and
the picks are spread over them: a cluster's value halves with each pick already taken from it,
so a batch is not fifty near-copies of one uncertain cluster. A share of the batch goes to the
most typical document of the largest clusters, not to the most uncertain: with a few hundred
labels, uncertainty alone picks outliers, and the thresholds (tuned on the labelled set) need
documents that look like the corpus. Languages are taken in proportion to the pool.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

TYPICAL_SHARE = 0.25  # of the batch: the most central document of each of the largest clusters
CLUSTER_DECAY = 0.5  # a cluster's value is multiplied by this for each pick already taken from it
KMEANS_ITERATIONS = 10
KMEANS_SAMPLE = 2000


@dataclass
class Suggestion:
    index: int  # position in the pool
    score: float
    unsure: list[str]  # themes whose score is near its threshold, most uncertain first


def uncertainty(P: np.ndarray, T: np.ndarray, rarity: np.ndarray) -> np.ndarray:
    """Per document and theme: 1 at the threshold, 0 at a confident 0 or 1, times rarity."""
    T = np.broadcast_to(T, P.shape)
    span = np.where(P >= T, 1.0 - T, T)
    closeness = 1.0 - np.abs(P - T) / np.maximum(span, 1e-6)
    return np.clip(closeness, 0.0, 1.0) * rarity


def rarity_weights(positives: np.ndarray) -> np.ndarray:
    """1 / sqrt(labelled positives + 1), scaled to a maximum of 1."""
    w = 1.0 / np.sqrt(np.asarray(positives, dtype=float) + 1.0)
    return w / w.max() if w.size and w.max() > 0 else w


def document_scores(U: np.ndarray) -> np.ndarray:
    """The most uncertain theme decides, the others add a little: a document unsure about two
    rare themes teaches more than one unsure about one."""
    top = U.max(axis=1)
    return top + 0.25 * (U.sum(axis=1) - top) / max(1, U.shape[1] - 1)


def suggest(
    P: np.ndarray,
    T: np.ndarray,
    positives: np.ndarray,
    langs: list[str],
    themes: list[str],
    n: int,
    vectors: np.ndarray | None = None,
    seed: int = 0,
    typical_share: float = TYPICAL_SHARE,
    decay: float = CLUSTER_DECAY,
) -> list[Suggestion]:
    """Pick ``n`` documents of a pool: P scores and T thresholds (pool x themes), labelled
    positives per theme, each document's language, optional unit vectors (pool x dim)."""
    n = min(n, len(P))
    if n <= 0:
        return []
    U = uncertainty(P, T, rarity_weights(positives))
    score = document_scores(U)
    if vectors is not None:
        groups, centrality = kmeans_groups(np.asarray(vectors, dtype=np.float32), n, seed)
    else:
        groups = _theme_groups(P, langs)
        centrality = P.max(axis=1)  # the surest member of a theme's group stands for it
    quota = LanguageQuota(langs, n)
    picked = _typical(groups, centrality, quota, round(n * typical_share))
    picked += _informative(score, groups, quota, n - len(picked), decay, set(picked))
    return [Suggestion(i, round(float(score[i]), 4), _unsure(U[i], themes)) for i in picked]


class LanguageQuota:
    """Picks per language in proportion to the pool (at least one for a language present);
    dropped when rounding leaves no language with room."""

    def __init__(self, langs: list[str], n: int) -> None:
        names, self.code, counts = np.unique(
            np.array(langs, dtype=str), return_inverse=True, return_counts=True
        )
        self.room = np.maximum(1, np.ceil(n * counts / max(1, len(langs)))).astype(int)

    def open(self) -> np.ndarray:
        """Which documents' languages still have room (all when none has)."""
        ok = self.room[self.code] > 0
        return ok if ok.any() else np.ones(len(self.code), dtype=bool)

    def take(self, i: int) -> None:
        self.room[self.code[i]] -= 1


def _typical(groups: np.ndarray, centrality: np.ndarray, quota: LanguageQuota, k: int) -> list[int]:
    """The most central document of each of the ``k`` largest clusters (language quota allowing)."""
    picked: list[int] = []
    sizes = Counter(groups.tolist())
    for g, _ in sorted(sizes.items(), key=lambda t: (-t[1], t[0])):
        if len(picked) >= k:
            break
        members = np.flatnonzero((groups == g) & quota.open())
        if len(members):
            i = int(members[np.argmax(centrality[members])])
            picked.append(i)
            quota.take(i)
    return picked


def _informative(
    score: np.ndarray, groups: np.ndarray, quota: LanguageQuota, k: int, decay: float, taken: set[int]
) -> list[int]:
    """Greedily the best score, each cluster's worth shrinking with the picks it already gave."""
    _, group_index = np.unique(groups, return_inverse=True)
    per_group = np.bincount(group_index[list(taken)], minlength=group_index.max() + 1).astype(float)
    free = np.ones(len(score), dtype=bool)
    free[list(taken)] = False
    picked: list[int] = []
    for _ in range(min(k, int(free.sum()))):
        value = np.where(free & quota.open(), score * decay ** per_group[group_index], -np.inf)
        if not np.isfinite(value).any():
            value = np.where(free, score * decay ** per_group[group_index], -np.inf)
        i = int(np.argmax(value))
        picked.append(i)
        free[i] = False
        per_group[group_index[i]] += 1
        quota.take(i)
    return picked


def kmeans_groups(X: np.ndarray, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Spherical k-means (k-means++ start, a few Lloyd steps): each row's cluster and its cosine
    to the cluster's centre. The centres are fitted on a sample of at most KMEANS_SAMPLE rows, so
    a pool of 10,000 documents takes a fraction of a second."""
    k = max(1, min(k, len(X)))
    rng = np.random.default_rng(seed)
    sample = X[np.sort(rng.choice(len(X), min(len(X), KMEANS_SAMPLE), replace=False))]
    centres = _kmeans_pp(sample, k, rng)
    for _ in range(KMEANS_ITERATIONS):
        labels = np.argmax(sample @ centres.T, axis=1)
        sums = np.eye(k, dtype=X.dtype)[labels].T @ sample
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        centres = np.where(norms > 1e-9, sums / np.maximum(norms, 1e-9), centres)
    S = X @ centres.T
    labels = np.argmax(S, axis=1)
    return labels, S[np.arange(len(X)), labels]


def _kmeans_pp(X: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    centres = [X[rng.integers(len(X))]]
    dist = 1.0 - X @ centres[0]
    for _ in range(1, k):
        w = np.clip(dist, 0.0, None) ** 2
        i = rng.choice(len(X), p=w / w.sum()) if w.sum() > 0 else rng.integers(len(X))
        centres.append(X[i])
        dist = np.minimum(dist, 1.0 - X @ X[i])
    return np.array(centres, dtype=X.dtype)


def _theme_groups(P: np.ndarray, langs: list[str]) -> np.ndarray:
    """Without vectors, a document's cluster is its language and its most likely theme."""
    keys = [f"{g}|{t}" for g, t in zip(langs, P.argmax(axis=1).tolist(), strict=True)]
    _, index = np.unique(np.array(keys), return_inverse=True)
    return index


def _unsure(u: np.ndarray, themes: list[str]) -> list[str]:
    order = np.argsort(-u)
    return [themes[j] for j in order if u[j] >= 0.5 * u.max() and u[j] > 0][:3]
