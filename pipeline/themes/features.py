"""What the classifier sees of a document: normalised content tokens and theme-concept evidence.

Tokens are normal forms (English lemmas, protected Indonesian stems), so inflections meet; the
concept features count taxonomy evidence per theme, the same features whichever language the
document is in. That is what lets English examples teach the model about Indonesian documents
and the other way round.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from pipeline.document import Document
from pipeline.themes.evidence import collect, lexicon_score, zone_totals
from pipeline.themes.names import company_names, without_company_names
from pipeline.themes.taxonomy import Taxonomy

TEXT_KINDS = ("title", "abstract", "keywords")


@dataclass
class DocView:
    tokens: list[str]
    concepts: dict[str, float]
    lang: str  # "id", "en", "mixed" or "other": the main language of title+abstract
    lexicon: dict[str, float]  # the lexicon method's score per theme
    title: list[str] = field(default_factory=list)  # the title's terms, for a feature namespace of their own


def main_lang(doc: Document) -> str:
    langs = {p.lang for p in doc.parts if p.kind == "abstract" and p.lang in ("id", "en")}
    if len(langs) > 1:
        return "mixed"
    if langs:
        return langs.pop()
    langs = {p.lang for p in doc.parts if p.kind == "title"}
    return langs.pop() if len(langs) == 1 and None not in langs else "other"


def doc_view(doc: Document, tax: Taxonomy) -> DocView:
    from pipeline.nlp import content_terms_many

    parts = [p for p in doc.parts if p.kind in TEXT_KINDS]
    if not any(p.kind == "abstract" for p in parts):  # a PDF without an abstract: read its body
        parts += [p for p in doc.parts if p.kind in ("body", "section")][:6]
    names = company_names([p.text for p in parts])
    texts = [without_company_names(p.text, names) for p in parts] + [k.text for k in doc.keywords]
    langs = [p.lang for p in parts] + [k.lang for k in doc.keywords]
    tokens: list[str] = []
    title: list[str] = []
    for i, terms in enumerate(content_terms_many(texts, langs)):
        is_title = i < len(parts) and parts[i].kind == "title"
        # The title says what the study is about: its terms count twice (codebook: the title decides).
        tokens.extend(terms * (2 if is_title else 1))
        if is_title:
            title.extend(terms)
    ev = collect(doc, tax)
    concepts: dict[str, float] = {}
    for theme in ev.hits:
        for zone, w in zone_totals(ev, theme).items():
            concepts[f"{theme}@{zone}"] = math.log1p(w)
        concepts[f"{theme}#terms"] = float(len(ev.terms[theme]))
    lexicon = {t: lexicon_score(ev, t) for t in ev.hits}
    return DocView(tokens, concepts, main_lang(doc), lexicon, title)
