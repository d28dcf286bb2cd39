"""The neutral parsed form of a search, shared by every backend.

A user query (words, "phrases", prefix*, AND/OR/NOT, parentheses, NEAR(a b, N)) is parsed once
into a small tree; each backend renders the tree into its own language (an FTS5 MATCH string for
SQLite, a tsquery for PostgreSQL). Nothing here speaks SQL.

Matching rules, the same on every backend:
- a ``Words`` node matches its surface words (a phrase when there are several) in a part's text or
  its normalised text, or any of its normalised alternatives (``norms``) in the normalised text;
- ``prefix`` makes the last word a prefix;
- ``Near`` matches its phrases within ``distance`` words of each other, in any order;
- ``And``/``Or``/``Not`` combine matches inside one part (a title, an abstract, a section).

Words are tokenised as SQLite's ``unicode61 remove_diacritics 2`` tokenizer does (``tokens``), so
both backends see the same tokens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pipeline.store.errors import QuerySyntaxError

NEAR_DEFAULT = 10


@dataclass(frozen=True)
class Words:
    """A word or phrase, lowercased as typed; ``norms``: normal-form alternatives (norm column)."""

    text: str
    norms: tuple[str, ...] = ()
    prefix: bool = False
    norm_only: bool = False  # match the normalised text only (no surface match)


@dataclass(frozen=True)
class Near:
    phrases: tuple[str, ...]
    distance: int = NEAR_DEFAULT


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """``keep`` matches and ``drop`` does not (FTS5's binary NOT)."""

    keep: Node
    drop: Node


Node = Words | Near | And | Or | Not


# -- tokens --------------------------------------------------------------------------------------
_WORD = re.compile(r"[^\W_]+")
# The combining marks of Latin-script letters (what FTS5's remove_diacritics takes off).
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def tokens(text: str) -> list[str]:
    """Index tokens of a text: runs of letters and digits, lowercased, diacritics removed."""
    low = text.lower()
    if not low.isascii():
        low = _MARKS.sub("", unicodedata.normalize("NFKD", low))
    return _WORD.findall(low)


# -- parsing -------------------------------------------------------------------------------------
_LEX = re.compile(r'"[^"]*"|\(|\)|,|[^\s(),"]+')
_OPERATORS = {"AND", "OR", "NOT"}

Expand = Callable[[str], Iterable[str]]


@dataclass
class _Parser:
    toks: list[str]
    expand_word: Expand | None
    expand_phrase: Expand | None
    at: int = 0
    query: str = field(default="")

    def peek(self) -> str | None:
        return self.toks[self.at] if self.at < len(self.toks) else None

    def take(self) -> str:
        tok = self.toks[self.at]
        self.at += 1
        return tok

    def fail(self, why: str) -> QuerySyntaxError:
        return QuerySyntaxError(f"invalid search query: {why}")

    # FTS5 precedence, loosest first: OR, then AND (also implicit), then NOT.
    def parse_or(self) -> Node:
        items = [self.parse_and()]
        while self.peek() == "OR":
            self.take()
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self) -> Node:
        items = [self.parse_not()]
        while (tok := self.peek()) is not None and tok not in ("OR", ")"):
            if tok == "AND":
                self.take()
            items.append(self.parse_not())
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_not(self) -> Node:
        node = self.parse_primary()
        while self.peek() == "NOT":
            self.take()
            node = Not(node, self.parse_primary())
        return node

    def parse_primary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise self.fail(f"{self.query!r} ends with an operator")
        if tok in _OPERATORS:
            raise self.fail(f"{self.query!r}: {tok} needs a term before it")
        if tok == ")":
            raise self.fail("unbalanced parenthesis")
        if tok == ",":
            raise self.fail("unexpected ','")
        self.take()
        if tok == "(":
            node = self.parse_or()
            if self.peek() != ")":
                raise self.fail("unbalanced parenthesis")
            self.take()
            return node
        if tok == "NEAR" and self.peek() == "(":
            return self.parse_near()
        if tok.startswith('"'):
            return self.phrase(tok[1:-1])
        return self.word(tok)

    def parse_near(self) -> Node:
        self.take()  # "("
        phrases: list[str] = []
        distance = NEAR_DEFAULT
        while (tok := self.peek()) is not None and tok != ")":
            self.take()
            if tok == ",":
                num = self.take() if self.peek() not in (None, ")") else ""
                if not num.isdigit():
                    raise self.fail("NEAR wants a number after the comma, e.g. NEAR(a b, 5)")
                distance = int(num)
            else:
                text = (tok[1:-1] if tok.startswith('"') else tok).strip().lower()
                if tokens(text):
                    phrases.append(text)
        if self.peek() != ")":
            raise self.fail("unbalanced parenthesis in NEAR(...)")
        self.take()
        if len(phrases) < 2:
            raise self.fail("NEAR needs at least two words or phrases")
        return Near(tuple(phrases), distance)

    def phrase(self, raw: str) -> Node:
        text = raw.strip().lower()
        if not tokens(text):
            raise self.fail(f'"{raw}" has no words to search for')
        norms = _others(text, self.expand_phrase)
        return Words(text, norms)

    def word(self, raw: str) -> Node:
        text = raw.lower()
        if text.endswith("*") and len(text.rstrip("*")) > 0:
            stem = text.rstrip("*")
            if not tokens(stem):
                raise self.fail(f"{raw!r} has no letters before the *")
            return Words(stem, (), prefix=True)
        if not tokens(text):
            raise self.fail(f"{raw!r} has no words to search for")
        return Words(text, _others(text, self.expand_word))


def _others(text: str, expand: Expand | None) -> tuple[str, ...]:
    if expand is None:
        return ()
    return tuple(sorted({v for v in expand(text) if v and v != text and tokens(v)}))


def parse(query: str, expand_word: Expand | None = None, expand_phrase: Expand | None = None) -> Node:
    """The tree of a user query. ``expand_word``/``expand_phrase`` give the normal forms a word or
    phrase is also looked for under (in the normalised text); without them only the surface forms
    are searched."""
    if query.count('"') % 2:
        raise QuerySyntaxError("invalid search query: unbalanced double quote")
    toks = _LEX.findall(query)
    if not toks:
        raise QuerySyntaxError("invalid search query: empty")
    p = _Parser(toks, expand_word, expand_phrase, query=query)
    node = p.parse_or()
    if p.peek() is not None:
        raise p.fail("unbalanced parenthesis" if p.peek() == ")" else f"unexpected {p.peek()!r}")
    return node


def walk(node: Node) -> Iterable[Node]:
    """Every node of a tree, parents before children."""
    yield node
    if isinstance(node, And | Or):
        for it in node.items:
            yield from walk(it)
    elif isinstance(node, Not):
        yield from walk(node.keep)
        yield from walk(node.drop)


def positive_words(node: Node) -> list[Words | Near]:
    """The terms whose matches a snippet should mark (not those under NOT)."""
    if isinstance(node, Words | Near):
        return [node]
    if isinstance(node, And | Or):
        return [w for it in node.items for w in positive_words(it)]
    return positive_words(node.keep)
