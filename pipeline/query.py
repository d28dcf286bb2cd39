"""The query API shared by the CLI, exports, reports and notebooks.

User queries use FTS5 syntax (phrases, AND/OR/NOT, prefix*). Every plain term and phrase is
widened to its normalised forms in both languages and matched against the ``norm`` column as
well as the surface ``text``, so ``kemitraan`` finds documents that only say ``mitra`` and
``partnerships`` finds ``partnership``. User text never builds SQL: it only becomes an FTS
expression passed as a parameter.
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.store import QuerySyntaxError, Store

_TOKEN = re.compile(r'"[^"]*"|\(|\)|[^\s()"]+')
_OPERATORS = {"AND", "OR", "NOT"}


def _variants(term: str) -> list[str]:
    try:
        from pipeline.nlp import query_variants
    except ImportError:  # pragma: no cover - nlp is part of the package
        return []
    return sorted(v for v in query_variants(term) if v and v != term)


def _phrase_norms(phrase: str) -> list[str]:
    try:
        from pipeline.nlp import normalise
    except ImportError:  # pragma: no cover
        return []
    out = {" ".join(normalise(phrase, lang)) for lang in ("id", "en")}
    return sorted(p for p in out if p and p != phrase)


def _quote(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def build_match(query: str) -> str:
    """Translate a user query into a stem-aware FTS5 expression over the text and norm columns."""
    if query.count('"') % 2:
        raise QuerySyntaxError("invalid search query: unbalanced double quote")
    depth = 0
    out: list[str] = []
    tokens = _TOKEN.findall(query)
    if not tokens:
        raise QuerySyntaxError("invalid search query: empty")
    if "NEAR" in query:
        # NEAR groups cannot take per-term alternatives; match them on the surface text as written.
        return "{text norm} : (" + query + ")"
    for tok in tokens:
        if tok == "(":
            depth += 1
            out.append(tok)
        elif tok == ")":
            depth -= 1
            if depth < 0:
                raise QuerySyntaxError("invalid search query: unbalanced parenthesis")
            out.append(tok)
        elif tok in _OPERATORS:
            out.append(tok)
        elif tok.startswith('"'):
            phrase = tok[1:-1].strip().lower()
            if not phrase:
                continue
            alts = [f"{{text norm}} : {_quote(phrase)}"] + [
                f"norm : {_quote(n)}" for n in _phrase_norms(phrase)
            ]
            out.append("(" + " OR ".join(alts) + ")")
        elif tok.endswith("*") and len(tok) > 1:
            stem = tok.rstrip("*").lower()
            out.append(f"{{text norm}} : {_quote(stem)}*")
        else:
            term = tok.lower()
            alts = [f"{{text norm}} : {_quote(term)}"] + [f"norm : {_quote(v)}" for v in _variants(term)]
            out.append("(" + " OR ".join(alts) + ")" if len(alts) > 1 else alts[0])
    if depth != 0:
        raise QuerySyntaxError("invalid search query: unbalanced parenthesis")
    if out and out[-1] in _OPERATORS or out and out[0] in {"AND", "OR"}:
        raise QuerySyntaxError(f"invalid search query: {query!r} starts or ends with an operator")
    # FTS5 rejects an implicit AND before a column filter that follows a group ("(a OR b) {c} : d"),
    # so adjacent operands are joined explicitly.
    joined: list[str] = []
    for tok in out:
        if (
            joined
            and joined[-1] not in _OPERATORS
            and joined[-1] != "("
            and tok not in _OPERATORS
            and tok != ")"
        ):
            joined.append("AND")
        joined.append(tok)
    return " ".join(joined)


def any_words_match(text: str, max_terms: int = 100) -> str:
    """An FTS5 expression matching any content word of a free text by its normal forms, in both
    languages: plain bag-of-words BM25 (the lexical half of hybrid search)."""
    from pipeline.nlp import content_terms_many

    terms = dict.fromkeys(t for ts in content_terms_many([text, text], ["id", "en"]) for t in ts)
    if not terms:
        raise QuerySyntaxError(f"invalid search query: no words to search for in {text[:40]!r}")
    return " OR ".join(f"norm : {_quote(t)}" for t in list(terms)[:max_terms])


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
    source file or a folder (path prefix). The snippet marks matches as ``[word]``; a part found
    only through its normal forms (``kemitraan`` -> "mitra") is marked word by word here."""
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
    rows = store.search(
        build_match(text),
        lang=lang,
        year_from=year_from,
        year_to=year_to,
        theme=theme,
        topic=topic,
        source=source,
        kinds=kinds,
        limit=limit,
    )
    if any("[" not in (r["snippet"] or "") for r in rows):
        _mark_norm_matches(text, rows)
    return rows


def _mark_norm_matches(text: str, rows: list[dict[str, Any]]) -> None:
    from pipeline.explore.kwic import Term, compile_term, find_spans

    terms: list[Term] = []
    for tok in _TOKEN.findall(text):
        if tok in _OPERATORS or tok in "()":
            continue
        try:
            terms.append(compile_term(tok))
        except ValueError:
            continue
    if not terms:
        return
    from pipeline.nlp import normalise_many

    word = re.compile(r"\w+(?:[-'’]\w+)*")
    for r in rows:
        snip = r["snippet"] or ""
        if "[" in snip:
            continue
        matches = list(word.finditer(snip))
        words = [m.group() for m in matches]
        # The snippet does not say its part's language: try the words under both.
        per_lang = [normalise_many(words, [lang] * len(words)) for lang in ("en", "id")] if words else []
        marked = set()
        for t in terms:
            for ns in per_lang:
                for a, b in find_spans(t, words, ns):
                    marked.update(range(a, b))
        if not marked:
            continue
        pieces, at = [], 0
        for i, m in enumerate(matches):
            if i in marked:
                pieces.append(snip[at : m.start()] + "[" + m.group() + "]")
                at = m.end()
        r["snippet"] = "".join(pieces) + snip[at:]


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
