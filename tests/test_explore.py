"""stats, kwic, query filters and export on a small hand-made corpus (tests/test_explore_corpus.py)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import BACKENDS, fresh_pg_database
from test_explore_corpus import DOCS, MODEL, TOPIC_WEIGHTS, build_corpus
from typer.testing import CliRunner

from pipeline import query as q
from pipeline.cli import app
from pipeline.explore import export, kwic, stats, theme_cooccurrence, topic_prevalence


@pytest.fixture(scope="module", params=BACKENDS)
def db(request, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The hand-made corpus, built once per backend."""
    if request.param == "sqlite":
        where = str(tmp_path_factory.mktemp("explore") / "corpus.db")
    else:
        where = fresh_pg_database(request.getfixturevalue("pg_server"))
    build_corpus(where).close()
    return where


@pytest.fixture()
def store(db: str):
    from pipeline.store import open_store

    s = open_store(db, readonly=True)
    yield s
    s.close()


def letters(rows: list[dict]) -> list[str]:
    return [r["id"][0] for r in rows]


def cli(*args: str) -> str:
    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == 0, res.output
    return res.stdout


# -- stats ---------------------------------------------------------------------------------------


def test_stats_single_fields(store) -> None:
    assert stats(store, "year") == [
        {"year": 2015, "count": 2, "share": 0.3333},
        {"year": 2016, "count": 2, "share": 0.3333},
        {"year": 2017, "count": 1, "share": 0.1667},
        {"year": None, "count": 1, "share": 0.1667},
    ]
    assert {r["lang"]: r["count"] for r in stats(store, "lang")} == {"en": 4, "id": 3}
    assert [(r["theme"], r["count"]) for r in stats(store, "theme")] == [
        ("partnership", 3),
        ("corruption", 2),
        ("governance", 2),
        ("public_service", 1),
        (None, 1),
    ]
    # Dominant topic in the active model only (the inactive model's topic 5 never shows).
    assert {r["topic"]: r["count"] for r in stats(store, "topic")} == {0: 4, 1: 2}
    assert {r["doc_type"]: r["count"] for r in stats(store, "doc_type")} == {
        "abstract_record": 4,
        "report": 2,
    }
    assert {r["source"]: r["count"] for r in stats(store, "source")} == {
        "data/a/records.jsonl": 4,
        "data/b/notes.txt": 1,
        "data/b/desa.txt": 1,
    }


def test_stats_crossed_share_is_within_first_field(store) -> None:
    rows = stats(store, ["year", "theme"])
    got = {(r["year"], r["theme"]): (r["count"], r["share"]) for r in rows}
    assert got[(2015, "partnership")] == (2, 1.0)
    assert got[(2016, "governance")] == (1, 0.5)
    assert got[(2017, None)] == (1, 1.0)
    assert (2017, "partnership") not in got
    lang_theme = {(r["lang"], r["theme"]): r["count"] for r in stats(store, ["lang", "theme"])}
    assert lang_theme[("id", "partnership")] == 2 and lang_theme[("en", "corruption")] == 1


def test_stats_rejects_bad_fields(store) -> None:
    with pytest.raises(ValueError, match="unknown field"):
        stats(store, "colour")
    with pytest.raises(ValueError):
        stats(store, ["year", "year"])


def test_stats_cli_json_matches_library(db: Path, store) -> None:
    out = json.loads(cli("stats", "--by", "year", "--by", "theme", "--db", str(db), "--format", "json"))
    assert out == stats(store, ["year", "theme"])
    rows = list(csv.DictReader(cli("stats", "--by", "lang", "--db", str(db), "--format", "csv").splitlines()))
    assert [(r["lang"], r["count"]) for r in rows] == [("en", "4"), ("id", "3")]


def test_cooccurrence_and_topics(store) -> None:
    co = {(r["theme_a"], r["theme_b"]): r for r in theme_cooccurrence(store)}
    assert co[("partnership", "public_service")]["count"] == 1
    assert co[("corruption", "governance")]["jaccard"] == 0.3333  # d has both; either: a, c, d
    assert co[("corruption", "partnership")]["count"] == 0
    tp = topic_prevalence(store)
    assert tp["model"] == MODEL and [t["documents"] for t in tp["topics"]] == [4, 2]
    y2016 = {r["topic"]: r["weight"] for r in tp["by_year"] if r["year"] == 2016}
    assert y2016 == {0: pytest.approx(0.2), 1: pytest.approx(0.8)}


# -- query ---------------------------------------------------------------------------------------


