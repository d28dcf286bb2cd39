"""End-to-end ingest throughput on the real abstract datasets (~8,000 records), against bare spaCy.

    python3 bench/bench_ingest.py            # workers 1 and 2, medians of 3 runs, 10x corpus once
    python3 bench/bench_ingest.py --quick    # ~1,900 records, 1 run each, 3x corpus
    python3 bench/bench_ingest.py --stages   # also: where the time goes, per stage, one core
    python3 bench/bench_ingest.py --profile /tmp/ingest.prof   # also: cProfile of one in-process run
    python3 bench/bench_ingest.py --no-warm  # without the second run on the other half

Prints, per worker count:
  * documents/s end to end after start-up: stored documents / (end of a fresh `ingest`
    process's run - the moment its stages are loaded, ingest's "ready" progress event), median
    of --runs runs, each into a new database; everything after that (reading, stages, workers,
    pickling, store writes, FTS) is inside the measured time; CPU ms per document (all processes);
  * start-up: a fresh process ingesting one record, from interpreter start to the first
    document written (imports, store, stage tables, worker pool), and `govtext --help`;
  * peak memory: ru_maxrss of the ingest process (RUSAGE_SELF) and of its largest worker
    (RUSAGE_CHILDREN), the sum main + workers x largest as a bound (it counts pages the forked
    workers share once per worker), and the largest proportional-set-size sum of the process tree
    sampled every 0.1 s;
  * the bare components in the same run: spacy.blank(lang) + lookup lemmatizer over the same
    texts with nlp.pipe (one core), and the ratio of the pipeline to it;
  * a replicated corpus (--scale copies, each record's title marked so content hashes differ)
    to show that throughput does not fall as the corpus grows;
  * the warm effect: the odd records of every file ingested into a new corpus, and into a corpus
    that already holds the even records (a second run on a different slice of similar text: its
    workers start from the stored vocabulary).
The machine is shared: the load average is printed with the results, as figures depend on it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"
# The abstract datasets: JSONL records only (not the raw/original CSV copies, never heldout/).
SOURCES = [
    *sorted((CORPORA / "id-abstracts").glob("*.jsonl")),
    *sorted((CORPORA / "id-abstracts" / "public-admin").glob("*.jsonl")),
    *sorted((CORPORA / "en-abstracts").glob("*.jsonl")),
]
QUICK = [
    "sinta_broad_abstracts.part4.jsonl",
    "sinta_governance_subset.jsonl",
    "icegov-proceedings.jsonl",
    "pta_trunojoyo_skripsi_abstracts.jsonl",
    "sinta_chisquare_academica_pa.jsonl",
]


# -- the child: one fresh ingest process -----------------------------------------------------------
def child(args: argparse.Namespace) -> None:
    launched = args.launched
    sys.path.insert(0, str(ROOT))
    from pipeline.config import load_config
    from pipeline.ingest import ingest
    from pipeline.store import open_store

    first: list[float] = []
    ready: list[float] = []

    def progress(event: str, data: dict) -> None:
        if event == "ready":
            ready.append(time.time())
        if event == "unit" and data.get("docs") and not first:
            first.append(time.time() - launched)

    cfg = load_config({"db": args.db, "workers": args.workers})
    with open_store(args.db) as store:
        t = time.time()
        summary = ingest([Path(p) for p in args.paths], cfg, store, progress=progress)
        done = time.time()
    out = {
        "docs": summary.documents_new,
        "duplicates": summary.duplicates,
        "errors": summary.errors,
        "imports_s": t - launched,
        "ingest_s": done - t,
        "wall_s": done - launched,
        "first_doc_s": first[0] if first else None,
        "ready_s": (ready[0] if ready else t) - launched,
        "work_s": done - (ready[0] if ready else t),
        "maxrss_self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "maxrss_children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "cpu_s": sum(
            getattr(resource.getrusage(who), f)
            for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
            for f in ("ru_utime", "ru_stime")
        ),
    }
    print("RESULT " + json.dumps(out))


def _tree_rss_mb(pid: int) -> float:
    """Memory of a process and all its descendants, from /proc: proportional set size (pages
    shared by forked workers counted once), or resident set size where Pss is not available."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            try:
                text, key = Path(f"/proc/{p}/smaps_rollup").read_text(), "Pss:"
            except OSError:
                text, key = Path(f"/proc/{p}/status").read_text(), "VmRSS:"
            total += next(int(ln.split()[1]) for ln in text.splitlines() if ln.startswith(key))
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError, StopIteration):
            continue
    return total / 1024


