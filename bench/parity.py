"""Parity of the four ways to run govtext on the real data, and of search on the two backends.

    python3 bench/parity.py --pg postgresql://USER@HOST:PORT/postgres            # every set
    python3 bench/parity.py --pg URL --sets abstracts --k 20                     # one set

For each set (the real abstracts: every JSONL of en-abstracts/ and id-abstracts/; the real PDFs:
en-pdf/ and id-pdf/), ingest it four ways (local or Dask executor x SQLite or PostgreSQL, 2
workers), fit a topic model (k fixed, seed 42) and compare the canonical signatures of the
corpora (documents, parts, normal forms, keywords, tags, topic weights and topics). Then, on the
SQLite and PostgreSQL corpora of the set, run the parity queries (tests/parity_queries.py: both
languages, phrases, prefixes, boolean, NEAR, filters) for every match and print, per query: the
documents each backend returns, whether the sets are equal, how many of SQLite's top 10 are in
PostgreSQL's top 10, Kendall's tau of the two rankings over the shared documents, and how often
both chose the same best part of a document (the part whose snippet is shown).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))
from bench_scale import drop_pg, new_pg  # noqa: E402
from parity_queries import PARITY_QUERIES  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
SETS = {
    "abstracts": lambda: (
        sorted((CORPORA / "en-abstracts").glob("*.jsonl"))
        + sorted((CORPORA / "id-abstracts").glob("*.jsonl"))
        + sorted((CORPORA / "id-abstracts" / "public-admin").glob("*.jsonl"))
    ),
    "pdfs": lambda: [CORPORA / "en-pdf", CORPORA / "id-pdf"],
}
WAYS = [("local", "sqlite"), ("local", "postgres"), ("dask", "sqlite"), ("dask", "postgres")]


def four_ways(inputs: list[Path], pg: str, tmp: Path, k: int) -> dict:
    from pipeline.config import load_config
    from pipeline.ingest import ingest
    from pipeline.store import open_store
    from pipeline.topics import fit

    out = {}
    for executor, backend in WAYS:
        db = str(tmp / f"{executor}-{len(out)}.db") if backend == "sqlite" else new_pg(pg)
        cfg = load_config({"db": db, "workers": 2, "executor": executor, "ocr": "off"})
        t = time.perf_counter()
        with open_store(db) as store:
            s = ingest(inputs, cfg, store)
            took = time.perf_counter() - t
            fit(store, k, seed=42)
            rows = {r[0]: r[1:] for r in store.signature_rows()}
            out[(executor, backend)] = {"db": db, "rows": rows, "digest": store.signature(), "summary": s}
        print(
            f"  {executor:>5} x {backend:<8} {s.documents_new:>6} documents, {s.files_failed} files failed,"
            f" ingest {took:6.1f} s, signature {out[(executor, backend)]['digest'][:16]}",
            flush=True,
        )
    ref = out[WAYS[0]]
    for way, r in out.items():
        diff = [i for i in ref["rows"] if r["rows"].get(i) != ref["rows"][i]]
        extra = set(r["rows"]) - set(ref["rows"])
        same = not diff and not extra and r["digest"] == ref["digest"]
        print(
            f"  {way[0]} x {way[1]}: {'identical' if same else f'{len(diff)} documents differ, {len(extra)} extra'}"
        )
    return out


def kendall_tau(a: list[str], b: list[str]) -> float | None:
    """Kendall's tau between two rankings over the items both hold."""
    common = [x for x in a if x in set(b)]
    if len(common) < 2:
        return None
    pos = {x: i for i, x in enumerate(b)}
    ranks = [pos[x] for x in common]
    n = len(ranks)
    concordant = sum(1 for i in range(n) for j in range(i + 1, n) if ranks[i] < ranks[j])
    pairs = n * (n - 1) // 2
    return (2 * concordant - pairs) / pairs


def query_parity(sqlite_db: str, pg_db: str) -> None:
    from pipeline import query as q
    from pipeline.store import open_store

    lite, pg = open_store(sqlite_db, readonly=True), open_store(pg_db, readonly=True)
    print(
        f"\n  {'query':<42} {'filters':<26} {'sqlite':>6} {'pg':>6} {'same':>5} {'top10':>5} {'tau':>5} {'part':>5}"
    )
    equal = 0
    taus = []
    for query, filters in PARITY_QUERIES:
        a = q.search(lite, query, limit=100_000, **filters)
        b = q.search(pg, query, limit=100_000, **filters)
        ia, ib = [r["id"] for r in a], [r["id"] for r in b]
        same = set(ia) == set(ib)
        equal += same
        top = len(set(ia[:10]) & set(ib[:10]))
        tau = kendall_tau(ia, ib)
        if tau is not None:
            taus.append(tau)
        kinds = {r["id"]: r["snippet"] for r in a}
        part = sum(kinds.get(r["id"]) == r["snippet"] for r in b) / len(b) if b else 1.0
        f = ",".join(f"{k}={v}" for k, v in filters.items())
        print(
            f"  {query:<42} {f:<26} {len(ia):>6} {len(ib):>6} {'yes' if same else 'NO':>5} {top:>5}"
            f" {'' if tau is None else f'{tau:.2f}':>5} {part:>5.2f}"
        )
    taus.sort()
    print(
        f"  {equal} of {len(PARITY_QUERIES)} queries return the same documents on both backends;"
        f" median Kendall tau {taus[len(taus) // 2]:.2f}"
        if taus
        else ""
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pg", default=os.environ.get("GOVTEXT_TEST_POSTGRES"), help="PostgreSQL server URL")
    ap.add_argument("--sets", default="abstracts,pdfs")
    ap.add_argument("--k", type=int, default=20)
    args = ap.parse_args()
    if not args.pg:
        raise SystemExit("--pg URL (or GOVTEXT_TEST_POSTGRES) names the PostgreSQL server to use")
    print(f"load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="govtext-parity-") as tmp:
        for name in args.sets.split(","):
            print(f"\n{name}:")
            (Path(tmp) / name).mkdir()  # a set's SQLite files apart from the other set's
            out = four_ways(SETS[name](), args.pg, Path(tmp) / name, args.k)
            try:
                query_parity(out[("local", "sqlite")]["db"], out[("local", "postgres")]["db"])
            finally:
                for (_, backend), r in out.items():
                    if backend == "postgres":
                        drop_pg(args.pg, r["db"])
    print(f"\nload average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
