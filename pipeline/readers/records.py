"""Multi-record files (JSONL, JSON, CSV/TSV, RIS, BibTeX): one abstract_record Document per record.

Every format is turned into plain dicts (field name -> raw value); one shared mapper finds
title/abstract/keywords/... by field name (English and Indonesian) and builds the Document.
Abstracts are not split by language here: the segment stage does that.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
import unicodedata
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.clean import normalize_unicode
from pipeline.document import Document, Keyword, Part, ReadError, RecordError
from pipeline.readers import ReadOptions, register
from pipeline.readers.encoding import iter_lines, read_text

# --- field detection -----------------------------------------------------------------------------

# Normalised column name (lower case, letters and digits only) -> logical field.
_ALIASES: dict[str, str] = {}
for _field, _names in {
    "title": "title judul ti t1 articletitle papertitle documenttitle judulartikel",
    "abstract": "abstract summary ab n2 abstracts",
    "abstract_en": "abstracten abstrakten abstractenglish abstrakinggris",
    "abstract_id": "abstractid abstrakid abstractindonesian abstrakindonesia",
    "abstrak": "abstrak ringkasan intisari",
    "keywords": "keywords keyword katakunci kw authorkeywords keywordsplus",
    "keywords_en": "keywordsen keyworden katakuncien",
    "keywords_id": "keywordsid keywordid katakunciid",
    "authors": "authors author penulis pengarang au a1",
    "year": "year tahun py y1 publicationyear pubyear",
    "date": "da date tanggal publicationdate",
    "doi": "doi do",
    "id": "id recordid",
    "journal": "journal journaltitle jurnal venue jo t2 jf ja sourcetitle booktitle conference namajurnal",
    # Generic text columns (e.g. judul/konten exports): the abstract only when no abstract column exists.
    "text": "text content konten fulltext",
}.items():
    for _n in _names.split():
        _ALIASES[_n] = _field

# "article.title", "ARTICLE_ABSTRACT", "issue.year": scraper exports prefix the real name.
_PREFIXES = ("article", "paper", "document", "doc", "record", "item", "issue", "publication")
_NO_PREFIX_FIELDS = {"id"}  # ARTICLE_ID is often a per-journal counter, not the record's id

# Fields whose value holds the abstract text, and the language their column name asserts.
_ABSTRACT_LANG = {"abstract": None, "abstrak": None, "abstract_en": "en", "abstract_id": "id"}
_KEYWORD_LANG = {"keywords": None, "keywords_en": "en", "keywords_id": "id"}
# Override keys accepted by ReadOptions.columns ("abstrak" names an Indonesian abstract column).
_OVERRIDE_KEYS = {
    "title": "title", "abstract": "abstract", "abstrak": "abstract_id", "abstract_id": "abstract_id",
    "abstract_en": "abstract_en", "keywords": "keywords", "keywords_id": "keywords_id",
    "keywords_en": "keywords_en", "authors": "authors", "year": "year", "doi": "doi", "id": "id",
    "journal": "journal",
}  # fmt: skip
_AUTHOR_N = re.compile(r"^(?:author|penulis|au)(\d+)$")


def norm_name(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


def _field_of(column: str) -> str | None:
    n = norm_name(column)
    if n in _ALIASES:
        return _ALIASES[n]
    if _AUTHOR_N.match(n):
        return "authors"
    for p in _PREFIXES:
        if n.startswith(p) and n[len(p) :] in _ALIASES and _ALIASES[n[len(p) :]] not in _NO_PREFIX_FIELDS:
            return _ALIASES[n[len(p) :]]
    return None


@dataclass
class FieldMap:
    """Logical field -> the record keys that hold it, in column order."""

    columns: dict[str, list[str]] = field(default_factory=dict)

    def get(self, name: str) -> list[str]:
        return self.columns.get(name, [])

    def has_text(self) -> bool:
        return any(self.get(f) for f in ("title", *_ABSTRACT_LANG))


def detect_fields(
    columns: Iterable[str], overrides: dict[str, str] | None = None, strict: bool = True
) -> FieldMap:
    """Map column names to logical fields; ``overrides`` (field -> column) win over detection.

    Raises ReadError for an unknown field, or (``strict``) an override column that is not there;
    JSON records may omit keys, so later records are checked with strict=False.
    """
    columns = list(columns)
    fm = FieldMap()
    for col in columns:
        f = _field_of(col)
        if f:
            fm.columns.setdefault(f, []).append(col)
    text_cols = fm.columns.pop("text", [])
    if text_cols and not any(fm.get(f) for f in _ABSTRACT_LANG):
        fm.columns["abstract"] = text_cols
    by_norm = {norm_name(c): c for c in columns}
    for key, col in (overrides or {}).items():
        target = _OVERRIDE_KEYS.get(key.lower())
        if target is None:
            raise ReadError(
                f"unknown field {key!r} in --column (use one of: {', '.join(sorted(_OVERRIDE_KEYS))})"
            )
        real = col if col in columns else by_norm.get(norm_name(col))
        if real is None and not strict:
            real = col
        elif real is None:
            raise ReadError(f"column {col!r} not found (columns: {', '.join(columns)})")
        for cols in fm.columns.values():  # a column serves one field only
            if real in cols:
                cols.remove(real)
        if key.lower() == "abstract":  # an explicit abstract column replaces all detected ones
            for f in _ABSTRACT_LANG:
                fm.columns.pop(f, None)
        fm.columns[target] = [real]
    return fm


def _no_columns_error(columns: Iterable[str]) -> ReadError:
    cols = ", ".join(c.strip() for c in columns) or "none"
    if len(cols) > 200:
        cols = cols[:200] + "..."
    return ReadError(f"no title or abstract column (columns: {cols}); use --column abstract=NAME")


# --- value cleaning ------------------------------------------------------------------------------

_YEAR = re.compile(r"(?<!\d)(19\d\d|20\d\d|2100)(?!\d)")
_DOI = re.compile(r"10\.\d{4,9}/\S+")


# Control characters (NUL and friends from broken exports) except tab and line breaks.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_EDGES = re.compile(r"[ \t]*\n[ \t]*")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(_text(v) for v in value if v is not None)
    text = str(value)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = normalize_unicode(_CONTROLS.sub("", text))
    return _LINE_EDGES.sub("\n", text).strip() if "\n" in text else text.strip()


def _one_line(value: Any) -> str:
    return " ".join(_text(value).split())


def _year(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 1900 <= value <= 2100 else None
    m = _YEAR.search(_one_line(value))
    return int(m.group(1)) if m else None


def _doi(value: Any) -> str | None:
    s = _one_line(value)
    if not s:
        return None
    m = _DOI.search(s)
    return m.group(0).rstrip(".,;") if m else None


_AND = re.compile(r"\s+(?:and|dan|&)\s+")


def split_authors(value: Any) -> list[str]:
    """Author names from a list or a string ("Last, First; Last, First", "A and B", "A, B, C")."""
    if isinstance(value, list):
        return [a for a in (_one_line(v) for v in value) if a]
    s = _one_line(value)
    if not s:
        return []
    if ";" in s:
        pieces = s.split(";")
    else:
        pieces = _AND.split(s)
        if len(pieces) == 1 and "," in s:
            commas = [p.strip() for p in s.split(",")]
            # "Dawes, Sharon S." is one author (Last, First); "Ann Lee, Budi Santoso" is two.
            if all(len(p.split()) >= 2 for p in commas):
                pieces = commas
    return [p.strip() for p in pieces if p.strip()]


def _keyword_list(value: Any) -> list[str]:
    if isinstance(value, list):
        items = [_one_line(v) for v in value]
    else:
        items = [k.strip() for k in re.split(r"[;,]", _one_line(value))]
    return [k for k in items if k]


# --- record -> Document --------------------------------------------------------------------------


def record_id(record: dict[str, Any]) -> str:
    canon = json.dumps(record, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


def _values(record: dict[str, Any], cols: list[str]) -> list[Any]:
    out = []
    for c in cols:
        v = record.get(c)
        if v is None or v == "" or v == []:
            continue
        out.append(v)
    return out


MAX_RECORD_MB = 2


def _raw_size(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(_raw_size(v) for v in value.values())
    if isinstance(value, list):
        return sum(_raw_size(v) for v in value)
    return 0


def build_document(
    record: dict[str, Any],
    fm: FieldMap,
    index: int,
    path: Path,
    fmt: str,
    source_id: str | None = None,
) -> Document | RecordError:
    """One abstract_record Document from a raw record, or a RecordError when it has no text."""
    size = _raw_size(record)
    if size > MAX_RECORD_MB * 1024 * 1024:
        # One 50 MB "abstract" costs minutes of NLP and a GB of memory: a broken export, not a record.
        return RecordError(
            str(path),
            "read",
            f"record {index}: too large ({size / 1024 / 1024:.0f} MB of text"
            f" > {MAX_RECORD_MB} MB cap for one record)",
        )
    parts: list[Part] = []
    title = next((t for t in (_one_line(v) for v in _values(record, fm.get("title"))) if t), None)
    if title:
        parts.append(Part(kind="title", text=title))

    seen: dict[str, int] = {}  # abstract text -> index in parts (to drop copies)
    cleaned: dict[str, str] = {}  # raw -> clean: the copies are usually identical raw strings
    for f, lang in _ABSTRACT_LANG.items():
        for v in _values(record, fm.get(f)):
            key = v if isinstance(v, str) else repr(v)
            text = cleaned.get(key)
            if text is None:
                text = cleaned[key] = _text(v)
            if not text:
                continue
            if text in seen:  # same text under "abstract" and "abstract_id": keep one, with the language
                prev = parts[seen[text]]
                if prev.lang is None and lang is not None:
                    prev.lang = lang
                continue
            seen[text] = len(parts)
            parts.append(Part(kind="abstract", text=text, lang=lang))
    if not parts:
        return RecordError(str(path), "read", f"record {index}: no title or abstract")

    keywords: list[Keyword] = []
    tagged: set[str] = set()
    for f in ("keywords_en", "keywords_id"):
        for v in _values(record, fm.get(f)):
            for k in _keyword_list(v):
                keywords.append(Keyword(text=k, lang=_KEYWORD_LANG[f]))
                tagged.add(k.casefold())
    for v in _values(record, fm.get("keywords")):
        if isinstance(v, list):
            keywords.extend(Keyword(text=k) for k in _keyword_list(v) if k.casefold() not in tagged)
        elif not tagged:  # a string list is left whole for the segment stage to split and tag
            text = _text(v)
            if text:
                parts.append(Part(kind="keywords", text=text))

    authors: list[str] = []
    for v in _values(record, fm.get("authors")):
        authors.extend(a for a in split_authors(v) if a not in authors)

    year = next((y for y in map(_year, _values(record, fm.get("year") + fm.get("date"))) if y), None)
    doi = next((d for d in map(_doi, _values(record, fm.get("doi"))) if d), None)
    if source_id is None:
        source_id = next((s for s in map(_one_line, _values(record, fm.get("id"))) if s), None)
    meta: dict[str, Any] = {"record": index}
    journal = next((j for j in map(_one_line, _values(record, fm.get("journal"))) if j), None)
    if journal:
        meta["journal"] = journal
    return Document(
        id=record_id(record),
        path=str(path),
        format=fmt,
        source_id=source_id,
        doc_type="abstract_record",
        title=title,
        authors=authors,
        year=year,
        doi=doi,
        parts=parts,
        keywords=keywords,
        meta=meta,
    )


# --- JSON / JSONL --------------------------------------------------------------------------------


@register("jsonl", ".jsonl", ".ndjson")
def read_jsonl(path: Path, options: ReadOptions) -> Iterator[Document | RecordError]:
    fm: FieldMap | None = None
    known: tuple[str, ...] = ()
    index = -1  # record index = position among the non-blank lines, so broken lines keep their place
    pending: list[RecordError] = []  # errors before the first good record: maybe the file is not JSONL
    seen_good = False
    for lineno, line in enumerate(iter_lines(path, options.encoding), start=1):
        if not line.strip():
            continue
        index += 1
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError) as e:  # RecursionError: a line of thousands of '['
            if isinstance(e, json.JSONDecodeError):
                why = f"{e.msg.removesuffix(' at')} at column {e.colno}"
            else:
                why = "nested too deeply"
            err = RecordError(str(path), "read", f"line {lineno}: invalid JSON ({why})")
            if seen_good:
                yield err
                continue
            pending.append(err)
            if len(pending) >= 5:
                raise ReadError(
                    f"not JSON Lines (first {len(pending)} lines are invalid JSON: {e})"
                ) from None
            continue
        if not isinstance(obj, dict):
            yield RecordError(str(path), "read", f"line {lineno}: not a JSON object")
            continue
        keys = tuple(obj)
        if fm is None or keys != known:  # records usually share keys: detect once per key set
            fm = detect_fields(keys, options.columns, strict=not seen_good)
            known = keys
            if not seen_good and not fm.has_text():
                raise _no_columns_error(keys)
        if not seen_good:
            seen_good = True
            yield from pending
        doc = build_document(obj, fm, index, path, "jsonl")
        if isinstance(doc, RecordError):
            doc.message = f"line {lineno}: {doc.message}"
        yield doc
    if pending and not seen_good:
        raise ReadError(f"no valid JSON record ({len(pending)} invalid lines)")


_WRAPPERS = ("records", "data", "items", "results", "rows")


@register("json", ".json")
def read_json(path: Path, options: ReadOptions) -> Iterator[Document | RecordError]:
    text, _ = read_text(path, options.encoding)
    try:
        data = json.loads(text)
    except ValueError as e:
        raise ReadError(f"invalid JSON ({e})") from None
    if isinstance(data, dict):
        wrapped = next((data[k] for k in _WRAPPERS if isinstance(data.get(k), list)), None)
        records = wrapped if wrapped is not None else [data]
    elif isinstance(data, list):
        records = data
    else:
        raise ReadError("JSON is neither an object nor a list of objects")
    columns: dict[str, None] = {}
    for r in records:
        if isinstance(r, dict):
            columns.update(dict.fromkeys(r))
    fm = detect_fields(columns, options.columns)
    if records and not fm.has_text():
        raise _no_columns_error(columns)
    for i, r in enumerate(records):
        if not isinstance(r, dict):
            yield RecordError(str(path), "read", f"record {i}: not a JSON object")
            continue
        yield build_document(r, fm, i, path, "json")


# --- CSV / TSV -----------------------------------------------------------------------------------

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def _sniff_delimiter(header: str, default: str) -> str:
    counts = {d: header.count(d) for d in (default, ",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return default if counts[default] or not counts[best] else best


class _LineFeed:
    """Feeds lines to csv.reader, remembering which physical lines each row used, so lines
    swallowed by an unterminated quote can be pushed back and read again as rows."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = enumerate(lines, start=1)
        self._back: deque[tuple[int, str]] = deque()
        self.used: list[tuple[int, str]] = []

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        item = self._back.popleft() if self._back else next(self._lines)
        self.used.append(item)
        return item[1]

    def push_back(self, items: list[tuple[int, str]]) -> None:
        self._back.extendleft(reversed(items))


