"""Score the PDF reader against corpora/labels/pdf_gold.jsonl and print a field accuracy table.

Comparison rules: text is compared after NFKC, lower-casing, and collapsing whitespace and
punctuation at the ends; a title must match in full; an abstract is right when the reader's
abstract in that language starts with the gold first words and ends with the gold last words;
keywords are right when the sets match; ``lang`` is the stop-word vote over the body parts.

    python3 bench/pdf_accuracy.py [--gold FILE] [--corpora DIR] [--verbose]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.document import ReadError  # noqa: E402
from pipeline.pdf.fields import guess_lang  # noqa: E402
from pipeline.readers import ReadOptions  # noqa: E402
from pipeline.readers.pdf import read  # noqa: E402


def norm(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    return " ".join(text.split()).strip(" .,;:")


def _abstract(doc, lang: str) -> str:
    return " ".join(p.text for p in doc.parts if p.kind == "abstract" and p.lang == lang)


def score_entry(gold: dict, corpora: Path) -> dict[str, bool]:
    path = corpora / gold["path"]
    try:
        doc = next(read(path, ReadOptions(ocr="off")))
    except ReadError as exc:
        return {"error": type(exc).__name__ == gold.get("error")} if "error" in gold else {"read": False}
    out: dict[str, bool] = {}
    if "error" in gold:
        return {"error": False}
    if "doc_type" in gold:
        out["doc_type"] = doc.doc_type == gold["doc_type"]
    if "title" in gold:
        out["title"] = norm(doc.title) == norm(gold["title"])
    for key in ("year", "doi"):
        if key in gold:
            out[key] = str(getattr(doc, key)).lower() == str(gold[key]).lower()
    if "regulation" in gold:
        reg = doc.regulation or {}
        for k in ("type", "number", "year"):
            out[f"regulation.{k}"] = str(reg.get(k)) == str(gold["regulation"][k])
    for lang in ("en", "id"):
        if f"abstract_{lang}" in gold:
            first, last = gold[f"abstract_{lang}"]
            text = norm(_abstract(doc, lang))
            out[f"abstract_{lang}.first"] = text.startswith(norm(first))
            out[f"abstract_{lang}.last"] = text.endswith(norm(last))
        if f"keywords_{lang}" in gold:
            got = {norm(k.text) for k in doc.keywords if k.lang == lang}
            out[f"keywords_{lang}"] = got == {norm(k) for k in gold[f"keywords_{lang}"]}
    if "lang" in gold:
        body = " ".join(p.text for p in doc.parts if p.kind in ("body", "section"))[:20000]
        out["lang"] = guess_lang(body) == gold["lang"]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=ROOT / "corpora" / "labels" / "pdf_gold.jsonl")
    ap.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    per_field: dict[str, list[bool]] = defaultdict(list)
    for line in args.gold.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        gold = json.loads(line)
        if not (args.corpora / gold["path"]).exists():
            continue
        result = score_entry(gold, args.corpora)
        for field, ok in result.items():
            per_field[re.sub(r"\..*", "", field) if field.startswith("regulation") else field].append(ok)
            if args.verbose and not ok:
                print(f"MISS {field:22} {gold['path']}")
    total = [ok for oks in per_field.values() for ok in oks]
    print(f"{'field':22} {'right':>5} / {'all':>3}  accuracy")
    for field in sorted(per_field):
        oks = per_field[field]
        print(f"{field:22} {sum(oks):5} / {len(oks):3}  {sum(oks) / len(oks):6.1%}")
    print(f"{'ALL FIELDS':22} {sum(total):5} / {len(total):3}  {sum(total) / max(len(total), 1):6.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
