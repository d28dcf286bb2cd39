"""Query, CLI start-up and report timings on a 100,000-document corpus.

The corpus replicates the real abstracts in ../shared/corpora (id-abstracts, en-abstracts) with
small variations (sentence order rotated, a sentence dropped, year and path varied), written
straight into a Store with norms from pipeline.nlp (cached per sentence, so building takes a few
minutes, not hours). Themes come from a tiny keyword lexicon and the topic weights are random:
enough for filters and the report to do real work, not a tagging result.

    python3 bench/bench_query.py                 # build (once, cached) and measure
    python3 bench/bench_query.py --docs 20000    # smaller
    python3 bench/bench_query.py --rebuild --db /tmp/bench.db

Targets (issue 5): in-process query median < 10 ms, p95 < 50 ms; report < 30 s.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CORPORA = ROOT.parent / "shared" / "corpora"
FILES = sorted((CORPORA / "en-abstracts").glob("*.jsonl")) + sorted(
    (CORPORA / "id-abstracts").glob("*.jsonl")
)
_SENT = re.compile(r"(?<=[.!?])\s+")

# A keyword lexicon for synthetic theme tags: theme -> normal forms that trigger it.
LEXICON = {
    "corruption": {"korupsi", "corruption", "suap", "bribery"},
    "partnership": {"mitra", "partnership", "kerja", "collaboration"},
    "digital_government": {"digital", "e-government", "elektronik", "online", "website"},
    "public_service": {"layan", "pelayanan", "service"},
    "decentralisation": {"otonomi", "daerah", "decentralization", "local"},
    "budget": {"anggar", "anggaran", "budget", "uang", "fiscal"},
    "democracy": {"demokrasi", "democracy", "election", "pemilu", "vote"},
    "law": {"hukum", "law", "undang", "court", "pidana"},
}

QUERIES: list[tuple[str, dict]] = [
    ("kemitraan", {}),
    ("korupsi", {}),
    ("governance", {}),
    ("partnerships", {}),
    ("pelayanan publik", {}),
    ('"public service"', {}),
    ('"tata kelola"', {}),
    ("desa", {}),
    ("election", {}),
    ("kebijakan", {}),
    ("digital*", {}),
    ("govern*", {}),
    ("korupsi OR corruption", {}),
    ("anggaran AND daerah", {}),
    ("democracy NOT election", {}),
    ("transparansi", {}),
    ("accountability", {}),
    ("otonomi daerah", {}),
    ("korupsi", {"lang": "id"}),
    ("governance", {"lang": "en", "year_from": 2010, "year_to": 2015}),
    ("kemitraan", {"theme": "partnership"}),
    ("pelayanan", {"theme": "public_service", "lang": "id"}),
    ("policy", {"kinds": ["abstract"]}),
    ("desa", {"year_from": 2018}),
    ("election", {"topic": 3}),
    ("korupsi", {"source": "bench/sinta"}),
    ("e-government", {"theme": "digital_government"}),
    ("parliament", {"year_to": 2012}),
    ("hukum", {"theme": "law", "year_from": 2015}),
    ("trust", {"lang": "en", "kinds": ["title"]}),
]


def _records() -> list[dict]:
    out = []
    for f in FILES:
        if "heldout" in f.parts:
            continue
        for line in f.read_text(encoding="utf-8").splitlines():
            try:
                r = json.loads(line)
            except json.JSONDecodeError:
                continue
            parts = []
            if r.get("title"):
                parts.append(("title", r.get("lang") or "en", r["title"]))
            if r.get("abstract_id") or r.get("abstract_en"):
                for lang in ("id", "en"):
                    if r.get(f"abstract_{lang}"):
                        parts.append(("abstract", lang, r[f"abstract_{lang}"]))
            elif r.get("abstract"):
                parts.append(("abstract", r.get("lang") or "en", r["abstract"]))
            if len(parts) > (1 if r.get("title") else 0):
                year = r.get("year")
                out.append(
                    {
                        "id": r["id"],
                        "year": int(year) if str(year or "").isdigit() else None,
                        "parts": parts,
                        "kind": f.stem.split("_")[0].split("-")[0],
                    }
                )
    return out


def build(db: Path, n_docs: int, seed: int = 7) -> None:
    from pipeline.document import Document, Part, Tag
    from pipeline.nlp import normalise_many
    from pipeline.store import open_store

    t0 = time.perf_counter()
    recs = _records()
    # Norms per sentence, computed once in one batch: variants only reorder or drop sentences.
    sentences: dict[tuple[str, str], list[str]] = {}
    for r in recs:
        for _, lang, text in r["parts"]:
            for s in _SENT.split(text.strip()):
                sentences.setdefault((lang, s), [])
    keys = list(sentences)
    norms = normalise_many([s for _, s in keys], [lang for lang, _ in keys])
    for k, n in zip(keys, norms, strict=True):
        sentences[k] = n
    print(
        f"{len(recs)} records, {len(keys)} sentences normalised in {time.perf_counter() - t0:.0f} s",
        flush=True,
    )

    rng = random.Random(seed)
    if db.exists():
        db.unlink()
    store = open_store(db)
    store.conn.execute("PRAGMA synchronous = OFF")
    # The vocabulary an ingest would have stored with these documents: searches look their words
    # up there instead of loading spaCy (issue 13), as they do on an ingested corpus.
    from pipeline import nlp

    store.check_vocabulary(nlp.vocabulary_version())
    store.add_vocabulary(nlp.take_new_vocabulary())
    batch: list[Document] = []
    for i in range(n_docs):
        r = recs[i % len(recs)]
        copy = i // len(recs)
        parts, all_norm = [], []
        for kind, lang, text in r["parts"]:
            sents = _SENT.split(text.strip())
            if copy and len(sents) > 2:
                k = copy % len(sents)
                sents = sents[k:] + sents[:k]
                if len(sents) > 3:
                    del sents[rng.randrange(len(sents))]
            norm = [w for s in sents for w in sentences.get((lang, s)) or []]
            all_norm.extend(norm)
            parts.append(Part(kind=kind, lang=lang, text=" ".join(sents), norm=" ".join(norm)))
        words = set(all_norm)
        tags = [
            Tag(
                theme=t,
                score=round(min(1.0, 0.3 + 0.1 * len(words & terms) + rng.random() * 0.2), 3),
                method="lexicon",
            )
            for t, terms in LEXICON.items()
            if words & terms
        ]
        year = (r["year"] or 2005 + rng.randrange(19)) + (copy % 3 if r["year"] else 0)
        batch.append(
            Document(
                id=f"{i:08d}{r['id']}",
                path=f"bench/{r['kind']}/part{copy}.jsonl",
                format="jsonl",
                source_id=f"{r['id']}-{copy}",
                doc_type="abstract_record",
                year=year,
                title=parts[0].text if parts[0].kind == "title" else None,
                parts=parts,
                tags=tags,
            )
        )
        if len(batch) == 2000:
            store.write_documents(batch, "bench", None)
            batch.clear()
            print(f"\r{i + 1} documents, {time.perf_counter() - t0:.0f} s", end="", flush=True)
    store.write_documents(batch, "bench", None)
    # A synthetic 12-topic model: three topics per document.
    topics = [
        {"topic": t, "label": f"topic {t}", "theme": None, "terms": sorted(LEXICON)[t % 8 : t % 8 + 3],
         "weight": 1 / 12, "meta": {}}
        for t in range(12)
    ]  # fmt: skip
    rows = []
    for doc_id in sorted(store.doc_ids()):
        ts = rng.sample(range(12), 3)
        ws = sorted((rng.random() for _ in ts), reverse=True)
        total = sum(ws)
        rows.extend((doc_id, t, w / total) for t, w in zip(ts, ws, strict=True))
    store.save_topic_model("bench-topics", {}, topics, rows)
    store.conn.execute("PRAGMA optimize")
    store.close()
    print(f"\nbuilt {n_docs} documents in {db} in {time.perf_counter() - t0:.0f} s", flush=True)


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def bench_queries(db: Path, repeats: int = 5) -> dict:
    """Each query ``repeats`` times; its latency is the median of those (the machine is shared, so
    one run can be preempted), then median and p95 over the queries. ``all_*`` use every run."""
    import os

    from pipeline import query as q
    from pipeline.store import open_store

    store = open_store(db, readonly=True)
    for text, kw in QUERIES:  # warm-up: page cache, nlp tables
        q.search(store, text, **kw)
    runs: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}  # CPU time: what the query costs when the cores are not shared
    filtered: set[str] = set()
    for _ in range(repeats):
        for text, kw in QUERIES:
            key = f"{text} {kw or ''}".strip()
            t0, c0 = time.perf_counter(), time.process_time()
            rows = q.search(store, text, **kw)
            runs.setdefault(key, []).append((time.perf_counter() - t0) * 1000)
            cpu.setdefault(key, []).append((time.process_time() - c0) * 1000)
            assert rows, key  # every bench query finds something
            if kw:
                filtered.add(key)
    per = {k: statistics.median(v) for k, v in runs.items()}
    cpu_per = [statistics.median(v) for v in cpu.values()]
    every = [x for v in runs.values() for x in v]
    plain = [v for k, v in per.items() if k not in filtered]
    filt = [v for k, v in per.items() if k in filtered]
    return {
        "queries": len(QUERIES),
        "repeats": repeats,
        "loadavg": [round(x, 1) for x in os.getloadavg()],
        "median_ms": round(statistics.median(per.values()), 2),
        "p95_ms": round(_pct(list(per.values()), 95), 2),
        "plain_median_ms": round(statistics.median(plain), 2),
        "plain_p95_ms": round(_pct(plain, 95), 2),
        "filtered_median_ms": round(statistics.median(filt), 2),
        "filtered_p95_ms": round(_pct(filt, 95), 2),
        "cpu_median_ms": round(statistics.median(cpu_per), 2),
        "cpu_p95_ms": round(_pct(cpu_per, 95), 2),
        "all_runs_median_ms": round(statistics.median(every), 2),
        "all_runs_p95_ms": round(_pct(every, 95), 2),
        "slowest_ms": {k: round(v, 1) for k, v in sorted(per.items(), key=lambda kv: -kv[1])[:5]},
    }


def bench_cli(db: Path, runs: int = 5) -> dict:
    def timed(args: list[str]) -> float:
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "pipeline", *args],
                cwd=ROOT,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            times.append(time.perf_counter() - t0)
        return round(statistics.median(times) * 1000)

    return {
        "help_ms": timed(["--help"]),
        "query_ms": timed(["query", "kemitraan", "--db", str(db), "--format", "json"]),
        "stats_ms": timed(["stats", "--by", "year", "--db", str(db), "--format", "json"]),
    }


def bench_report(db: Path, out: Path) -> dict:
    from pipeline.report import write_report
    from pipeline.store import open_store

    t0 = time.perf_counter()
    info = write_report(open_store(db, readonly=True), out)
    return {
        "report_s": round(time.perf_counter() - t0, 2),
        "charts": info["charts"],
        "bytes": out.stat().st_size,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, default=Path("/tmp/govtext-bench/corpus100k.db"))
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--skip", nargs="*", default=[], choices=["queries", "cli", "report"])
    args = ap.parse_args()
    if not FILES:
        sys.exit(f"no abstracts found under {CORPORA}")
    if args.rebuild or not args.db.exists():
        args.db.parent.mkdir(parents=True, exist_ok=True)
        build(args.db, args.docs)
    result: dict = {"db": str(args.db)}
    if "queries" not in args.skip:
        result["query"] = bench_queries(args.db)
        print(json.dumps(result["query"], indent=2), flush=True)
    if "cli" not in args.skip:
        result["cli"] = bench_cli(args.db)
        print(json.dumps(result["cli"]), flush=True)
    if "report" not in args.skip:
        result["report"] = bench_report(args.db, args.db.with_name("report.html"))
        print(json.dumps(result["report"]), flush=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
