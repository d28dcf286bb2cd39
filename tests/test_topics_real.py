"""Topic quality on the real ICEGOV abstracts (slow: ingest + one fit + a shuffled floor)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import Config
from pipeline.models import Registry
from pipeline.store import Store
from pipeline.topics import fit, prepare
from pipeline.topics.select import floor


@pytest.mark.slow
def test_icegov_topics_beat_the_shuffled_floor(shared_corpora: Path, tmp_path: Path) -> None:
    from pipeline.ingest import ingest

    store = Store(tmp_path / "icegov.db")
    cfg = Config(db=store.path, workers=1)
    ingest([shared_corpora / "en-abstracts" / "icegov-proceedings.jsonl"], cfg, store)
    p = prepare(store)
    assert len(p) > 800
    r = fit(store, 10, seed=42, registry=Registry(tmp_path / "models"), prepared=p,
            engine_params={"iterations": 500})
    floor_cv, floor_npmi = floor("tomotopy", p.texts, p.dictionary, 10, 42, iterations=500)
    assert r.c_v > floor_cv + 0.1 and r.npmi > floor_npmi + 0.05, (r.c_v, floor_cv, r.npmi, floor_npmi)
    terms = {t for topic in r.topics for t, _ in topic["terms"][:10]}
    assert {"e-government", "citizen"} <= terms
    assert all(t["label"] for t in r.topics)
