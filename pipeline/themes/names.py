"""Company names, whose words are not theme evidence.

"PT. Rikku Mitra Sriwijaya" says nothing about partnership; repeated through an abstract about a
Wi-Fi network it made that thesis the corpus's top partnership document. Names are found by
their legal form (PT, CV, UD, PD, Perum(da) before the name; Tbk, Ltd, Inc, Corp, LLC after
it) and taken out of the text that themes read, and so is every other mention of the same name
in the document ("Rikku Mitra Sriwijaya is one of the companies ..." in the English abstract).
Government bodies are left alone on purpose: a study of the Komisi Pemberantasan Korupsi is
about anti-corruption.
"""

from __future__ import annotations

import re

_WORD = r"(?:[A-Z][\w&'’.-]*|\d+[\w-]*)"
_LINK = r"(?:\s+(?:&|dan|and|of)\s+|\s+)"
_BEFORE = re.compile(
    r"\b(?:PT|P\.T\.|CV|UD|PD|Perum|Perumda)\.?\s+(?:\(Persero\)\s+)?"
    + rf"(?P<name>{_WORD}(?:{_LINK}{_WORD}){{0,5}})"
)
_AFTER = re.compile(rf"(?P<name>{_WORD}(?:\s+{_WORD}){{0,4}}),?\s+(?:Tbk|Ltd|Inc|Corp|LLC)\b\.?")
# Most texts name no company: one scan for a legal form spares the two patterns above, which try
# a name at every capitalised word (0.6 ms a document, most of the themes stage).
_LEGAL_FORMS = ("PT", "P.T", "CV", "UD", "PD", "Perum", "Tbk", "Ltd", "Inc", "Corp", "LLC")


def _forms(text: str) -> list[re.Pattern]:
    return [_BEFORE, _AFTER] if any(f in text for f in _LEGAL_FORMS) else []


def company_names(texts: list[str]) -> list[str]:
    """The company names of a document (without their legal form), longest first."""
    names = {m.group("name").rstrip(".") for t in texts for rx in _forms(t) for m in rx.finditer(t)}
    return sorted(names, key=lambda n: (-len(n), n))


def company_spans(text: str, names: list[str] | tuple[str, ...] = ()) -> list[tuple[int, int]]:
    """(start, end) of each company name in a text (by its legal form, or one of ``names`` found
    elsewhere in the document), merged where they overlap."""
    spans = sorted(
        [(m.start(), m.end()) for rx in _forms(text) for m in rx.finditer(text)]
        + [(m.start(), m.end()) for n in names for m in re.finditer(rf"(?<!\w){re.escape(n)}(?!\w)", text)]
    )
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def without_company_names(text: str, names: list[str] | tuple[str, ...] = ()) -> str:
    """The text with company names (see company_spans) replaced by a space."""
    spans = company_spans(text, names)
    if not spans:
        return text
    pieces, at = [], 0
    for a, b in spans:
        pieces.append(text[at:a])
        at = b
    pieces.append(text[at:])
    return " ".join(pieces)