def run_child(paths: list[Path], workers: int, db: Path, fresh: bool = True) -> dict:
    """One ingest in a new process; into a new database unless ``fresh`` is False."""
    for suffix in ("", "-wal", "-shm", ".lock") if fresh else ():
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    cmd = [
        sys.executable,
        __file__,
        "_child",
        "--db",
        str(db),
        "--workers",
        str(workers),
        "--launched",
        repr(time.time()),
        *map(str, paths),
    ]
    res, res["tree_peak_mb"] = run_sampled(cmd)
    res["bound_mb"] = res["maxrss_self_mb"] + workers * res["maxrss_children_mb"]
    return res


def run_sampled(cmd: list[str], cwd: Path = ROOT) -> tuple[dict, float]:
    """Run a child that prints ``RESULT {json}``; (that result, peak memory of its process tree
    sampled every 0.1 s, MB)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_mb(proc.pid))
        time.sleep(0.1)
    out, err = proc.communicate()
    lines = [ln for ln in out.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"child failed ({proc.returncode}):\n{err[-3000:]}")
    return json.loads(lines[-1][7:]), peak


def help_wall() -> float:
    exe = Path(sys.executable).with_name("govtext")
    cmd = [str(exe), "--help"] if exe.exists() else [sys.executable, "-m", "pipeline", "--help"]
    t = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=True, cwd=ROOT)
    return time.perf_counter() - t


# -- data ------------------------------------------------------------------------------------------
def load_records(paths: list[Path]) -> list[dict]:
    out = []
    for p in paths:
        with p.open(encoding="utf-8") as fh:
            out.extend(json.loads(line) for line in fh if line.strip())
    return out


def replicate(paths: list[Path], copies: int, folder: Path) -> list[Path]:
    """copies x every file; copy k > 0 marks each title with "(k)" so content hashes differ."""
    out = []
    for k in range(copies):
        for p in paths:
            dest = folder / f"{p.stem}.copy{k}.jsonl"
            with p.open(encoding="utf-8") as src, dest.open("w", encoding="utf-8") as fh:
                for line in src:
                    if not line.strip():
                        continue
                    rec = json.loads(line)
                    if k:
                        rec["title"] = f"{rec.get('title') or ''} ({k})"
                        if "id" in rec:
                            rec["id"] = f"{rec['id']}-{k}"
                    fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            out.append(dest)
    return out


def record_text(rec: dict) -> tuple[str, str]:
    kws = rec.get("keywords") or ""
    kws = "; ".join(kws) if isinstance(kws, list) else str(kws)
    text = "\n".join(str(rec.get(k) or "") for k in ("title", "abstract")) + "\n" + kws
    return text, ("en" if rec.get("lang") == "en" else "id")


def halves(paths: list[Path], folder: Path) -> tuple[list[Path], list[Path]]:
    """Every file split into its even and its odd records: two different slices of similar text."""
    out: tuple[list[Path], list[Path]] = ([], [])
    for p in paths:
        lines = [ln for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip()]
        for k, name in enumerate(("even", "odd")):
            dest = folder / f"{p.stem}.{name}.jsonl"
            dest.write_text("\n".join(lines[k::2]) + "\n", encoding="utf-8")
            out[k].append(dest)
    return out


def warm_effect(paths: list[Path], workers: int, runs: int, folder: Path) -> None:
    """The odd records ingested into a new database (cold) and into one that already holds the
    even records (warm: its workers start from the stored vocabulary); medians of runs."""
    first, second = halves(paths, folder)
    db = folder / "warm.db"
    cold, warm = [], []
    for _ in range(runs):
        r = run_child(second, workers, db)
        cold.append(r["docs"] / r["work_s"])
        run_child(first, workers, db)
        r = run_child(second, workers, db, fresh=False)
        warm.append(r["docs"] / r["work_s"])
    c, w = statistics.median(cold), statistics.median(warm)
    print(
        f"second run workers={workers}: {r['docs']} other records, {c:,.0f} docs/s into a new corpus,"
        f" {w:,.0f} docs/s into the corpus holding the first half ({w / c:.2f}x); runs cold"
        f" {[round(x) for x in cold]}, warm {[round(x) for x in warm]}"
    )


# -- bare spaCy ------------------------------------------------------------------------------------
def spacy_baseline(records: list[dict], runs: int) -> float:
    """Seconds (median) for spacy.blank + lookup lemmatizer over the records' texts, one core."""
    import spacy

    pipes = {}
    for lang in ("id", "en"):
        p = spacy.blank(lang)
        p.add_pipe("lemmatizer", config={"mode": "lookup"})
        p.initialize()
        pipes[lang] = p
    texts = [record_text(r) for r in records]
    groups = {lang: [t for t, lg in texts if lg == lang] for lang in pipes}
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        for lang, p in pipes.items():
            for doc in p.pipe(groups[lang], batch_size=256):
                for tok in doc:
                    tok.lemma_  # noqa: B018 - reading the lemma is the work measured
        times.append(time.perf_counter() - t)
    return statistics.median(times)


