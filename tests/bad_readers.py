"""Readers that fail the way C code can: crash the worker process, or hang past every Python-level
limit. Named in a run's config (``readers=["bad_readers"]``) so that worker processes started
fresh (Dask) load them too."""

import os
import signal
import time

from pipeline.readers import register


@register("crashes", ".crash")
def crash(path, options):  # a reader that dies the way a segfault in C code would
    os.kill(os.getpid(), signal.SIGKILL)
    yield from ()


@register("hangs", ".hang")
def hang(path, options):  # a hang no Python-level time limit can interrupt
    time.sleep(600)
    yield from ()
