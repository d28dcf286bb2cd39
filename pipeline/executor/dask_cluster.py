"""The Dask executor: the same units on a Dask cluster (``--executor dask``, ``govtext[dask]``).

``--scheduler tcp://HOST:8786`` (or ``DASK_SCHEDULER_ADDRESS``) joins a running cluster; without
one a ``LocalCluster`` of ``--workers`` processes is started for the run. Every machine must see
the input files under the same paths and have govtext installed.

Each Dask worker runs its units in one warm worker process of its own (started and warmed by a
worker plugin when the worker joins the run), under the same watchdog as the local executor: a
file that hangs or crashes that process fails alone, is recorded as an error, and the Dask worker
carries on with a fresh process. Small files travel in batches so that scheduling costs little
beside the work (coarse units). With PostgreSQL the processes write their own documents and only
receipts come back; with SQLite the documents come back and the coordinator writes them.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from pipeline.executor.work import Unit, UnitResult, WorkContext, guarded_unit, init_and_warm, lost_unit
from pipeline.extras import require

PLUGIN = "govtext-units"
SMALL_UNIT = 256 * 1024  # a text file this small costs less than sending it as a task of its own
MAX_TASK_BYTES = 4 * 1024 * 1024
MAX_TASK_UNITS = 64
# Settings of the LocalCluster a run starts (a running cluster keeps its own: see README "Scaling out").
WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.gil.enabled": False,
}

Handle = Callable[[UnitResult], None]
Ready = Callable[[], None] | None


def _init_unit_process(ctx: WorkContext, parent: int) -> None:
    """Set the unit process up, and end it when its Dask worker is gone (killed, or closed without
    saying so): it holds both ends of its own task queue, so it would never see the pipe close."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
    init_and_warm(ctx)


class UnitRunner:
    """A warm worker process that runs units one at a time; replaced when it dies."""

    def __init__(self, ctx: WorkContext):
        self.ctx = ctx
        self.pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        # A Dask worker is a daemon process, and multiprocessing refuses children to daemons. Ours
        # is one process that close() stops (also at exit), and that exits when its pipe to this
        # worker breaks, so it cannot outlive the worker: let it start.
        me = multiprocessing.current_process()
        was_daemon = me._config.get("daemon")
        me._config["daemon"] = False
        try:
            # spawn: a Dask worker runs threads (its event loop), which a fork must not copy.
            self.pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_init_unit_process,
                initargs=(self.ctx, os.getpid()),
            )  # fmt: skip
            self.pool.submit(int).result()  # start and warm up now, so the first unit is not slow
        finally:
            me._config["daemon"] = was_daemon

    def run(self, unit: Unit, run: int, corpus: str) -> UnitResult:
        if self.pool is None:
            self.start()
        started = time.perf_counter()
        try:
            return self.pool.submit(guarded_unit, unit, run, corpus).result()
        except BrokenProcessPool:
            self.close()
            return lost_unit(unit, time.perf_counter() - started, self.ctx.cfg)

    def close(self) -> None:
        if self.pool is not None:
            for proc in list(getattr(self.pool, "_processes", {}).values()):
                proc.kill()  # a process in the middle of a unit would keep the worker waiting
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


# One warm runner per Dask worker process, kept across runs with the same settings: a second
# ingest on a running cluster starts at once. Keyed by what the units' work depends on (not the
# run id, nor settings only the coordinator reads).
_RUNNERS: dict[str, UnitRunner] = {}


def _runner(ctx: WorkContext) -> UnitRunner:
    cfg = replace(ctx.cfg, db="", workers=1, report=None, topics_k="", executor="dask", scheduler=None)
    settings = replace(ctx, run=0, cfg=cfg, vocab_db=None, themes_files=None)
    key = repr(settings)
    runner = _RUNNERS.get(key)
    if runner is None:
        for old in _RUNNERS.values():
            old.close()
        _RUNNERS.clear()
        runner = _RUNNERS[key] = UnitRunner(
            replace(settings, vocab_db=ctx.vocab_db, themes_files=ctx.themes_files)
        )
        if not _RUNNERS_CLOSED_AT_EXIT:
            atexit.register(_close_runners)
            _RUNNERS_CLOSED_AT_EXIT.append(True)
        runner.start()
    return runner


