"""SQLite and PostgreSQL return the same documents for the same query (rank order may differ:
bm25 against ts_rank), on a bilingual slice of the real abstracts and on our sample corpus."""

from __future__ import annotations

import shutil

import pytest
from conftest import fresh_pg_database
from parity_queries import PARITY_QUERIES

from pipeline import query as q
from pipeline.config import load_config
from pipeline.ingest import ingest
from pipeline.store import open_store

ALL = 100_000  # every match: the sets must be equal, whatever the ranking


@pytest.fixture(scope="module")
def corpora(tmp_path_factory, sample_dir, shared_corpora, pg_server):
    tmp = tmp_path_factory.mktemp("qparity")
    folder = tmp / "in"
    shutil.copytree(sample_dir, folder)
    for rel, n in (
        ("id-abstracts/sinta_governance_subset.jsonl", 400),
        ("en-abstracts/icegov-proceedings.jsonl", 300),
    ):
        lines = (shared_corpora / rel).read_text("utf-8").splitlines()[:n]
        (folder / rel.replace("/", "_")).write_text("\n".join(lines) + "\n", "utf-8")
    dbs = [str(tmp / "c.db"), fresh_pg_database(pg_server)]
    for db in dbs:
        with open_store(db) as store:
            ingest([folder], load_config({"db": db, "workers": 2}), store)
    stores = [open_store(db, readonly=True) for db in dbs]
    yield stores
    for s in stores:
        s.close()


@pytest.mark.parametrize("query, filters", PARITY_QUERIES, ids=[q for q, _ in PARITY_QUERIES])
def test_same_documents_on_both_backends(corpora, query, filters):
    lite, pg = corpora
    a = q.search(lite, query, limit=ALL, **filters)
    b = q.search(pg, query, limit=ALL, **filters)
    assert {r["id"] for r in a} == {r["id"] for r in b}
    # every hit comes with a snippet from its best part (which part is best is the ranking's call)
    assert all(r["snippet"] for r in a + b)
