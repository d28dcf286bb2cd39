"""Keyword in context: every occurrence of a term across the corpus with words either side.

Stem-aware in both languages: the FTS index finds the candidate parts (the same widened
expression as ``govtext query``), then each word of a candidate's surface text is normalised in
the part's language and kept when its normal form is one of the term's (``kemitraan`` finds
"mitra" and "kemitraannya", ``partnerships`` finds "partnership"). A term ending in ``*`` is a
prefix of the surface word or its normal form; several words are a phrase.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.nlp import WORD
from pipeline.store import Filters, Store
from pipeline.store.match import Node

_SPACE = re.compile(r"\s+")
_BATCH = 64  # candidate parts normalised per spaCy batch


@dataclass(frozen=True)
class Term:
    """A compiled search term: word sequences of normal forms (or a prefix) to look for."""

    text: str
    sequences: frozenset[tuple[str, ...]]
    prefix: str | None = None


def compile_term(term: str, store: Store | None = None) -> Term:
    from pipeline.nlp import normalise

    text = term.strip().strip('"').strip()
    if store is not None:
        from pipeline.query import prime

        prime(store, [text])
    if not text:
        raise ValueError("kwic: empty term")
    if text.endswith("*") and " " not in text:
        return Term(text, frozenset(), prefix=text.rstrip("*").lower())
    surface = tuple(w.lower() for w in WORD.findall(text))
    seqs = {surface} | {tuple(normalise(text, lang)) for lang in ("id", "en")}
    return Term(text, frozenset(s for s in seqs if s))


def match_node(term: Term, store: Store | None = None) -> Node:
    """The search that finds a term's candidate parts (the widened query of ``govtext query``)."""
    from pipeline.query import parse_query

    if term.prefix is not None:
        return parse_query(term.prefix + "*", store=store)
    words = term.text.split()
    return parse_query(term.text if len(words) == 1 else '"' + term.text.replace('"', "") + '"', store=store)


def _keys(words: Sequence[str], norms: Sequence[list[str]]) -> list[set[str]]:
    # A word matches by its surface form, its whole normal form, or its first normal form (a word
    # the tokenizer splits, e.g. a clitic, still matches by its stem).
    return [{w.lower(), " ".join(n), *n[:1]} for w, n in zip(words, norms, strict=True)]


def find_spans(term: Term, words: Sequence[str], norms: Sequence[list[str]]) -> list[tuple[int, int]]:
    """(start, end) word index spans where the term occurs."""
    keys = _keys(words, norms)
    spans = []
    if term.prefix is not None:
        return [(i, i + 1) for i, k in enumerate(keys) if any(x.startswith(term.prefix) for x in k if x)]
    for i in range(len(keys)):
        for seq in term.sequences:
            if i + len(seq) <= len(keys) and all(seq[j] in keys[i + j] for j in range(len(seq))):
                spans.append((i, i + len(seq)))
                break
    return spans


def _lines(
    term: Term, part: dict[str, Any], matches: list[re.Match], norms: list[list[str]], window: int
) -> Iterator[dict[str, Any]]:
    text = part["text"]
    words = [m.group() for m in matches]

    def clean(s: str) -> str:
        return _SPACE.sub(" ", s).strip()

    for a, b in find_spans(term, words, norms):
        lo = matches[max(0, a - window)].start()
        hi = matches[min(len(matches), b + window) - 1].end()
        yield {
            "id": part["doc_id"],
            "title": part["title"],
            "year": part["year"],
            "kind": part["kind"],
            "lang": part["lang"],
            "left": clean(text[lo : matches[a].start()]),
            "match": clean(text[matches[a].start() : matches[b - 1].end()]),
            "right": clean(text[matches[b - 1].end() : hi]),
        }


def kwic_lines(
    term: Term, parts: Iterable[dict[str, Any]], window: int = 5, store: Store | None = None
) -> Iterator[dict[str, Any]]:
    """Concordance lines for parts (dicts with doc_id, title, year, kind, lang, text); ``store``:
    the corpus whose vocabulary spares normalising its words again."""
    from pipeline.nlp import normalise_many

    batch: list[dict[str, Any]] = []

    def flush() -> Iterator[dict[str, Any]]:
        found = [list(WORD.finditer(p["text"])) for p in batch]
        words = [m.group() for ms in found for m in ms]
        if store is not None:
            from pipeline.query import prime

            prime(store, words)
        langs = [p["lang"] for p, ms in zip(batch, found, strict=True) for _ in ms]
        norms = normalise_many(words, langs) if words else []
        at = 0
        for p, ms in zip(batch, found, strict=True):
            yield from _lines(term, p, ms, norms[at : at + len(ms)], window)
            at += len(ms)
        batch.clear()

    for part in parts:
        batch.append(part)
        if len(batch) >= _BATCH:
            yield from flush()
    if batch:
        yield from flush()


def kwic(
    store: Store,
    term: str,
    *,
    window: int = 5,
    lang: str | None = None,
    kinds: Sequence[str] | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    limit: int | None = 100,
) -> list[dict[str, Any]]:
    """Rows ``{"id", "title", "year", "kind", "lang", "left", "match", "right"}``, by year then
    document, at most ``limit`` (None: all)."""
    if window < 0:
        raise ValueError("kwic: --window must be 0 or more")
    t = compile_term(term, store)
    parts = store.iter_matching_parts(
        match_node(t, store), lang=lang, kinds=kinds, filters=Filters(year_from=year_from, year_to=year_to)
    )
    out = []
    for line in kwic_lines(t, parts, window, store):
        out.append(line)
        if limit is not None and len(out) >= limit:
            break
    return out
