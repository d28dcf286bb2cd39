"""Move the corpus to pandas, R or anything else.

- ``jsonl``: one line per document, exactly the JSON of ``govtext show``.
- ``csv`` / ``parquet``: one row per document (a "wide" table that loads straight into a data
  frame): id, source_id, path, format, doc_type, title, authors ("; "), year, doi, regulation_type,
  regulation_number, regulation_year, langs ("; "), pages, ``text_<kind>_<lang>`` (the parts of
  that kind and language joined by a blank line, e.g. ``text_abstract_en``), keywords ("; "),
  themes ("; ", best score first), ``theme_<id>`` (the tag score, empty when not tagged), and
  ``topic_0`` .. ``topic_k`` (weights in the active topic model, 0 when absent; none without a
  model).
- ``tidy=True`` (csv/parquet) also writes long tables beside OUT, named ``<stem>.parts.<ext>``
  (doc_id, seq, kind, lang, heading, text), ``<stem>.keywords.<ext>`` (doc_id, seq, lang, text),
  ``<stem>.tags.<ext>`` (doc_id, theme, score, method, model) and ``<stem>.topics.<ext>`` (doc_id,
  topic, weight).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.document import PART_KINDS, Document
from pipeline.store import Store

FORMATS = ("jsonl", "csv", "parquet")
_BASE = [
    "id",
    "source_id",
    "path",
    "format",
    "doc_type",
    "title",
    "authors",
    "year",
    "doi",
    "regulation_type",
    "regulation_number",
    "regulation_year",
    "langs",
    "pages",
]
_TIDY = {
    "parts": ["doc_id", "seq", "kind", "lang", "heading", "text"],
    "keywords": ["doc_id", "seq", "lang", "text"],
    "tags": ["doc_id", "theme", "score", "method", "model"],
    "topics": ["doc_id", "topic", "weight"],
}
_NUMERIC = {"year": "int", "pages": "int", "seq": "int", "topic": "int", "score": "float", "weight": "float"}


def _text_columns(store: Store) -> list[tuple[str, str | None, str]]:
    order = {k: i for i, k in enumerate(PART_KINDS)}
    pairs = sorted(store.part_kind_langs(), key=lambda kl: (order.get(kl[0], 99), kl[0], kl[1] or ""))
    return [(k, lang, f"text_{k}_{lang or 'und'}") for k, lang in pairs]


def _columns(store: Store) -> tuple[list[str], list[tuple[str, str | None, str]], list[str], list[int]]:
    text_cols = _text_columns(store)
    themes = store.themes_used()
    model = store.active_model_id("topics")
    topics = [t["topic"] for t in store.topics_of_model(model)] if model else []
    if model and not topics:  # doc_topics without a topics table: take the numbers seen
        topics = sorted({t for _, t, _ in store.doc_topic_weights(model)})
    cols = [
        *_BASE,
        *(c for _, _, c in text_cols),
        "keywords",
        "themes",
        *(f"theme_{t}" for t in themes),
        *(f"topic_{t}" for t in topics),
    ]
    return cols, text_cols, themes, topics


def document_row(
    doc: Document, text_cols: list[tuple[str, str | None, str]], themes: list[str], topics: list[int]
) -> dict[str, Any]:
    """The wide row of one document (see the module doc)."""
    reg = doc.regulation or {}
    row: dict[str, Any] = {
        "id": doc.id,
        "source_id": doc.source_id,
        "path": doc.path,
        "format": doc.format,
        "doc_type": doc.doc_type,
        "title": doc.title,
        "authors": "; ".join(doc.authors),
        "year": doc.year,
        "doi": doc.doi,
        "regulation_type": reg.get("type"),
        "regulation_number": None if reg.get("number") is None else str(reg.get("number")),
        "regulation_year": reg.get("year"),
        "langs": "; ".join(doc.langs),
        "pages": doc.pages,
    }
    for kind, lang, col in text_cols:
        texts = [p.text for p in doc.parts if p.kind == kind and p.lang == lang]
        row[col] = "\n\n".join(texts) if texts else None
    row["keywords"] = "; ".join(k.text for k in doc.keywords)
    tags = sorted(doc.tags, key=lambda t: -t.score)
    row["themes"] = "; ".join(t.theme for t in tags)
    scores = {t.theme: t.score for t in tags}
    for th in themes:
        row[f"theme_{th}"] = scores.get(th)
    weights = {t["topic"]: t["weight"] for t in doc.topics}
    for t in topics:
        row[f"topic_{t}"] = float(weights.get(t, 0.0))
    return row


def _tidy_rows(doc: Document) -> dict[str, list[dict[str, Any]]]:
    return {
        "parts": [
            {"doc_id": doc.id, "seq": i, "kind": p.kind, "lang": p.lang, "heading": p.heading, "text": p.text}
            for i, p in enumerate(doc.parts)
            if p.kind != "discarded"
        ],
        "keywords": [
            {"doc_id": doc.id, "seq": i, "lang": k.lang, "text": k.text} for i, k in enumerate(doc.keywords)
        ],
        "tags": [
            {"doc_id": doc.id, "theme": t.theme, "score": t.score, "method": t.method, "model": t.model}
            for t in doc.tags
        ],
        "topics": [{"doc_id": doc.id, "topic": t["topic"], "weight": t["weight"]} for t in doc.topics],
    }


def _sibling(out: Path, name: str) -> Path:
    return out.with_name(f"{out.stem}.{name}{out.suffix}")


class _CsvSink:
    def __init__(self, path: Path, columns: list[str]):
        self.fh = path.open("w", encoding="utf-8", newline="")
        self.w = csv.DictWriter(self.fh, fieldnames=columns)
        self.w.writeheader()

    def add(self, row: dict[str, Any]) -> None:
        self.w.writerow(row)

    def close(self) -> None:
        self.fh.close()


class _ParquetSink:
    """Buffers rows and writes one row group per ``chunk`` rows, with a schema fixed up front so
    every column keeps its type even when a chunk holds only nulls."""

    def __init__(self, path: Path, columns: list[str], chunk: int = 5000):
        import pyarrow as pa
        import pyarrow.parquet as pq

        def typ(c: str):  # noqa: ANN202
            kind = _NUMERIC.get(c) or ("float" if c.startswith(("theme_", "topic_")) else None)
            if c == "regulation_year":
                kind = "int"
            return pa.int64() if kind == "int" else pa.float64() if kind == "float" else pa.string()

        self.pa = pa
        self.schema = pa.schema([(c, typ(c)) for c in columns])
        self.writer = pq.ParquetWriter(str(path), self.schema)
        self.rows: list[dict[str, Any]] = []
        self.chunk = chunk

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.writer.write_table(self.pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def close(self) -> None:
        self.flush()
        self.writer.close()


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise ValueError(
            "parquet export needs pyarrow: pip install 'govtext[parquet]' (or use --format csv)"
        ) from None


def _documents(store: Store) -> Iterator[Document]:
    yield from store.iter_documents()


def export(store: Store, out: str | Path, fmt: str = "jsonl", tidy: bool = False) -> dict[str, Any]:
    """Write the corpus to ``out``; returns ``{"documents": n, "files": [paths written]}``."""
    out = Path(out)
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use {', '.join(FORMATS)}")
    if tidy and fmt == "jsonl":
        raise ValueError("--tidy is for csv and parquet (jsonl rows already nest parts, keywords and tags)")
    out.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    if fmt == "jsonl":
        with out.open("w", encoding="utf-8") as fh:
            for doc in _documents(store):
                fh.write(json.dumps(doc.to_dict(), ensure_ascii=False) + "\n")
                n += 1
        return {"documents": n, "files": [str(out)]}
    if fmt == "parquet":
        _require_pyarrow()
    sink = _CsvSink if fmt == "csv" else _ParquetSink
    columns, text_cols, themes, topics = _columns(store)
    main = sink(out, columns)
    extra = {name: sink(_sibling(out, name), cols) for name, cols in _TIDY.items()} if tidy else {}
    try:
        for doc in _documents(store):
            main.add(document_row(doc, text_cols, themes, topics))
            n += 1
            if extra:
                for name, rows in _tidy_rows(doc).items():
                    for r in rows:
                        extra[name].add(r)
    finally:
        main.close()
        for s in extra.values():
            s.close()
    return {"documents": n, "files": [str(out), *(str(_sibling(out, name)) for name in extra)]}
