"""The store interface, and the SQL that reads the same on every backend.

``Store`` is what the rest of govtext sees: schema and migrations, writes per unit of work,
search, facets, the kwic source, topics and model pointers, runs and errors. A backend subclass
supplies the connection, transactions, locks, bulk inserts and full-text search; everything
written here is standard SQL with ``?`` placeholders that both SQLite and PostgreSQL run.
"""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.document import Document, Keyword, Part, Tag
from pipeline.store.match import Node

SCHEMA_VERSION = 4

# The tables a caller may count (a whitelist: the name is put into SQL).
COUNTABLE = (
    "documents",
    "parts",
    "keywords",
    "tags",
    "errors",
    "sources",
    "runs",
    "doc_topics",
    "vocabulary",
)

DOC_COLUMNS = (
    "id", "source_id", "path", "format", "doc_type", "title", "authors", "year", "doi", "regulation",
    "langs", "pages", "meta", "pipeline_version", "run", "added",
)  # fmt: skip
PART_COLUMNS = ("doc_id", "seq", "kind", "lang", "heading", "text", "norm", "page_start", "page_end")
KEYWORD_COLUMNS = ("doc_id", "seq", "lang", "text", "norm")
TAG_COLUMNS = ("doc_id", "theme", "score", "method", "model")
TOPIC_COLUMNS = ("model", "topic", "label", "theme", "terms", "weight", "meta")
DOC_TOPIC_COLUMNS = ("doc_id", "model", "topic", "weight")
VECTOR_COLUMNS = ("doc_id", "encoder", "encoder_version", "dim", "vector", "input_hash", "seq", "added")

# Parts that search leaves out unless asked for by kind.
SEARCH_EXCLUDED = ("references", "discarded")
KWIC_EXCLUDED = ("references", "discarded", "authors")


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S")


@dataclass
class SourceState:
    path: str
    sha256: str | None
    size: int | None
    mtime: float | None
    status: str | None
    pipeline_version: str | None


@dataclass
class WriteResult:
    """What one write of a unit's documents did: ``written`` new or re-processed documents,
    ``duplicates`` whose content another file holds (kept once, under the smallest path)."""

    written: list[str] = field(default_factory=list)
    duplicates: int = 0


@dataclass
class Filters:
    """Document-level filters of search, kwic and stats."""

    year_from: int | None = None
    year_to: int | None = None
    theme: str | None = None
    topic: int | None = None
    source: str | None = None


def _doc_row(d: Document, pipeline_version: str, run: int | None) -> tuple:
    return (
        d.id, d.source_id, d.path, d.format, d.doc_type, d.title, json.dumps(d.authors, ensure_ascii=False),
        d.year, d.doi, json.dumps(d.regulation, ensure_ascii=False) if d.regulation else None,
        " ".join(d.langs), d.pages, json.dumps(d.meta, ensure_ascii=False, default=str),
        pipeline_version, run, now(),
    )  # fmt: skip