# -- per stage, in process -------------------------------------------------------------------------
def stage_breakdown(paths: list[Path], db: Path) -> None:
    """Reader, each stage and the store write timed separately on one core: cold, then warm caches."""
    sys.path.insert(0, str(ROOT))
    from pipeline.config import Config
    from pipeline.document import RecordError
    from pipeline.executor.work import BATCH
    from pipeline.readers import ReadOptions, get_reader
    from pipeline.stages import default_stages, pipeline_version
    from pipeline.store import open_store

    cfg = Config(db=db, workers=1)
    t = time.perf_counter()
    stages = default_stages()
    print(f"  import stages: {time.perf_counter() - t:.2f} s")
    pv = pipeline_version(stages)
    for label in ("cold", "warm"):
        timing: dict[str, float] = {}
        t = time.perf_counter()
        docs = [
            d for p in paths for d in get_reader("jsonl")(p, ReadOptions()) if not isinstance(d, RecordError)
        ]
        timing["read"] = time.perf_counter() - t
        out = []
        for i in range(0, len(docs), BATCH):
            batch = docs[i : i + BATCH]
            for s in stages:
                t = time.perf_counter()
                batch = s.run(batch, cfg)
                timing[s.name] = timing.get(s.name, 0.0) + time.perf_counter() - t
            out.extend(batch)
        import pickle

        t = time.perf_counter()
        blob = pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.loads(blob)
        timing["pickle"] = time.perf_counter() - t
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        with open_store(db) as store:
            t = time.perf_counter()
            for i in range(0, len(out), 256):
                batch = out[i : i + 256]
                store.write_documents(batch, pv, None)  # as ingest does: duplicates checked per unit
            timing["store"] = time.perf_counter() - t
        total = sum(timing.values())
        n = len(docs)
        print(
            f"  {label}: {n} docs, {total:.1f} s = {n / total:.0f} docs/s on one core;"
            f" pickled results {len(blob) / n / 1024:.1f} KB/doc"
        )
        for k, v in timing.items():
            print(f"    {k:10s} {v:7.2f} s  {1000 * v / n:6.2f} ms/doc  {100 * v / total:5.1f}%")


def profile_run(paths: list[Path], db: Path, out: str) -> None:
    import cProfile
    import pstats

    sys.path.insert(0, str(ROOT))
    from pipeline.config import Config
    from pipeline.ingest import ingest
    from pipeline.store import open_store

    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    with open_store(db) as store:
        prof = cProfile.Profile()
        prof.enable()
        ingest(paths, Config(db=db, workers=1), store)
        prof.disable()
    prof.dump_stats(out)
    pstats.Stats(out).sort_stats("tottime").print_stats(25)


