"""Ingest: discover files, run the per-document stages in worker processes, write to the store.

The main process owns the database (one writer); workers read, segment, detect languages,
normalise and tag, and hand back finished documents. A unit of work is a file, or a slice of a
large record file, so thousands of abstracts in one JSONL still use every worker. Each unit is
committed in one transaction: a run killed half way keeps every finished unit, and the next run
skips documents already stored (they are keyed by content hash).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.config import Config
from pipeline.discover import Skipped, Source, sha256_file, walk
from pipeline.document import Document, Part, ReadError, RecordError
from pipeline.readers import ReadOptions, get_reader
from pipeline.stages import Stage, default_stages, pipeline_version
from pipeline.store import Store

RECORD_FORMATS = {"jsonl", "json", "csv", "tsv", "ris", "bib"}
BATCH = 128
# A unit's finished documents travel back and wait in memory as one result: keep it bounded.
MAX_UNIT_BYTES = 4 * 1024 * 1024


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


@dataclass
class UnitResult:
    unit: Unit
    docs: list[Document] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)
    fatal: str | None = None  # the whole file failed: one-line reason
    produced_ids: set[str] = field(default_factory=set)  # every id the unit saw, stored or skipped
    pages: int = 0


@dataclass
class IngestSummary:
    run: int
    files_seen: int = 0
    files_unchanged: int = 0
    files_done: int = 0
    files_failed: int = 0
    files_still_failing: int = 0  # of files_failed: failed in an earlier run, unchanged since
    documents_new: int = 0
    documents_skipped: int = 0
    duplicates: int = 0
    pages: int = 0
    errors: int = 0
    parts_by_lang: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k != "parts_by_lang"}
        d["parts_by_lang"] = dict(self.parts_by_lang)
        return d


# -- worker side ------------------------------------------------------------------------------------
_W: dict[str, Any] = {}


def _init_worker(cfg: Config) -> None:
    _W["cfg"] = cfg
    _W["stages"] = default_stages()
    _W["options"] = ReadOptions(
        columns=dict(cfg.columns),
        encoding=cfg.encoding,
        ocr=cfg.ocr,
        ocr_langs=cfg.ocr_langs,
        time_limit=cfg.time_limit,
        max_pages=cfg.max_pages,
        ocr_max_pages=cfg.ocr_max_pages,
        max_text_mb=cfg.max_text_mb,
    )


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


def process_unit(unit: Unit) -> UnitResult:
    cfg: Config = _W["cfg"]
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
        index = -1
        for item in reader(Path(unit.path), _W["options"]):
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
    return res


# -- main side --------------------------------------------------------------------------------------
def _chunks(src: Source, workers: int, total_bytes: int) -> int:
    """How many slices to cut a record file into.

    A slice re-reads (parses and builds) every record before its start, so slices cost reader
    time: cut a file only when it is big enough to leave a worker idle (more than a share of
    the whole run) or to hold too many finished documents in memory at once.
    """
    if src.format not in RECORD_FORMATS:
        return 1
    n = -(-src.size // MAX_UNIT_BYTES)
    if workers > 1:
        share = max(total_bytes // (2 * workers), 64 * 1024)
        n = max(n, -(-src.size // share))
    return max(1, min(64, n))


# Newline-counted record estimates are exact for JSONL and close for CSV; for the rest a
# marker per record. An estimate only balances the slices: the last one runs to the end.
_RECORD_MARKS = {"ris": b"\nER  -", "bib": b"\n@"}


def _slices(src: Source, n: int) -> list[tuple[int, int | None]]:
    """Contiguous record ranges [start, stop) of about equal size for n slices of a record file."""
    if n <= 1:
        return [(0, None)]
    mark = _RECORD_MARKS.get(src.format, b"\n")
    count = 0
    try:
        with open(src.path, "rb") as fh:
            while block := fh.read(1 << 20):
                count += block.count(mark)  # a mark cut by a block edge is missed: an estimate
    except OSError:
        return [(0, None)]
    est = max(count + (0 if src.format in _RECORD_MARKS else 1), n)
    per = -(-est // n)
    return [(i * per, (i + 1) * per if i < n - 1 else None) for i in range(n)]


ProgressFn = Callable[[str, dict[str, Any]], None]


def ingest(
    paths: Iterable[Path],
    cfg: Config,
    store: Store,
    *,
    command: str = "ingest",
    retry_failed: bool = False,
    progress: ProgressFn | None = None,
) -> IngestSummary:
    """Run the per-document stages over files and folders into the store."""
    started = time.perf_counter()
    stages = default_stages()
    pv = pipeline_version(stages)
    run = store.start_run(command, cfg.to_dict(), {"govtext": __version__, "pipeline": pv, **_lib_versions()})
    summary = IngestSummary(run=run)
    notify = progress or (lambda event, data: None)

    def fail(path: str, stage: str, message: str) -> None:
        summary.errors += 1
        store.add_error(path, stage, message, run)
        notify("error", {"path": path, "stage": stage, "message": message})

    units: list[Unit] = []
    file_meta: dict[str, tuple[Source, str]] = {}
    # Files that failed, wholly or in part, in an earlier run and are unchanged: still failed.
    still: dict[str, str] = {}

    def unchanged(path: str, status: str) -> None:
        if status == "done":
            summary.files_unchanged += 1
        else:
            still[path] = status

    for item in walk(paths, follow_links=cfg.follow_links):
        if isinstance(item, Skipped):
            summary.files_seen += 1
            summary.files_failed += 1
            fail(str(item.path), "discover", item.reason)
            continue
        summary.files_seen += 1
        path = str(item.path)
        state = store.source_state(path)
        settled = (
            state is not None
            and state.pipeline_version == pv
            and (state.status == "done" or (state.status in ("failed", "partial") and not retry_failed))
        )
        if settled and state.size == item.size and state.mtime == item.mtime:
            unchanged(path, state.status)
            continue
        try:
            sha = sha256_file(item.path)
        except OSError as e:
            summary.files_failed += 1
            fail(path, "discover", f"cannot read file ({e.strerror or e})")
            continue
        if settled and state.sha256 == sha:
            store.set_source(path, sha, item.size, item.mtime, item.format, state.status, pv, 0, run)
            unchanged(path, state.status)
            continue
        file_meta[path] = (item, sha)
    if still:
        _report_still_failing(store, still, summary, fail)

    total_bytes = sum(src.size for src, _ in file_meta.values())
    for path, (item, _) in file_meta.items():
        skip = frozenset(store.current_doc_ids(path, pv))
        n = _chunks(item, cfg.workers, total_bytes)
        units.extend(Unit(path, item.format, i, n, skip, a, b) for i, (a, b) in enumerate(_slices(item, n)))

    notify("start", {"files": len(file_meta), "units": len(units), "unchanged": summary.files_unchanged})
    pending_units: dict[str, int] = Counter(u.path for u in units)
    produced: dict[str, set[str]] = {p: set() for p in pending_units}
    fatal: dict[str, str] = {}
    partial: set[str] = set()  # files stored with record or page errors

    def handle(res: UnitResult) -> None:
        path = res.unit.path
        summary.pages += res.pages
        for err in res.errors:
            fail(err.path, err.stage, err.message)
        if res.errors:
            partial.add(path)
        if res.fatal:
            fatal[path] = res.fatal
        produced[path] |= res.produced_ids
        elsewhere = store.stored_elsewhere(res.docs, pv)
        new = [d for d in res.docs if d.id not in elsewhere]
        summary.duplicates += len(res.docs) - len(new)
        store.write_documents(new, pv, run)
        summary.documents_new += len(new)
        summary.documents_skipped += len(res.unit.skip_ids & res.produced_ids)
        for d in new:
            summary.parts_by_lang.update(p.lang or "?" for p in d.parts if p.kind not in ("discarded",))
        pending_units[path] -= 1
        if pending_units[path] == 0:
            src, sha = file_meta[path]
            if path in fatal:
                summary.files_failed += 1
                fail(path, "read", fatal[path])
                store.set_source(path, sha, src.size, src.mtime, src.format, "failed", pv, 0, run)
            else:
                summary.files_done += 1
                store.remove_stale(path, produced[path])
                status = "partial" if path in partial else "done"
                store.set_source(
                    path, sha, src.size, src.mtime, src.format, status, pv, len(produced[path]), run
                )
        notify(
            "unit",
            {"path": path, "docs": len(new), "pages": res.pages, "file_done": pending_units[path] == 0},
        )

    status = "interrupted"
    try:
        if units:
            _warm_up(stages, cfg)
            notify("ready", {"units": len(units)})  # start-up over: stages loaded, work begins
        # PDFs always go to a worker process: only a process can be stopped when pdfium hangs.
        in_process = (cfg.workers <= 1 or len(units) <= 1) and not any(u.format == "pdf" for u in units)
        if in_process:
            _init_worker(cfg)
            for u in units:
                handle(process_unit(u))
        else:
            _run_pool(units, cfg, handle, fail)
        status = "done"
    finally:
        summary.seconds = round(time.perf_counter() - started, 3)
        store.finish_run(run, status, summary.to_dict(), summary.seconds)
    return summary


def _report_still_failing(
    store: Store, still: dict[str, str], summary: IngestSummary, fail: Callable[[str, str, str], None]
) -> None:
    """Files that failed (status "failed") or were stored with errors ("partial") in an earlier
    run and have not changed: they are not read again, but this run records their errors again,
    so that the summary, the errors table and the exit code say the same of the same folder
    every time (--retry-failed reads them again)."""
    last: dict[str, tuple[int, list[dict[str, Any]]]] = {}
    for e in store.errors():
        if e["path"] in still and e["stage"] != "discover":
            run, errs = last.get(e["path"], (-1, []))
            if (e["run"] or 0) > run:
                last[e["path"]] = (e["run"] or 0, [e])
            elif (e["run"] or 0) == run:
                errs.append(e)
    for path, status in still.items():
        if status == "failed":
            summary.files_failed += 1
            summary.files_still_failing += 1
        else:
            summary.files_unchanged += 1
        errs = last.get(path, (0, []))[1] or [{"stage": "read", "message": "failed in an earlier run"}]
        for e in errs:
            fail(path, e["stage"], e["message"])


def hard_limit(cfg: Config) -> float | None:
    """Seconds after which a worker is stopped outright. The readers enforce ``time_limit``
    themselves; this catches what they cannot interrupt (a hang inside pdfium's C code)."""
    return cfg.time_limit * 1.5 + 10 if cfg.time_limit and cfg.time_limit > 0 else None


def _watchdog(seconds: float | None) -> threading.Timer | None:
    if seconds is None:
        return None
    # SIGKILL of this worker: the pool reports it broken and the unit is retried alone.
    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGKILL))
    timer.daemon = True
    timer.start()
    return timer