class Store(ABC):
    """A connection to one corpus. Use ``pipeline.store.open_store`` to get one."""

    #: how the user named the corpus (a path, or a URL without its password): for messages
    location: str
    backend: str
    conn: Any  # the backend's DB-API connection

    # -- connection primitives (per backend) ---------------------------------------------------
    @abstractmethod
    def _execute(self, sql: str, args: Sequence[Any] = ()) -> Any:
        """Run one statement (``?`` placeholders); return a cursor."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Any]:
        """A write transaction: everything inside is committed whole or not at all."""

    @abstractmethod
    def run_lock(self, shared: bool = False) -> AbstractContextManager[None]:
        """Held while a command writes. ``shared``: an ingest, which may run beside others on a
        backend that allows concurrent writers; otherwise a corpus-level step (topics, tagging)."""

    @abstractmethod
    def _insert_many(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Bulk insert inside the current transaction."""

    @abstractmethod
    def _execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """One statement over many rows, inside the current transaction."""

    @abstractmethod
    def _id_in(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """A condition ``column IN values`` for a list of any length, and its arguments."""

    @abstractmethod
    def _lock_ids(self, ids: Sequence[str]) -> None:
        """Inside a transaction: serialise writers of the same document ids (no-op with one writer)."""

    @abstractmethod
    def close_abandoned_runs(self) -> int:
        """Mark runs whose process died without finishing as 'killed'; how many."""

    @abstractmethod
    def search(
        self, match: Node, *, lang: str | None = None, filters: Filters | None = None,
        kinds: Sequence[str] | None = None, limit: int = 20,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """Documents whose parts match, best first, one row per document: id, source_id, path,
        title, year, langs, part (id of the best part), kind, text (of that part), score (higher
        is better)."""

    @abstractmethod
    def iter_matching_parts(
        self, match: Node, *, lang: str | None = None, kinds: Sequence[str] | None = None,
        filters: Filters | None = None,
    ) -> Iterator[dict[str, Any]]:  # fmt: skip
        """Parts that match, in year then document order (the kwic source): doc_id, title, year,
        kind, lang, seq, text."""

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- small helpers ------------------------------------------------------------------------
    def _all(self, sql: str, args: Sequence[Any] = ()) -> list[tuple]:
        return [tuple(r) for r in self._execute(sql, args).fetchall()]

    def _one(self, sql: str, args: Sequence[Any] = ()) -> tuple | None:
        r = self._execute(sql, args).fetchone()
        return tuple(r) if r is not None else None

    def _dicts(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cur = self._execute(sql, args)
        names = [c[0] for c in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def select(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows of a raw SELECT (``?`` placeholders, the backend's dialect): for notebooks and
        tests that look under the hood. Everything govtext itself reads has a method here."""
        return self._dicts(sql, args)

    def _scalar(self, sql: str, args: Sequence[Any] = ()) -> Any:
        r = self._one(sql, args)
        return r[0] if r else None

    # -- runs and errors ------------------------------------------------------------------------
    def start_run(self, command: str, config: dict[str, Any], versions: dict[str, Any]) -> int:
        with self.transaction():
            return int(
                self._scalar(
                    "INSERT INTO runs (command, started, status, config, versions) VALUES (?, ?, 'running', ?, ?)"
                    " RETURNING id",
                    (command, now(), json.dumps(config, default=str), json.dumps(versions)),
                )
            )

    def finish_run(self, run: int, status: str, counts: dict[str, Any], duration: float) -> None:
        with self.transaction():
            self._execute(
                "UPDATE runs SET finished = ?, status = ?, counts = ?, duration = ? WHERE id = ?",
                (now(), status, json.dumps(counts), duration, run),
            )

    def add_error(self, path: str, stage: str, message: str, run: int | None) -> None:
        with self.transaction():
            self._execute(
                "INSERT INTO errors (path, stage, message, run, at) VALUES (?, ?, ?, ?, ?)",
                (path, stage, message, run, now()),
            )

    def errors(self, run: int | None = None, last_run: bool = False) -> list[dict[str, Any]]:
        if last_run:
            run = self._scalar("SELECT max(run) FROM errors")
            if run is None:
                return []
        if run is not None:
            return self._dicts(
                "SELECT path, stage, message, run FROM errors WHERE run = ? ORDER BY id", (run,)
            )
        return self._dicts("SELECT path, stage, message, run FROM errors ORDER BY id")

    def runs(self) -> list[dict[str, Any]]:
        out = []
        for d in self._dicts("SELECT * FROM runs ORDER BY id"):
            for k in ("config", "versions", "counts"):
                d[k] = json.loads(d[k]) if d[k] else None
            out.append(d)
        return out

    def last_run_errors(self) -> tuple[int | None, list[dict[str, Any]]]:
        """The errors of the latest run (the run id and its errors; [] when it had none)."""
        run = self._scalar("SELECT max(id) FROM runs")
        if run is None:
            return None, self.errors()
        return run, self.errors(run=run)

    # -- sources (files) ------------------------------------------------------------------------
    def source_state(self, path: str) -> SourceState | None:
        r = self._one(
            "SELECT path, sha256, size, mtime, status, pipeline_version FROM sources WHERE path = ?", (path,)
        )
        return SourceState(*r) if r else None

    def set_source(
        self, path: str, sha256: str, size: int, mtime: float, fmt: str, status: str,
        pipeline_version: str, n_docs: int, run: int | None,
    ) -> None:  # fmt: skip
        with self.transaction():
            self._execute(
                "INSERT INTO sources (path, sha256, size, mtime, format, status, pipeline_version, n_docs, run)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET sha256 = excluded.sha256,"
                " size = excluded.size, mtime = excluded.mtime, format = excluded.format,"
                " status = excluded.status, pipeline_version = excluded.pipeline_version,"
                " n_docs = excluded.n_docs, run = excluded.run",
                (path, sha256, size, mtime, fmt, status, pipeline_version, n_docs, run),
            )

    def current_doc_ids(self, path: str, pipeline_version: str) -> set[str]:
        """Documents of a file already stored by this pipeline version (resume skips them)."""
        rows = self._all(
            "SELECT id FROM documents WHERE path = ? AND pipeline_version = ?", (path, pipeline_version)
        )
        return {r[0] for r in rows}

    def remove_stale(self, path: str, keep: set[str]) -> int:
        """Drop documents of a changed file that its new content no longer holds."""
        stale = [
            r[0] for r in self._all("SELECT id FROM documents WHERE path = ?", (path,)) if r[0] not in keep
        ]
        if stale:
            with self.transaction():
                cond, args = self._id_in("id", stale)
                self._execute(f"DELETE FROM documents WHERE {cond}", args)
        return len(stale)

    # -- documents ------------------------------------------------------------------------------
    def write_documents(
        self, docs: Sequence[Document], pipeline_version: str, run: int | None
    ) -> WriteResult:
        """Store a unit's documents with their parts, keywords and tags, in one transaction.

        A document whose content is already stored from another file (same id, same pipeline
        version) is a duplicate and is kept once, under the smallest path: the same result
        whichever file a worker finishes first."""
        result = WriteResult()
        if not docs:
            return result
        mine: dict[str, Document] = {}
        for d in docs:  # the same content twice in one unit: the first occurrence
            if d.id in mine:
                result.duplicates += 1
            else:
                mine[d.id] = d
        with self.transaction():
            ids = sorted(mine)
            self._lock_ids(ids)
            stored: dict[str, tuple[str, str]] = {}
            for i in range(0, len(ids), 500):
                cond, args = self._id_in("id", ids[i : i + 500])
                for doc_id, path, pv in self._all(
                    f"SELECT id, path, pipeline_version FROM documents WHERE {cond}", args
                ):
                    stored[doc_id] = (path, pv)
            write: list[Document] = []
            for doc_id in ids:
                d = mine[doc_id]
                old = stored.get(doc_id)
                if old is None or old[0] == d.path or old[1] != pipeline_version:
                    write.append(d)
                    result.written.append(doc_id)
                elif d.path < old[0]:
                    write.append(d)  # the smallest path keeps the content; still a duplicate
                    result.duplicates += 1
                else:
                    result.duplicates += 1
            replaced = [d.id for d in write if d.id in stored]
            for i in range(0, len(replaced), 500):
                cond, args = self._id_in("id", replaced[i : i + 500])
                self._execute(f"DELETE FROM documents WHERE {cond}", args)  # cascades to its rows
            self._write_rows(write, pipeline_version, run)
        return result

    def _write_rows(self, docs: Sequence[Document], pipeline_version: str, run: int | None) -> None:
        self._insert_many("documents", DOC_COLUMNS, [_doc_row(d, pipeline_version, run) for d in docs])
        self._insert_parts(
            [
                (d.id, i, p.kind, p.lang, p.heading, p.text, p.norm, p.page_start, p.page_end)
                for d in docs
                for i, p in enumerate(d.parts)
            ]
        )
        self._insert_many(
            "keywords",
            KEYWORD_COLUMNS,
            [(d.id, i, k.lang, k.text, k.norm) for d in docs for i, k in enumerate(d.keywords)],
        )
        self._insert_many(
            "tags",
            TAG_COLUMNS,
            [(d.id, t.theme, float(t.score), t.method, t.model) for d in docs for t in d.tags],
        )

    def _insert_parts(self, rows: list[tuple]) -> None:
        """Parts rows (PART_COLUMNS); a backend that indexes them itself extends the rows here."""
        self._insert_many("parts", PART_COLUMNS, rows)

    def replace_tags(self, tags_by_doc: dict[str, list[Tag]]) -> None:
        with self.transaction():
            ids = list(tags_by_doc)
            for i in range(0, len(ids), 500):
                cond, args = self._id_in("doc_id", ids[i : i + 500])
                self._execute(f"DELETE FROM tags WHERE {cond}", args)
            self._insert_many(
                "tags",
                TAG_COLUMNS,
                [
                    (d, t.theme, float(t.score), t.method, t.model)
                    for d, tags in tags_by_doc.items()
                    for t in tags
                ],
            )

    def resolve_id(self, ref: str) -> str | None:
        """A document id from its id, an id prefix, its source id, or its path."""
        for sql in (
            "SELECT id FROM documents WHERE id = ?",
            "SELECT id FROM documents WHERE source_id = ? ORDER BY id",
            "SELECT id FROM documents WHERE path = ? ORDER BY id",
        ):
            r = self._one(sql, (ref,))
            if r:
                return r[0]
        absolute = str(Path(ref).resolve())  # a path as the user typed it, relative to here
        if absolute != ref and (
            r := self._one("SELECT id FROM documents WHERE path = ? ORDER BY id", (absolute,))
        ):
            return r[0]
        if len(ref) >= 6 and all(ch in "0123456789abcdef" for ch in ref.lower()):
            rows = self._all(
                "SELECT id FROM documents WHERE id >= ? AND id < ? ORDER BY id LIMIT 2",
                (ref.lower(), ref.lower() + "g"),
            )
            if len(rows) == 1:
                return rows[0][0]
        return None

    def get_document(self, doc_id: str) -> Document | None:
        docs = self.get_documents([doc_id])
        return docs[0] if docs else None

    def get_documents(self, ids: Sequence[str]) -> list[Document]:
        """Whole documents (parts, keywords, tags, topics of the active topic model), in the order asked."""
        if not ids:
            return []
        cond, args = self._id_in("id", list(ids))
        by_id: dict[str, Document] = {}
        for r in self._dicts(f"SELECT * FROM documents WHERE {cond}", args):
            by_id[r["id"]] = Document(
                id=r["id"], path=r["path"], format=r["format"], source_id=r["source_id"], doc_type=r["doc_type"],
                title=r["title"], authors=json.loads(r["authors"] or "[]"), year=r["year"], doi=r["doi"],
                regulation=json.loads(r["regulation"]) if r["regulation"] else None, pages=r["pages"] or 0,
                meta=json.loads(r["meta"] or "{}"),
            )  # fmt: skip
        cond, args = self._id_in("doc_id", list(by_id))
        for p in self._dicts(f"SELECT * FROM parts WHERE {cond} ORDER BY doc_id, seq", args):
            by_id[p["doc_id"]].parts.append(
                Part(kind=p["kind"], text=p["text"], lang=p["lang"], heading=p["heading"],
                     page_start=p["page_start"], page_end=p["page_end"], norm=p["norm"] or "")
            )  # fmt: skip
        for k in self._dicts(f"SELECT * FROM keywords WHERE {cond} ORDER BY doc_id, seq", args):
            by_id[k["doc_id"]].keywords.append(Keyword(text=k["text"], lang=k["lang"], norm=k["norm"] or ""))
        for t in self._dicts(f"SELECT * FROM tags WHERE {cond} ORDER BY doc_id, score DESC, theme", args):
            by_id[t["doc_id"]].tags.append(
                Tag(theme=t["theme"], score=t["score"], method=t["method"], model=t["model"])
            )
        model = self.active_model_id("topics")
        if model is not None:
            for t in self._dicts(
                f"SELECT doc_id, topic, weight, model FROM doc_topics WHERE model = ? AND {cond}"
                " ORDER BY doc_id, weight DESC, topic",
                [model, *args],
            ):
                by_id[t["doc_id"]].topics.append(
                    {"topic": t["topic"], "weight": t["weight"], "model": t["model"]}
                )
        return [by_id[i] for i in ids if i in by_id]

    def iter_documents(self, batch: int = 500) -> Iterator[Document]:
        """Every stored document, fully loaded, in id order (for re-tagging, topics, export)."""
        for ids in self._id_pages(batch):
            yield from self.get_documents(ids)

    def _id_pages(self, batch: int = 500) -> Iterator[list[str]]:
        """Every document id in id order, a page at a time (keyset paging: no OFFSET scans)."""
        last = ""
        while True:
            ids = [
                r[0]
                for r in self._all("SELECT id FROM documents WHERE id > ? ORDER BY id LIMIT ?", (last, batch))
            ]
            if not ids:
                return
            yield ids
            last = ids[-1]

    def doc_ids(self) -> set[str]:
        return {r[0] for r in self._all("SELECT id FROM documents")}

    def count(self, table: str = "documents") -> int:
        if table not in COUNTABLE:
            raise ValueError(table)
        return int(self._scalar(f"SELECT count(*) FROM {table}"))

    def iter_part_norms(self, kinds: Sequence[str], doc_ids: Iterable[str] | None = None) -> Iterator[tuple]:
        """(doc id, year, kind, lang, norm) of every part of these kinds with normal forms, in
        document then part order: what topic models are fitted on."""
        marks = ",".join("?" * len(kinds))
        sql = (
            "SELECT d.id, d.year, p.kind, p.lang, p.norm FROM documents d JOIN parts p ON p.doc_id = d.id"
            f" WHERE p.kind IN ({marks}) AND p.norm IS NOT NULL AND p.norm != ''"
        )
        args: list[Any] = list(kinds)
        if doc_ids is not None:
            wanted = sorted(set(doc_ids))
            if not wanted:
                return
            cond, extra = self._id_in("d.id", wanted)
            sql += f" AND {cond}"
            args += extra
        yield from (tuple(r) for r in self._execute(sql + " ORDER BY d.id, p.seq", args))

    # -- vocabulary -----------------------------------------------------------------------------
    def meta_value(self, key: str) -> str | None:
        return self._scalar("SELECT value FROM meta WHERE key = ?", (key,))

    def _set_meta(self, key: str, value: str) -> None:
        self._execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def check_vocabulary(self, version: str) -> bool:
        """Keep the vocabulary only if it was made by this version of the nlp stage (else empty
        it and record the new version); whether it was kept."""
        if self.meta_value("vocabulary") == version:
            return True
        with self.transaction():
            self._execute("DELETE FROM vocabulary")
            self._set_meta("vocabulary", version)
        return False

    def add_vocabulary(self, rows: Sequence[tuple[str, str, str, str]]) -> None:
        """(lang, chunk, norms, terms) rows; those already there are left as they are."""
        if not rows:
            return
        with self.transaction():
            self._execute_many(
                "INSERT INTO vocabulary (lang, chunk, norms, terms) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (chunk, lang) DO NOTHING",
                sorted(rows, key=lambda r: (r[1], r[0])),  # one order for every writer: no deadlock
            )

    def vocabulary(self, chunks: Iterable[str]) -> list[tuple[str, str, str, str]]:
        """The stored rows (lang, chunk, norms, terms) of these chunks, in both languages."""
        wanted = sorted(set(chunks))
        out: list[tuple[str, str, str, str]] = []
        for i in range(0, len(wanted), 500):
            cond, args = self._id_in("chunk", wanted[i : i + 500])
            out += [
                tuple(r)
                for r in self._all(f"SELECT lang, chunk, norms, terms FROM vocabulary WHERE {cond}", args)
            ]
        return out

    def iter_vocabulary(self, limit: int | None = None) -> Iterator[tuple[str, str, str, str]]:
        sql = "SELECT lang, chunk, norms, terms FROM vocabulary"
        cur = self._execute(sql + (" LIMIT ?" if limit else ""), (limit,) if limit else ())
        yield from (tuple(r) for r in cur)

    # -- parity ---------------------------------------------------------------------------------
    def signature_rows(self) -> Iterator[tuple]:
        """Everything a corpus holds, one canonical tuple per document in id order: the document's
        fields, its parts with normal forms, keywords, tags, and its weights in the active topic
        model; no run numbers, timestamps or row ids. Two corpora made from the same input, by
        any executor on any backend, give the same rows."""
        model = self.active_model_id("topics")
        for ids in self._id_pages():
            cond, args = self._id_in("id", ids)
            docs = {
                r[0]: r[1:]
                for r in self._all(
                    "SELECT id, path, source_id, format, doc_type, title, authors, year, doi, regulation, langs,"
                    f" pages, meta, pipeline_version FROM documents WHERE {cond}",
                    args,
                )
            }
            cond, args = self._id_in("doc_id", ids)
            rows: dict[str, dict[str, list]] = {i: {"p": [], "k": [], "t": [], "w": []} for i in ids}
            for r in self._all(
                "SELECT doc_id, seq, kind, lang, heading, text, norm, page_start, page_end FROM parts"
                f" WHERE {cond} ORDER BY doc_id, seq",
                args,
            ):
                rows[r[0]]["p"].append(r[1:])
            for r in self._all(
                f"SELECT doc_id, seq, lang, text, norm FROM keywords WHERE {cond} ORDER BY doc_id, seq", args
            ):
                rows[r[0]]["k"].append(r[1:])
            for r in self._all(
                f"SELECT doc_id, theme, score, method, model FROM tags WHERE {cond} ORDER BY doc_id, theme",
                args,
            ):
                rows[r[0]]["t"].append((r[1], round(r[2], 6), r[3], r[4]))
            if model is not None:
                for r in self._all(
                    f"SELECT doc_id, topic, weight FROM doc_topics WHERE model = ? AND {cond} ORDER BY doc_id, topic",
                    [model, *args],
                ):
                    rows[r[0]]["w"].append((r[1], round(r[2], 5)))
            for i in ids:
                x = rows[i]
                yield (i, *docs[i], tuple(x["p"]), tuple(x["k"]), tuple(x["t"]), tuple(x["w"]))

    def signature(self) -> str:
        """A digest of ``signature_rows`` (and of the active topic model's topics): equal digests,
        equal corpora."""
        import hashlib

        h = hashlib.sha256()
        for row in self.signature_rows():
            h.update(repr(row).encode("utf-8"))
        model = self.active_model_id("topics")
        if model is not None:
            for t in self.topics_of_model(model):
                h.update(
                    repr(
                        (t["topic"], t["label"], t["theme"], t["terms"], round(t["weight"] or 0, 5))
                    ).encode()
                )
        return h.hexdigest()

    # -- filters --------------------------------------------------------------------------------
    def _doc_filters(self, f: Filters | None) -> tuple[list[str], list[Any]]:
        """SQL conditions on documents ``d`` for the document-level filters."""
        where: list[str] = []
        args: list[Any] = []
        if f is None:
            return where, args
        if f.year_from is not None:
            where.append("d.year >= ?")
            args.append(f.year_from)
        if f.year_to is not None:
            where.append("d.year <= ?")
            args.append(f.year_to)
        if f.theme:
            where.append("EXISTS (SELECT 1 FROM tags t WHERE t.doc_id = d.id AND t.theme = ?)")
            args.append(f.theme)
        if f.topic is not None:
            model = self.active_model_id("topics")
            # The document's dominant topic, the same rule as `stats --by topic`.
            where.append(
                "EXISTS (SELECT 1 FROM doc_topics dt WHERE dt.doc_id = d.id AND dt.model = ? AND dt.topic = ?"
                " AND dt.weight >= (SELECT max(weight) FROM doc_topics x WHERE x.doc_id = d.id AND x.model = ?))"
            )
            args.extend([model, f.topic, model])
        if f.source:
            # A source file or a folder prefix; substr avoids LIKE wildcards in paths.
            conds, cargs = [], []
            for s in dict.fromkeys([f.source, str(Path(f.source).resolve())]):
                prefix = s.rstrip("/") + "/"
                conds.append("d.path = ? OR substr(d.path, 1, ?) = ?")
                cargs.extend([s, len(prefix), prefix])
            where.append("(" + " OR ".join(conds) + ")")
            args.extend(cargs)
        return where, args

    @staticmethod
    def _kind_filter(
        lang: str | None, kinds: Sequence[str] | None, excluded: Sequence[str]
    ) -> tuple[list[str], list[Any]]:
        """Conditions on the matching part ``p``: its language and kinds."""
        where: list[str] = []
        args: list[Any] = []
        if lang:
            where.append("p.lang = ?")
            args.append(lang)
        chosen = list(kinds) if kinds else list(excluded)
        where.append(f"p.kind {'IN' if kinds else 'NOT IN'} ({','.join('?' * len(chosen))})")
        args.extend(chosen)
        return where, args

    # -- facets and stats -----------------------------------------------------------------------
    # Each facet as (doc_id, v) rows, one per value, v NULL for a document without one. Languages
    # come as the space-separated langs string (few distinct ones); the caller splits them.
    _FACETS = {
        "year": "SELECT id AS doc_id, year AS v FROM documents",
        "lang": "SELECT id AS doc_id, nullif(langs, '') AS v FROM documents",
        "source": "SELECT id AS doc_id, path AS v FROM documents",
        "doc_type": "SELECT id AS doc_id, doc_type AS v FROM documents",
        "format": "SELECT id AS doc_id, format AS v FROM documents",
        "theme": "SELECT d.id AS doc_id, t.theme AS v FROM documents d LEFT JOIN tags t ON t.doc_id = d.id",
        # The dominant topic of each document in the active model.
        "topic": "SELECT d.id AS doc_id, x.topic AS v FROM documents d LEFT JOIN (SELECT doc_id, topic FROM"
        " (SELECT doc_id, topic, row_number() OVER (PARTITION BY doc_id ORDER BY weight DESC, topic)"
        " AS r FROM doc_topics WHERE model = ?) ranked WHERE r = 1) x ON x.doc_id = d.id",
    }

    def _facet(self, field: str) -> tuple[str, list[Any]]:
        if field not in self._FACETS:
            raise ValueError(f"unknown field {field!r}: use one of {', '.join(self._FACETS)}")
        return self._FACETS[field], ([self.active_model_id("topics")] if field == "topic" else [])

    def facet_counts(self, field: str) -> list[tuple[Any, int]]:
        """(value, documents) for one facet (lang values are langs strings)."""
        sql, args = self._facet(field)
        return [(r[0], r[1]) for r in self._all(f"SELECT v, count(*) FROM ({sql}) f GROUP BY v", args)]

    def facet_cross_counts(self, first: str, second: str) -> list[tuple[Any, Any, int]]:
        """(first value, second value, documents) for two crossed facets."""
        (a, aa), (b, ba) = self._facet(first), self._facet(second)
        sql = (
            f"WITH a AS MATERIALIZED ({a}), b AS MATERIALIZED ({b})"
            " SELECT a.v, b.v, count(*) FROM a JOIN b ON b.doc_id = a.doc_id GROUP BY a.v, b.v"
        )
        return [(r[0], r[1], r[2]) for r in self._all(sql, [*aa, *ba])]

    def theme_pair_counts(self) -> list[tuple[str, str, int]]:
        """(theme a, theme b, documents tagged with both), both orders, a == b included."""
        return [
            (r[0], r[1], r[2])
            for r in self._all(
                "SELECT a.theme, b.theme, count(*) FROM tags a JOIN tags b ON b.doc_id = a.doc_id"
                " GROUP BY a.theme, b.theme"
            )
        ]

    def top_documents_for_theme(self, theme: str, n: int = 5) -> list[dict[str, Any]]:
        """The documents with the highest tag score for a theme (the most typical ones)."""
        return self._dicts(
            "SELECT d.id, d.title, d.year, d.langs, t.score, t.method FROM tags t JOIN documents d"
            " ON d.id = t.doc_id WHERE t.theme = ? ORDER BY t.score DESC, d.id LIMIT ?",
            (theme, n),
        )

    def doc_themes(self) -> dict[str, set[str]]:
        """Document id -> the themes it is tagged with (any method)."""
        out: dict[str, set[str]] = {}
        for doc_id, theme in self._all("SELECT doc_id, theme FROM tags"):
            out.setdefault(doc_id, set()).add(theme)
        return out

    def part_kind_langs(self) -> list[tuple[str, str | None]]:
        """The (kind, lang) pairs present in the parts table (export columns)."""
        return [
            (r[0], r[1]) for r in self._all("SELECT DISTINCT kind, lang FROM parts WHERE kind != 'discarded'")
        ]

    def themes_used(self) -> list[str]:
        return [r[0] for r in self._all("SELECT DISTINCT theme FROM tags ORDER BY theme")]

    # -- models and their pointers --------------------------------------------------------------
    def active_model_id(self, kind: str) -> str | None:
        """The model in use for a kind (None: none chosen, or explicitly none)."""
        return self._scalar("SELECT model FROM active_models WHERE kind = ?", (kind,))

    def has_model_choice(self, kind: str) -> bool:
        """Whether a model (or 'none') was chosen for this kind in this corpus."""
        return self._one("SELECT 1 FROM active_models WHERE kind = ?", (kind,)) is not None

    def set_active_model(self, kind: str, model_id: str | None) -> None:
        """The one pointer to the model a kind uses (None: no model, the fallback method)."""
        with self.transaction():
            self._execute(
                "INSERT INTO active_models (kind, model) VALUES (?, ?)"
                " ON CONFLICT (kind) DO UPDATE SET model = excluded.model",
                (kind, model_id),
            )

    def model_row(self, model_id: str, kind: str | None = None) -> dict[str, Any] | None:
        sql = "SELECT id, kind, created, path, meta FROM models WHERE id = ?"
        args: list[Any] = [model_id]
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        rows = self._dicts(sql, args)
        if not rows:
            return None
        r = rows[0]
        r["meta"] = json.loads(r["meta"] or "{}")
        r["active"] = self.active_model_id(r["kind"]) == r["id"]
        return r

    def model_rows(self, kind: str | None = None) -> list[dict[str, Any]]:
        rows = self._dicts(
            "SELECT id, kind, created, path, meta FROM models"
            + (" WHERE kind = ?" if kind else "")
            + " ORDER BY id",
            [kind] if kind else [],
        )
        for r in rows:
            r["meta"] = json.loads(r["meta"] or "{}")
            r["active"] = self.active_model_id(r["kind"]) == r["id"]
        return rows

    def model_files(self, model_id: str) -> dict[str, bytes]:
        """A model's files (name -> content), stored in the corpus with it."""
        rows = self._all("SELECT name, data FROM model_files WHERE model = ?", (model_id,))
        return {name: bytes(data) for name, data in rows}

    def _put_model_files(self, model_id: str, files: dict[str, bytes]) -> None:
        self._execute("DELETE FROM model_files WHERE model = ?", (model_id,))
        rows = [(model_id, n, d) for n, d in sorted(files.items())]
        self._insert_many("model_files", ("model", "name", "data"), rows)

    def _upsert_model(self, model_id: str, kind: str, meta: dict[str, Any]) -> None:
        self._execute(
            "INSERT INTO models (id, kind, created, path, meta) VALUES (?, ?, ?, NULL, ?)"
            " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, created = excluded.created, path = NULL,"
            " meta = excluded.meta",
            (model_id, kind, now(), json.dumps(meta, default=str)),
        )

    def add_model(self, model_id: str, kind: str, meta: dict[str, Any], files: dict[str, bytes]) -> None:
        """A model's row and files, at once (not made active)."""
        with self.transaction():
            self._upsert_model(model_id, kind, meta)
            self._put_model_files(model_id, files)

    def update_model(
        self, model_id: str, meta: dict[str, Any], files: dict[str, bytes] | None = None
    ) -> None:
        """New metadata, and new files when given, for a stored model (at once)."""
        with self.transaction():
            self._execute(
                "UPDATE models SET meta = ? WHERE id = ?", (json.dumps(meta, default=str), model_id)
            )
            if files is not None:
                self._put_model_files(model_id, files)

    # -- topics ---------------------------------------------------------------------------------
    def save_topic_model(
        self, model_id: str, meta: dict[str, Any], topics: list[dict[str, Any]],
        doc_topics: list[tuple[str, int, float]], files: dict[str, bytes] | None = None,
    ) -> None:  # fmt: skip
        """A new topic model: its row, files, topics and document weights, made the active one, at once."""
        with self.transaction():
            self._upsert_model(model_id, "topics", meta)
            self._put_model_files(model_id, files or {})
            self._execute("DELETE FROM topics WHERE model = ?", (model_id,))
            self._execute("DELETE FROM doc_topics WHERE model = ?", (model_id,))
            self._insert_many("topics", TOPIC_COLUMNS, _topic_rows(model_id, topics))
            rows = [(d, model_id, t, w) for d, t, w in doc_topics]
            self._insert_many("doc_topics", DOC_TOPIC_COLUMNS, rows)
            self._execute(
                "INSERT INTO active_models (kind, model) VALUES ('topics', ?)"
                " ON CONFLICT (kind) DO UPDATE SET model = excluded.model",
                (model_id,),
            )

    def add_doc_topics(self, model_id: str, doc_topics: list[tuple[str, int, float]]) -> None:
        """Replace the weights of these documents in a model."""
        with self.transaction():
            ids = sorted({d for d, _, _ in doc_topics})
            for i in range(0, len(ids), 500):
                cond, args = self._id_in("doc_id", ids[i : i + 500])
                self._execute(f"DELETE FROM doc_topics WHERE model = ? AND {cond}", [model_id, *args])
            self._insert_many(
                "doc_topics", DOC_TOPIC_COLUMNS, [(d, model_id, t, w) for d, t, w in doc_topics]
            )

    def replace_topics(self, model_id: str, topics: list[dict[str, Any]], meta: dict[str, Any]) -> None:
        with self.transaction():
            self._execute("DELETE FROM topics WHERE model = ?", (model_id,))
            self._insert_many("topics", TOPIC_COLUMNS, _topic_rows(model_id, topics))
            self._execute(
                "UPDATE models SET meta = ? WHERE id = ?", (json.dumps(meta, default=str), model_id)
            )

    def modelled_doc_ids(self, model_id: str) -> set[str]:
        return {
            r[0] for r in self._all("SELECT DISTINCT doc_id FROM doc_topics WHERE model = ?", (model_id,))
        }

    def topics_of_model(self, model: str) -> list[dict[str, Any]]:
        out = []
        for d in self._dicts(
            "SELECT topic, label, theme, terms, weight, meta FROM topics WHERE model = ? ORDER BY topic",
            (model,),
        ):
            d["terms"] = json.loads(d["terms"]) if d["terms"] else []
            d["meta"] = json.loads(d["meta"]) if d["meta"] else {}
            out.append(d)
        return out

    def topic_weight_by_year(self, model: str) -> list[dict[str, Any]]:
        """Mean topic weight per year over the documents of that year (rows: year, topic, weight)."""
        return self._dicts(
            "SELECT d.year, dt.topic, sum(dt.weight) * 1.0 / n.docs AS weight"
            " FROM doc_topics dt JOIN documents d ON d.id = dt.doc_id"
            " JOIN (SELECT year, count(*) AS docs FROM documents GROUP BY year) n"
            " ON n.year IS NOT DISTINCT FROM d.year"
            " WHERE dt.model = ? GROUP BY d.year, dt.topic, n.docs ORDER BY d.year NULLS FIRST, dt.topic",
            (model,),
        )

    def doc_topic_weights(self, model: str) -> Iterator[tuple[str, int, float]]:
        """(doc id, topic, weight) of a model, in document then topic order."""
        cur = self._execute(
            "SELECT doc_id, topic, weight FROM doc_topics WHERE model = ? ORDER BY doc_id, topic", (model,)
        )
        yield from (tuple(r) for r in cur)

    # -- vectors ---------------------------------------------------------------------------------
    # Document vectors of the semantic layer (pipeline.semantic), schema 4: one row per (encoder,
    # document), the vector as a float32 little-endian blob (BLOB / BYTEA). No foreign key on
    # purpose: re-processing a document (a new pipeline version) rewrites its rows, and its vector
    # should survive that when its text did not change (the input hash decides); vectors of
    # documents that are gone are removed by `embed` (remove_orphan_vectors).
    def put_vectors(self, rows: Sequence[tuple[str, str, Any]], encoder: str, encoder_version: str) -> None:
        """Insert or replace (doc_id, input_hash, vector) rows of one encoder, in one transaction."""
        import numpy as np

        if not rows:
            return
        with self.transaction():
            cond, args = self._id_in("doc_id", [r[0] for r in rows])
            self._execute(f"DELETE FROM vectors WHERE encoder = ? AND {cond}", (encoder, *args))
            seq = int(self._scalar("SELECT coalesce(max(seq), 0) + 1 FROM vectors"))
            stamp = now()
            self._insert_many(
                "vectors",
                VECTOR_COLUMNS,
                [
                    (
                        doc_id,
                        encoder,
                        encoder_version,
                        len(v),
                        np.asarray(v, dtype="<f4").tobytes(),
                        h,
                        seq,
                        stamp,
                    )
                    for doc_id, h, v in rows
                ],
            )

    def vector_hashes(self, encoder: str) -> dict[str, str]:
        """doc_id -> input hash of every stored vector of an encoder."""
        return dict(self._all("SELECT doc_id, input_hash FROM vectors WHERE encoder = ?", (encoder,)))

    def vector_counts(self) -> dict[str, int]:
        """encoder -> number of vectors, from the index alone (cheap: used on every search)."""
        return dict(self._all("SELECT encoder, count(*) FROM vectors GROUP BY encoder"))

    def vector_stamps(self) -> dict[str, int]:
        """encoder -> vectors_stamp, for every encoder with vectors: a walk over the index (one
        lookup per encoder), where counting reads every entry. Changes when vectors are written."""
        return dict(
            self._all(
                "WITH RECURSIVE e(x) AS (SELECT (SELECT min(encoder) FROM vectors) UNION ALL"
                " SELECT (SELECT min(encoder) FROM vectors WHERE encoder > e.x) FROM e WHERE e.x IS NOT NULL)"
                " SELECT x, (SELECT coalesce(max(seq), 0) FROM vectors WHERE encoder = x) FROM e"
                " WHERE x IS NOT NULL"
            )
        )

    def vector_encoders(self) -> list[dict[str, Any]]:
        """The encoders that have vectors here, most vectors first: encoder, version, dim, count."""
        return self._dicts(
            "SELECT encoder, max(encoder_version) AS version, max(dim) AS dim, count(*) AS count"
            " FROM vectors GROUP BY encoder ORDER BY count(*) DESC, encoder"
        )

    def vectors_stamp(self, encoder: str) -> int:
        """The last write of an encoder's vectors (from the index: cheap), for caches of the matrix.
        Only removing orphans deletes without writing, and a matrix that still holds vectors of
        removed documents is harmless (their rows are not found)."""
        return int(
            self._scalar("SELECT coalesce(max(seq), 0) FROM vectors WHERE encoder = ?", (encoder,)) or 0
        )

    def vectors(self, encoder: str, ids: Sequence[str] | None = None) -> tuple[list[str], Any]:
        """(document ids, float32 matrix with one unit row each) of an encoder, all or ``ids``."""
        import numpy as np

        sql = "SELECT doc_id, vector, dim FROM vectors WHERE encoder = ?"
        args: list[Any] = [encoder]
        if ids is not None:
            if not ids:
                return [], np.zeros((0, 0), dtype=np.float32)
            cond, more = self._id_in("doc_id", list(dict.fromkeys(ids)))
            sql += f" AND {cond}"
            args += more
        rows = self._all(sql + " ORDER BY doc_id", args)
        if not rows:
            return [], np.zeros((0, 0), dtype=np.float32)
        matrix = np.frombuffer(b"".join(bytes(r[1]) for r in rows), dtype="<f4").reshape(
            len(rows), rows[0][2]
        )
        return [r[0] for r in rows], matrix

    def remove_orphan_vectors(self) -> int:
        """Drop vectors of documents no longer in the corpus; how many."""
        with self.transaction():
            return self._execute(
                "DELETE FROM vectors WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = vectors.doc_id)"
            ).rowcount

    EMBED_KINDS = ("title", "keywords", "abstract", "body", "section")

    def iter_embedding_parts(self, batch: int = 500) -> Iterator[tuple[str, list[tuple[str, str]]]]:
        """(doc_id, [(kind, text)] in document order) for every document, in id order: the parts
        that say what a document is about (pipeline.semantic.inputs picks from them)."""
        kinds = ",".join("?" * len(self.EMBED_KINDS))
        for ids in self._id_pages(batch):
            parts: dict[str, list[tuple[str, str]]] = {i: [] for i in ids}
            cond, args = self._id_in("doc_id", ids)
            for doc_id, kind, text in self._all(
                f"SELECT doc_id, kind, text FROM parts WHERE {cond} AND kind IN ({kinds}) ORDER BY doc_id, seq",
                (*args, *self.EMBED_KINDS),
            ):
                parts[doc_id].append((kind, text))
            yield from parts.items()

    def filter_doc_ids(
        self, lang: str | None = None, filters: Filters | None = None, among: Sequence[str] | None = None
    ) -> set[str] | None:
        """Ids of the documents that pass the document-level filters (None: no filter given);
        ``lang``: the document has a part in that language; ``among``: only these documents."""
        where, args = self._doc_filters(filters)
        if lang:
            where.append("(' ' || d.langs || ' ') LIKE ?")
            args.append(f"% {lang} %")
        if not where:
            return None
        if among is not None:
            cond, more = self._id_in("d.id", list(among))
            where.append(cond)
            args.extend(more)
        return {r[0] for r in self._all(f"SELECT d.id FROM documents d WHERE {' AND '.join(where)}", args)}

    def doc_summaries(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """id, source_id, path, title, year, langs and the first abstract (else body) text of documents."""
        out: dict[str, dict[str, Any]] = {}
        if not ids:
            return out
        cond, args = self._id_in("id", list(dict.fromkeys(ids)))
        for r in self._dicts(
            f"SELECT id, source_id, path, title, year, langs FROM documents WHERE {cond}", args
        ):
            out[r["id"]] = {**r, "langs": (r["langs"] or "").split(), "abstract": ""}
        cond, args = self._id_in("doc_id", list(out))
        for doc_id, text in self._all(
            f"SELECT doc_id, text FROM parts WHERE {cond} AND kind IN ('abstract', 'body', 'section')"
            " ORDER BY doc_id, CASE WHEN kind = 'abstract' THEN 0 ELSE 1 END, seq",
            args,
        ):
            if not out[doc_id]["abstract"]:
                out[doc_id]["abstract"] = text
        return out


def _topic_rows(model_id: str, topics: list[dict[str, Any]]) -> list[tuple]:
    return [
        (model_id, t["topic"], t["label"], t["theme"], json.dumps(t["terms"], ensure_ascii=False), t["weight"],
         json.dumps(t["meta"], ensure_ascii=False))
        for t in topics
    ]  # fmt: skip