def _read_delimited(
    path: Path, options: ReadOptions, fmt: str, default: str
) -> Iterator[Document | RecordError]:
    feed = _LineFeed(iter_lines(path, options.encoding))
    try:
        while not (first := next(feed)).strip():
            pass
    except StopIteration:
        raise ReadError("empty file") from None
    feed.push_back(feed.used[-1:])
    feed.used.clear()
    reader = csv.reader(feed, delimiter=_sniff_delimiter(first, default), strict=False)
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as e:
        raise ReadError(f"cannot parse the header row ({e})") from None
    fm = detect_fields(header, options.columns)
    if not fm.has_text():
        raise _no_columns_error(header)
    index = 0
    while True:
        feed.used.clear()
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:  # rare with strict=False; the reader cannot resume after it
            line = feed.used[0][0] if feed.used else "?"
            yield RecordError(str(path), "read", f"line {line}: broken CSV ({e}); rest of file skipped")
            break
        used = list(feed.used)
        line = used[0][0] if used else 0
        if len(used) > 1 and sum(text.count('"') for _, text in used) % 2:
            # An odd number of quotes over several lines: a quote was never closed and the
            # field swallowed the following lines. Drop this row and read those lines again.
            yield RecordError(
                str(path), "read", f"line {line}: record {index}: unterminated quote (line skipped)"
            )
            feed.push_back(used[1:])
            index += 1
            continue
        if not any(cell.strip() for cell in row):
            continue
        record = {h: (row[i] if i < len(row) else "") for i, h in enumerate(header)}
        if len(row) > len(header):
            record["_extra"] = row[len(header) :]
        doc = build_document(record, fm, index, path, fmt)
        if isinstance(doc, RecordError):
            doc.message = f"line {line}: {doc.message}"
        yield doc
        index += 1


