"""Ingest throughput of the four ways to run govtext (local or Dask executor x SQLite or PostgreSQL)
on the real abstracts (~8,000 records), and the write cost per document of each backend.

    python3 bench/bench_scale.py --pg postgresql://USER@HOST:PORT/postgres      # everything
    python3 bench/bench_scale.py --pg URL --workers 2 --runs 1 --quick          # a quick look
    python3 bench/bench_scale.py --pg URL --writes-only                         # the write costs

Prints, for each way and worker count (`--workers`, default 1,2):
  * documents/s after start-up: stored documents / (end of the run - the moment the run's stages
    are loaded and every worker is warm, ingest's "ready" progress event), for a fresh `ingest`
    process into a new corpus, median of `--runs`; the ratio to the local SQLite way at the same
    worker count (measured in the same run, so the machine's load shows in both);
  * start-up (process start to "ready"): Dask starts a LocalCluster and warms each worker;
  * peak memory: the largest proportional-set-size sum of the process tree (coordinator, Dask
    scheduler and workers, unit processes), sampled every 0.1 s;
  * CPU ms per document over the whole process tree.
Then, in one process on documents already through the stages, the cost of writing them: ms per
document for `Store.write_documents` into a fresh SQLite file and a fresh PostgreSQL database, in
units of 500 (a record file's slice), medians of `--runs`, and for PostgreSQL two writers at once.

PostgreSQL: `--pg` names a server (its maintenance database); each run gets a new database on it,
dropped afterwards. Dask runs use a LocalCluster of `--workers` processes. The load average is
printed with the results: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from bench_ingest import QUICK, SOURCES, run_sampled  # noqa: E402

WAYS = [("local", "sqlite"), ("dask", "sqlite"), ("local", "postgres"), ("dask", "postgres")]


# -- databases -------------------------------------------------------------------------------------
def new_pg(server: str) -> str:
    import psycopg
    from psycopg import sql

    name = f"govtext_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as c:
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    head = server.split("?")[0].rsplit("/", 1)[0]
    return f"{head}/{name}"


def drop_pg(server: str, url: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server, autocommit=True) as c:
        c.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(url.rsplit("/", 1)[1]))
        )


# -- one fresh ingest process -----------------------------------------------------------------------
def child(args: argparse.Namespace) -> None:
    import resource

    from pipeline.config import load_config
    from pipeline.ingest import ingest
    from pipeline.store import open_store

    ready: list[float] = []

    def progress(event: str, data: dict) -> None:
        if event == "ready":
            ready.append(time.time())

    cfg = load_config({"db": args.db, "workers": args.workers, "executor": args.executor})
    with open_store(args.db) as store:
        t = time.time()
        s = ingest([Path(p) for p in args.paths], cfg, store, progress=progress)
        done = time.time()
    cpu = sum(
        getattr(resource.getrusage(who), f)
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        for f in ("ru_utime", "ru_stime")
    )
    start = ready[0] if ready else t
    out = {
        "docs": s.documents_new,
        "errors": s.errors,
        "startup_s": start - args.launched,
        "work_s": done - start,
    }
    out["cpu_s"] = cpu
    print("RESULT " + json.dumps(out))


def run_child(paths: list[Path], workers: int, executor: str, db: str) -> dict:
    cmd = [sys.executable, __file__, "_child", "--db", db, "--workers", str(workers), "--executor", executor]
    cmd += ["--launched", repr(time.time()), *map(str, paths)]
    res, res["peak_mb"] = run_sampled(cmd)
    return res


def throughput(paths: list[Path], workers_list: list[int], runs: int, pg: str | None, tmp: Path) -> None:
    print(
        f"{'way':<18} {'w':>2} {'docs/s':>8} {'ratio':>6} {'start-up':>9} {'peak MB':>8} {'CPU ms/doc':>10}"
    )
    for workers in workers_list:
        base = None
        for executor, backend in WAYS:
            if backend == "postgres" and not pg:
                continue
            results = []
            for _ in range(runs):
                db = new_pg(pg) if backend == "postgres" else str(tmp / f"{uuid.uuid4().hex}.db")
                try:
                    results.append(run_child(paths, workers, executor, db))
                finally:
                    if backend == "postgres":
                        drop_pg(pg, db)
            rate = statistics.median(r["docs"] / r["work_s"] for r in results)
            base = base or rate
            docs = results[0]["docs"]
            print(
                f"{executor + ' ' + backend:<18} {workers:>2} {rate:>8.0f} {rate / base:>6.2f}"
                f" {statistics.median(r['startup_s'] for r in results):>8.1f}s"
                f" {max(r['peak_mb'] for r in results):>8.0f}"
                f" {statistics.median(r['cpu_s'] for r in results) * 1000 / docs:>10.2f}",
                flush=True,
            )


# -- write cost per document -------------------------------------------------------------------------
def processed_docs(paths: list[Path], limit: int) -> list:
    """Documents through every stage (once), as a worker hands them to the store."""
    from pipeline.config import Config
    from pipeline.executor.work import Unit, WorkContext, init_worker, process_unit

    init_worker(WorkContext(Config(workers=1), "bench", 0))
    docs = []
    for p in paths:
        docs.extend(process_unit(Unit(str(p), "jsonl")).docs)
        if len(docs) >= limit:
            break
    return docs[:limit]


def _timed_writer(db: str, chunks: list[list]) -> float:
    from pipeline.store import open_store

    with open_store(db) as store:
        t = time.perf_counter()
        for c in chunks:
            store.write_documents(c, "bench", None)
        return time.perf_counter() - t


def write_cost(docs: list, runs: int, pg: str | None, tmp: Path) -> None:
    from pipeline.store import open_store

    timed = _timed_writer
    chunks = [docs[i : i + 500] for i in range(0, len(docs), 500)]
    print(f"\nwrite cost, {len(docs)} documents in units of 500 (ms per document, median of {runs}):")
    sq = statistics.median(timed(str(tmp / f"{uuid.uuid4().hex}.db"), chunks) for _ in range(runs))
    print(f"  SQLite (WAL, synchronous=NORMAL, FTS5 triggers)       {sq * 1000 / len(docs):6.3f}")
    if not pg:
        return
    one, two = [], []
    for _ in range(runs):
        db = new_pg(pg)
        try:
            one.append(timed(db, chunks))
        finally:
            drop_pg(pg, db)
        db = new_pg(pg)
        try:  # two writers at once, each half of the units, as two worker processes would
            open_store(db).close()
            with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
                t = time.perf_counter()
                list(pool.map(_timed_writer, [db, db], [chunks[0::2], chunks[1::2]]))
                two.append(time.perf_counter() - t)
        finally:
            drop_pg(pg, db)
    pg_one = statistics.median(one)
    print(f"  PostgreSQL (COPY, tsvectors built by the writer)       {pg_one * 1000 / len(docs):6.3f}")
    print(
        f"  PostgreSQL, two writers at once (wall per document)    {statistics.median(two) * 1000 / len(docs):6.3f}"
    )
    print(f"  PostgreSQL / SQLite: {pg_one / sq:.2f}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        ap = argparse.ArgumentParser()
        ap.add_argument("_child")
        ap.add_argument("--db")
        ap.add_argument("--workers", type=int)
        ap.add_argument("--executor")
        ap.add_argument("--launched", type=float)
        ap.add_argument("paths", nargs="+")
        child(ap.parse_args())
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pg", default=os.environ.get("GOVTEXT_TEST_POSTGRES"), help="PostgreSQL server URL")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="~1,900 records instead of ~8,100")
    ap.add_argument("--writes-only", action="store_true")
    ap.add_argument("--write-docs", type=int, default=4000, help="documents for the write cost")
    args = ap.parse_args()
    paths = [p for p in SOURCES if not args.quick or p.name in QUICK]
    print(
        f"load average {os.getloadavg()[0]:.1f}; {len(paths)} files; PostgreSQL: {'yes' if args.pg else 'no'}"
    )
    with tempfile.TemporaryDirectory(prefix="govtext-scale-") as tmp:
        if not args.writes_only:
            throughput(paths, [int(w) for w in args.workers.split(",")], args.runs, args.pg, Path(tmp))
        write_cost(processed_docs(paths, args.write_docs), args.runs, args.pg, Path(tmp))
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
