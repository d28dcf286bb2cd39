"""Inter-annotator agreement on the theme dev set: a blind second annotation against the first.

    python3 bench/themes_agreement.py sample            # print the blind sample (no first-annotator themes)
    python3 bench/themes_agreement.py                   # compare corpora/labels/themes_dev_second.jsonl
    python3 bench/themes_agreement.py --json            # same figures as JSON
    python3 bench/themes_agreement.py sample --rows 775:1553            # the third round's blind sample
    python3 bench/themes_agreement.py --rows 775:1553 --second corpora/labels/themes_dev_second_r3.jsonl

The sample is 150 ids from rows of corpora/labels/themes_dev.jsonl (``--rows``, 1-based and inclusive;
rows 1-774 are the first two labelling rounds, 775-1553 the third), drawn with random.Random(2026): about 100
among records the first annotator tagged with at least one theme and about 50 among records left
empty. `sample` prints the two strata shuffled together and never prints a theme, so the second
annotator cannot tell which stratum a record came from.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST = ROOT / "corpora" / "labels" / "themes_dev.jsonl"
SECOND = ROOT / "corpora" / "labels" / "themes_dev_second.jsonl"
SOURCES = ROOT.parent / "shared" / "corpora"
SEED = 2026
N_TAGGED, N_EMPTY = 100, 50
THEMES = [
    "transparency",
    "accountability",
    "participation",
    "partnership",
    "professionalism",
    "service_quality",
    "e_government",
    "anti_corruption",
    "decentralization",
    "bureaucratic_reform",
    "rule_of_law",
    "equity_inclusion",
    "policy_implementation",
]


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def split_themes(value: str) -> set[str]:
    return {t.strip() for t in (value or "").split(";") if t.strip()}


def draw_sample(first: list[dict], seed: int = SEED) -> list[dict]:
    """The sampled first-annotation records, strata shuffled together (order fixed by the seed)."""
    rng = random.Random(seed)
    tagged = sorted((r for r in first if split_themes(r["themes"])), key=lambda r: r["id"])
    empty = sorted((r for r in first if not split_themes(r["themes"])), key=lambda r: r["id"])
    picked = rng.sample(tagged, min(N_TAGGED, len(tagged))) + rng.sample(empty, min(N_EMPTY, len(empty)))
    rng.shuffle(picked)
    return picked


def _clean(value: object) -> str:
    text = "" if value is None else str(value)
    return "" if text in ("None", "[]", "nan") else text


def source_record(source: str, rid: str) -> dict:
    path = SOURCES / source
    if "heldout" in path.parts:  # evaluation-only material is never read here
        raise ValueError(f"refusing to read held-out source {source}")
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec.get("id") == rid:
                return rec
    raise KeyError(f"{rid} not in {source}")


def print_sample(first: list[dict], limit: int = 1500) -> None:
    for i, r in enumerate(draw_sample(first), 1):
        rec = source_record(r["source"], r["id"])
        kws = [_clean(rec.get(k)) for k in ("keywords", "keywords_id", "keywords_en")]
        print(f"### {i} {r['id']}  ({r['source']})")
        print("TITLE:", _clean(rec.get("title")) or r.get("title", ""))
        print("ABSTRACT:", _clean(rec.get("abstract"))[:limit])
        print("KEYWORDS:", " | ".join(k for k in kws if k))
        print()


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def kappa(a: list[bool], b: list[bool]) -> float:
    """Cohen's kappa for two binary codings of the same items."""
    n = len(a)
    if n == 0:
        return 0.0
    po = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    return 1.0 if pe == 1 else (po - pe) / (1 - pe)


def agreement(first: dict[str, set[str]], second: dict[str, set[str]]) -> dict:
    """Annotator 2 scored against annotator 1 on the ids both labelled."""
    ids = sorted(set(first) & set(second))
    rows = {}
    tp_all = fp_all = fn_all = 0
    for t in THEMES:
        a = [t in first[i] for i in ids]
        b = [t in second[i] for i in ids]
        tp = sum(x and y for x, y in zip(a, b, strict=True))
        fp = sum(y and not x for x, y in zip(a, b, strict=True))
        fn = sum(x and not y for x, y in zip(a, b, strict=True))
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        rows[t] = {
            "support_1": sum(a),
            "support_2": sum(b),
            "both": tp,
            "precision": p,
            "recall": r,
            "f1": _f1(p, r),
            "kappa": kappa(a, b),
        }
    scored = [t for t in THEMES if rows[t]["support_1"] or rows[t]["support_2"]]
    micro_p = tp_all / (tp_all + fp_all) if tp_all + fp_all else 0.0
    micro_r = tp_all / (tp_all + fn_all) if tp_all + fn_all else 0.0
    empty_1 = {i for i in ids if not first[i]}
    empty_2 = {i for i in ids if not second[i]}
    return {
        "n": len(ids),
        "per_theme": rows,
        "macro_f1": sum(rows[t]["f1"] for t in scored) / len(scored) if scored else 0.0,
        "macro_kappa": sum(rows[t]["kappa"] for t in scored) / len(scored) if scored else 0.0,
        "micro_precision": micro_p,
        "micro_recall": micro_r,
        "micro_f1": _f1(micro_p, micro_r),
        "exact_set_agreement": sum(first[i] == second[i] for i in ids) / len(ids) if ids else 0.0,
        "empty_1": len(empty_1),
        "empty_2": len(empty_2),
        "empty_both": len(empty_1 & empty_2),
        "any_theme_kappa": kappa([bool(first[i]) for i in ids], [bool(second[i]) for i in ids]),
        "mean_themes_1": sum(len(first[i]) for i in ids) / len(ids) if ids else 0.0,
        "mean_themes_2": sum(len(second[i]) for i in ids) / len(ids) if ids else 0.0,
    }


