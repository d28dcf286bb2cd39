"""`govtext embed` on a Dask cluster: the batches run on the Dask workers, the vectors come back.

Each Dask worker loads the encoder once, when the run's worker plugin reaches it (one thread,
as a local worker process does; the nanny of a Dask worker also starts it with OMP, MKL and
OpenBLAS at one thread), and keeps it for every batch it is given and for later runs with the
same encoder; the plugin's teardown drops it. The coordinator writes what comes back (see
``embed.embed_corpus``). Only a few batches per worker thread are in flight at a time, so neither
the scheduler nor the workers ever hold a whole corpus's texts.

Imported only when the executor is Dask (it needs ``govtext[dask]``).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import CancelledError
from typing import Any

import numpy as np
from distributed import KilledWorker, as_completed
from distributed.diagnostics.plugin import WorkerPlugin

from pipeline.semantic.encoders import Encoder, EncoderSpec, load_encoder

PLUGIN = "govtext-encoder"
IN_FLIGHT = 3  # batches per worker thread: the next is there when one finishes, no more

# -- on a Dask worker ----------------------------------------------------------------------------
_ENCODER: dict[EncoderSpec, Encoder] = {}  # this worker's encoder, one spec at a time
# A worker started with --nthreads above 1 runs tasks side by side: they take turns on the one
# encoder, as neither backend promises that one model may embed on two threads at once.
_LOCK = threading.Lock()


def worker_encoder(spec: EncoderSpec) -> Encoder:
    """This Dask worker's encoder for ``spec``, loaded on first use."""
    with _LOCK:
        enc = _ENCODER.get(spec)
        if enc is None:
            _ENCODER.clear()
            enc = _ENCODER[spec] = load_encoder(spec, threads=1)
        return enc


def drop_encoder() -> None:
    with _LOCK:
        _ENCODER.clear()


def embed_batch(texts: list[str], spec: EncoderSpec) -> np.ndarray:
    """The Dask task: one batch through this worker's encoder."""
    enc = worker_encoder(spec)
    with _LOCK:
        return enc.embed(texts)


class EncoderPlugin(WorkerPlugin):
    """Loads the encoder on every worker of the cluster (also one that joins later) before its
    first batch; a worker that cannot load it fails the registration with the reason."""

    name = PLUGIN

    def __init__(self, spec: EncoderSpec):
        self.spec = spec

    def setup(self, worker: Any) -> None:
        worker_encoder(self.spec)

    def teardown(self, worker: Any) -> None:
        drop_encoder()


# -- on the coordinator --------------------------------------------------------------------------
def iter_on_dask(
    executor: Any, texts: list[str], spec: EncoderSpec, chunks: list[range]
) -> Iterator[tuple[range, np.ndarray | Exception]]:
    """(positions, their vectors, or the error that batch met), in completion order, from the
    Dask cluster of an open ``DaskExecutor`` session."""
    client = executor.client
    client.register_plugin(EncoderPlugin(spec), name=PLUGIN)
    pending = deque(chunks)
    futures: dict[Any, range] = {}

    def submit() -> Any:
        r = pending.popleft()
        future = client.submit(embed_batch, [texts[i] for i in r], spec, pure=False)
        futures[future] = r
        return future

    window = executor.parallelism * IN_FLIGHT
    running = as_completed([submit() for _ in range(min(window, len(pending)))])
    for future in running:
        r = futures.pop(future)
        try:
            out: np.ndarray | Exception = future.result()
        except (KilledWorker, CancelledError) as e:
            why = " ".join(f"{type(e).__name__}: {e}".split())
            out = RuntimeError(
                f"the Dask worker embedding this batch was lost ({why}); run `govtext embed` again to resume"
            )
        except Exception as e:  # noqa: BLE001 - the encoder's own error, reported per batch as locally
            out = e
        future.release()
        if pending:
            running.add(submit())
        yield r, out
