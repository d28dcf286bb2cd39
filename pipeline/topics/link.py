"""Which governance theme a topic stands for, judged by the documents both are attached to.

Every document carries theme tags (tags table, from the ingest's theme stage). A topic is linked
to a theme when the documents the topic weighs on are tagged with that theme clearly more often
than documents at large: the doc-topic-weighted share of tagged documents, over the theme's base
rate (lift), with enough weighted support, a minimum share and a binomial z-score that rules out chance. Themes are
ranked by support x ln(lift), the topic's contribution to the topic/theme mutual information, so a
frequent theme with a solid lift beats a rare one lifted by a handful of documents.

Only when no modelled document has a tag (theme stage not run) do the taxonomy's seed terms decide
(label.nearest_themes). Either way a topic no theme clearly stands out for gets no theme (None).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Thresholds: a topic's documents must hold >= MIN_SUPPORT weighted tagged documents, making up
# >= MIN_SHARE of the topic's weighted documents, at >= MIN_LIFT times the theme's base rate and
# MIN_Z binomial standard deviations above chance. On the 4,600 dev abstracts (29% of them tagged,
# k=20) the share floor is what keeps a rare theme's scattered tags from naming a broad topic:
# village/society -> anti_corruption (5% share, lift 3.3), schooling -> professionalism (9%, lift
# 2.9); e-government (58%) and law (21%) topics keep their theme. The synthetic test pins it.
MIN_SUPPORT = 5.0
MIN_SHARE = 0.10
MIN_LIFT = 2.0
MIN_Z = 3.0


@dataclass
class ThemeLink:
    theme: str | None
    method: str  # "tags", "seed_terms" or "none" (no evidence at all)
    share: float = 0.0  # tags: weighted share of the topic's documents tagged with the theme
    lift: float = 0.0  # share over the theme's base rate (seed terms: mass over the corpus mass)
    support: float = 0.0  # tags: weighted tagged documents; seed terms: probability mass on seeds
    candidates: list[dict[str, Any]] = field(default_factory=list)  # every theme that passed, best first

    def as_meta(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "share": round(self.share, 4),
            "lift": round(self.lift, 3),
            "support": round(self.support, 3),
            "candidates": self.candidates,
        }


def best_link(passed: list[dict[str, Any]], method: str, share_key: str, support_key: str) -> ThemeLink:
    """The link to the strongest candidate (by its ``_rank``, ties by theme id), all candidates kept."""
    passed.sort(key=lambda c: (-c["_rank"], c["theme"]))
    for c in passed:
        del c["_rank"]
    if not passed:
        return ThemeLink(None, method)
    b = passed[0]
    return ThemeLink(b["theme"], method, b[share_key], b["lift"], b[support_key], passed)


def tag_matrix(doc_ids: Sequence[str], tags: Mapping[str, set[str]]) -> tuple[list[str], np.ndarray]:
    """(theme ids, documents x themes 0/1 matrix) for the given documents."""
    themes = sorted({t for d in doc_ids for t in tags.get(d, ())})
    index = {t: j for j, t in enumerate(themes)}
    y = np.zeros((len(doc_ids), len(themes)))
    for i, d in enumerate(doc_ids):
        for t in tags.get(d, ()):
            y[i, index[t]] = 1.0
    return themes, y


def link_by_tags(weights: np.ndarray, themes: Sequence[str], tagged: np.ndarray) -> list[ThemeLink]:
    """Per topic, the theme its documents are tagged with clearly more often than the corpus.

    weights: documents x topics (rows sum to 1); tagged: documents x themes, 0/1. Untagged
    documents count as tagged with nothing, so they lower every theme's share and base rate alike.
    """
    n_docs, k = weights.shape
    base = tagged.mean(axis=0) if n_docs else np.zeros(len(themes))
    mass = weights.sum(axis=0)  # weighted documents per topic
    support = weights.T @ tagged  # topics x themes
    out = []
    for t in range(k):
        passed = []
        for j, theme in enumerate(themes):
            b, s, n = float(base[j]), float(support[t, j]), float(mass[t])
            if b <= 0 or n <= 0:
                continue
            share = s / n
            lift = share / b
            sd = math.sqrt(n * b * (1 - b)) or 1e-12
            z = (s - n * b) / sd
            if s >= MIN_SUPPORT and share >= MIN_SHARE and lift >= MIN_LIFT and z >= MIN_Z:
                passed.append(
                    {
                        "theme": theme,
                        "share": round(share, 4),
                        "lift": round(lift, 3),
                        "support": round(s, 2),
                        "z": round(z, 2),
                        "_rank": s * math.log(lift),
                    }
                )
        out.append(best_link(passed, "tags", "share", "support"))
    return out


def link_topics(
    weights: np.ndarray,
    doc_ids: Sequence[str],
    tags: Mapping[str, set[str]],
    topic_term: np.ndarray,
    token2id: Mapping[str, int],
    taxonomy: list[dict[str, Any]],
) -> list[ThemeLink]:
    """Tags when any modelled document has one; else the taxonomy's seed terms; else no theme."""
    themes, y = tag_matrix(doc_ids, tags)
    if themes:
        return link_by_tags(weights, themes, y)
    from pipeline.topics.label import nearest_themes

    if not taxonomy:
        return [ThemeLink(None, "none") for _ in range(topic_term.shape[0])]
    prevalence = (
        weights.mean(axis=0) if len(weights) else np.full(topic_term.shape[0], 1 / topic_term.shape[0])
    )
    return nearest_themes(topic_term, dict(token2id), taxonomy, prevalence)