_RUNNERS_CLOSED_AT_EXIT: list[bool] = []


def _close_runners() -> None:
    for r in _RUNNERS.values():
        r.close()
    _RUNNERS.clear()


def _plugin_class() -> type:
    from distributed.diagnostics.plugin import WorkerPlugin

    class UnitRunnerPlugin(WorkerPlugin):
        """Warm-up on every worker of the run: a ready UnitRunner before the first unit arrives."""

        name = PLUGIN

        def __init__(self, ctx: WorkContext):
            self.ctx = ctx

        def setup(self, worker: Any) -> None:
            _runner(self.ctx)

        def teardown(self, worker: Any) -> None:
            _close_runners()

    return UnitRunnerPlugin


def run_units(units: list[Unit], ctx: WorkContext) -> list[UnitResult]:
    """The Dask task: a batch of units through this worker's warm process."""
    runner = _runner(ctx)
    return [runner.run(u, ctx.run, ctx.cfg.db) for u in units]


def batches(units: list[Unit], parallelism: int) -> list[list[Unit]]:
    """Units grouped into tasks: every PDF and every big unit alone (their cost does not follow
    their size, so grouping them would leave workers idle at the end), small text files together."""
    is_small = [u.format != "pdf" and u.size < SMALL_UNIT for u in units]
    small = [u for u, s in zip(units, is_small, strict=True) if s]
    big = [u for u, s in zip(units, is_small, strict=True) if not s]
    out: list[list[Unit]] = [[u] for u in sorted(big, key=lambda u: -u.size)]
    total = sum(u.size for u in small)
    target = min(MAX_TASK_BYTES, max(SMALL_UNIT, total // max(1, parallelism * 4)))
    current: list[Unit] = []
    size = 0
    for u in small:
        if current and (size + u.size > target or len(current) >= MAX_TASK_UNITS):
            out.append(current)
            current, size = [], 0
        current.append(u)
        size += u.size
    if current:
        out.append(current)
    return out


class DaskExecutor:
    """Units on a Dask cluster: a running one (``scheduler``), or a LocalCluster of ``workers``."""

    name = "dask"

    def __init__(self, workers: int, scheduler: str | None = None):
        self.workers = max(1, workers)
        self.scheduler = scheduler
        self.client: Any = None

    @contextmanager
    def session(self) -> Iterator[DaskExecutor]:
        distributed = require("distributed", "dask", "--executor dask")
        cluster = None
        if self.scheduler:
            try:
                self.client = distributed.Client(self.scheduler, timeout="30s")
            except OSError as e:
                raise ValueError(
                    f"--scheduler {self.scheduler}: cannot reach the Dask scheduler ({e})"
                ) from None
        else:
            import dask

            # Dask's own sampling profiler and GIL monitor cost each worker 4-5% of a core, taken
            # from the units beside it (bench/bench_scale.py); a run of govtext has no use for them.
            with dask.config.set(WORKER_CONFIG):
                cluster = distributed.LocalCluster(
                    n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=None,
                    silence_logs=logging.ERROR,
                )  # fmt: skip
            self.client = distributed.Client(cluster)
        try:
            yield self
        finally:
            self.client.close()
            if cluster is not None:
                cluster.close()
            self.client = None

    @property
    def parallelism(self) -> int:
        return max(1, sum(self.client.nthreads().values())) if self.client is not None else self.workers

    def run(self, units: list[Unit], ctx: WorkContext, handle: Handle, on_ready: Ready = None) -> None:
        if not units:
            return
        from distributed import as_completed

        self.client.register_plugin(_plugin_class()(ctx), name=PLUGIN)  # every worker warms up
        if on_ready is not None:
            on_ready()
        tasks = batches(units, self.parallelism)
        light = replace(ctx, themes_files=None)  # the model's files reach each worker once, with the plugin
        futures = {self.client.submit(run_units, b, light, pure=False): b for b in tasks}
        for future in as_completed(futures):
            batch = futures[future]
            try:
                results = future.result()
            except Exception as e:  # noqa: BLE001 - a lost Dask worker fails its batch, not the run
                why = " ".join(f"{type(e).__name__}: {e}".split())
                results = [
                    UnitResult(u, fatal=f"the Dask worker running this file was lost ({why})") for u in batch
                ]
            for r in results:
                handle(r)
            future.release()
