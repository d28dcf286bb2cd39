"""Ingest: discover files, cut the work into units, run them on an executor, store the results.

A unit of work is a file, or a slice of a large record file, so thousands of abstracts in one
JSONL still use every worker. Workers (``pipeline.executor``) read, segment, detect languages,
normalise and tag. With SQLite this process is the only writer and commits each unit in one
transaction; with PostgreSQL the workers write their own units. Either way a run killed half way
keeps every finished unit, and the next run skips documents already stored (they are keyed by
content hash) and files already done.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import __version__, nlp
from pipeline.config import Config
from pipeline.discover import Skipped, Source, walk
from pipeline.executor import Executor, make_executor
from pipeline.executor.work import Unit, UnitResult, WorkContext, write_result
from pipeline.models import Registry
from pipeline.readers import load_plugins
from pipeline.readers.encoding import sha256_file
from pipeline.stages import default_stages, pipeline_version
from pipeline.store import Store, is_url

RECORD_FORMATS = {"jsonl", "json", "csv", "tsv", "ris", "bib"}
# A unit's finished documents travel back and wait in memory as one result: keep it bounded.
MAX_UNIT_BYTES = 4 * 1024 * 1024


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
    executor: Executor | None = None,
) -> IngestSummary:
    """Run the per-document stages over files and folders into the store."""
    started = time.perf_counter()
    load_plugins(cfg.readers)
    pv = pipeline_version(default_stages())
    run = store.start_run(command, cfg.to_dict(), {"govtext": __version__, "pipeline": pv, **_lib_versions()})
    summary = IngestSummary(run=run)
    notify = progress or (lambda event, data: None)

    def fail(path: str, stage: str, message: str) -> None:
        summary.errors += 1
        store.add_error(path, stage, message, run)
        notify("error", {"path": path, "stage": stage, "message": message})

    file_meta: dict[str, tuple[Source, str | None]] = {}  # sha None: a new file, its worker hashes it
    # Files that failed, wholly or in part, in an earlier run and are unchanged: still failed.
    still: dict[str, str] = {}

    def unchanged(path: str, status: str) -> None:
        if status == "done":
            summary.files_unchanged += 1
        else:
            still[path] = status

    for item in walk(paths, follow_links=cfg.follow_links):
        summary.files_seen += 1
        if isinstance(item, Skipped):
            summary.files_failed += 1
            fail(str(item.path), "discover", item.reason)
            continue
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
        sha = None
        if settled:
            # Seen before and touched since: only its content tells whether it changed. A new
            # file is hashed by the worker that reads it, so that the first run over an archive
            # does not read every byte here, one file after another, before work starts.
            try:
                sha = sha256_file(item.path)
            except OSError as e:
                summary.files_failed += 1
                fail(path, "discover", f"cannot read file ({e.strerror or e})")
                continue
            if state.sha256 == sha:
                store.set_source(path, sha, item.size, item.mtime, item.format, state.status, pv, 0, run)
                unchanged(path, state.status)
                continue
        file_meta[path] = (item, sha)
    if still:
        _report_still_failing(store, still, summary, fail)

    executor = executor or make_executor(cfg)
    # PostgreSQL takes many writers: the workers store their own units. SQLite has one: this process.
    warm = store.check_vocabulary(nlp.vocabulary_version()) and store.count("vocabulary") > 0
    models = Registry(store)
    themes_model = models.active_id("themes")
    ctx = WorkContext(
        cfg, pv, run, write_db=cfg.db if is_url(cfg.db) else None, vocab_db=cfg.db if warm else None,
        themes_model=themes_model, themes_files=models.files("themes", themes_model) if themes_model else None,
    )  # fmt: skip
    pending_units: Counter = Counter()
    produced: dict[str, set[str]] = {}
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
        if res.sha256 is not None:
            file_meta[path] = (file_meta[path][0], res.sha256)
        produced[path] |= res.produced_ids
        if not res.written_by_worker:
            write_result(store, res, ctx)
        summary.duplicates += res.duplicates
        summary.documents_new += len(res.written)
        summary.documents_skipped += len(res.unit.skip_ids & res.produced_ids)
        summary.parts_by_lang.update(res.parts_by_lang)
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
            {
                "path": path,
                "docs": len(res.written),
                "pages": res.pages,
                "file_done": pending_units[path] == 0,
            },
        )

    status = "interrupted"
    try:
        with executor.session() as ex:
            units = _plan(file_meta, store, pv, ex.parallelism)
            pending_units.update(u.path for u in units)
            produced.update({p: set() for p in pending_units})
            notify(
                "start", {"files": len(file_meta), "units": len(units), "unchanged": summary.files_unchanged}
            )
            ex.run(units, ctx, handle, on_ready=lambda: notify("ready", {"units": len(units)}))
        status = "done"
    finally:
        summary.seconds = round(time.perf_counter() - started, 3)
        store.finish_run(run, status, summary.to_dict(), summary.seconds)
    return summary


def _plan(
    file_meta: dict[str, tuple[Source, str | None]], store: Store, pv: str, parallelism: int
) -> list[Unit]:
    """The units of work: a file each, record files cut in slices to keep every worker busy."""
    units: list[Unit] = []
    total_bytes = sum(src.size for src, _ in file_meta.values())
    for path, (item, sha) in file_meta.items():
        skip = frozenset(store.current_doc_ids(path, pv))
        n = _chunks(item, parallelism, total_bytes)
        units.extend(
            Unit(path, item.format, i, n, skip, a, b, size=item.size // n, sha256=sha)
            for i, (a, b) in enumerate(_slices(item, n))
        )
    return units


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
