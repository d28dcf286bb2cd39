"""Automatic topic labels and the nearest theme of the taxonomy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.topics.prepare import content_tokens

if TYPE_CHECKING:
    from pipeline.topics.link import ThemeLink

TAXONOMY = Path(__file__).resolve().parent.parent / "data" / "taxonomy.json"
MIN_THEME_MASS = 0.02  # below this share of a topic's probability on a theme's seed terms: no theme (untuned)


def label(terms: list[str], n: int = 3) -> str:
    """The first n top terms that do not repeat a word already shown (phrases read as words)."""
    seen: set[str] = set()
    picked: list[str] = []
    for t in terms:
        words = t.split("_")
        if any(w in seen for w in words):
            continue
        picked.append(" ".join(words))
        seen.update(words)
        if len(picked) == n:
            break
    return " / ".join(picked)


def load_taxonomy(path: Path | None = None) -> list[dict[str, Any]]:
    """Themes of the taxonomy file ([] when there is none yet: topics then get no theme)."""
    path = Path(path) if path else TAXONOMY
    if not path.is_file():
        return []
    return list(json.loads(path.read_text("utf-8")).get("themes", []))


def theme_terms(themes: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """theme id -> {model token: weight}: seed terms as normal forms (phrases joined with '_')."""
    from pipeline.nlp import normalise

    out: dict[str, dict[str, float]] = {}
    for th in themes:
        terms: dict[str, float] = {}
        for lang in ("en", "id"):
            for entry in th.get(f"terms_{lang}", []):
                # a term is a string or {"term", "weight"} (weight 1 unless the taxonomy says otherwise)
                term, weight = (
                    (entry["term"], float(entry.get("weight", 1.0)))
                    if isinstance(entry, dict)
                    else (entry, 1.0)
                )
                words = content_tokens(" ".join(normalise(term, lang)))
                if len(words) == 1:
                    terms[words[0]] = max(terms.get(words[0], 0.0), weight)
                elif len(words) > 1:
                    terms["_".join(words[:2])] = max(terms.get("_".join(words[:2]), 0.0), weight)
                    for w in words:  # a word of a longer term is weaker evidence
                        terms.setdefault(w, 0.3 * weight)
        out[th["id"]] = terms
    return out


def nearest_themes(
    topic_term: np.ndarray,
    token2id: dict[str, int],
    themes: list[dict[str, Any]],
    prevalence: np.ndarray | None = None,
) -> list[ThemeLink]:
    """The fallback when no document is tagged: the theme whose seed terms a topic uses most,
    compared with how much the corpus as a whole uses them.

    mass = the topic's probability on a theme's (weighted) seed terms; lift = mass over the same
    mass in the corpus-wide term distribution (topics mixed by prevalence). A topic gets the theme
    with the best mass x ln(lift) among those with mass >= MIN_THEME_MASS and lift >= MIN_LIFT;
    a theme's seeds that every topic uses a little (training, leadership) then link nothing.
    """
    from pipeline.topics.link import MIN_LIFT, ThemeLink, best_link

    k = topic_term.shape[0]
    if not themes:
        return [ThemeLink(None, "none") for _ in range(k)]
    tt = theme_terms(themes)
    ids = list(tt)
    w = np.zeros((len(ids), topic_term.shape[1]))
    for i, th in enumerate(ids):
        for term, weight in tt[th].items():
            j = token2id.get(term)
            if j is not None:
                w[i, j] = max(w[i, j], weight)
    w /= max(float(w.max()), 1e-12)  # weights in 0..1: mass stays a probability
    prev = np.full(k, 1 / k) if prevalence is None else np.asarray(prevalence, dtype=float)
    prev = prev / max(float(prev.sum()), 1e-12)
    mass = topic_term @ w.T  # topics x themes
    base = (prev @ topic_term) @ w.T  # themes
    out: list[ThemeLink] = []
    for row in mass:
        passed = []
        for j, th in enumerate(ids):
            lift = float(row[j] / base[j]) if base[j] > 0 else 0.0
            if row[j] >= MIN_THEME_MASS and lift >= MIN_LIFT:
                passed.append(
                    {
                        "theme": th,
                        "mass": round(float(row[j]), 4),
                        "lift": round(lift, 3),
                        "_rank": float(row[j]) * np.log(lift),
                    }
                )
        out.append(best_link(passed, "seed_terms", "mass", "mass"))
    return out
