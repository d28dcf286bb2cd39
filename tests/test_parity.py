"""The same input four ways (local or Dask executor x SQLite or PostgreSQL) gives the same corpus:
documents, parts, normal forms, keywords, tags, topics (the canonical signature of the store)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import fresh_pg_database

from pipeline.config import load_config
from pipeline.ingest import ingest
from pipeline.store import open_store
from pipeline.topics import fit
from tests import pdf_factory as pf

WAYS = [("local", "sqlite"), ("local", "postgres"), ("dask", "sqlite"), ("dask", "postgres")]


def _four_ways(inputs: list[Path], tmp: Path, pg_server: str, scheduler: str, k: int) -> dict:
    """Ingest the inputs each way (2 workers), fit a k-topic model; each way's signature."""
    out = {}
    for executor, backend in WAYS:
        db = str(tmp / f"{executor}.db") if backend == "sqlite" else fresh_pg_database(pg_server)
        cfg = load_config(
            {"db": db, "workers": 2, "executor": executor, "scheduler": scheduler, "ocr": "off"}
        )
        with open_store(db) as store:
            s = ingest(inputs, cfg, store)
            assert s.files_failed == 0, store.errors()
            fit(store, k, seed=42)
            out[(executor, backend)] = ({r[0]: r[1:] for r in store.signature_rows()}, store.signature())
    return out


def _assert_same(sigs: dict) -> None:
    ref_rows, ref_digest = sigs[WAYS[0]]
    for way, (rows, digest) in sigs.items():
        assert rows.keys() == ref_rows.keys(), way
        diff = [i for i in rows if rows[i] != ref_rows[i]]
        assert not diff, (way, diff[:3])
        assert digest == ref_digest, way  # the topics too


def test_the_sample_corpus_four_ways(tmp_path, sample_dir, pg_server, dask_scheduler):
    folder = tmp_path / "in"
    shutil.copytree(sample_dir, folder)
    (folder / "pdf").mkdir()
    pf.bilingual_article(folder / "pdf" / "artikel.pdf")
    pf.regulation(folder / "pdf" / "perda.pdf")
    pf.two_column(folder / "pdf" / "dua_kolom.pdf", [pf.LOREM_ID] * 3, [pf.LOREM_EN] * 3)
    sigs = _four_ways([folder], tmp_path, pg_server, dask_scheduler, k=4)
    _assert_same(sigs)
    assert len(sigs[WAYS[0]][0]) >= 40


@pytest.mark.slow
def test_real_abstracts_and_pdfs_four_ways(tmp_path, shared_corpora, pg_server, dask_scheduler):
    """A bilingual slice of the real abstracts (the SINTA governance subset, 200 ICEGOV records) and
    real PDFs of each kind (journal articles, regulations, reports). The full sets: bench/parity.py."""
    icegov = tmp_path / "icegov-200.jsonl"
    lines = (shared_corpora / "en-abstracts" / "icegov-proceedings.jsonl").read_text("utf-8").splitlines()
    icegov.write_text("\n".join(lines[:200]) + "\n", "utf-8")
    pdfs = sorted((shared_corpora / "id-pdf" / "journal-articles").glob("*.pdf"))[:2]
    pdfs += sorted((shared_corpora / "id-pdf" / "regulations").glob("*.pdf"))[:2]
    pdfs += sorted((shared_corpora / "en-pdf").glob("*.pdf"))[:2]
    inputs = [icegov, shared_corpora / "id-abstracts" / "sinta_governance_subset.jsonl", *pdfs]
    sigs = _four_ways(inputs, tmp_path, pg_server, dask_scheduler, k=8)
    _assert_same(sigs)
    assert len(sigs[WAYS[0]][0]) > 550
