"""The theme taxonomy: ids, labels in both languages, seed terms. Shipped as data, replaceable.

Seed terms are matched on normal forms (lemmas, protected stems), so ``kemitraan``, ``bermitra``
and ``mitra`` are one term. A term is normalised under its own language and, for loanwords that
appear in the other language's texts, under the other one too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

DEFAULT_TAXONOMY = Path(str(resources.files("pipeline") / "data" / "taxonomy.json"))  # package data


class TaxonomyError(ValueError):
    """A taxonomy file that cannot be used; the message names the file and line."""


@dataclass
class Theme:
    id: str
    label_en: str
    label_id: str
    description: str = ""
    not_: str = ""
    terms: dict[str, list[tuple[str, float]]] = field(default_factory=dict)  # lang -> [(term, weight)]


@dataclass
class Taxonomy:
    themes: list[Theme]
    source: str
    version: Any = 1

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.themes]

    def theme(self, theme_id: str) -> Theme:
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise KeyError(theme_id)

    def patterns(self) -> list[tuple[str, tuple[str, ...], float]]:
        """(theme, normalised token sequence, weight) for every seed term, deduplicated."""
        return _patterns_for(self.source)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "themes": [
                {
                    "id": t.id,
                    "label_en": t.label_en,
                    "label_id": t.label_id,
                    "description": t.description,
                    "not": t.not_,
                    **{
                        f"terms_{lang}": [{"term": s, "weight": w} for s, w in terms]
                        for lang, terms in t.terms.items()
                    },
                }
                for t in self.themes
            ],
        }


def _id_lines(text: str) -> list[int]:
    """Line of each theme's "id" key, in order: where errors about that theme point."""
    import re

    return [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r'"id"\s*:', text)]


def load_taxonomy(path: Path | str | None = None) -> Taxonomy:
    """Read and validate a taxonomy JSON file (the packaged one by default)."""
    return _load(str(Path(path).resolve()) if path else str(DEFAULT_TAXONOMY))


@cache
def _load(path: str) -> Taxonomy:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise TaxonomyError(f"{p}: cannot read taxonomy ({e.strerror})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise TaxonomyError(f"{p}:{e.lineno}: invalid JSON ({e.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("themes"), list) or not data["themes"]:
        raise TaxonomyError(f'{p}:1: expected an object with a non-empty "themes" list')
    themes: list[Theme] = []
    seen: set[str] = set()
    id_lines = _id_lines(text)
    for i, raw in enumerate(data["themes"]):
        where = f"{p}:{id_lines[i] if i < len(id_lines) else 1}"
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"].strip():
            raise TaxonomyError(f'{where}: theme #{i + 1} has no "id"')
        tid = raw["id"].strip()
        if tid in seen:
            raise TaxonomyError(f"{where}: theme id {tid!r} appears twice")
        seen.add(tid)
        terms: dict[str, list[tuple[str, float]]] = {}
        for lang in ("en", "id"):
            items = raw.get(f"terms_{lang}", [])
            if not isinstance(items, list):
                raise TaxonomyError(f'{where}: theme {tid!r}: "terms_{lang}" must be a list')
            out = []
            for item in items:
                if isinstance(item, str):
                    out.append((item, 1.0))
                elif isinstance(item, dict) and isinstance(item.get("term"), str):
                    weight = item.get("weight", 1.0)
                    if isinstance(weight, bool) or not isinstance(weight, int | float):
                        raise TaxonomyError(
                            f"{where}: theme {tid!r}: weight of {item['term']!r} must be a number"
                        )
                    out.append((item["term"], float(weight)))
                else:
                    raise TaxonomyError(
                        f'{where}: theme {tid!r}: bad term {item!r} (a string or {{"term", "weight"}})'
                    )
            terms[lang] = out
        if not any(terms.values()):
            raise TaxonomyError(f"{where}: theme {tid!r} has no seed terms (terms_en / terms_id)")
        themes.append(
            Theme(
                tid,
                raw.get("label_en", tid),
                raw.get("label_id", tid),
                raw.get("description", ""),
                raw.get("not", ""),
                terms,
            )
        )
    return Taxonomy(themes, str(p), data.get("version", 1))


@cache
def _patterns_for(source: str) -> list[tuple[str, tuple[str, ...], float]]:
    from pipeline.nlp import normalise

    seen: dict[tuple[str, tuple[str, ...]], float] = {}
    for t in _load(source).themes:
        for lang, terms in t.terms.items():
            other = "id" if lang == "en" else "en"
            for term, weight in terms:
                for variant in (tuple(normalise(term, lang)), tuple(normalise(term, other))):
                    if variant:
                        key = (t.id, variant)
                        seen[key] = max(weight, seen.get(key, 0.0))
    return [(theme, toks, w) for (theme, toks), w in seen.items()]