@register("csv", ".csv")
def read_csv(path: Path, options: ReadOptions) -> Iterator[Document | RecordError]:
    return _read_delimited(path, options, "csv", ",")


@register("tsv", ".tsv", ".tab")
def read_tsv(path: Path, options: ReadOptions) -> Iterator[Document | RecordError]:
    return _read_delimited(path, options, "tsv", "\t")


# --- RIS -----------------------------------------------------------------------------------------

_RIS_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")


def parse_ris(text: str) -> Iterator[tuple[int, dict[str, list[str]]] | RecordError]:
    """(line of TY, {tag: [values]}) per TY..ER record; continuation lines join the previous tag."""
    record: dict[str, list[str]] | None = None
    start = 0
    last: str | None = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        line = line.rstrip()
        m = _RIS_TAG.match(line)
        if m:
            tag, value = m.group(1), (m.group(2) or "").strip()
            if tag == "TY":
                if record is not None:
                    yield RecordError("", "read", f"line {start}: RIS record without ER")
                record, start, last = {"TY": [value]}, lineno, "TY"
            elif tag == "ER":
                if record is not None:
                    yield start, record
                record, last = None, None
            elif record is not None:
                record.setdefault(tag, []).append(value)
                last = tag
        elif line.strip() and record is not None and last is not None:
            record[last][-1] = (record[last][-1] + " " + line.strip()).strip()
    if record is not None:
        yield RecordError("", "read", f"line {start}: RIS record without ER")


