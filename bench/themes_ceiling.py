"""How far can a bag-of-words theme model go on the dev set? Ranking quality of several model families.

    python3 bench/themes_ceiling.py                  # all families, 5-fold out-of-fold scores, seed 42
    python3 bench/themes_ceiling.py --only lexicon,classifier,curve
    python3 bench/themes_ceiling.py --cache /tmp/ls.pkl

For each family, out-of-fold scores per theme give two threshold-free figures, averaged over themes:
``mAP`` (average precision) and ``oracle F1`` (F1 at the best threshold chosen on the test folds
themselves: an upper bound for any thresholding of those scores, so a family whose oracle F1 is below
0.70 cannot reach a 0.70 macro-F1 by tuning thresholds). ``curve`` prints the nested cross-validated
macro-F1 of the shipped classifier trained on a random 50% / 75% / 100% of each training fold.

Families: lexicon; classifier (the shipped ThemeClassifier); l2 (same features, L2 logistic
regression, C=8); l1+l2 (mean of the two); trees (extra-trees on dense features: concept evidence,
lexicon scores, a 100-dimension LSA fitted on every non-held-out abstract, public/corporate context
counts); dictionary (classifier after adding English translations of Indonesian terms, from a
dictionary induced on the corpus's parallel id/en abstracts).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from themes_cv import _load  # noqa: E402

from pipeline.themes.classifier import ThemeClassifier  # noqa: E402
from pipeline.themes.taxonomy import load_taxonomy  # noqa: E402
from pipeline.themes.train import DEFAULT_PARAMS, _subset, fit, labelled_set  # noqa: E402

UNLABELLED = [  # every non-held-out abstract file: for the LSA space and the parallel abstracts
    "en-abstracts/icegov-proceedings.jsonl",
    "en-abstracts/polisci-bjps-worldpolitics.jsonl",
    "id-abstracts/pta_trunojoyo_skripsi_abstracts.jsonl",
    "id-abstracts/sinta_governance_subset.jsonl",
    "id-abstracts/public-admin/sinta_chisquare_academica_pa.jsonl",
    *[f"id-abstracts/sinta_broad_abstracts.part{i}.jsonl" for i in range(1, 5)],
]
PUBLIC = {
    "pemerintah",
    "publik",
    "dinas",
    "kabupaten",
    "kota",
    "desa",
    "negara",
    "daerah",
    "aparatur",
    "pegawai",
    "masyarakat",
    "rsud",
    "puskesmas",
    "kecamatan",
    "provinsi",
    "kementerian",
    "government",
    "public",
    "state",
    "ministry",
    "agency",
    "municipal",
    "citizen",
    "local",
}
CORPORATE = {
    "pt",
    "tbk",
    "bank",
    "nasabah",
    "perusahaan",
    "konsumen",
    "karyawan",
    "loyalitas",
    "pelanggan",
    "produk",
    "penjualan",
    "pemasaran",
    "syariah",
    "saham",
    "customer",
    "company",
    "firm",
    "corporate",
    "loyalty",
    "product",
    "sales",
    "marketing",
}


def oracle_f1(y: np.ndarray, s: np.ndarray) -> float:
    order = np.argsort(-s, kind="stable")
    tp = np.cumsum(y[order])
    k = np.arange(1, len(y) + 1)
    f1 = 2 * tp / (k + y.sum())
    return float(f1.max()) if y.sum() else 0.0


def report(name: str, Y: np.ndarray, S: np.ndarray, themes: list[str]) -> None:
    from sklearn.metrics import average_precision_score

    ap = [average_precision_score(Y[:, j], S[:, j]) for j in range(Y.shape[1])]
    of = [oracle_f1(Y[:, j].astype(bool), S[:, j]) for j in range(Y.shape[1])]
    worst = sorted(zip(of, themes, strict=True))[:3]
    print(
        f"| {name} | {np.mean(ap):.3f} | {np.mean(of):.3f} | "
        + ", ".join(f"{t} {f:.2f}" for f, t in worst)
        + " |",
        flush=True,
    )


def unlabelled_docs(sources: Path) -> list:  # noqa: ANN001
    from pipeline.config import Config
    from pipeline.document import RecordError
    from pipeline.executor.work import apply_stages
    from pipeline.readers import ReadOptions, detect_format, get_reader
    from pipeline.stages import default_stages

    cfg = Config()
    stages = [s for s in default_stages() if s.name != "themes"]
    out, seen = [], set()
    for rel in UNLABELLED:
        path = sources / rel
        docs = [
            d
            for d in get_reader(detect_format(path))(path, ReadOptions(columns=dict(cfg.columns)))
            if not isinstance(d, RecordError) and d.source_id not in seen
        ]
        seen.update(d.source_id for d in docs)
        for i in range(0, len(docs), 500):
            out.extend(apply_stages(docs[i : i + 500], stages, cfg)[0])
    return out


def induce_dictionary(docs: list, min_df: int = 3, min_dice: float = 0.5) -> dict[str, str]:  # noqa: ANN001
    """Indonesian term -> English term, by Dice association over parallel id/en abstracts."""
    from pipeline.nlp import content_terms_many

    pairs = []
    for d in docs:
        texts = {
            g: " ".join(p.text for p in d.parts if p.kind in ("title", "abstract") and p.lang == g)
            for g in ("id", "en")
        }
        if texts["id"] and texts["en"]:
            a, b = content_terms_many([texts["id"], texts["en"]], ["id", "en"])
            pairs.append((set(a), set(b)))
    dfa, dfb, co = Counter(), Counter(), Counter()
    for a, b in pairs:
        dfa.update(a)
        dfb.update(b)
        co.update((x, y) for x in a for y in b)
    best: dict[str, tuple[float, str]] = {}
    for (x, y), c in co.items():
        if dfa[x] >= min_df and dfb[y] >= min_df and c >= 2:
            dice = 2 * c / (dfa[x] + dfb[y])
            if dice > best.get(x, (0.0, ""))[0]:
                best[x] = (dice, y)
    print(
        f"dictionary: {len(pairs)} parallel abstracts, "
        f"{sum(d >= min_dice for d, _ in best.values())} entries with Dice >= {min_dice}",
        flush=True,
    )
    return {x: y for x, (d, y) in best.items() if d >= min_dice and x != y}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labels", type=Path, default=ROOT / "corpora" / "labels" / "themes_dev.jsonl")
    ap.add_argument("--sources-root", type=Path, default=ROOT.parent / "shared" / "corpora")
    ap.add_argument("--cache", type=Path, default=None)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--only", default="lexicon,classifier,l2,l1+l2,trees,dictionary,curve")
    a = ap.parse_args()
    import warnings

    from sklearn.decomposition import TruncatedSVD
    from sklearn.ensemble import ExtraTreesClassifier
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import KFold
    from sklearn.preprocessing import normalize

    from pipeline.themes.metrics import scores

    warnings.filterwarnings("ignore", category=FutureWarning)
    only = set(a.only.split(","))
    tax = load_taxonomy()
    docs, theme_lists = _load(a.labels, a.sources_root, a.cache, tax)
    ls = labelled_set(docs, theme_lists, tax)
    Y, V, T = ls.Y, ls.views, len(ls.themes)
    folds = list(KFold(5, shuffle=True, random_state=a.seed).split(Y))
    lex = np.array([[v.lexicon.get(t, 0.0) for t in ls.themes] for v in V])
    print(f"{len(docs)} documents, 5-fold out-of-fold scores, seed {a.seed}\n")
    print("| family | mAP | oracle F1 | three weakest themes (oracle F1) |\n|---|---|---|---|")
    if "lexicon" in only:
        report("lexicon", Y, lex, ls.themes)

    def linear_oof(views: list, make) -> np.ndarray:  # noqa: ANN001
        S = np.zeros(Y.shape)
        for tr, te in folds:
            c = ThemeClassifier(themes=ls.themes, **DEFAULT_PARAMS)
            Xtr, Xte = c._matrix([views[i] for i in tr], True), c._matrix([views[i] for i in te], False)
            for j in range(T):
                S[te, j] = make().fit(Xtr, Y[tr, j]).predict_proba(Xte)[:, 1]
        return S

    def classifier_oof(views: list) -> np.ndarray:
        S = np.zeros(Y.shape)
        for tr, te in folds:
            S[te] = fit(_subset(ls, tr), a.seed).predict_proba([views[i] for i in te])
        return S

    S1 = classifier_oof(V) if only & {"classifier", "l1+l2"} else None
    if "classifier" in only:
        report("classifier (shipped: L1, lexicon features, lexicon share 0.3)", Y, S1, ls.themes)
    if only & {"l2", "l1+l2"}:
        S2 = (
            0.7 * linear_oof(V, lambda: LogisticRegression(C=8, solver="liblinear", class_weight="balanced"))
            + 0.3 * lex
        )
        if "l2" in only:
            report("L2 logistic regression, C=8, lexicon share 0.3", Y, S2, ls.themes)
        if "l1+l2" in only:
            report("mean of classifier and L2", Y, (S1 + S2) / 2, ls.themes)
    if only & {"trees", "dictionary"}:
        t0 = time.time()
        unlab = unlabelled_docs(a.sources_root)
        print(f"({len(unlab)} unlabelled abstracts processed in {time.time() - t0:.0f}s)", flush=True)
    if "trees" in only:
        from pipeline.themes.features import doc_view

        corpus = [doc_view(d, tax).tokens for d in unlab]
        tf = TfidfVectorizer(analyzer=lambda x: x, min_df=3, sublinear_tf=True).fit(corpus)
        svd = TruncatedSVD(100, random_state=0).fit(tf.transform(corpus))
        lsa = normalize(svd.transform(tf.transform([v.tokens for v in V])))
        con = DictVectorizer(sparse=False).fit_transform([v.concepts for v in V])
        ctx = np.array(
            [
                [
                    sum(t in PUBLIC for t in v.tokens) / max(1, len(v.tokens)),
                    sum(t in CORPORATE for t in v.tokens) / max(1, len(v.tokens)),
                    float(v.lang == "en"),
                ]
                for v in V
            ]
        )
        D = np.hstack([con, lex, lsa, ctx])
        S = np.zeros(Y.shape)
        for tr, te in folds:
            for j in range(T):
                m = ExtraTreesClassifier(
                    300, min_samples_leaf=2, class_weight="balanced_subsample", random_state=0
                )
                S[te, j] = m.fit(D[tr], Y[tr, j]).predict_proba(D[te])[:, 1]
        report("extra-trees on concepts + lexicon + LSA(100, unlabelled corpus) + context", Y, S, ls.themes)
        if S1 is not None:
            report("mean of classifier and extra-trees", Y, (S1 + S) / 2, ls.themes)
    if "dictionary" in only:
        import copy

        tr_map = induce_dictionary(unlab)
        V2 = []
        for v in V:
            v2 = copy.copy(v)
            if v.lang in ("id", "mixed"):
                v2.tokens = v.tokens + [tr_map[t] for t in v.tokens if t in tr_map]
            V2.append(v2)
        report("classifier + induced id->en dictionary terms", Y, classifier_oof(V2), ls.themes)
    if "curve" in only:
        rng = np.random.default_rng(0)
        print("\n| share of each training fold | nested macro-F1 |\n|---|---|")
        for frac in (0.5, 0.75, 1.0):
            P = np.zeros_like(Y)
            for tr, te in folds:
                pick = tr if frac == 1.0 else rng.choice(tr, math.floor(len(tr) * frac), replace=False)
                P[te] = fit(_subset(ls, pick), a.seed).predict([V[i] for i in te])
            print(f"| {frac:.2f} | {scores(Y, P, ls.themes)['macro_f1']:.3f} |", flush=True)


if __name__ == "__main__":
    main()
