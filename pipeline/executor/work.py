"""The worker side of ingest: what one unit of work is, and how a worker process runs it.

Every executor (local processes, Dask) runs units through these functions, so warm-up, the per-file
time limit and what a result holds are the same whichever runs them. A worker reads a unit, runs
the per-document stages and either hands the finished documents back (the coordinator writes them:
SQLite) or writes them itself in one transaction and hands back a receipt (PostgreSQL), so the
single writer is no longer the cap.
"""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline import nlp
from pipeline.config import Config
from pipeline.document import Document, Part, ReadError, RecordError
from pipeline.readers import get_reader, load_plugins
from pipeline.readers.encoding import sha256_file
from pipeline.stages import Stage, default_stages

BATCH = 128


@dataclass
class Unit:
    """A file, or the records [start, stop) of a record file (stop None: to the end)."""

    path: str
    format: str
    chunk: int = 0
    n_chunks: int = 1
    skip_ids: frozenset[str] = frozenset()
    start: int = 0
    stop: int | None = None
    size: int = 0  # bytes of the file (a slice: its share), for scheduling
    sha256: str | None = None  # the file's, when the coordinator hashed it; else its first unit does


@dataclass
class UnitResult:
    unit: Unit
    docs: list[Document] = field(default_factory=list)  # finished documents, when the coordinator writes
    errors: list[RecordError] = field(default_factory=list)
    fatal: str | None = None  # the whole file failed: one-line reason
    produced_ids: set[str] = field(default_factory=set)  # every id the unit saw, stored or skipped
    pages: int = 0
    sha256: str | None = None  # the file's, when this unit hashed it (see Unit.sha256)
    # Filled by whoever wrote the documents (the worker, or the coordinator):
    written: list[str] = field(default_factory=list)
    duplicates: int = 0
    parts_by_lang: Counter = field(default_factory=Counter)
    written_by_worker: bool = False
    vocab: list[tuple[str, str, str, str]] = field(default_factory=list)  # chunks new to the corpus


@dataclass(frozen=True)
class WorkContext:
    """What a worker needs to know about the run: the config, the pipeline version and run id its
    documents are stored under, and where to write them when it writes itself (None: it does not)."""

    cfg: Config
    pipeline_version: str
    run: int
    write_db: str | None = None
    vocab_db: str | None = None  # the corpus whose vocabulary warms a worker's caches
    themes_model: str | None = None  # the themes model to tag with (None: the lexicon)
    themes_files: dict[str, bytes] | None = field(default=None, repr=False)  # its files


# -- one worker process --------------------------------------------------------------------------
_W: dict[str, Any] = {}


def init_worker(ctx: WorkContext) -> None:
    """Set a worker process up for a run: stages loaded, reader options, its own store connection
    when it writes (a connection never crosses a fork)."""
    cfg = ctx.cfg
    load_plugins(cfg.readers)
    _W["ctx"] = ctx
    _W["stages"] = default_stages()
    _W["options"] = cfg.read_options()
    old = _W.pop("store", None)
    if old is not None:
        old.close()
    if ctx.write_db is not None:
        from pipeline.store import open_store

        _W["store"] = open_store(ctx.write_db)
    prepare_process(ctx)


def prepare_process(ctx: WorkContext) -> None:
    """What a process running this run's stages must know: the themes model, and the corpus
    whose vocabulary it adds to and starts warm from."""
    from pipeline import themes

    themes.configure(ctx.themes_model, ctx.themes_files)
    nlp.vocabulary_scope(ctx.cfg.db)
    if ctx.vocab_db is not None:
        load_vocabulary(ctx.vocab_db)


def load_vocabulary(db: str) -> None:
    """Warm this process's normalisation caches from a corpus's vocabulary, once per corpus (a
    forked worker inherits its parent's). A corpus out of reach (an SQLite file on another machine
    than this Dask worker) leaves them cold: slower, not wrong."""
    if _W.get("vocab_db") == db:
        return
    from pipeline.store import StoreError, open_store

    nlp.vocabulary_scope(db)
    try:
        with open_store(db, readonly=True) as store:
            if store.meta_value("vocabulary") == nlp.vocabulary_version():
                nlp.preload_vocabulary(store.iter_vocabulary())
    except StoreError:
        pass
    _W["vocab_db"] = db


def apply_stages(
    docs: list[Document], stages: list[Stage], cfg: Config
) -> tuple[list[Document], list[RecordError]]:
    """Run the stages over a batch; a document that breaks a stage is dropped with an error, not the batch."""
    errors: list[RecordError] = []
    for stage in stages:
        try:
            docs = stage.run(docs, cfg)
        except Exception:
            kept = []
            for d in docs:
                try:
                    kept.extend(stage.run([d], cfg))
                except Exception as e:  # noqa: BLE001 - any bug in a stage becomes a per-document error
                    where = f" (record {d.meta['record']})" if "record" in d.meta else ""
                    errors.append(RecordError(d.path, stage.name, f"{type(e).__name__}: {e}{where}"))
            docs = kept
    return docs, errors


