"""A vector cache for the benchmarks: embed each text once per encoder and token limit.

Vectors are kept in ``bench/.cache/`` (git-ignored), keyed by the same input hash the corpus
uses (text, recipe, encoder id and version, token limit). Saved every few hundred texts, so an
interrupted run keeps its work.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.semantic.embed import encoder_version, iter_embedded  # noqa: E402
from pipeline.semantic.encoders import EncoderSpec  # noqa: E402
from pipeline.semantic.inputs import input_hash  # noqa: E402

CACHE = ROOT / "bench" / ".cache"


def _file(spec: EncoderSpec, version: str) -> Path:
    slug = re.sub(r"[^\w.-]+", "_", spec.id)[-60:]
    return CACHE / f"vectors-{slug}-{version}-{spec.max_tokens}.npz"


def _read(path: Path) -> dict[str, np.ndarray]:
    if not path.exists():
        return {}
    with np.load(path) as z:
        return dict(zip(z["keys"].tolist(), z["vectors"], strict=True))


def _write(path: Path, store: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, keys=np.array(list(store)), vectors=np.stack(list(store.values())))
    tmp.replace(path)


def cached_vectors(texts: list[str], spec: EncoderSpec, workers: int = 2, quiet: bool = False) -> np.ndarray:
    version = encoder_version(spec)
    path = _file(spec, version)
    store = _read(path)
    keys = [input_hash(t, spec.id, version, spec.max_tokens) for t in texts]
    todo = sorted({k: i for i, k in enumerate(keys) if k not in store}.values())
    if todo:
        t0, done, last_save = time.time(), 0, 0
        for r, vecs in iter_embedded([texts[i] for i in todo], spec, workers):
            if isinstance(vecs, Exception):
                raise vecs
            for j, v in zip(r, vecs, strict=True):
                store[keys[todo[j]]] = v
            done += len(r)
            if done - last_save >= 200:
                _write(path, store)
                last_save = done
            if not quiet:
                rate = done / (time.time() - t0)
                print(f"\r  embedded {done}/{len(todo)} ({rate:.2f}/s)", end="", file=sys.stderr, flush=True)
        _write(path, store)
        if not quiet:
            print(file=sys.stderr)
    return np.stack([store[k] for k in keys]) if keys else np.zeros((0, 0), np.float32)
