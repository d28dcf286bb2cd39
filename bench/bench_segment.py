"""CPU cost of segment.segment + language.detect_part_langs on ~3,000 real records (one core).

    python3 bench/bench_segment.py [--runs 3] [--out /tmp/segment_out.jsonl] [--diff OLD.jsonl] [FILE.jsonl ...]

Records come through the jsonl reader (as in an ingest), are deep-copied per pass so every pass
segments the same input, and each document is timed with time.process_time (CPU, so other load
on the machine matters less). Prints the median ms/doc over --runs passes and the load average.
Writes each document's outputs (parts as kind/lang/text, keywords as lang/text, title, year,
doi) as one JSON line to --out; --diff compares them with an earlier output file and prints
every document that changed.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import language, segment  # noqa: E402
from pipeline.document import Document  # noqa: E402
from pipeline.readers import ReadOptions, get_reader  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
SOURCES = [
    CORPORA / "id-abstracts" / "sinta_broad_abstracts.part1.jsonl",
    CORPORA / "id-abstracts" / "sinta_broad_abstracts.part2.jsonl",
    CORPORA / "en-abstracts" / "icegov-proceedings.jsonl",
]


def load_docs(paths: list[Path] | None = None) -> list[Document]:
    read = get_reader("jsonl")
    docs = []
    for path in paths or SOURCES:
        docs += [d for d in read(path, ReadOptions()) if isinstance(d, Document)]
    return docs


def summary(doc: Document) -> dict:
    return {
        "id": doc.id if hasattr(doc, "id") else None,
        "parts": [(p.kind, p.lang, p.text) for p in doc.parts],
        "keywords": [(k.lang, k.text) for k in doc.keywords],
        "title": doc.title,
        "year": doc.year,
        "doi": doc.doi,
    }


def one_pass(docs: list[Document]) -> tuple[list[float], list[dict]]:
    times, outs = [], []
    for src in docs:
        doc = copy.deepcopy(src)
        t0 = time.process_time()
        language.detect_part_langs(segment.segment(doc))
        times.append(time.process_time() - t0)
        outs.append(summary(doc))
    return times, outs


def diff(old_path: Path, new: list[dict]) -> int:
    old = [json.loads(line) for line in old_path.open(encoding="utf-8")]
    new = [json.loads(json.dumps(d)) for d in new]  # tuples -> lists, as stored
    changed = 0
    for i, (a, b) in enumerate(zip(old, new, strict=True)):
        if a != b:
            changed += 1
            print(f"--- doc {i} ({b.get('id')})")
            for key in ("title", "year", "doi"):
                if a[key] != b[key]:
                    print(f"  {key}: {a[key]!r} -> {b[key]!r}")
            for key in ("parts", "keywords"):
                if a[key] != b[key]:
                    print(f"  {key} before:")
                    for x in a[key]:
                        print("    ", [str(v)[:300] for v in x])
                    print(f"  {key} after:")
                    for x in b[key]:
                        print("    ", [str(v)[:300] for v in x])
    print(f"{changed} of {len(new)} documents changed ({100 * (1 - changed / len(new)):.2f}% identical)")
    return changed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path("/tmp/segment_out.jsonl"))
    ap.add_argument("--diff", type=Path, default=None)
    ap.add_argument("files", nargs="*", type=Path, help="jsonl files instead of the default three")
    args = ap.parse_args()

    docs = load_docs(args.files)
    language.detect("warm up the stop words"), language.guess("load the model " * 4)
    print(f"{len(docs)} documents; load average before: {os.getloadavg()}")
    per_pass, outs = [], []
    for _ in range(args.runs):
        if hasattr(language, "clear_cache"):
            language.clear_cache()  # every pass starts cold: repeated titles would hit the cache
        times, outs = one_pass(docs)
        per_pass.append(sum(times) / len(times) * 1e3)
    times_ms = sorted(t * 1e3 for t in times)
    print(f"load average after: {os.getloadavg()}")
    print(f"ms/doc per pass: {', '.join(f'{x:.3f}' for x in per_pass)}")
    print(f"median ms/doc: {statistics.median(per_pass):.3f}")
    print(
        f"last pass per-doc p50 {times_ms[len(times_ms) // 2]:.3f} ms, p99 {times_ms[int(len(times_ms) * 0.99)]:.3f} ms"
    )
    with args.out.open("w", encoding="utf-8") as f:
        for d in outs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    print(f"outputs written to {args.out}")
    if args.diff:
        diff(args.diff, outs)


if __name__ == "__main__":
    main()
