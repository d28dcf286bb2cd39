"""Trained models live with the corpus they belong to; the default themes model ships with govtext.

A model is a row of the corpus's ``models`` table (kind, id, metadata: data hash, params, seed,
library versions, metrics) and its files in ``model_files``, so a corpus on a server carries its
models to every reader and worker, and fitting in one folder never writes into another. Each kind
has one pointer to the model in use (``active_models``).

The default themes model is package data (``pipeline/data/models/themes/<id>/`` in a wheel; built
from ``models/themes/`` at the top of the source tree, which a checkout reads directly). A corpus
with no themes model of its own, and no choice made, tags with it; ``govtext models use none``
goes back to the lexicon.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.store import Store

KINDS = ("themes", "topics")
_SOURCE_MODELS = Path(__file__).resolve().parent.parent / "models"


def library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("govtext", "scikit-learn", "gensim", "tomotopy", "spacy", "numpy"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out


def data_hash(items: list[str]) -> str:
    h = hashlib.sha256()
    for it in items:
        h.update(it.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:16]


# -- the shipped default -------------------------------------------------------------------------
def shipped_themes_dir() -> Path | None:
    """The folder of the default themes model: package data in an installed wheel, else the
    source tree's ``models/themes/`` (an editable install or a checkout)."""
    packaged = resources.files("pipeline") / "data" / "models" / "themes"
    for root in (Path(str(packaged)), _SOURCE_MODELS / "themes"):
        if root.is_dir():
            found = sorted(d for d in root.iterdir() if (d / "model.json").is_file())
            if found:
                return found[-1]
    return None


@dataclass
class ModelInfo:
    kind: str
    id: str
    meta: dict[str, Any]
    active: bool = False
    shipped: bool = False  # the default that comes with govtext, not one of this corpus's


class Registry:
    """The models of one corpus (``store``), and the shipped default themes model. Without a
    store, only the default is there."""

    def __init__(self, store: Store | None = None):
        self.store = store

    def _check(self, kind: str) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown model kind {kind!r}: use one of {', '.join(KINDS)}")

    def _need_store(self) -> Store:
        if self.store is None:
            raise ValueError("models are kept in a corpus: give one with --db")
        return self.store

    def _shipped(self) -> ModelInfo | None:
        folder = shipped_themes_dir()
        if folder is None:
            return None
        return ModelInfo(
            "themes", folder.name, json.loads((folder / "model.json").read_text("utf-8")), shipped=True
        )

    def new_id(self, kind: str, stem: str = "") -> str:
        """A fresh model id: the time, a stem, a number when two come in the same second."""
        self._check(kind)
        base = time.strftime("%Y%m%d-%H%M%S") + (f"-{stem}" if stem else "")
        model_id, n = base, 1
        while self.get(kind, model_id, missing_ok=True) is not None:
            n += 1
            model_id = f"{base}-{n}"
        return model_id

    def save(self, kind: str, model_id: str, folder: Path, meta: dict[str, Any]) -> ModelInfo:
        """Store a model: its files (every file of ``folder``) and metadata, not activated."""
        self._check(kind)
        full = {"kind": kind, "id": model_id, "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "versions": library_versions(), **meta}  # fmt: skip
        files = {f.name: f.read_bytes() for f in sorted(Path(folder).iterdir()) if f.is_file()}
        files["model.json"] = json.dumps(full, indent=2, ensure_ascii=False, default=str).encode("utf-8")
        self._need_store().add_model(model_id, kind, full, files)
        return ModelInfo(kind, model_id, full, self.active_id(kind) == model_id)

    def list(self, kind: str | None = None) -> list[ModelInfo]:
        out = []
        for k in [kind] if kind else KINDS:
            self._check(k)
            active = self.active_id(k)
            if k == "themes" and (shipped := self._shipped()) is not None:
                shipped.active = shipped.id == active
                out.append(shipped)
            if self.store is not None:
                out += [ModelInfo(k, r["id"], r["meta"], r["id"] == active) for r in self.store.model_rows(k)]
        return out

    def get(self, kind: str, model_id: str, missing_ok: bool = False) -> ModelInfo | None:
        for m in self.list(kind):
            if m.id == model_id:
                return m
        if missing_ok:
            return None
        where = self.store.location if self.store is not None else "govtext"
        raise ValueError(f"no {kind} model {model_id!r} in {where} (see `govtext models list`)")

    def active_id(self, kind: str) -> str | None:
        """The model in use: the corpus's choice; for themes with no choice made, the shipped one."""
        if self.store is not None and self.store.has_model_choice(kind):
            return self.store.active_model_id(kind)
        if kind == "themes" and (shipped := self._shipped()) is not None:
            return shipped.id
        return None

    def active(self, kind: str) -> ModelInfo | None:
        model_id = self.active_id(kind)
        return None if model_id is None else self.get(kind, model_id, missing_ok=True)

    def use(self, kind: str, model_id: str | None) -> None:
        """Make a model the active one of its kind (None: no model, the fallback method)."""
        if model_id is not None:
            self.get(kind, model_id)
        self._need_store().set_active_model(kind, model_id)

    def files(self, kind: str, model_id: str) -> dict[str, bytes]:
        """A model's files by name."""
        info = self.get(kind, model_id)
        if info.shipped:
            folder = shipped_themes_dir()
            return {f.name: f.read_bytes() for f in sorted(folder.iterdir()) if f.is_file()}
        return self._need_store().model_files(model_id)

    @contextmanager
    def folder(self, kind: str, model_id: str) -> Iterator[Path]:
        """A model's files in a folder, for the loaders that read files (gone afterwards)."""
        with tempfile.TemporaryDirectory(prefix=f"govtext-{kind}-") as tmp:
            unpack(self.files(kind, model_id), Path(tmp))
            yield Path(tmp)

    def export(self, kind: str, model_id: str, out: Path) -> Path:
        """Write a model's files to ``out/<id>/`` (to ship it, or to move it to another corpus)."""
        dest = Path(out) / model_id
        dest.mkdir(parents=True, exist_ok=True)
        unpack(self.files(kind, model_id), dest)
        return dest


def unpack(files: dict[str, bytes], folder: Path) -> None:
    for name, data in files.items():
        (folder / name).write_bytes(data)
