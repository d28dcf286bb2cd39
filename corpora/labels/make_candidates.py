"""Select and print candidate abstracts for hand-labelling the theme dev set.

This only *finds* candidates (by regex hints and seeded sampling); the labels in themes_dev.jsonl were
decided by a person reading each printed record against /work/shared/THEMES.md.

    python3 make_candidates.py dump gov --n 25 --grep 'korupsi|gratifikasi'
    python3 make_candidates.py dump broad --n 10 --none      # records with no governance hint
    python3 make_candidates.py add gov sinta-xxx "transparency;accountability" [more id themes pairs...]
    python3 make_candidates.py add broad --lang id sinta-yyy ""   # source says "en", abstract is Indonesian
    python3 make_candidates.py check
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

CORPORA = Path("/work/shared/corpora")
OUT = Path(__file__).with_name("themes_dev.jsonl")

SOURCES = {
    "gov": ["id-abstracts/sinta_governance_subset.jsonl"],
    "pa": ["id-abstracts/public-admin/sinta_chisquare_academica_pa.jsonl"],
    "broad": [f"id-abstracts/sinta_broad_abstracts.part{i}.jsonl" for i in range(1, 5)],
    "pta": ["id-abstracts/pta_trunojoyo_skripsi_abstracts.jsonl"],
    "icegov": ["en-abstracts/icegov-proceedings.jsonl"],
    "polisci": ["en-abstracts/polisci-bjps-worldpolitics.jsonl"],
}

THEMES = {
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
}

HINT_FIELDS = ("governance_terms", "keyword_theme_flags", "pa_terms")


def load(key: str) -> list[tuple[str, dict]]:
    rows = []
    for rel in SOURCES[key]:
        with open(CORPORA / rel, encoding="utf-8") as fh:
            rows.extend((rel, json.loads(line)) for line in fh if line.strip())
    if key == "broad":
        # the governance subset is drawn from the broad scrape; label those records under the subset only
        gov_ids = {r["id"] for _, r in load("gov")}
        rows = [(rel, r) for rel, r in rows if r["id"] not in gov_ids]
    return rows


def labelled() -> dict[str, dict]:
    if not OUT.exists():
        return {}
    with open(OUT, encoding="utf-8") as fh:
        return {d["id"]: d for d in map(json.loads, fh)}


def text_of(rec: dict) -> str:
    return " ".join(str(rec.get(k) or "") for k in ("title", "abstract", "keywords"))


def has_hint(rec: dict) -> bool:
    return any(rec.get(f) for f in HINT_FIELDS)


def dump(key: str, n: int, grep: str | None, none: bool, seed: int, width: int, title: bool = False) -> None:
    done = labelled()
    rows = [(rel, r) for rel, r in load(key) if r["id"] not in done]
    random.Random(seed).shuffle(rows)
    if grep:
        pat = re.compile(grep, re.I)
        rows = [(rel, r) for rel, r in rows if pat.search(str(r.get("title")) if title else text_of(r))]
    if none:
        rows = [(rel, r) for rel, r in rows if not has_hint(r)]
    for _rel, r in rows[:n]:
        abstract = re.sub(r"\s+", " ", str(r.get("abstract") or ""))[:width]
        print(f"## {r['id']} [{r.get('lang', '')}] {r.get('title')}")
        print(f"KW: {r.get('keywords')}")
        print(abstract)
        print()
    print(f"({len(rows)} matching unlabelled)", file=sys.stderr)


def lang_of(rec: dict) -> str:
    lang = rec.get("lang") or "id"
    return lang if lang in ("id", "en", "mixed") else "mixed"


def add(key: str, pairs: list[str], lang: str | None = None) -> None:
    index = {r["id"]: (rel, r) for rel, r in load(key)}
    done = labelled()
    if len(pairs) % 2:
        sys.exit("pairs must be id themes id themes ...")
    lines = []
    for rid, themes in zip(pairs[::2], pairs[1::2], strict=True):
        tags = [t for t in themes.split(";") if t]
        bad = set(tags) - THEMES
        if bad or rid not in index or rid in done:
            sys.exit(f"rejected {rid}: bad={bad} known={rid in index} dup={rid in done}")
        rel, rec = index[rid]
        # --lang overrides a wrong source tag (some SINTA records say "en" over an Indonesian abstract)
        lines.append(
            {
                "id": rid,
                "source": rel,
                "lang": lang or lang_of(rec),
                "themes": ";".join(tags),
                "title": rec.get("title") or "",
            }
        )
        done[rid] = lines[-1]
    with open(OUT, "a", encoding="utf-8") as fh:
        for d in lines:
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    print(f"added {len(lines)}, total {len(done)}")


def check() -> None:
    seen: set[str] = set()
    counts: dict[tuple[str, str], int] = {}
    cache: dict[str, set[str]] = {}
    n_lang: dict[str, int] = {}
    for d in labelled_lines():
        assert d["id"] not in seen, d["id"]
        seen.add(d["id"])
        assert not d["source"].startswith("heldout"), d
        if d["source"] not in cache:
            with open(CORPORA / d["source"], encoding="utf-8") as fh:
                cache[d["source"]] = {json.loads(line)["id"] for line in fh if line.strip()}
        assert d["id"] in cache[d["source"]], d
        tags = [t for t in d["themes"].split(";") if t]
        assert set(tags) <= THEMES, d
        lang = "en" if d["lang"] == "en" else "id"
        n_lang[lang] = n_lang.get(lang, 0) + 1
        for t in tags or ["(none)"]:
            counts[(t, lang)] = counts.get((t, lang), 0) + 1
    print(f"{len(seen)} documents, all ids found, unique, themes valid; by language {n_lang}")
    print("| theme | id | en | total |\n|---|---|---|---|")
    for t in sorted(THEMES) + ["(none)"]:
        a, b = counts.get((t, "id"), 0), counts.get((t, "en"), 0)
        print(f"| {t} | {a} | {b} | {a + b} |")


def labelled_lines() -> list[dict]:
    with open(OUT, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("source", choices=SOURCES)
    d.add_argument("--n", type=int, default=25)
    d.add_argument("--grep")
    d.add_argument("--none", action="store_true")
    d.add_argument("--seed", type=int, default=7)
    d.add_argument("--width", type=int, default=1000)
    d.add_argument("--title", action="store_true", help="apply --grep to the title only")
    a = sub.add_parser("add")
    a.add_argument("source", choices=SOURCES)
    a.add_argument("pairs", nargs="+")
    a.add_argument("--lang", choices=("id", "en", "mixed"), help="override the source's lang for this batch")
    sub.add_parser("check")
    args = ap.parse_args()
    if args.cmd == "dump":
        dump(args.source, args.n, args.grep, args.none, args.seed, args.width, args.title)
    elif args.cmd == "add":
        add(args.source, args.pairs, args.lang)
    else:
        check()


if __name__ == "__main__":
    main()