_RIS_FIELDS = FieldMap(
    {
        "title": ["TI", "T1"],
        "abstract": ["AB", "N2"],
        "keywords": ["KW"],
        "authors": ["AU", "A1"],
        "year": ["PY", "Y1"],
        "date": ["DA"],
        "doi": ["DO"],
        "journal": ["JO", "T2", "JF", "JA"],
    }
)


@register("ris", ".ris")
def read_ris(path: Path, options: ReadOptions) -> Iterator[Document | RecordError]:
    text, _ = read_text(path, options.encoding)
    fm = _RIS_FIELDS
    if options.columns:  # overrides name RIS tags
        fm = FieldMap({k: list(v) for k, v in _RIS_FIELDS.columns.items()})
        for key, tag in options.columns.items():
            target = _OVERRIDE_KEYS.get(key.lower())
            if target is None:
                raise ReadError(f"unknown field {key!r} in --column")
            fm.columns[target] = [tag.upper()]
    index = 0
    found = False
    for item in parse_ris(text):
        found = True
        if isinstance(item, RecordError):
            item.path = str(path)
            yield item
            continue
        lineno, rec = item
        # Keyword and author tags repeat: pass lists. Exports repeat AB for an abstract in a second
        # language: keep every one (the segment stage splits them). Other tags: the first value.
        flat = {
            t: (v if t in ("KW", "AU", "A1") else "\n\n".join(v) if t in ("AB", "N2") else v[0])
            for t, v in rec.items()
        }
        source_id = (rec.get("ID") or rec.get("AN") or [None])[0] or None
        doc = build_document(flat, fm, index, path, "ris", source_id=source_id)
        if isinstance(doc, RecordError):
            doc.message = f"line {lineno}: {doc.message}"
        else:
            doc.id = record_id(rec)
        yield doc
        index += 1
    if not found:
        raise ReadError("no RIS records (no 'TY  - ' lines)")


