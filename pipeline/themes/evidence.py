"""Lexicon evidence: where a document's normalised text matches the taxonomy's seed terms.

Shared by the lexicon tagger and the classifier's cross-lingual concept features, so both read
the same evidence whatever the document's language.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from pipeline.document import Document, Part
from pipeline.themes.names import company_names, company_spans, without_company_names
from pipeline.themes.taxonomy import Taxonomy

# Parts that say what a document is about; body text of a long PDF is read but weighs less.
_ZONES = {"title": "title", "abstract": "abstract", "keywords": "keywords", "body": "body", "section": "body"}


@dataclass
class Evidence:
    """Per theme: weighted hits per zone and the distinct seed terms seen."""

    hits: dict[str, dict[str, float]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(float)))
    terms: dict[str, set[tuple[str, ...]]] = field(default_factory=lambda: defaultdict(set))
    n_tokens: int = 0


def _index(tax: Taxonomy) -> dict[str, list[tuple[str, tuple[str, ...], float]]]:
    idx: dict[str, list[tuple[str, tuple[str, ...], float]]] = defaultdict(list)
    for theme, toks, w in tax.patterns():
        idx[toks[0]].append((theme, toks, w))
    return idx


_INDEX_CACHE: dict[str, dict] = {}


def _terms(part: Part, names: list[str]) -> list[str]:
    """The part's normal forms, without the words of company names (pipeline.themes.names)."""
    if names and company_spans(part.text, names):
        from pipeline.nlp import normalise

        return normalise(without_company_names(part.text, names), part.lang)
    return part.norm.split()


def collect(doc: Document, tax: Taxonomy) -> Evidence:
    idx = _INDEX_CACHE.get(tax.source)
    if idx is None:
        idx = _INDEX_CACHE[tax.source] = _index(tax)
    ev = Evidence()
    # Each language's abstract and keywords are counted apart: a bilingual abstract says the same
    # thing twice and must not get twice the evidence (zone_totals takes the larger of the two).
    names = company_names([p.text for p in doc.parts if p.kind in _ZONES])
    streams = [
        (f"{_ZONES[p.kind]}:{p.lang or '?'}", _terms(p, names))
        for p in doc.parts
        if p.kind in _ZONES and p.norm
    ]
    if not any(z.startswith("keywords") for z, _ in streams):
        streams += [(f"keywords:{k.lang or '?'}", k.norm.split()) for k in doc.keywords if k.norm]
    for zone, toks in streams:
        ev.n_tokens += len(toks)
        for i, tok in enumerate(toks):
            for theme, pat, w in idx.get(tok, ()):
                if tuple(toks[i : i + len(pat)]) == pat:
                    ev.hits[theme][zone] += w
                    ev.terms[theme].add(pat)
    return ev


def zone_totals(ev: Evidence, theme: str) -> dict[str, float]:
    """Hits per zone (title, abstract, keywords, body), the best language of each zone."""
    out: dict[str, float] = {}
    for key, w in ev.hits.get(theme, {}).items():
        zone = key.split(":", 1)[0]
        out[zone] = max(out.get(zone, 0.0), w)
    return out


def lexicon_score(ev: Evidence, theme: str) -> float:
    """0..1 evidence that a theme is a main subject: repeated, varied, and in title or abstract."""
    z = zone_totals(ev, theme)
    if not z:
        return 0.0
    # Keywords alone are not enough (codebook): they add weight only beside title/abstract hits.
    core = z.get("title", 0.0) * 2.0 + z.get("abstract", 0.0) + 0.3 * z.get("body", 0.0)
    if core == 0:
        return 0.0
    mass = core + 0.8 * z.get("keywords", 0.0) + 0.7 * (len(ev.terms[theme]) - 1)
    return 1.0 - math.exp(-mass / 3.0)
