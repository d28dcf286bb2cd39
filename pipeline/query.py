"""The query API shared by the CLI, exports, reports and notebooks.

A user query (words, "phrases", prefix*, AND/OR/NOT, NEAR) is parsed once into the store's
neutral form (``pipeline.store.match``); every plain word and phrase is widened to its normal
forms in both languages, looked for in the normalised text as well as the surface text, so
``kemitraan`` finds documents that only say ``mitra`` and ``partnerships`` finds
``partnership``. Each backend renders the tree in its own search language; user text never
builds SQL. Snippets are made here, the same for every backend.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pipeline.nlp import WORD
from pipeline.store import Filters, QuerySyntaxError, Store
from pipeline.store.match import Near, Node, Or, Words, parse, positive_words, tokens

SNIPPET_WORDS = 16
_CONTEXT = 3  # words of context kept before the first match of a snippet
_NORM_SCAN = 3000  # words of a part normalised to find a match made through the norm column
_TOKEN = re.compile(r"[^\W_]+")


def _word_variants(term: str) -> list[str]:
    from pipeline.nlp import query_variants

    return sorted(query_variants(term))


def _phrase_norms(phrase: str) -> list[str]:
    from pipeline.nlp import normalise

    return sorted({" ".join(normalise(phrase, lang)) for lang in ("id", "en")})


def parse_query(text: str, widen: bool = True, store: Store | None = None) -> Node:
    """The neutral parsed form of a user query; ``widen``: also look for the normal forms (found
    in the corpus's vocabulary when ``store`` is given, so spaCy loads only for unseen words)."""
    if not widen:
        return parse(text)
    if store is not None:
        prime(store, [text.lower()])
    return parse(text, _word_variants, _phrase_norms)


def prime(store: Store, texts: list[str]) -> None:
    """Warm the normalisation caches with the corpus's stored vocabulary for these texts' words.

    The stored normal forms are those the corpus's parts were made with, so a search matches
    them even when this govtext would normalise a word differently (the next ingest refreshes
    both)."""
    from pipeline import nlp

    chunks = nlp.chunks_of(texts)
    chunks |= {m.group() for t in texts for m in WORD.finditer(t)}  # words cut out of their punctuation
    nlp.preload_vocabulary(store.vocabulary(chunks))


def any_words_match(text: str, max_terms: int = 100) -> Node:
    """A query matching any content word of a free text by its normal forms, in both languages:
    plain bag-of-words BM25 (the lexical half of hybrid search)."""
    from pipeline.nlp import content_terms_many

    terms = dict.fromkeys(t for ts in content_terms_many([text, text], ["id", "en"]) for t in ts)
    if not terms:
        raise QuerySyntaxError(f"invalid search query: no words to search for in {text[:40]!r}")
    words = tuple(Words(t, norm_only=True) for t in list(terms)[:max_terms])
    return words[0] if len(words) == 1 else Or(words)


def search(
    store: Store,
    text: str,
    *,
    lang: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    theme: str | None = None,
    kinds: list[str] | None = None,
    limit: int = 20,
    topic: int | None = None,
    source: str | None = None,
    mode: str = "fts",
) -> list[dict[str, Any]]:
    """Documents matching ``text``, best first: dicts with id, source_id, path, title, year, langs,
    snippet, score (higher is better), kind (of the best-matching part).

    ``mode``: "fts" (full-text, the query syntax above), "semantic" (nearest document vectors to
    the text's, any language) or "hybrid" (BM25 over any of the words fused with semantic ranks);
    the last two need vectors (``govtext embed``), see pipeline.semantic.search.

    ``topic``: documents whose dominant topic in the active topic model is this one; ``source``: a
    source file or a folder (path prefix). The snippet marks matches as ``[word]``, also words
    found only through their normal forms (``kemitraan`` -> "mitra")."""
    if mode != "fts":
        from pipeline.semantic import search as semantic

        if mode not in ("semantic", "hybrid"):
            raise ValueError(f"unknown search mode {mode!r}: use fts, semantic or hybrid")
        if kinds:
            raise ValueError("--kind applies to full-text search only (vectors are per document)")
        fn = semantic.semantic_search if mode == "semantic" else semantic.hybrid_search
        filters = dict(
            lang=lang, year_from=year_from, year_to=year_to, theme=theme, topic=topic, source=source
        )
        return fn(store, text, limit=limit, **filters)
    filters = Filters(year_from=year_from, year_to=year_to, theme=theme, topic=topic, source=source)
    node = parse_query(text, store=store)
    return search_node(store, node, lang=lang, filters=filters, kinds=kinds, limit=limit)


def search_node(
    store: Store,
    node: Node,
    *,
    lang: str | None = None,
    filters: Filters | None = None,
    kinds: Sequence[str] | None = None,
    limit: int = 20,
) -> list[dict[str, Any]]:
    """``search`` for a query already parsed (``parse_query``, ``any_words_match``)."""
    rows = store.search(node, lang=lang, filters=filters, kinds=kinds, limit=limit)
    return [
        {
            "id": r["id"], "source_id": r["source_id"], "path": r["path"], "title": r["title"], "year": r["year"],
            "langs": r["langs"], "snippet": snippet(r["text"], r["lang"], node, store=store), "score": r["score"],
            "kind": r["kind"],
        }
        for r in rows
    ]  # fmt: skip


def similar(store: Store, ref: str, **options: Any) -> list[dict[str, Any]]:
    """Documents closest in meaning to one document (any language); see pipeline.semantic.search.similar."""
    from pipeline.semantic.search import similar as _similar

    return _similar(store, ref, **options)


def show(store: Store, ref: str) -> dict[str, Any] | None:
    """The whole document (``govtext show`` JSON shape) by id, id prefix, source id or path."""
    doc_id = store.resolve_id(ref)
    if doc_id is None:
        return None
    doc = store.get_document(doc_id)
    return doc.to_dict() if doc else None


# -- snippets ------------------------------------------------------------------------------------
def snippet(
    text: str, lang: str | None, node: Node, size: int = SNIPPET_WORDS, store: Store | None = None
) -> str:
    """About ``size`` words of a part around its best cluster of matches, matches as ``[word]``,
    ``…`` where the text was cut."""
    terms = positive_words(node)
    words = list(_TOKEN.finditer(text))
    marked = _surface_marks(words, terms)
    if not marked:
        # Matched through the normalised text only: find the words whose normal forms match.
        words = list(WORD.finditer(text))
        if store is not None:
            prime(store, [m.group() for m in words[:_NORM_SCAN]])
        marked = _norm_marks(words[:_NORM_SCAN], lang, terms)
    if not words:
        return ""
    start = _window(sorted(marked), len(words), size)
    end = min(len(words), start + size)
    out = ["…" if start > 0 else ""]
    at = words[start].start()
    for i in range(start, end):
        m = words[i]
        if i in marked:
            out.append(text[at : m.start()] + "[" + m.group() + "]")
            at = m.end()
    out.append(text[at : words[end - 1].end()])
    if end < len(words):
        out.append("…")
    return " ".join("".join(out).split())


def _window(marks: Sequence[int], n: int, size: int) -> int:
    """Where the snippet starts: the window holding the most matches, a few words before the first."""
    if not marks:
        return 0
    best, best_count = 0, -1
    j = 0
    for i, m in enumerate(marks):
        start = max(0, min(m - _CONTEXT, n - size))
        j = max(j, i)
        while j + 1 < len(marks) and marks[j + 1] < start + size:
            j += 1
        count = j - i + 1
        if count > best_count:
            best, best_count = start, count
    return best


def _fold(s: str) -> str:
    return "".join(tokens(s))


def _surface_marks(words: list[re.Match], terms: list[Words | Near]) -> set[int]:
    folded = [_fold(m.group()) for m in words]
    marked: set[int] = set()
    for t in terms:
        seqs = [tokens(p) for p in (t.phrases if isinstance(t, Near) else () if t.norm_only else (t.text,))]
        prefix = isinstance(t, Words) and t.prefix
        for seq in seqs:
            k = len(seq)
            for i in range(len(folded) - k + 1):
                if folded[i : i + k - 1] == seq[:-1] and (
                    folded[i + k - 1].startswith(seq[-1]) if prefix else folded[i + k - 1] == seq[-1]
                ):
                    marked.update(range(i, i + k))
    return marked


def _norm_marks(words: list[re.Match], lang: str | None, terms: list[Words | Near]) -> set[int]:
    from pipeline.explore.kwic import Term, find_spans
    from pipeline.nlp import normalise_many

    wanted = [t for t in terms if isinstance(t, Words) and not t.prefix and t.norms]
    if not wanted or not words:
        return set()
    surface = [m.group() for m in words]
    langs = [lang] if lang in ("id", "en") else ["id", "en"]
    marked: set[int] = set()
    for lg in langs:
        norms = normalise_many(surface, [lg] * len(surface))
        for t in wanted:
            seqs = {tuple(WORD.findall(t.text))} | {tuple(n.split()) for n in t.norms}
            for a, b in find_spans(Term(t.text, frozenset(s for s in seqs if s)), surface, norms):
                marked.update(range(a, b))
    return marked
