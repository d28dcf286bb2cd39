"""SIGKILL a real `govtext ingest` process (and its workers) at seeded random points, run again, and
check the corpus: intact, no half-written document, no duplicate, the same corpus as an
uninterrupted run, and the second run doing only the work that was left. On both backends, with
local workers and with Dask (whose worker is killed too, before the coordinator)."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.ingest import ingest
from pipeline.store import StoreError, is_url, open_store
from tests.faults import check_sound, make_resume_corpus, signature

ROOT = Path(__file__).resolve().parent.parent
SEED = 20240611


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("resume")
    folder = tmp / "unduhan jurnal"
    n = make_resume_corpus(folder, n_txt=24, n_jsonl=60, n_csv=30)
    ref = tmp / "reference.db"
    with open_store(ref) as store:
        s = ingest([folder], load_config({"db": ref, "workers": 1, "ocr": "off"}), store)
    assert s.documents_new == n and s.errors == 0
    return folder, n, signature(ref)


def _start(folder: Path, db: str, workers: int, log: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "pipeline", "ingest", str(folder), "--db", str(db)]
    cmd += ["--workers", str(workers), "--ocr", "off", *extra]
    # Own session: the kill takes the worker processes too, as closing a laptop lid would.
    return subprocess.Popen(
        cmd, cwd=log.parent, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )


def _count_docs(db: str) -> int:
    if is_url(db):
        try:
            with open_store(db, readonly=True) as s:
                return s.count()
        except StoreError:  # not created yet, or the schema is being written
            return -1
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as c:
            return c.execute("SELECT count(*) FROM documents").fetchone()[0]
    except sqlite3.Error:  # not created yet, or the schema is being written
        return -1


def _kill_a_dask_worker(coordinator: int) -> int:
    """SIGKILL one Dask worker process of a run's LocalCluster (a child of the coordinator that runs
    a unit process of its own); its pid."""
    import psutil

    for _ in range(600):
        workers = [c for c in psutil.Process(coordinator).children() if c.children()]
        if workers:
            workers[0].kill()
            return workers[0].pid
        time.sleep(0.05)
    raise AssertionError("no Dask worker process found")


def kill_run(
    folder: Path,
    db: str,
    workers: int,
    log: Path,
    *extra: str,
    at_docs: int | None = None,
    after: float | None = None,
    kill_worker_at: int | None = None,
    limit: float = 180,
) -> int:
    """Start an ingest and SIGKILL its process group once ``at_docs`` documents are stored (read by
    polling the database, as a reader would) or ``after`` seconds; with ``kill_worker_at``, first
    SIGKILL one Dask worker once that many are stored. Returns the documents stored at the kill."""
    p = _start(folder, db, workers, log, *extra)
    t0 = time.monotonic()
    try:
        while p.poll() is None and time.monotonic() - t0 < limit:
            if after is not None and time.monotonic() - t0 >= after:
                break
            stored = _count_docs(db)
            if kill_worker_at is not None and stored >= kill_worker_at:
                _kill_a_dask_worker(p.pid)
                kill_worker_at = None
            if at_docs is not None and kill_worker_at is None and stored >= at_docs:
                break
            time.sleep(0.02)
        assert p.poll() is None, f"the run ended before the kill point:\n{log.read_text()}"
        os.killpg(p.pid, signal.SIGKILL)
    finally:
        p.wait(timeout=30)
    assert p.returncode == -signal.SIGKILL
    time.sleep(0.5)  # let the server notice the dead connections
    return max(_count_docs(db), 0)


def resume_and_check(folder: Path, db: str, workers: int, n: int, ref: dict, log: Path, *extra: str) -> dict:
    check_sound(db)
    with open_store(db, readonly=True) as s:
        before = s.count()
        done = s.select("SELECT count(*) AS n FROM sources WHERE status = 'done'")[0]["n"]
        in_done = s.select(
            "SELECT count(*) AS n FROM documents WHERE path IN (SELECT path FROM sources WHERE status = 'done')"
        )[0]["n"]
        last_run = max([r["id"] for r in s.runs()], default=0)
    p = _start(folder, db, workers, log, *extra)
    assert p.wait(timeout=300) == 0, log.read_text()
    check_sound(db)
    assert signature(db) == ref
    with open_store(db, readonly=True) as s:
        run = s.runs()[-1]
        assert [r["status"] for r in s.runs() if r["id"] > last_run] == ["done"]
        assert {r["status"] for r in s.runs()} <= {"done", "killed"}  # the dead runs are marked
    counts = run["counts"]
    # Only what was left: finished files untouched, stored documents not redone.
    assert counts["files_unchanged"] == done
    assert counts["documents_new"] == n - before
    assert counts["documents_skipped"] == before - in_done
    assert counts["errors"] == 0 and counts["duplicates"] == 0
    return counts


def _points(k: int, n: int, rnd: random.Random) -> list[int]:
    return sorted(rnd.sample(range(1, n), k))


def test_kill_one_worker_then_resume(corpus, tmp_path, db):
    folder, n, ref = corpus
    rnd = random.Random(SEED)
    (at,) = _points(1, n, rnd)
    stored = kill_run(folder, db, 1, tmp_path / "kill.log", at_docs=at)
    assert stored > 0  # all n stored is a kill point too: the files not yet marked done
    resume_and_check(folder, db, 1, n, ref, tmp_path / "resume.log")


def test_kill_two_workers_then_resume(corpus, tmp_path, db):
    folder, n, ref = corpus
    rnd = random.Random(SEED + 1)
    (at,) = _points(1, n, rnd)
    stored = kill_run(folder, db, 2, tmp_path / "kill.log", at_docs=at)
    assert stored > 0
    # The killed run's workers died with it: no orphan keeps writing (the count stays put).
    time.sleep(0.5)
    assert _count_docs(db) == stored
    resume_and_check(folder, db, 2, n, ref, tmp_path / "resume.log")


def test_kill_a_dask_worker_then_the_coordinator_then_resume(corpus, tmp_path, db):
    pytest.importorskip("distributed", reason="Dask tests need the dask extra: pip install -e '.[test]'")
    folder, n, ref = corpus
    rnd = random.Random(SEED + 2)
    first, second = _points(2, n, rnd)
    dask = ("--executor", "dask")
    kill_run(folder, db, 2, tmp_path / "kill.log", *dask, kill_worker_at=first, at_docs=second)
    resume_and_check(folder, db, 2, n, ref, tmp_path / "resume.log", *dask)


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_killed_again_and_again_then_resumed(corpus, tmp_path, workers):
    """A kill during start-up, then two kills mid-run (each run resuming the last), then a full run."""
    folder, n, ref = corpus
    rnd = random.Random(SEED + 10 + workers)
    db = str(tmp_path / "c.db")
    kill_run(folder, db, workers, tmp_path / "k0.log", after=rnd.uniform(0.2, 1.5))
    if Path(db).exists():  # killed before or after the schema was made: either way a sound file
        with sqlite3.connect(db) as c:
            assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            has_schema = c.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
        if has_schema:
            check_sound(db)
    first, second = _points(2, n, rnd)
    a = kill_run(folder, db, workers, tmp_path / "k1.log", at_docs=first)
    check_sound(db)
    b = kill_run(folder, db, workers, tmp_path / "k2.log", at_docs=max(second, a + 1))
    assert a <= b <= n
    resume_and_check(folder, db, 3 - workers, n, ref, tmp_path / "resume.log")
