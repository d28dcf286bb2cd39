"""How units of work run: worker processes on this machine (default) or a Dask cluster.

An executor has ``session()`` (a context in which it is started), ``parallelism`` (how many
units can run at once, for cutting work into units) and ``run(units, ctx, handle)``, which calls
``handle`` in this process with each unit's result as units finish. The same warm-up, time
limits and failure isolation hold whichever runs the units (see ``work.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol

from pipeline.config import Config
from pipeline.executor.work import Unit, UnitResult, WorkContext

EXECUTORS = ("local", "dask")


class Executor(Protocol):
    name: str

    @property
    def parallelism(self) -> int: ...

    def session(self) -> AbstractContextManager[Executor]: ...

    def run(
        self, units: list[Unit], ctx: WorkContext, handle: Callable[[UnitResult], None],
        on_ready: Callable[[], None] | None = None,
    ) -> None: ...  # fmt: skip


def make_executor(cfg: Config) -> Executor:
    """The executor the config asks for (``executor``, ``workers``, ``scheduler``)."""
    if cfg.executor == "local":
        from pipeline.executor.local import LocalExecutor

        return LocalExecutor(cfg.workers)
    if cfg.executor == "dask":
        from pipeline.executor.dask_cluster import DaskExecutor

        return DaskExecutor(cfg.workers, cfg.scheduler)
    raise ValueError(f"unknown executor {cfg.executor!r}: use one of {', '.join(EXECUTORS)}")


__all__ = ["EXECUTORS", "Executor", "Unit", "UnitResult", "WorkContext", "make_executor"]