# --- BibTeX --------------------------------------------------------------------------------------

_ENTRY_START = re.compile(r"^[ \t]*@", re.M)
_ENTRY_HEAD = re.compile(r"@\s*([A-Za-z]+)\s*([{(])")
_FIELD = re.compile(r"\s*([A-Za-z][\w\-:.+]*)\s*=\s*")
_NEW_ENTRY_INSIDE = re.compile(r"\n[ \t]*@[A-Za-z]+\s*[{(]")


class _BibError(Exception):
    pass


_BRACE_STOP = re.compile(r"[\\{}\n]")
_BARE_WORD = re.compile(r"[\w\-:.+]+")  # number or @string name
_CITE_KEY = re.compile(r"\s*([^,\s{}()=]*)\s*,?")


def _braced(text: str, i: int) -> tuple[str, int]:
    """Value of a {...} group starting at text[i] == '{' -> (inner text, index after '}')."""
    depth = 0
    j = i
    while m := _BRACE_STOP.search(text, j):  # jump between the only characters that matter
        j = m.start()
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return text[i + 1 : j], j + 1
        elif _NEW_ENTRY_INSIDE.match(text, j):
            raise _BibError("unbalanced braces")
        j += 1
    raise _BibError("unbalanced braces")


def _quoted(text: str, i: int) -> tuple[str, int]:
    depth = 0
    j = i + 1
    while j < len(text):
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == '"' and depth == 0:
            return text[i + 1 : j], j + 1
        elif c == "\n" and _NEW_ENTRY_INSIDE.match(text, j):
            break
        j += 1
    raise _BibError("unterminated quoted value")