def test_query_filters(store) -> None:
    assert sorted(letters(q.search(store, "kemitraan"))) == ["b", "f"]
    assert letters(q.search(store, "kemitraan", source="data/b")) == ["f"]
    assert letters(q.search(store, "kemitraan", source="data/b/desa.txt")) == ["f"]
    assert letters(q.search(store, "kemitraan", source="data/b/desa")) == []  # a prefix is a folder
    assert sorted(letters(q.search(store, "pemerintah OR government", topic=1))) == ["c", "d"]
    assert sorted(letters(q.search(store, "partnerships", kinds=["abstract"], lang="en"))) == ["a", "b"]
    assert letters(q.search(store, "partnerships", kinds=["abstract"], lang="id")) == []
    assert letters(q.search(store, "kemitraan", theme="public_service", year_from=2015, year_to=2015)) == [
        "b"
    ]
    # A widened term next to a plain one (needs an explicit AND in FTS5).
    assert letters(q.search(store, "pelayanan publik")) == ["b"]
    # References are not searched unless asked for.
    assert "d" not in letters(q.search(store, "kemitraan"))
    assert letters(q.search(store, "kemitraan", kinds=["references"])) == ["d"]


def test_query_snippets_are_highlighted(store) -> None:
    rows = {r["id"][0]: r for r in q.search(store, "kemitraan")}
    assert "[kemitraan]" in rows["f"]["snippet"]
    # Found through the norm column only: the surface word is marked by the kwic matcher.
    rows = {r["id"][0]: r for r in q.search(store, "mitra", kinds=["body"])}
    assert rows["f"]["snippet"].startswith("[Mitra] desa")


def test_query_cli_topic_and_source(db: Path) -> None:
    out = json.loads(cli("query", "kemitraan", "--source", "data/b", "--db", str(db), "--format", "json"))
    assert [r["source_id"] for r in out] == ["src-f"]
    out = json.loads(cli("query", "korupsi OR corruption", "--topic", "1", "--db", str(db), "-f", "json"))
    assert sorted(r["source_id"] for r in out) == ["src-c", "src-d"]
    table = cli("query", "kemitraan", "--db", str(db))
    assert "Kemitraan" in table and "[kemitraan]" not in table  # marks become highlighting


# -- kwic ----------------------------------------------------------------------------------------


def test_kwic_is_stem_aware_in_indonesian(store) -> None:
    rows = kwic(store, "kemitraan", window=3)
    got = [(r["id"][0], r["kind"], r["match"]) for r in rows]
    # b: title and abstract; f: "Mitra" (same stem) and "kemitraan"; the undated f comes last.
    assert got == [
        ("b", "title", "Kemitraan"),
        ("b", "abstract", "Kemitraan"),
        ("f", "body", "Mitra"),
        ("f", "body", "kemitraan"),
    ]
    f2 = rows[3]
    assert (f2["left"], f2["right"]) == ("Mitra desa membangun", "yang adil bagi")
    assert rows[0]["year"] == 2015 and rows[0]["title"] == "Kemitraan pemerintah daerah"


def test_kwic_english_plural_phrase_prefix_and_limits(store) -> None:
    rows = kwic(store, "partnership", window=2)
    assert [(r["id"][0], r["match"]) for r in rows] == [
        ("a", "Partnerships"),
        ("a", "partnerships"),
        ("a", "Partnerships"),
        ("b", "partnership"),
    ]
    assert rows[1]["left"] == "Public-private" and rows[1]["right"] == "improve local"
    phrase = kwic(store, '"public services"', window=1)
    assert [(r["id"][0], r["match"], r["left"], r["right"]) for r in phrase] == [
        ("b", "public services", "improves", "in")
    ]
    assert {r["match"].lower() for r in kwic(store, "govern*")} == {"governance", "government"}
    assert len(kwic(store, "partnership", limit=2)) == 2
    assert [r["id"][0] for r in kwic(store, "kemitraan", lang="id", kinds=["body"])] == ["f", "f"]


def test_kwic_cli_json(db: Path) -> None:
    out = json.loads(cli("kwic", "korupsi", "--db", str(db), "--format", "json", "--window", "2"))
    assert [(r["id"][0], r["match"]) for r in out] == [("c", "Korupsi"), ("c", "Korupsi")]
    assert out[1]["right"] == "dalam pengadaan"


# -- export --------------------------------------------------------------------------------------


def test_export_jsonl_equals_show(db: Path, store, tmp_path: Path) -> None:
    out = tmp_path / "corpus.jsonl"
    cli("export", str(out), "--db", str(db))
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(lines) == len(DOCS)
    for row in lines:
        assert row == q.show(store, row["id"])
    assert {t["topic"] for row in lines for t in row["topics"]} == {0, 1}


