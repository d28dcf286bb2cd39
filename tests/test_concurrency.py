"""Readers while a run writes, and two writers at once: on SQLite the second refuses; on PostgreSQL
both write side by side. Nothing breaks, nothing is lost."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import load_config
from pipeline.ingest import ingest
from pipeline.store import StoreError, is_url, open_store
from tests.faults import check_sound, make_resume_corpus, signature

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
LOCKED = "another govtext run is writing to this database; wait for it to finish"
runner = CliRunner()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("conc")
    folder = tmp / "in"
    n = make_resume_corpus(folder, n_txt=80, n_jsonl=40, n_csv=20, seed=5)
    ref = tmp / "alone.db"
    with open_store(ref) as store:
        ingest([folder], load_config({"db": ref, "workers": 1, "ocr": "off"}), store)
    return folder, n, signature(ref), ref


def _ingest_cmd(folder: Path, db: Path, workers: int = 1) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pipeline",
        "ingest",
        str(folder),
        "--db",
        str(db),
        "--workers",
        str(workers),
        "--ocr",
        "off",
    ]


def _docs(db: str | Path) -> int:
    if is_url(db):
        try:
            with open_store(db, readonly=True) as s:
                return s.count()
        except StoreError:
            return -1
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as c:
            return c.execute("SELECT count(*) FROM documents").fetchone()[0]
    except sqlite3.Error:
        return -1


def _wait_for_docs(p: subprocess.Popen, db: Path, at_least: int = 1, limit: float = 120) -> None:
    t0 = time.monotonic()
    while _docs(db) < at_least:
        assert p.poll() is None, "the run ended before writing"
        assert time.monotonic() - t0 < limit
        time.sleep(0.02)


def test_query_show_stats_errors_work_during_a_run(corpus, tmp_path, db):
    folder, n, ref, ref_db = corpus
    for args in (["query", "desa"], ["stats", "--by", "year"]):  # imports paid now, so reads come quick
        assert runner.invoke(app, [*args, "--db", str(ref_db)]).exit_code == 0
    writer = subprocess.Popen(
        _ingest_cmd(folder, db),
        cwd=tmp_path,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_docs(writer, db)
        rounds, seen = 0, []
        while writer.poll() is None or rounds == 0:
            seen.append(_docs(db))  # counted before the reads: they start while the run still writes
            r = runner.invoke(
                app, ["query", "penelitian OR study", "--db", str(db), "--format", "json", "--limit", "5"]
            )
            assert r.exit_code == 0, r.output
            rows = json.loads(r.stdout)
            if rows:
                r = runner.invoke(app, ["show", rows[0]["id"], "--db", str(db), "--format", "json"])
                assert r.exit_code == 0, r.output
                doc = json.loads(r.stdout)
                assert doc["parts"] and doc["title"]  # a document is seen whole or not at all
            r = runner.invoke(app, ["stats", "--by", "year", "--db", str(db), "--format", "json"])
            assert r.exit_code == 0, r.output
            r = runner.invoke(app, ["errors", "--db", str(db), "--format", "json"])
            assert r.exit_code == 0 and json.loads(r.stdout) == []
            rounds += 1
        assert writer.wait(timeout=300) == 0, writer.stderr.read()
    finally:
        if writer.poll() is None:
            writer.kill()
    assert rounds >= 1 and min(seen) < n  # the reads did overlap the writing (however loaded the machine)
    # A reader in its own process, too (the CLI as users start it).
    r = subprocess.run(
        [sys.executable, "-m", "pipeline", "query", "transparansi", "--db", str(db), "-f", "json"],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=tmp_path,
        timeout=120,
    )
    assert r.returncode == 0 and json.loads(r.stdout)
    check_sound(db)
    assert signature(db) == ref


def _running(db: Path) -> bool:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as c:
            return c.execute("SELECT count(*) FROM runs WHERE status = 'running'").fetchone()[0] > 0
    except sqlite3.Error:
        return False


# The second run is a real CLI process whose imports are already done when it is told to go, so
# that it reaches the lock while the first still has seconds of work ahead, however loaded the machine.
_READY_THEN_RUN = (
    "import sys; import pipeline.ingest; from pipeline.cli import app; "
    "print('ready', flush=True); sys.stdin.readline(); sys.argv[0] = 'govtext'; app()"
)


def test_second_run_refuses_while_the_first_writes(corpus, tmp_path):
    folder, n, ref, _ = corpus
    db = tmp_path / "c.db"
    second = subprocess.Popen(
        [sys.executable, "-c", _READY_THEN_RUN, *_ingest_cmd(folder, db)[3:]],
        cwd=tmp_path,
        env=ENV,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert second.stdout.readline().strip() == "ready"
    first = subprocess.Popen(
        _ingest_cmd(folder, db, workers=2),
        cwd=tmp_path,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        t0 = time.monotonic()
        while not _running(db):  # the first holds the lock from before its run starts
            assert first.poll() is None and time.monotonic() - t0 < 120
            time.sleep(0.01)
        out, err = second.communicate("go\n", timeout=120)
        assert first.poll() is None, "the first run ended before the second tried: nothing was tested"
        assert second.returncode == 2, err
        assert err.strip() == f"error: {db}: {LOCKED}"
        # Other writing commands refuse the same way, in this process too.
        r = runner.invoke(app, ["tag", "--db", str(db)])
        if first.poll() is None:
            assert r.exit_code == 2 and LOCKED in r.stderr and "Traceback" not in r.output
        assert first.wait(timeout=300) == 0, first.stderr.read()
    finally:
        for p in (first, second):
            if p.poll() is None:
                p.kill()
    check_sound(db)
    with open_store(db, readonly=True) as s:
        assert [r["status"] for r in s.runs()] == ["done"]  # the refused run left no trace
        assert s.errors() == []
    assert signature(db) == ref  # the same corpus as a run made alone


def _reads_ok(db: str) -> None:
    for args in (["query", "penelitian OR study", "-f", "json"], ["stats", "--by", "year", "-f", "json"]):
        r = runner.invoke(app, [*args, "--db", db])
        assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["errors", "--db", db, "--format", "json"])
    assert r.exit_code == 0 and json.loads(r.stdout) == []


@pytest.mark.parametrize("same_folder", [False, True], ids=["two-folders", "same-folder"])
def test_two_ingests_write_one_postgres_corpus_at_once(corpus, tmp_path, pg_server, same_folder):
    """Two ingest runs into one PostgreSQL corpus at the same time (different folders, or the same
    one twice), readers all along: both succeed, no errors, the corpus is the one a single run makes."""
    from conftest import fresh_pg_database

    folder, n, ref, _ = corpus
    db = fresh_pg_database(pg_server)
    if same_folder:
        inputs = [[str(folder)], [str(folder)]]
    else:
        files = sorted(str(p) for p in folder.iterdir())
        inputs = [files[::2], files[1::2]]
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pipeline",
                "ingest",
                *paths,
                "--db",
                db,
                "--workers",
                "2",
                "--ocr",
                "off",
            ],
            cwd=tmp_path,
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for paths in inputs
    ]
    try:
        _wait_for_docs(runs[0], db)
        reads = 0
        while any(p.poll() is None for p in runs):
            _reads_ok(db)
            reads += 1
        for p in runs:
            assert p.wait(timeout=300) == 0, p.stderr.read()
    finally:
        for p in runs:
            if p.poll() is None:
                p.kill()
    assert reads >= 1
    _reads_ok(db)
    check_sound(db)
    with open_store(db, readonly=True) as s:
        assert [r["status"] for r in s.runs()] == ["done", "done"]
        assert s.count() == n
    assert signature(db) == ref