def _value(text: str, i: int, strings: dict[str, str]) -> tuple[str, int]:
    pieces: list[str] = []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            raise _BibError("unexpected end of file")
        c = text[i]
        if c == "{":
            v, i = _braced(text, i)
        elif c == '"':
            v, i = _quoted(text, i)
        else:
            m = _BARE_WORD.match(text, i)
            if not m:
                raise _BibError(f"unexpected {c!r}")
            word, i = m.group(0), m.end()
            v = word if word.isdigit() else strings.get(word.lower(), word)
        pieces.append(v)
        while i < len(text) and text[i].isspace():
            i += 1
        if i < len(text) and text[i] == "#":
            i += 1
            continue
        return "".join(pieces), i


def _parse_entry(text: str, i: int, strings: dict[str, str]) -> tuple[str, str, dict[str, str], int]:
    """Parse one @type{key, field = value, ...}; i is at '@'. -> (type, key, fields, end)."""
    m = _ENTRY_HEAD.match(text, i)
    if not m:
        raise _BibError("no '{' after entry type")
    etype, opener = m.group(1).lower(), m.group(2)
    closer = "}" if opener == "{" else ")"
    j = m.end()
    if etype in ("comment", "preamble"):
        _, end = _braced(text, j - 1) if opener == "{" else (None, text.find(")", j) + 1)
        return etype, "", {}, end
    fields: dict[str, str] = {}
    key = ""
    if etype != "string":
        km = _CITE_KEY.match(text, j)
        key, j = km.group(1), km.end()  # type: ignore[union-attr]
    while True:
        while j < len(text) and (text[j].isspace() or text[j] == ","):
            j += 1
        if j >= len(text):
            raise _BibError("unbalanced braces")
        if text[j] == closer:
            return etype, key, fields, j + 1
        fm = _FIELD.match(text, j)
        if not fm:
            if text[j] == "@":
                raise _BibError("unbalanced braces")
            raise _BibError(f"cannot parse field at {text[j : j + 20]!r}")
        name = fm.group(1).lower()
        value, j = _value(text, fm.end(), strings)
        fields[name] = value


def parse_bibtex(text: str) -> Iterator[tuple[int, str, str, dict[str, str]] | RecordError]:
    """(line, entry type, citation key, raw fields) per entry; RecordError for a broken entry.

    After an error the parser resyncs at the next '@' at the start of a line.
    """
    strings: dict[str, str] = {}
    starts = [m.end() - 1 for m in _ENTRY_START.finditer(text)]
    k = 0
    pos = 0
    line, line_pos = 1, 0
    while k < len(starts):
        i = starts[k]
        k += 1
        if i < pos:  # inside the previous entry (an '@' at line start within a value)
            continue
        line += text.count("\n", line_pos, i)  # counted incrementally: big files stay linear
        line_pos = i
        try:
            etype, key, fields, end = _parse_entry(text, i, strings)
        except _BibError as e:
            head = text[i : text.find("\n", i) if "\n" in text[i:] else len(text)].strip()
            yield RecordError("", "read", f"line {line}: BibTeX entry {head[:60]!r}: {e}")
            continue
        pos = end
        # Text after the entry up to the next entry must be blank: '}' or '=' there means the
        # entry closed early (an extra '}'), so its fields are incomplete.
        nxt = next((s for s in starts[k:] if s >= end), len(text))
        junk = text[end:nxt]
        if etype == "string":
            strings.update({n: v for n, v in fields.items()})
        elif etype in ("comment", "preamble"):
            pass
        elif re.search(r"[}=]", junk):
            yield RecordError("", "read", f"line {line}: BibTeX entry {key!r}: unbalanced braces")
        else:
            yield line, etype, key, fields


