"""Company names, whose words are not theme evidence.

"PT. Rikku Mitra Sriwijaya" says nothing about partnership; repeated through an abstract about a
Wi-Fi network it made that thesis the corpus's top partnership document. Names are found by
their legal form (PT, CV, UD, PD, Perum(da) before the name; Tbk, Ltd, Inc, Corp, LLC after
it) and taken out of the text that themes read. Government bodies are left alone on purpose:
a study of the Komisi Pemberantasan Korupsi is about anti-corruption.
"""

from __future__ import annotations

import re

_WORD = r"(?:[A-Z][\w&'’.-]*|\d+[\w-]*)"
_LINK = r"(?:\s+(?:&|dan|and|of)\s+|\s+)"
_BEFORE = re.compile(
    r"\b(?:PT|P\.T\.|CV|UD|PD|Perum|Perumda)\.?\s+(?:\(Persero\)\s+)?" + _WORD + rf"(?:{_LINK}{_WORD}){{0,5}}"
)
_AFTER = re.compile(_WORD + rf"(?:\s+{_WORD}){{0,4}},?\s+(?:Tbk|Ltd|Inc|Corp|LLC)\b\.?")


def company_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each company name in a text, merged where they overlap."""
    spans = sorted((m.start(), m.end()) for rx in (_BEFORE, _AFTER) for m in rx.finditer(text))
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def without_company_names(text: str) -> str:
    """The text with company names replaced by a space (sentence structure kept)."""
    spans = company_spans(text)
    if not spans:
        return text
    pieces, at = [], 0
    for a, b in spans:
        pieces.append(text[at:a])
        at = b
    pieces.append(text[at:])
    return " ".join(pieces)
