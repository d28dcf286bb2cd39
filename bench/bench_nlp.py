"""Throughput of pipeline.nlp against bare spaCy on ~1,900 real abstracts (one core).

    python3 bench/bench_nlp.py [--runs 3]

Prints texts/s (and words/s) for
  (a) bare spaCy: spacy.blank(lang) + lookup lemmatizer, nlp.pipe, reading every token's lemma_;
  (b) nlp.normalise_many, cold (empty per-token cache: every distinct word goes through Sastrawi
      or the lemma table once) and warm (the steady state of a long ingest);
  (c) nlp.content_terms_many, warm;
medians of --runs runs, plus the per-token cache hit rate.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import nlp  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
SOURCES = [
    CORPORA / "id-abstracts" / "sinta_broad_abstracts.part1.jsonl",
    CORPORA / "en-abstracts" / "icegov-proceedings.jsonl",
]


def load_texts() -> tuple[list[str], list[str]]:
    texts, langs = [], []
    for path in SOURCES:
        for line in path.open(encoding="utf-8"):
            rec = json.loads(line)
            text = rec.get("abstract") or ""
            if text.strip():
                texts.append(text)
                # SINTA "mixed" records are Indonesian with an English block run in.
                langs.append("en" if rec.get("lang") == "en" else "id")
    return texts, langs


def bare_spacy(texts: list[str], langs: list[str]) -> Callable[[], int]:
    import spacy

    pipes = {}
    for lang in ("id", "en"):
        p = spacy.blank(lang)
        p.add_pipe("lemmatizer", config={"mode": "lookup"})
        p.initialize()
        pipes[lang] = p

    def run() -> int:
        n = 0
        for lang, p in pipes.items():
            group = [t for t, lg in zip(texts, langs, strict=True) if lg == lang]
            for doc in p.pipe(group, batch_size=256):
                n += len([t.lemma_ for t in doc])
        return n

    return run


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    texts, langs = load_texts()
    words = sum(len(t.split()) for t in texts)
    print(f"{len(texts)} abstracts ({langs.count('id')} id, {langs.count('en')} en), {words} words")

    def report(name: str, secs: list[float]) -> None:
        med = statistics.median(secs)
        print(
            f"{name:42s} {len(texts) / med:8.0f} texts/s {words / med:10.0f} words/s  (median of {len(secs)})"
        )

    t = time.perf_counter()
    bare = bare_spacy(texts, langs)
    nlp.load_pipeline("id"), nlp.load_pipeline("en"), nlp._sastrawi(), nlp._domain_stops()
    print(f"pipeline load: {time.perf_counter() - t:.1f}s")

    report("(a) bare spaCy pipe + lookup lemmatizer", timed(bare, args.runs))

    cold = []
    for _ in range(args.runs):
        nlp.reset_cache()
        cold += timed(lambda: nlp.normalise_many(texts, langs), 1)
    stats_cold = nlp.cache_stats()
    report("(b) normalise_many, cold cache", cold)
    nlp.reset_cache()
    nlp.normalise_many(texts, langs)
    warm = timed(lambda: nlp.normalise_many(texts, langs), args.runs)
    report("(b) normalise_many, warm cache", warm)
    nlp.content_terms_many(texts, langs)
    report(
        "(c) content_terms_many, warm cache", timed(lambda: nlp.content_terms_many(texts, langs), args.runs)
    )
    s = nlp.cache_stats()
    print(
        f"cache hit rate: cold pass {stats_cold['hit_rate']:.3f} "
        f"({stats_cold['misses']} distinct chunks of {stats_cold['chunks']}), "
        f"over all passes {s['hit_rate']:.3f}"
    )


if __name__ == "__main__":
    main()