_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331",
}  # fmt: skip
_LETTERS = {"ss": "ß", "o": "ø", "O": "Ø", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ", "oe": "œ",
            "OE": "Œ", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ"}  # fmt: skip
_ACCENT_CMD = re.compile(r"\\([`'^\"~=.]|[uvHckrdb](?![A-Za-z]))\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))")
_LETTER_CMD = re.compile(r"\\(ss|aa|AA|ae|AE|oe|OE|o|O|l|L|i|j)(?![A-Za-z])\s?")
_ESCAPED = re.compile(r"\\([&%$#_{}])")
_COMMAND_ARG = re.compile(r"\\[A-Za-z]+\*?\s*\{([^{}]*)\}")
_COMMAND = re.compile(r"\\[A-Za-z]+\*?\s?")


def latex_to_text(value: str) -> str:
    """Strip LaTeX from a BibTeX value: accents to Unicode, escapes, commands, case braces."""

    def accent(m: re.Match[str]) -> str:
        base = (m.group(2) or m.group(3)).lstrip("\\")
        base = {"i": "i", "j": "j"}.get(base, base)
        return base + _ACCENTS[m.group(1)]

    s = _ACCENT_CMD.sub(accent, value)
    s = _LETTER_CMD.sub(lambda m: _LETTERS[m.group(1)], s)
    s = s.replace("---", "\u2014").replace("--", "\u2013").replace("``", "\u201c").replace("''", "\u201d")
    s = re.sub(r"(?<!\\)~", " ", s)
    placeholders = {
        "&": "\x00A",
        "%": "\x00P",
        "$": "\x00D",
        "#": "\x00H",
        "_": "\x00U",
        "{": "\x00L",
        "}": "\x00R",
    }
    s = _ESCAPED.sub(lambda m: placeholders[m.group(1)], s)
    prev = None
    while prev != s:  # innermost first: \emph{\textbf{x}}
        prev = s
        s = _COMMAND_ARG.sub(r"\1", s)
    s = _COMMAND.sub("", s)
    s = s.replace("{", "").replace("}", "").replace("$", "")
    for ch, ph in placeholders.items():
        s = s.replace(ph, ch)
    return unicodedata.normalize("NFC", s)


@register("bib", ".bib", ".bibtex")
def read_bib(path: Path, options: ReadOptions) -> Iterator[Document | RecordError]:
    text, _ = read_text(path, options.encoding)
    if not _ENTRY_START.search(text):
        raise ReadError("no BibTeX entries (no '@' at a line start)")
    index = 0
    fm: FieldMap | None = None
    known: tuple[str, ...] = ()
    for item in parse_bibtex(text):
        if isinstance(item, RecordError):
            item.path = str(path)
            yield item
            continue
        line, etype, key, fields = item
        raw = {"ENTRYTYPE": etype, "ID": key, **fields}
        clean: dict[str, Any] = {n: latex_to_text(v) for n, v in fields.items()}
        if "author" in clean:  # BibTeX joins authors with " and ", never with ';'
            clean["author"] = [a for a in re.split(r"\s+and\s+", clean["author"]) if a.strip()]
        names = tuple(clean)
        if fm is None or names != known:
            fm = detect_fields(names, options.columns, strict=fm is None)
            known = names
        doc = build_document(clean, fm, index, path, "bib", source_id=key or None)
        if isinstance(doc, RecordError):
            doc.message = f"line {line}: {doc.message} ({key})"
        else:
            doc.id = record_id(raw)
            doc.meta["entry_type"] = etype
        yield doc
        index += 1