# -- main ------------------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="~1,900 records, 1 run, 3x replication")
    ap.add_argument("--runs", type=int, default=None, help="runs per setting (median); default 3, quick 1")
    ap.add_argument("--workers", default="1,2", help="worker counts to compare")
    ap.add_argument(
        "--scale", type=int, default=None, help="replication factor; default 10, quick 3; 0 = skip"
    )
    ap.add_argument("--stages", action="store_true", help="also time each stage in process")
    ap.add_argument("--no-baseline", action="store_true", help="skip bare spaCy (no ratios)")
    ap.add_argument("--profile", metavar="FILE", help="also cProfile one in-process run (workers=1)")
    ap.add_argument("--no-warm", action="store_true", help="skip the second run on the other half")
    args = ap.parse_args()
    runs = args.runs or (1 if args.quick else 3)
    scale = (3 if args.quick else 10) if args.scale is None else args.scale
    workers = [int(w) for w in args.workers.split(",")]
    paths = [p for p in SOURCES if not args.quick or p.name in QUICK]
    if not paths:
        raise SystemExit(f"no abstract datasets under {CORPORA}")
    records = load_records(paths)
    print(
        f"corpus: {len(records)} records in {len(paths)} files; load average {os.getloadavg()[0]:.1f}"
        f" on {os.cpu_count()} cores"
    )

    with tempfile.TemporaryDirectory(prefix="govtext-bench-") as tmp:
        tmpdir = Path(tmp)
        db = tmpdir / "bench.db"
        if args.stages:
            print("per stage (in process, one core):")
            stage_breakdown(paths, db)
        if args.profile:
            profile_run(paths, db, args.profile)

        base_rate = float("nan")
        if not args.no_baseline:
            base_s = spacy_baseline(records, runs)
            base_rate = len(records) / base_s
            print(
                f"bare spaCy (blank + lookup lemmatizer, nlp.pipe, one core): {base_rate:,.0f} texts/s"
                f" ({base_s:.2f} s)"
            )
        help_s = statistics.median(help_wall() for _ in range(3))
        print(f"govtext --help: {help_s:.2f} s")

        one = tmpdir / "one.jsonl"
        with paths[0].open(encoding="utf-8") as fh:
            one.write_text(next(line for line in fh if line.strip()), encoding="utf-8")

        def setting(label: str, files: list[Path], w: int, n_runs: int) -> float:
            ones = [run_child([one], w, db) for _ in range(n_runs)]
            start = statistics.median(r["wall_s"] for r in ones)
            first = statistics.median(r["first_doc_s"] or r["wall_s"] for r in ones)
            results = [run_child(files, w, db) for _ in range(n_runs)]
            docs = results[0]["docs"]
            wall = statistics.median(r["wall_s"] for r in results)
            # After start-up: from the moment the run's own stages are loaded ("ready") to the end.
            rate = statistics.median(r["docs"] / r["work_s"] for r in results)
            ready = statistics.median(r["ready_s"] for r in results)
            ideal = base_rate * min(w, os.cpu_count() or 1)
            mem = max(results, key=lambda r: r["tree_peak_mb"])
            print(
                f"{label} workers={w}: start-up {first:.2f} s to the first document written"
                f" ({start:.2f} s for the whole one-record run, imports {ones[0]['imports_s']:.2f} s)"
            )
            print(
                f"{label} workers={w}: {docs} docs, {wall:.1f} s wall, of which start-up {ready:.2f} s ->"
                f" {rate:,.0f} docs/s after start-up ({docs / wall:,.0f} incl. start-up);"
                f" {rate / ideal:.2f}x bare spaCy on {min(w, os.cpu_count() or 1)} core(s);"
                f" {1000 * statistics.median(r['cpu_s'] for r in results) / docs:.2f} CPU ms/doc"
            )
            print(
                f"    peak memory: tree {mem['tree_peak_mb']:.0f} MB (Pss, sampled); main {mem['maxrss_self_mb']:.0f} MB,"
                f" largest worker {mem['maxrss_children_mb']:.0f} MB, bound {mem['bound_mb']:.0f} MB;"
                f" runs {[round(r['wall_s'], 1) for r in results]} s"
            )
            return rate

        rates = {w: setting("1x", paths, w, runs) for w in workers}
        if scale > 1:
            big = replicate(paths, scale, tmpdir)
            w = max(workers)
            rate = setting(f"{scale}x", big, w, 1)
            print(f"{scale}x / 1x throughput at workers={w}: {rate / rates[w]:.2f}")
        if not args.no_warm:
            warm_effect(paths, max(workers), runs, tmpdir)
        print(f"load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        cp = argparse.ArgumentParser()
        cp.add_argument("_child")
        cp.add_argument("--db", type=Path, required=True)
        cp.add_argument("--workers", type=int, required=True)
        cp.add_argument("--launched", type=float, required=True)
        cp.add_argument("paths", nargs="+")
        child(cp.parse_args())
    else:
        main()