def process_unit(unit: Unit, run: int | None = None, corpus: str | None = None) -> UnitResult:
    """Read a unit, run the stages, and write the documents when this worker writes (under ``run``
    of ``corpus``, by default those the worker was set up for)."""
    ctx: WorkContext = _W["ctx"]
    if run is not None and run != ctx.run:
        ctx = replace(ctx, run=run)
    if corpus is not None:
        nlp.vocabulary_scope(corpus)
    cfg = ctx.cfg
    res = UnitResult(unit)
    reader = get_reader(unit.format)
    batch: list[Document] = []

    def flush() -> None:
        docs, errs = apply_stages(batch, _W["stages"], cfg)
        res.docs.extend(docs)
        res.errors.extend(errs)
        batch.clear()

    stop = unit.stop if unit.stop is not None else float("inf")
    try:
        digest = unit.sha256
        if digest is None and unit.chunk == 0:
            try:
                digest = res.sha256 = sha256_file(Path(unit.path))
            except OSError as e:
                raise ReadError(f"cannot read file ({e.strerror or e})") from None
        index = -1
        for item in reader(Path(unit.path), replace(_W["options"], digest=digest)):
            if isinstance(item, RecordError):
                # A bad record belongs to the slice of the record after it: reported once per file.
                if unit.start <= index + 1 < stop:
                    res.errors.append(item)
                continue
            index += 1
            if index < unit.start:
                continue
            if index >= stop:
                break  # contiguous slices: the rest of the file is another unit's
            res.produced_ids.add(item.id)
            res.pages += item.pages
            if item.id in unit.skip_ids:
                continue
            batch.append(item)
            if len(batch) >= BATCH:
                flush()
        flush()
    except ReadError as e:
        res.fatal = str(e)
    except Exception as e:  # noqa: BLE001 - an unexpected reader failure is this file's error, not the run's
        res.fatal = f"{type(e).__name__}: {e}"
    res.vocab = nlp.take_new_vocabulary()
    store = _W.get("store")
    if store is not None:
        write_result(store, res, ctx)
        res.written_by_worker = True
    return res


def write_result(store: Any, res: UnitResult, ctx: WorkContext) -> None:
    """Store a unit's documents in one transaction and keep only the receipt in the result."""
    wrote = store.write_documents(res.docs, ctx.pipeline_version, ctx.run)
    store.add_vocabulary(res.vocab)
    res.vocab = []
    written = set(wrote.written)
    res.written = wrote.written
    res.duplicates = wrote.duplicates
    for d in res.docs:
        if d.id in written:
            res.parts_by_lang.update(p.lang or "?" for p in d.parts if p.kind != "discarded")
    res.docs = []


# -- time limits ---------------------------------------------------------------------------------
def hard_limit(cfg: Config) -> float | None:
    """Seconds after which a worker is stopped outright. The readers enforce ``time_limit``
    themselves; this catches what they cannot interrupt (a hang inside pdfium's C code)."""
    return cfg.time_limit * 1.5 + 10 if cfg.time_limit and cfg.time_limit > 0 else None


def _watchdog(seconds: float | None) -> threading.Timer | None:
    if seconds is None:
        return None
    # SIGKILL of this worker: its pool reports it broken and the unit is retried alone.
    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGKILL))
    timer.daemon = True
    timer.start()
    return timer


def guarded_unit(unit: Unit, run: int | None = None, corpus: str | None = None) -> UnitResult:
    """process_unit under the watchdog: what runs in a worker process of a pool."""
    timer = _watchdog(hard_limit(_W["ctx"].cfg))
    try:
        return process_unit(unit, run, corpus)
    finally:
        if timer is not None:
            timer.cancel()


def lost_unit(unit: Unit, seconds: float, cfg: Config) -> UnitResult:
    """The result of a unit whose worker process died: stopped at the time limit, or crashed."""
    limit = hard_limit(cfg)
    if limit is not None and seconds >= limit * 0.9:
        reason = f"time limit exceeded ({seconds:.0f} s); the worker reading this file was stopped"
    else:
        reason = "worker process crashed while reading this file"
    return UnitResult(unit, fatal=reason)


# -- warm-up -------------------------------------------------------------------------------------
# A bilingual abstract of our own that walks every stage's lazy set-up (both spaCy pipelines,
# the stemmer, the language model, the theme tagger).
_WARM_UP_TEXT = """Transparansi Anggaran Desa dan Partisipasi Warga
Siti Rahma
This study examines how village governments publish their budgets and how citizens take part in planning.
Penelitian ini mengkaji keterbukaan anggaran pemerintah desa dan partisipasi masyarakat dalam perencanaan.
Kata kunci: transparansi; partisipasi; anggaran desa. Keywords: transparency; participation
"""


def warm_up(cfg: Config) -> None:
    """Load every stage's tables once. Before a pool forks, so the workers share them (copy on
    write) instead of each loading its own; in a Dask worker, before its first unit."""
    doc = Document(id="warm-up", path="<warm-up>", format="txt", parts=[Part("raw", _WARM_UP_TEXT)])
    apply_stages([doc], default_stages(), cfg)


def init_and_warm(ctx: WorkContext) -> None:
    init_worker(ctx)
    warm_up(ctx.cfg)
