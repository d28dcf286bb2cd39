"""The default executor: worker processes on this machine.

Units go to a pool of worker processes, a bounded window at a time so memory stays flat on
folders of thousands of files, biggest first so a large file does not trail at the end. A worker
that dies (a crash, or the watchdog stopping a hang inside pdfium) breaks the pool: the units that
were in flight are then run one per fresh process, so the one that killed its worker fails alone,
and the rest of the run carries on with a new pool. With one worker and no PDFs the units run in
this process (no pool to start); PDFs always go to a worker process, because only a process can be
stopped when pdfium hangs.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

from pipeline.executor.work import (
    Unit,
    UnitResult,
    WorkContext,
    guarded_unit,
    init_worker,
    lost_unit,
    prepare_process,
    process_unit,
    warm_up,
)

Handle = Callable[[UnitResult], None]
Ready = Callable[[], None] | None


class LocalExecutor:
    """Worker processes on this machine (``--executor local``, the default)."""

    name = "local"

    def __init__(self, workers: int):
        self.workers = max(1, workers)

    @property
    def parallelism(self) -> int:
        return self.workers

    @contextmanager
    def session(self) -> Iterator[LocalExecutor]:
        yield self

    def run(self, units: list[Unit], ctx: WorkContext, handle: Handle, on_ready: Ready = None) -> None:
        if not units:
            return
        in_process = (self.workers <= 1 or len(units) <= 1) and not any(u.format == "pdf" for u in units)
        if in_process:
            init_worker(ctx)
            if len(units) > 1:
                warm_up(ctx.cfg)
            # else one file: its stages load what its documents need as they come (a file in one
            # language does not load the other language's pipeline: `ingest one.txt` starts sooner).
            if on_ready is not None:
                on_ready()
            for u in units:
                handle(process_unit(u))
            return
        # Load the stages' tables, the themes model and the corpus's vocabulary before the pool
        # forks: the workers share them.
        prepare_process(ctx)
        warm_up(ctx.cfg)
        if on_ready is not None:
            on_ready()
        queue = deque(sorted(units, key=lambda u: -u.size))
        while queue:
            suspects = self._pool_until_broken(queue, ctx, handle)
            _retry_alone(suspects, ctx, handle)

    def _pool_until_broken(self, queue: deque[Unit], ctx: WorkContext, handle: Handle) -> list[Unit]:
        """Run units from the queue; on a crashed worker return the units that were in flight."""
        window = self.workers * 4
        n = max(1, min(self.workers, len(queue)))
        with ProcessPoolExecutor(max_workers=n, initializer=init_worker, initargs=(ctx,)) as pool:
            futures: dict[Future, Unit] = {}
            while queue or futures:
                while queue and len(futures) < window:
                    u = queue.popleft()
                    futures[pool.submit(guarded_unit, u)] = u
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


def _retry_alone(units: list[Unit], ctx: WorkContext, handle: Handle) -> None:
    """Run units one per fresh process, so a unit that kills its worker fails alone."""
    for u in units:
        handle(run_alone(u, ctx))


def run_alone(unit: Unit, ctx: WorkContext) -> UnitResult:
    """One unit in a fresh worker process; a worker that dies fails only this unit."""
    started = time.perf_counter()
    try:
        with ProcessPoolExecutor(max_workers=1, initializer=init_worker, initargs=(ctx,)) as pool:
            return pool.submit(guarded_unit, unit).result()
    except BrokenProcessPool:
        return lost_unit(unit, time.perf_counter() - started, ctx.cfg)