def bootstrap_macro_f1(
    first: dict[str, set[str]], second: dict[str, set[str]], n: int = 1000, seed: int = SEED
) -> tuple[float, float]:
    """95% percentile interval of the inter-annotator macro-F1, resampling documents."""
    ids = sorted(set(first) & set(second))
    rng = random.Random(seed)
    scores = []
    for _ in range(n):
        pick = [rng.choice(ids) for _ in ids]
        # suffixes keep duplicated documents distinct in the resampled dicts
        a = {f"{i}#{k}": first[i] for k, i in enumerate(pick)}
        b = {f"{i}#{k}": second[i] for k, i in enumerate(pick)}
        scores.append(agreement(a, b)["macro_f1"])
    scores.sort()
    return scores[int(0.025 * n)], scores[int(0.975 * n) - 1]


def print_tables(res: dict) -> None:
    print(f"{res['n']} documents labelled by both annotators (annotator 2 scored against annotator 1)\n")
    print(
        f"{'theme':24s} {'sup1':>5s} {'sup2':>5s} {'both':>5s} {'P':>6s} {'R':>6s} {'F1':>6s} {'kappa':>6s}"
    )
    for t, r in res["per_theme"].items():
        print(
            f"{t:24s} {r['support_1']:5d} {r['support_2']:5d} {r['both']:5d} {r['precision']:6.3f} "
            f"{r['recall']:6.3f} {r['f1']:6.3f} {r['kappa']:6.3f}"
        )
    print()
    lo, hi = res.get("macro_f1_ci95", (float("nan"), float("nan")))
    print(
        f"macro-F1 {res['macro_f1']:.3f} (bootstrap 95% {lo:.3f}-{hi:.3f})   mean kappa {res['macro_kappa']:.3f}"
    )
    print(f"micro P {res['micro_precision']:.3f}  R {res['micro_recall']:.3f}  F1 {res['micro_f1']:.3f}")
    print(f"exact-set agreement {res['exact_set_agreement']:.3f}")
    print(
        f"no theme: annotator 1 {res['empty_1']}, annotator 2 {res['empty_2']}, both {res['empty_both']}; "
        f"kappa on 'any theme' {res['any_theme_kappa']:.3f}"
    )
    print(
        f"themes per document: annotator 1 {res['mean_themes_1']:.2f}, annotator 2 {res['mean_themes_2']:.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", nargs="?", choices=["compare", "sample"], default="compare")
    ap.add_argument("--first", type=Path, default=FIRST)
    ap.add_argument("--second", type=Path, default=SECOND)
    ap.add_argument(
        "--rows", default="1:774", help="START:END rows of --first to sample from (default: rounds 1-2)"
    )
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    try:
        start, end = (int(x) for x in args.rows.split(":"))
    except ValueError:
        ap.error(f"--rows wants START:END (e.g. 775:1553), not {args.rows!r}")
    first_recs = read_jsonl(args.first)[start - 1 : end]
    if args.mode == "sample":
        print_sample(first_recs)
        return 0
    sampled = {r["id"] for r in draw_sample(first_recs)}
    first = {r["id"]: split_themes(r["themes"]) for r in first_recs if r["id"] in sampled}
    second = {r["id"]: split_themes(r["themes"]) for r in read_jsonl(args.second) if r["id"] in sampled}
    unknown = set().union(*second.values()) - set(THEMES) if second else set()
    if unknown:
        print(f"unknown themes in {args.second}: {sorted(unknown)}", file=sys.stderr)
        return 1
    res = agreement(first, second)
    res["macro_f1_ci95"] = bootstrap_macro_f1(first, second)
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        print_tables(res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
