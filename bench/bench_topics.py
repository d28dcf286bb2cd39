"""Topic-model benchmark: fit time, peak memory and coherence per engine, a shuffled floor, k sweep.

    python3 bench/bench_topics.py --db /tmp/topics-dev.db            # real corpus, both engines
    python3 bench/bench_topics.py --db /tmp/topics-dev.db --scale 10 # also the 10x replicated corpus
    python3 bench/bench_topics.py --repeat 3 --no-sweep               # median of 3 fits at 1x

The machine may be shared: every line carries the 1-minute load average before and after the job,
and engines are compared by the ratio of their fit times within one run.

The store must hold the dev abstracts (`govtext ingest ../shared/corpora/en-abstracts/icegov-proceedings.jsonl
../shared/corpora/id-abstracts/sinta_broad_abstracts.part*.jsonl --db /tmp/topics-dev.db`). Each fit runs
in its own child process; the peak resident memory (VmHWM, which sees tomotopy's C++ heap where
tracemalloc would not) is reset after preparing the documents, so "+N MB for the fit" is the fit's
own peak over the resident memory before it (ru_maxrss, not resettable, where /proc is missing).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Reset the kernel's resident high-water mark (VmHWM), so the peak seen after the fit is the
    fit's own and not preparation's (which can be higher and would hide it). Linux >= 4.0."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def one(db: str, engine: str, k: int, scale: int, seed: int, floor: bool, sweep: bool) -> dict:
    from pipeline.store import open_store
    from pipeline.topics.engines import make_engine
    from pipeline.topics.prepare import prepare
    from pipeline.topics.select import floor as shuffled_floor
    from pipeline.topics.select import k_range, score
    from pipeline.topics.select import sweep as k_sweep

    t0 = time.perf_counter()
    p = prepare(open_store(db, readonly=True))
    prep_s = time.perf_counter() - t0
    texts = p.texts * scale
    import gc

    gc.collect()
    exact = _reset_peak()
    base = _status_mb("VmRSS") if exact else _rss_mb()
    from pipeline.topics.fit import texts_hash

    out = {
        "engine": engine,
        "k": k,
        "scale": scale,
        "docs": len(texts),
        "vocab": len(p.dictionary),
        "texts_hash": texts_hash(p),
        "tokens": sum(map(len, texts)),
        "prepare_s": round(prep_s, 1),
    }
    if sweep:
        t0 = time.perf_counter()
        _, curve = k_sweep(engine, texts, p.dictionary, k_range(5, 30, 5, len(texts)), seed)
        out["sweep_s"] = round(time.perf_counter() - t0, 1)
        out["curve"] = [(pt.k, pt.c_v, pt.npmi) for pt in curve]
        return out
    t0 = time.perf_counter()
    e = make_engine(engine, p.dictionary, k, seed)
    e.fit(texts)
    out["fit_s"] = round(time.perf_counter() - t0, 1)
    peak = (_status_mb("VmHWM") if exact else None) or _rss_mb()
    out["peak_mb_over_base"] = round(peak - (base or 0), 1)
    out["peak_mb"] = round(peak, 1)
    if scale == 1:
        c_v, npmi = score(e, p.texts, p.dictionary)
        out.update(c_v=round(c_v, 4), npmi=round(npmi, 4))
        if floor:
            f_cv, f_npmi = shuffled_floor(engine, p.texts, p.dictionary, k, seed)
            out.update(floor_c_v=round(f_cv, 4), floor_npmi=round(f_npmi, 4))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", default="/tmp/topics-dev.db")
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--scale", type=int, default=1, help="Also fit a corpus replicated this many times.")
    ap.add_argument("--engines", default="tomotopy,gensim")
    ap.add_argument("--repeat", type=int, default=1, help="Fits per engine at 1x; the median is printed.")
    ap.add_argument("--no-floor", action="store_true", help="Skip the shuffled-words floor fits.")
    ap.add_argument("--no-sweep", action="store_true", help="Skip the k sweep (5..30 step 5).")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # child mode: JSON spec of one measurement
    a = ap.parse_args()
    if a.one:
        spec = json.loads(a.one)
        print(json.dumps(one(a.db, **spec)))
        return
    if not Path(a.db).is_file():
        sys.exit(f"{a.db}: no store; ingest the dev abstracts first (see this file's docstring)")
    jobs = [
        dict(engine=e, k=a.k, scale=1, seed=a.seed, floor=not a.no_floor, sweep=False)
        for e in a.engines.split(",")
    ]
    # The sweep before the (long) replicated fits, so a run cut short still has it.
    if not a.no_sweep:
        jobs.append(dict(engine=a.engines.split(",")[0], k=0, scale=1, seed=a.seed, floor=False, sweep=True))
    if a.scale > 1:
        jobs += [
            dict(engine=e, k=a.k, scale=a.scale, seed=a.seed, floor=False, sweep=False)
            for e in a.engines.split(",")
        ]
    fit_s: dict[tuple[str, int], float] = {}
    for spec in jobs:
        runs = []
        for i in range(a.repeat if spec["scale"] == 1 and not spec["sweep"] else 1):
            load0 = os.getloadavg()[0]
            r = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--db",
                    a.db,
                    "--one",
                    json.dumps({**spec, "floor": spec["floor"] and i == 0}),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            runs.append(json.loads(r.stdout.strip().splitlines()[-1]))
            runs[-1]["load"] = f"{load0:.1f}->{os.getloadavg()[0]:.1f}"
        res = dict(runs[0])
        if len(runs) > 1:
            res["fit_all"] = [x["fit_s"] for x in runs]
            res["fit_s"] = statistics.median(res["fit_all"])
            res["peak_mb"] = statistics.median(x["peak_mb"] for x in runs)
            res["load"] = ", ".join(x["load"] for x in runs)
        if spec["sweep"]:
            curve = ", ".join(f"k={k}: c_v {cv:.3f} NPMI {n:+.3f}" for k, cv, n in res["curve"])
            print(
                f"k sweep ({res['engine']}, {res['docs']} docs): {res['sweep_s']} s total; {curve} "
                f"[load {res['load']}]",
                flush=True,
            )
            continue
        fit_s[(res["engine"], res["scale"])] = res["fit_s"]
        line = (
            f"{res['engine']:>8} x{res['scale']:<2} {res['docs']:>6} docs {res['tokens']:>8} tokens "
            f"k={res['k']}: fit {res['fit_s']:>6.1f} s, peak RSS {res['peak_mb']:.0f} MB "
            f"(+{res['peak_mb_over_base']:.0f} MB for the fit)"
        )
        if "c_v" in res:
            line += f", c_v {res['c_v']:.3f}, NPMI {res['npmi']:+.3f} (texts {res['texts_hash']})"
        if "floor_c_v" in res:
            line += f"; shuffled floor c_v {res['floor_c_v']:.3f}, NPMI {res['floor_npmi']:+.3f}"
        if "fit_all" in res:
            line += f"; median of {res['fit_all']} s"
        print(line + f" [load {res['load']}]", flush=True)
    for scale in sorted({sc for _, sc in fit_s}):
        if ("tomotopy", scale) in fit_s and ("gensim", scale) in fit_s:
            print(
                f"x{scale}: gensim / tomotopy fit time = "
                f"{fit_s[('gensim', scale)] / max(fit_s[('tomotopy', scale)], 1e-9):.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
