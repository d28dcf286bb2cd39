"""The model registry under ``models/``: every trained model kept with its metadata.

Layout: ``models/<kind>/<id>/`` holds the artefact files and ``model.json`` (kind, id, created,
data hash, params, seed, library versions, metrics); ``models/<kind>/ACTIVE`` names the id in use.
One pointer file per kind, so fitting topics on a corpus never rewrites the shipped themes pointer. Old models stay; ``use`` switches between them.
The registry root is ``GOVTEXT_MODELS`` when set, else ``models/`` in the current folder when it
exists, else the ``models/`` folder shipped beside the package source.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KINDS = ("themes",)  # topic models belong to a corpus: they live in its store


def default_root() -> Path:
    env = os.environ.get("GOVTEXT_MODELS")
    if env:
        return Path(env)
    here = Path("models")
    if here.is_dir():
        return here
    return Path(__file__).resolve().parent.parent / "models"


@dataclass
class ModelInfo:
    kind: str
    id: str
    path: Path
    meta: dict[str, Any]
    active: bool = False


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


class Registry:
    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else default_root()

    def new_dir(self, kind: str, stem: str = "") -> tuple[str, Path]:
        """A fresh, unique model id and its (created) folder."""
        if kind not in KINDS:
            raise ValueError(f"unknown model kind {kind!r}")
        base = time.strftime("%Y%m%d-%H%M%S") + (f"-{stem}" if stem else "")
        model_id, n = base, 1
        while (self.root / kind / model_id).exists():
            n += 1
            model_id = f"{base}-{n}"
        path = self.root / kind / model_id
        path.mkdir(parents=True)
        return model_id, path

    def save_meta(self, kind: str, model_id: str, meta: dict[str, Any]) -> ModelInfo:
        path = self.root / kind / model_id
        full = {
            "kind": kind,
            "id": model_id,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "versions": library_versions(),
            **meta,
        }
        (path / "model.json").write_text(json.dumps(full, indent=2, ensure_ascii=False, default=str), "utf-8")
        return ModelInfo(kind, model_id, path, full, self.active_id(kind) == model_id)

    def list(self, kind: str | None = None) -> list[ModelInfo]:
        out = []
        for k in [kind] if kind else KINDS:
            folder = self.root / k
            if not folder.is_dir():
                continue
            active = self.active_id(k)
            for d in sorted(folder.iterdir()):
                mj = d / "model.json"
                if mj.is_file():
                    out.append(ModelInfo(k, d.name, d, json.loads(mj.read_text("utf-8")), d.name == active))
        return out

    def get(self, kind: str, model_id: str) -> ModelInfo:
        for m in self.list(kind):
            if m.id == model_id:
                return m
        raise ValueError(f"no {kind} model {model_id!r} in {self.root} (see `govtext models list`)")

    def _active_file(self, kind: str) -> Path:
        return self.root / kind / "ACTIVE"

    def active_id(self, kind: str) -> str | None:
        f = self._active_file(kind)
        if not f.is_file():
            return None
        return f.read_text("utf-8").strip() or None

    def active(self, kind: str) -> ModelInfo | None:
        model_id = self.active_id(kind)
        if model_id is None:
            return None
        try:
            return self.get(kind, model_id)
        except ValueError:
            return None

    def use(self, kind: str, model_id: str | None) -> None:
        """Make a model the active one of its kind (None: no model, the fallback method)."""
        if model_id is not None:
            self.get(kind, model_id)
        f = self._active_file(kind)
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text((model_id or "") + "\n", "utf-8")
