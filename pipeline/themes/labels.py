"""Labelled documents for training and evaluation: read, validate, resolve to Documents.

A labels file is CSV or JSONL. Each row names a document and its themes (``;``-separated, empty
for none). The document is given by ``text`` (raw text, processed like an ingested .txt), or by
``id`` / ``doc`` / ``path`` / ``source_id`` (a document in the corpus database, or a record in the
row's ``source`` file under ``--sources-root``).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pipeline.document import Document
from pipeline.themes.taxonomy import Taxonomy

REF_COLUMNS = ("id", "doc", "doc_id", "document", "path", "source_id")


class LabelsError(ValueError):
    """A labels file that cannot be used; the message points at the file and line."""


@dataclass
class LabelRow:
    line: int
    ref: str | None
    text: str | None
    source: str | None
    themes: list[str]
    lang: str | None = None
    file: Path | None = None  # the labels file it came from

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.file else f"line {self.line}"


def read_labels(path: Path, tax: Taxonomy) -> list[LabelRow]:
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise LabelsError(f"{path}: cannot read labels ({e.strerror})") from None
    except UnicodeDecodeError:
        raise LabelsError(f"{path}: labels must be UTF-8 text") from None
    rows: list[tuple[int, dict]] = []
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        for n, line in enumerate(raw.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise LabelsError(f"{path}:{n}: invalid JSON ({e.msg})") from None
            if not isinstance(obj, dict):
                raise LabelsError(f"{path}:{n}: expected a JSON object")
            rows.append((n, obj))
    else:
        reader = csv.DictReader(io.StringIO(raw), delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
        try:
            for rec in reader:
                rows.append((reader.line_num, rec))
        except csv.Error as e:
            raise LabelsError(f"{path}:{reader.line_num}: broken CSV ({e})") from None
        if reader.fieldnames is None:
            raise LabelsError(f"{path}: empty labels file")
    if not rows:
        raise LabelsError(f"{path}: no labelled rows")
    columns = set().union(*(r.keys() for _, r in rows))
    if "themes" not in columns:
        raise LabelsError(f"{path}: no 'themes' column (columns: {', '.join(sorted(columns))})")
    if "text" not in columns and not columns & set(REF_COLUMNS):
        raise LabelsError(f"{path}: no document column: give 'text' or one of {', '.join(REF_COLUMNS)}")
    known = set(tax.ids)
    out: list[LabelRow] = []
    for n, r in rows:
        themes_raw = r.get("themes")
        if themes_raw is None:
            raise LabelsError(f"{path}:{n}: missing 'themes'")
        themes = themes_raw if isinstance(themes_raw, list) else [t for t in str(themes_raw).split(";")]
        themes = sorted({str(t).strip() for t in themes if str(t).strip()})
        unknown = [t for t in themes if t not in known]
        if unknown:
            raise LabelsError(f"{path}:{n}: unknown theme {unknown[0]!r} (known: {', '.join(tax.ids)})")
        text = (r.get("text") or "").strip() or None
        ref = next((str(r[c]).strip() for c in REF_COLUMNS if r.get(c)), None)
        if not text and not ref:
            raise LabelsError(f"{path}:{n}: no document: empty 'text' and no id")
        out.append(LabelRow(n, ref, text, (r.get("source") or None), themes, r.get("lang") or None, path))
    return out


def resolve(
    rows: list[LabelRow],
    labels_path: Path,
    store=None,  # noqa: ANN001
    sources_root: Path | None = None,
    cfg=None,  # noqa: ANN001
) -> list[Document]:
    """The Document behind every row, fully processed (parts, languages, norms), in row order;
    a row naming a document that cannot be found is an error."""
    docs, missing = resolve_rows(rows, store, sources_root, cfg, labels_path)
    if missing:
        r = missing[0]
        where = f"in {store.location}" if store is not None else "(no --db corpus given)"
        extra = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        raise LabelsError(f"{labels_path}:{r.line}: unknown document {r.ref!r} {where}{extra}")
    return [d for d in docs if d is not None]


def resolve_rows(
    rows: list[LabelRow],
    store=None,  # noqa: ANN001
    sources_root: Path | None = None,
    cfg=None,  # noqa: ANN001
    labels_path: Path | None = None,
) -> tuple[list[Document | None], list[LabelRow]]:
    """(the Document of each row, None where it was not found; the rows not found)."""
    from pipeline.config import Config
    from pipeline.document import Part
    from pipeline.executor.work import apply_stages
    from pipeline.stages import default_stages

    cfg = cfg or Config()
    stages = [s for s in default_stages() if s.name != "themes"]
    docs: list[Document | None] = [None] * len(rows)
    by_source: dict[str, list[int]] = defaultdict(list)
    missing: list[int] = []
    raw_docs: list[tuple[int, Document]] = []
    for i, row in enumerate(rows):
        if row.text:
            path = str(row.file or labels_path or "labels")
            raw_docs.append(
                (i, Document(id=_text_id(row.text), path=path, format="txt", parts=[Part("raw", row.text)]))
            )
            continue
        doc_id = store.resolve_id(row.ref) if store is not None else None
        if doc_id is not None:
            docs[i] = store.get_document(doc_id)
        elif row.source and sources_root is not None:
            by_source[row.source].append(i)
        else:
            missing.append(i)
    if raw_docs:
        processed, _ = apply_stages([d for _, d in raw_docs], stages, cfg)
        for (i, _), d in zip(raw_docs, processed, strict=True):
            docs[i] = d
    for source, idx in by_source.items():
        found = _records(Path(sources_root) / source, {rows[i].ref for i in idx}, cfg)
        batch = [(i, found[rows[i].ref]) for i in idx if rows[i].ref in found]
        missing += [i for i in idx if rows[i].ref not in found]
        processed, _ = apply_stages([d for _, d in batch], stages, cfg)
        for (i, _), d in zip(batch, processed, strict=True):
            docs[i] = d
    return docs, [rows[i] for i in sorted(missing)]


def _text_id(text: str) -> str:
    """A labelled text's document id: the same text in two label files is one document."""
    import hashlib

    return "label-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class Conflict:
    doc_id: str
    earlier: LabelRow
    later: LabelRow


def merge(
    rows: list[LabelRow], docs: list[Document | None]
) -> tuple[list[LabelRow], list[Document], list[Conflict]]:
    """One label per document, the later row winning (files in the order given, rows in file
    order); conflicts are documents labelled twice with different themes. Rows without a
    document are dropped."""
    chosen: dict[str, tuple[LabelRow, Document]] = {}
    conflicts: list[Conflict] = []
    for row, doc in zip(rows, docs, strict=True):
        if doc is None:
            continue
        key = doc.id
        prev = chosen.pop(key, None)  # re-inserted: a document keeps the place of its last label
        if prev is not None and prev[0].themes != row.themes:
            conflicts.append(Conflict(doc.id, prev[0], row))
        chosen[key] = (row, doc)
    return [r for r, _ in chosen.values()], [d for _, d in chosen.values()], conflicts


def _records(path: Path, wanted: set[str], cfg) -> dict[str, Document]:  # noqa: ANN001
    from pipeline.document import RecordError
    from pipeline.readers import detect_format, get_reader

    fmt = detect_format(path)
    if fmt is None or not path.is_file():
        raise LabelsError(f"{path}: labels source file not found or not readable")
    out = {}
    for item in get_reader(fmt)(path, cfg.read_options()):
        if not isinstance(item, RecordError) and item.source_id in wanted:
            out[item.source_id] = item
    return out
