"""Which unlabelled documents to label next: those whose labels would teach the model most.

A document scores high when the model is unsure about it (a score near a theme's threshold),
more so for themes with few labelled examples. The picks are then spread out: greedily, each next
pick is the best remaining score minus its similarity to what is already picked (maximal
marginal relevance over document vectors when the corpus has them, else over the pair of the
document's language and most likely theme), and the languages are taken in proportion to the
pool, so a batch is not fifty near-copies of one uncertain cluster.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

CANDIDATES_PER_PICK = 20  # the diversity step looks at the n * 20 most uncertain documents
DIVERSITY = 0.5  # weight of the similarity penalty against the uncertainty score


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


def suggest(
    P: np.ndarray,
    T: np.ndarray,
    positives: np.ndarray,
    langs: list[str],
    themes: list[str],
    n: int,
    vectors: np.ndarray | None = None,
) -> list[Suggestion]:
    """Pick ``n`` documents of a pool: P scores and T thresholds (pool x themes), labelled
    positives per theme, each document's language, optional unit vectors (pool x dim)."""
    n = min(n, len(P))
    if n <= 0:
        return []
    U = uncertainty(P, T, rarity_weights(positives))
    # The most uncertain theme decides, the others add a little: a document unsure about two rare
    # themes teaches more than one unsure about one.
    score = U.max(axis=1) + 0.25 * (U.sum(axis=1) - U.max(axis=1)) / max(1, U.shape[1] - 1)
    pool = np.argsort(-score, kind="stable")[: n * CANDIDATES_PER_PICK]
    quota = _language_quota(langs, n)
    top_theme = P.argmax(axis=1)
    picked: list[int] = []
    taken: Counter[str] = Counter()
    max_sim = np.zeros(len(pool))
    group_seen: Counter[tuple[str, int]] = Counter()
    while len(picked) < min(n, len(pool)):
        best, best_value = -1, -np.inf
        for k, i in enumerate(pool):
            if i in picked or (quota and taken[langs[i]] >= quota.get(langs[i], n)):
                continue
            if vectors is not None:
                penalty = max_sim[k]
            else:
                penalty = min(1.0, group_seen[(langs[i], int(top_theme[i]))] / 3)
            value = score[i] - DIVERSITY * penalty
            if value > best_value:
                best, best_value = k, value
        if best < 0:  # quotas exhausted (rounding): take the best remaining of any language
            quota = {}
            continue
        i = int(pool[best])
        picked.append(i)
        taken[langs[i]] += 1
        group_seen[(langs[i], int(top_theme[i]))] += 1
        if vectors is not None:
            max_sim = np.maximum(max_sim, vectors[pool] @ vectors[i])
    out = []
    for i in picked:
        order = np.argsort(-U[i])
        unsure = [themes[j] for j in order if U[i, j] >= 0.5 * U[i].max() and U[i, j] > 0][:3]
        out.append(Suggestion(i, round(float(score[i]), 4), unsure))
    return out


def _language_quota(langs: list[str], n: int) -> dict[str, int]:
    """Picks per language in proportion to the pool (at least one for a language present)."""
    counts = Counter(langs)
    total = sum(counts.values())
    return {g: max(1, int(np.ceil(n * c / total))) for g, c in counts.items()}