def test_export_csv_wide_and_tidy(db: Path, store, tmp_path: Path) -> None:
    out = tmp_path / "corpus.csv"
    summary = export(store, out, "csv", tidy=True)
    assert summary["documents"] == 6 and len(summary["files"]) == 5
    with out.open(encoding="utf-8", newline="") as fh:
        rows = {r["id"][0]: r for r in csv.DictReader(fh)}
    b = rows["b"]
    assert b["text_abstract_id"].startswith("Kemitraan pemerintah daerah dengan swasta")
    assert b["text_abstract_en"].startswith("Government partnership")
    assert b["themes"] == "partnership; public_service" and b["theme_partnership"] == "0.8"
    assert b["theme_corruption"] == "" and b["keywords"] == "kemitraan" and b["langs"] == "en; id"
    assert float(b["topic_0"]) == TOPIC_WEIGHTS["b"][0] and "topic_5" not in b
    assert rows["f"]["year"] == "" and rows["a"]["authors"] == "A. Author; B. Author"
    with (tmp_path / "corpus.parts.csv").open(encoding="utf-8", newline="") as fh:
        parts = list(csv.DictReader(fh))
    assert len(parts) == sum(len(d.parts) for d in DOCS)
    with (tmp_path / "corpus.tags.csv").open(encoding="utf-8", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == store.count("tags")


def test_export_parquet_roundtrip(db: Path, store, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "corpus.parquet"
    export(store, out, "parquet", tidy=True)
    table = pq.read_table(out).to_pylist()
    by = {r["id"][0]: r for r in table}
    assert len(table) == 6 and by["a"]["year"] == 2015 and by["f"]["year"] is None
    assert by["c"]["theme_corruption"] == pytest.approx(0.95) and by["c"]["topic_1"] == pytest.approx(0.9)
    shown = q.show(store, by["d"]["id"])
    assert by["d"]["text_abstract_en"] == next(p["text"] for p in shown["parts"] if p["kind"] == "abstract")
    assert pq.read_table(tmp_path / "corpus.topics.parquet").num_rows == 12


def test_export_rejects_bad_combinations(store, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="tidy"):
        export(store, tmp_path / "x.jsonl", "jsonl", tidy=True)
    with pytest.raises(ValueError, match="format"):
        export(store, tmp_path / "x.xml", "xml")


# -- through the real ingest ---------------------------------------------------------------------


@pytest.mark.slow
def test_explore_on_real_ingest(shared_corpora: Path, tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for name, rel in (
        ("sinta.jsonl", "id-abstracts/sinta_governance_subset.jsonl"),
        ("icegov.jsonl", "en-abstracts/icegov-proceedings.jsonl"),
    ):
        lines = (shared_corpora / rel).read_text("utf-8").splitlines()[:40]
        (src / name).write_text("\n".join(lines) + "\n", "utf-8")
    db = tmp_path / "corpus.db"
    res = CliRunner().invoke(app, ["ingest", str(src), "--db", str(db), "--workers", "1"])
    assert res.exit_code == 0, res.output
    from pipeline.store import open_store

    store = open_store(db, readonly=True)
    out = tmp_path / "all.jsonl"
    export(store, out, "jsonl")
    docs = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(docs) == 80
    by_lang = {r["lang"]: r["count"] for r in stats(store, "lang")}
    assert by_lang == {lang: sum(lang in d["langs"] for d in docs) for lang in by_lang}
    assert sum(r["count"] for r in stats(store, "source")) == 80
    # kwic lines are real occurrences: each match normalises to the term's stem.
    from pipeline.nlp import normalise

    lines = kwic(store, "pemerintahan", limit=None)
    assert len(lines) >= 5 and all(normalise(r["match"], "id") == ["pemerintah"] for r in lines)
    assert {r["match"].lower() for r in lines} >= {"pemerintah", "pemerintahan"}
    hits = q.search(store, "e-government", lang="en", limit=50)
    assert hits and all("en" in h["langs"] for h in hits)
    assert all(
        h["path"].endswith("icegov.jsonl")
        for h in q.search(store, "government", source=str(src / "icegov.jsonl"))
    )


def test_export_parquet_without_pyarrow_is_a_clear_error(db: Path, tmp_path: Path, monkeypatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    res = CliRunner().invoke(app, ["export", str(tmp_path / "x.parquet"), "-f", "parquet", "--db", str(db)])
    assert res.exit_code == 2 and "govtext[parquet]" in res.output
    assert not (tmp_path / "x.parquet").exists()
