"""Topic quality and the choice of k: coherence on the corpus itself, a shuffled-words floor, k sweeps."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from gensim.corpora import Dictionary

from pipeline.topics.engines import Engine, make_engine

TOP_N = 10  # terms per topic that coherence judges (the usual c_v setting)
# Sliding-window sizes, pinned to the values of Röder et al. (and gensim's defaults) so that a
# reported c_v or NPMI means the same thing in `topics fit`, the k sweep and bench/.
WINDOW = {"c_v": 110, "c_npmi": 10}


@dataclass
class Point:
    k: int
    c_v: float
    npmi: float
    seconds: float


def coherence(
    topics: list[list[str]], texts: list[list[str]], dictionary: Dictionary, measure: str = "c_v"
) -> float:
    """gensim CoherenceModel (c_v or c_npmi) of the topics' top terms, on the given documents."""
    from gensim.models.coherencemodel import CoherenceModel

    topics = [t for t in topics if len(t) >= 2]
    if not topics:
        return float("nan")
    cm = CoherenceModel(
        topics=topics,
        texts=texts,
        dictionary=dictionary,
        coherence=measure,
        processes=1,
        topn=max(len(t) for t in topics),
        window_size=WINDOW.get(measure),
    )
    return float(cm.get_coherence())


def top_terms(engine: Engine, n: int = TOP_N) -> list[list[str]]:
    return [[w for w, _ in engine.topic_terms(t, n)] for t in range(engine.k)]


def score(engine: Engine, texts: list[list[str]], dictionary: Dictionary) -> tuple[float, float]:
    tops = top_terms(engine)
    return coherence(tops, texts, dictionary, "c_v"), coherence(tops, texts, dictionary, "c_npmi")


def shuffled(texts: list[list[str]], seed: int) -> list[list[str]]:
    """The same document lengths and word counts, words dealt out at random between documents."""
    pool = [w for t in texts for w in t]
    random.Random(seed).shuffle(pool)
    out, i = [], 0
    for t in texts:
        out.append(pool[i : i + len(t)])
        i += len(t)
    return out


def floor(
    engine_name: str, texts: list[list[str]], dictionary: Dictionary, k: int, seed: int, **params: int
) -> tuple[float, float]:
    """Coherence (on the real documents) of a model fitted on shuffled documents: the no-structure floor."""
    e = make_engine(engine_name, dictionary, k, seed, **params)
    e.fit(shuffled(texts, seed))
    return score(e, texts, dictionary)


def k_range(k_min: int, k_max: int, k_step: int, n_docs: int) -> list[int]:
    """Candidate k values; more topics than a tenth of the documents are not worth fitting."""
    if k_min < 2 or k_step < 1 or k_max < k_min:
        raise ValueError(f"bad k range {k_min}..{k_max} step {k_step}: need 2 <= k-min <= k-max, step >= 1")
    cap = max(2, n_docs // 10)
    ks = [k for k in range(k_min, k_max + 1, k_step) if k <= cap]
    return ks or [min(k_min, cap)]


def sweep(
    engine_name: str,
    texts: list[list[str]],
    dictionary: Dictionary,
    ks: list[int],
    seed: int,
    progress: Callable[[Point], None] | None = None,
    **params: int,
) -> tuple[Engine, list[Point]]:
    """Fit every k, keep the model with the best c_v (ties: the smaller k)."""
    best: Engine | None = None
    best_cv = -np.inf
    curve = []
    for k in ks:
        t0 = time.perf_counter()
        e = make_engine(engine_name, dictionary, k, seed, **params)
        e.fit(texts)
        c_v, npmi = score(e, texts, dictionary)
        p = Point(k, round(c_v, 4), round(npmi, 4), round(time.perf_counter() - t0, 2))
        curve.append(p)
        if progress:
            progress(p)
        if c_v > best_cv + 1e-9:
            best, best_cv = e, c_v
    assert best is not None
    return best, curve
