"""Score the PDF reader against gold files in corpora/labels/ and print field accuracy tables.

Comparison rules: text is compared after NFKC, lower-casing, folding Unicode dashes to "-",
dropping soft hyphens and spaces just inside brackets, and collapsing whitespace and punctuation
at the ends; a title must match in full (a gold title given as a list matches any of its forms);
an abstract is right when the reader's abstract in that language starts with the gold first words
and ends with the gold last words; keywords are right when the sets match; ``lang`` is the
stop-word vote over the body parts. A file the reader fails on unexpectedly gets every gold field
wrong.

Tables: per field for each gold file and for all of them together, then per kind of document
(regulations by family of their type code, journal articles, reports, ...) and per layout tag.

    python3 bench/pdf_accuracy.py [--gold FILE ...] [--corpora DIR] [--verbose]
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

LABELS = ROOT / "corpora" / "labels"
GOLD_FILES = (LABELS / "pdf_gold.jsonl", LABELS / "pdf_gold_more.jsonl")

# Regulation type code -> family, for the per-kind table (codes: corpora/labels/PDF_GOLD.md).
FAMILY = {
    **dict.fromkeys(
        ("Keppres", "Kepmen", "SKB", "Kepka", "Kepgub", "Kepbup", "Kepwali", "Keputusan"), "keputusan"
    ),
    **dict.fromkeys(("Inpres", "Inmen", "Ingub", "Inbup", "Inwali", "Instruksi"), "instruksi"),
    "SE": "surat_edaran",
}
_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]")


def norm(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower().replace("\u00ad", "")
    text = _DASHES.sub("-", text)
    text = re.sub(r"([(\[])\s+|\s+([)\]])", r"\1\2", text)
    return " ".join(text.split()).strip(" .,;:")


def kind_of(gold: dict) -> str:
    if "error" in gold:
        return "scan (no text layer)"
    doc_type = gold.get("doc_type", "unlabelled type")
    if doc_type == "regulation":
        reg = gold.get("regulation")
        return f"regulation: {FAMILY.get(reg['type'], 'peraturan')}" if reg else "regulation: foreign"
    return doc_type


def _abstract(doc, lang: str) -> str:
    return " ".join(p.text for p in doc.parts if p.kind == "abstract" and p.lang == lang)


def _gold_fields(gold: dict) -> list[str]:
    fields = [k for k in ("doc_type", "title", "year", "doi", "lang") if k in gold]
    if "regulation" in gold:
        fields += [f"regulation.{k}" for k in ("type", "number", "year")]
    for lang in ("en", "id"):
        if f"abstract_{lang}" in gold:
            fields += [f"abstract_{lang}.first", f"abstract_{lang}.last"]
        if f"keywords_{lang}" in gold:
            fields.append(f"keywords_{lang}")
    return fields


def score_entry(gold: dict, corpora: Path) -> dict[str, bool]:
    path = corpora / gold["path"]
    try:
        doc = next(read(path, ReadOptions(ocr="off")))
    except ReadError as exc:
        if "error" in gold:
            return {"error": type(exc).__name__ == gold["error"]}
        return dict.fromkeys(_gold_fields(gold) or ["read"], False)
    out: dict[str, bool] = {}
    if "error" in gold:
        return {"error": False}
    if "doc_type" in gold:
        out["doc_type"] = doc.doc_type == gold["doc_type"]
    if "title" in gold:
        forms = gold["title"] if isinstance(gold["title"], list) else [gold["title"]]
        out["title"] = norm(doc.title) in {norm(t) for t in forms}
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


def field_name(field: str) -> str:
    return re.sub(r"\..*", "", field) if field.startswith("regulation") else field


def _table(title: str, rows: dict[str, list[bool]], docs: dict[str, int] | None = None) -> None:
    print(
        f"\n{title:30} {'docs':>5} {'right':>6} / {'all':>4}  accuracy"
        if docs
        else f"\n{title:30} {'right':>6} / {'all':>4}  accuracy"
    )
    for name in sorted(rows):
        oks = rows[name]
        n = f"{docs[name]:5} " if docs else ""
        print(f"{name:30} {n}{sum(oks):6} / {len(oks):4}  {sum(oks) / len(oks):7.1%}")
    total = [ok for oks in rows.values() for ok in oks]
    n = f"{sum(docs.values()):5} " if docs else ""
    print(f"{'ALL FIELDS':30} {n}{sum(total):6} / {len(total):4}  {sum(total) / max(len(total), 1):7.1%}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, action="append", help="gold JSONL (repeatable; default: both files)")
    ap.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    ap.add_argument("--verbose", action="store_true", help="list every miss")
    args = ap.parse_args(argv)
    combined: dict[str, list[bool]] = defaultdict(list)
    by_kind: dict[str, list[bool]] = defaultdict(list)
    kind_docs: dict[str, int] = defaultdict(int)
    by_tag: dict[str, list[bool]] = defaultdict(list)
    tag_docs: dict[str, int] = defaultdict(int)
    for gold_file in args.gold or GOLD_FILES:
        per_field: dict[str, list[bool]] = defaultdict(list)
        for line in gold_file.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            gold = json.loads(line)
            if not (args.corpora / gold["path"]).exists():
                continue
            result = score_entry(gold, args.corpora)
            kind = kind_of(gold)
            kind_docs[kind] += 1
            for tag in gold.get("tags", []):
                tag_docs[tag] += 1
            for field, ok in result.items():
                per_field[field_name(field)].append(ok)
                combined[field_name(field)].append(ok)
                by_kind[kind].append(ok)
                for tag in gold.get("tags", []):
                    by_tag[tag].append(ok)
                if args.verbose and not ok:
                    print(f"MISS {field:22} {gold['path']}")
        _table(f"{gold_file.name}: field", per_field)
    if len(args.gold or GOLD_FILES) > 1:
        _table("combined: field", combined)
    _table("combined: kind", by_kind, kind_docs)
    if by_tag:
        _table("layout tag (new gold)", by_tag, tag_docs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
