"""Checks of the bundled sample corpus and the theme taxonomy data themselves (no pipeline code)."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "corpora" / "sample"
TAXONOMY = ROOT / "pipeline" / "data" / "taxonomy.json"
THEMES_MD = Path(__file__).resolve().parents[2] / "shared" / "THEMES.md"

THEME_IDS = {
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


@pytest.fixture(scope="module")
def expected() -> list[dict]:
    return json.loads((SAMPLE.parent / "labels" / "sample_expected.json").read_text(encoding="utf-8"))[
        "documents"
    ]


@pytest.fixture(scope="module")
def taxonomy() -> dict:
    return json.loads(TAXONOMY.read_text(encoding="utf-8"))


def _record_ids(path: Path) -> list[str]:
    """The record ids a multi-record file holds, read with the stdlib only (independent of our readers)."""
    text = path.read_text(encoding="utf-8-sig")
    suffix = path.suffix
    if suffix == ".jsonl":
        return [json.loads(line)["id"] for line in text.splitlines() if line.strip()]
    if suffix == ".json":
        return [o["id"] for o in json.loads(text)]
    if suffix in (".csv", ".tsv"):
        return [
            row["id"]
            for row in csv.DictReader(text.splitlines(), delimiter="\t" if suffix == ".tsv" else ",")
        ]
    if suffix == ".ris":
        return re.findall(r"^ID  - (.+)$", text, flags=re.M)
    if suffix == ".bib":
        return re.findall(r"^@\w+\{([^,]+),", text, flags=re.M)
    raise AssertionError(f"not a record file: {path}")


def test_file_counts_per_format():
    assert len(list((SAMPLE / "txt").glob("*.txt"))) >= 8
    assert len(list((SAMPLE / "md").glob("*.md"))) == 3
    rec = SAMPLE / "records"
    counts = {
        name: len(_record_ids(rec / name))
        for name in (
            "abstracts.jsonl",
            "abstracts.csv",
            "abstracts.tsv",
            "export.ris",
            "export.bib",
            "abstracts.json",
        )
    }
    assert counts == {
        "abstracts.jsonl": 8,
        "abstracts.csv": 6,
        "abstracts.tsv": 3,
        "export.ris": 4,
        "export.bib": 4,
        "abstracts.json": 3,
    }
    assert not list(SAMPLE.rglob("*.pdf")), "PDFs are generated elsewhere, not bundled here"


def test_expected_points_at_existing_files_and_records(expected):
    assert len(expected) >= 36
    keys = [(e["path"], e["record_id"]) for e in expected]
    assert len(keys) == len(set(keys)), "duplicate entries in expected.json"
    on_disk = {p.relative_to(SAMPLE).as_posix() for p in SAMPLE.rglob("*") if p.is_file()}
    assert {e["path"] for e in expected} == on_disk, "every sample file is described, and only those"
    for e in expected:
        path = SAMPLE / e["path"]
        if e["record_id"] is None:
            assert path.parent.name in ("txt", "md")
        else:
            assert e["record_id"] in _record_ids(path), e


def test_every_record_is_described(expected):
    described = {(e["path"], e["record_id"]) for e in expected}
    for path in (SAMPLE / "records").iterdir():
        for rid in _record_ids(path):
            assert (f"records/{path.name}", rid) in described


def test_theme_coverage_and_shape(expected):
    counts = Counter(t for e in expected for t in e["themes"])
    assert set(counts) == THEME_IDS
    assert min(counts.values()) >= 3, counts
    assert sum(1 for e in expected if not e["themes"]) >= 2, "non-governance documents without themes"
    assert sum(1 for e in expected if e["langs"] == ["en"]) >= 1, "an English-only record"
    for e in expected:
        assert e["langs"] in (["en"], ["en", "id"]), e
        assert e["year"] is None or 2015 <= e["year"] <= 2025
        assert e["doi"] is None or e["doi"].startswith("10.31219/fake.")
        assert e["title"] and e["keywords_en"]


def test_expected_titles_and_years_appear_in_the_files(expected):
    for e in expected:
        raw = (SAMPLE / e["path"]).read_bytes()
        text = _decode(raw)
        # BibTeX protects words with braces; compare without them.
        plain = text.replace("{", "").replace("}", "") if e["format"] == "bib" else text
        assert e["title"] in plain, e["title"]
        if e["year"] is not None:
            assert str(e["year"]) in text


def test_bilingual_abstract_lengths():
    # Each language 120-200 words: the brief's realism bar; measured on the JSONL/TSV fields.
    for line in (SAMPLE / "records" / "abstracts.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec.get("abstrak"):
            assert 120 <= len(rec["abstract"].split()) <= 200
            assert 120 <= len(rec["abstrak"].split()) <= 200
    for row in csv.DictReader(
        (SAMPLE / "records" / "abstracts.tsv").read_text("utf-8").splitlines(), delimiter="\t"
    ):
        assert 120 <= len(row["abstract"].split()) <= 200
        assert 120 <= len(row["abstrak"].split()) <= 200


def test_run_together_record_holds_both_languages():
    recs = {
        json.loads(x)["id"]: json.loads(x)
        for x in (SAMPLE / "records" / "abstracts.jsonl").read_text(encoding="utf-8").splitlines()
    }
    messy = recs["gt-sample-0003"]
    assert messy["abstrak"] == ""
    assert "Penelitian ini" in messy["abstract"] and "This study" in messy["abstract"]
    assert "\n" not in messy["abstract"]


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def test_utf16_file_is_utf16_with_bom():
    raw = (SAMPLE / "txt" / "mpp_pekanbaru_utf16.txt").read_bytes()
    assert raw[:2] in (b"\xff\xfe", b"\xfe\xff")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.decode("utf-16").startswith("Kualitas Pelayanan Mal Pelayanan Publik")


def test_cp1252_file_is_single_byte_latin():
    raw = (SAMPLE / "txt" / "zona_integritas_polres_cp1252.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert b"Ren\xe9 Pattiasina" in raw
    assert "René Pattiasina" in raw.decode("cp1252")
    assert raw.decode("cp1252") == raw.decode("latin-1"), "only characters shared by Latin-1 and cp1252"


def test_other_files_are_utf8():
    for path in SAMPLE.rglob("*"):
        if path.is_file() and "utf16" not in path.name and "cp1252" not in path.name:
            path.read_bytes().decode("utf-8")


def test_taxonomy_shape(taxonomy):
    assert taxonomy["version"] == 1
    themes = taxonomy["themes"]
    assert [t["id"] for t in themes] and {t["id"] for t in themes} == THEME_IDS and len(themes) == 13
    for t in themes:
        for field in ("label_en", "label_id", "description", "not"):
            assert isinstance(t[field], str) and t[field], (t["id"], field)
        for field in ("terms_en", "terms_id"):
            terms = _terms(t[field])
            assert 20 <= len(terms) <= 40, (t["id"], field, len(terms))
            assert all(isinstance(x, str) and x == x.strip() and x for x, _ in terms)
            assert len({x.lower() for x, _ in terms}) == len(terms), (t["id"], field, "duplicates")
            assert all(w in (1.0, 2.0) for _, w in terms)
        assert any(w == 2.0 for _, w in _terms(t["terms_en"]) + _terms(t["terms_id"])), "strong terms marked"


def _terms(items: list) -> list[tuple[str, float]]:
    # A term is a string (weight 1.0) or {"term", "weight"}, the shape pipeline/themes/taxonomy.py loads.
    return [(x, 1.0) if isinstance(x, str) else (x["term"], float(x.get("weight", 1.0))) for x in items]


def test_taxonomy_avoids_generic_words(taxonomy):
    generic = {
        "government",
        "pemerintah",
        "kebijakan",
        "policy",
        "public",
        "publik",
        "good governance",
        "governance",
        "tata kelola",
        "pemerintahan",
        "study",
        "penelitian",
    }
    for t in taxonomy["themes"]:
        assert not generic & {x.lower() for x, _ in _terms(t["terms_en"]) + _terms(t["terms_id"])}, t["id"]


def test_taxonomy_matches_themes_md(taxonomy):
    if not THEMES_MD.is_file():
        pytest.skip(f"{THEMES_MD} not found")
    rows = {}
    for line in THEMES_MD.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and re.fullmatch(r"[a-z_]+", cells[0]) and cells[0] != "id":
            rows[cells[0]] = cells
    assert set(rows) == {t["id"] for t in taxonomy["themes"]}
    for t in taxonomy["themes"]:
        _, label_en, label_id, desc, not_this = rows[t["id"]]
        assert (t["label_en"], t["label_id"], t["description"], t["not"]) == (
            label_en,
            label_id,
            desc,
            not_this,
        )


def test_taxonomy_loads_with_the_pipeline_loader():
    taxonomy = pytest.importorskip("pipeline.themes.taxonomy")
    loaded = taxonomy.load_taxonomy(TAXONOMY)
    assert {t.id for t in loaded.themes} == THEME_IDS
    weights = dict(next(t for t in loaded.themes if t.id == "anti_corruption").terms["id"])
    assert weights["zona integritas"] == 2.0 and weights["kolusi"] == 1.0