def _guarded_unit(unit: Unit) -> UnitResult:
    timer = _watchdog(hard_limit(_W["cfg"]))
    try:
        return process_unit(unit)
    finally:
        if timer is not None:
            timer.cancel()


def _run_pool(
    units: list[Unit],
    cfg: Config,
    handle: Callable[[UnitResult], None],
    fail: Callable[[str, str, str], None],
) -> None:
    # Biggest first keeps a large file from trailing at the end while other workers idle.
    queue = deque(sorted(units, key=lambda u: -_size(u.path) / u.n_chunks))
    while queue:
        suspects = _pool_until_broken(queue, cfg, handle)
        # One of the units in flight killed its worker: run each alone to find it, then carry on
        # with a fresh pool for the rest.
        _retry_alone(suspects, cfg, handle, fail)


def _pool_until_broken(queue: deque[Unit], cfg: Config, handle: Callable[[UnitResult], None]) -> list[Unit]:
    """Run units from the queue; on a crashed worker return the units that were in flight."""
    # A bounded window of in-flight units keeps memory flat on folders of thousands of files.
    window = cfg.workers * 4
    with ProcessPoolExecutor(
        max_workers=max(1, min(cfg.workers, len(queue))), initializer=_init_worker, initargs=(cfg,)
    ) as pool:
        futures: dict[Future, Unit] = {}
        while queue or futures:
            while queue and len(futures) < window:
                u = queue.popleft()
                futures[pool.submit(_guarded_unit, u)] = u
            done, _ = wait(futures, return_when=FIRST_COMPLETED)
            broken = []
            for f in done:
                u = futures.pop(f)
                try:
                    res = f.result()
                except BrokenProcessPool:
                    broken.append(u)
                    continue
                handle(res)
            if broken:
                return broken + list(futures.values())
    return []


def _retry_alone(
    units: list[Unit],
    cfg: Config,
    handle: Callable[[UnitResult], None],
    fail: Callable[[str, str, str], None],
) -> None:
    """Run units one per fresh process, so a unit that kills its worker fails alone."""
    limit = hard_limit(cfg)
    for u in units:
        started = time.perf_counter()
        try:
            with ProcessPoolExecutor(max_workers=1, initializer=_init_worker, initargs=(cfg,)) as pool:
                res = pool.submit(_guarded_unit, u).result()
        except BrokenProcessPool:
            took = time.perf_counter() - started
            if limit is not None and took >= limit * 0.9:
                reason = f"time limit exceeded ({took:.0f} s); the worker reading this file was stopped"
            else:
                reason = "worker process crashed while reading this file"
            res = UnitResult(u, fatal=reason)
        handle(res)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


# A bilingual abstract of our own that walks every stage's lazy set-up (both spaCy pipelines,
# the stemmer, the language model, the theme tagger).
_WARM_UP_TEXT = """Transparansi Anggaran Desa dan Partisipasi Warga
Siti Rahma
This study examines how village governments publish their budgets and how citizens take part in planning.
Penelitian ini mengkaji keterbukaan anggaran pemerintah desa dan partisipasi masyarakat dalam perencanaan.
Kata kunci: transparansi; partisipasi; anggaran desa. Keywords: transparency; participation
"""


def _warm_up(stages: list[Stage], cfg: Config) -> None:
    """Load every stage's tables once, before the workers fork, so they share them (copy on write)
    instead of each loading its own; with one worker it is the same cost, paid up front."""
    doc = Document(id="warm-up", path="<warm-up>", format="txt", parts=[Part("raw", _WARM_UP_TEXT)])
    apply_stages([doc], stages, cfg)


def _lib_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in (
        "spacy",
        "spacy-lookups-data",
        "scikit-learn",
        "gensim",
        "pdfplumber",
        "pypdfium2",
        "PySastrawi",
        "py3langid",
        "tomotopy",
    ):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out
