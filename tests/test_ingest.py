import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import load_config
from pipeline.ingest import ingest
from pipeline.store import open_store

ABSTRACT = """Kemitraan Pemerintah dan Swasta dalam Penyediaan Air Minum di Kabupaten Sleman
Budi Santoso
This study examines the public-private partnership for drinking water supply in Sleman Regency. Interviews with officials show that partnerships improved coverage but weakened accountability.
Penelitian ini mengkaji kemitraan pemerintah dan swasta dalam penyediaan air minum di Kabupaten Sleman. Wawancara dengan pejabat menunjukkan bahwa kemitraan meningkatkan cakupan tetapi melemahkan akuntabilitas.
kemitraan; air minum; akuntabilitas; public-private partnership; drinking water; accountability
"""

RECORDS = [
    {
        "id": "r1",
        "title": "Transparansi anggaran desa",
        "abstract": "Pemerintah desa bermitra dengan LSM untuk membuka informasi anggaran kepada warga.",
        "year": 2020,
    },
    {
        "id": "r2",
        "title": "Open data portals in Indonesian cities",
        "abstract": "Open government data portals make budgets and contracts visible to citizens.",
        "year": 2019,
    },
    {
        "id": "r3",
        "title": "Partisipasi masyarakat dalam musrenbang",
        "abstract": "Masyarakat desa ikut serta dalam perencanaan pembangunan melalui musrenbang kecamatan.",
        "year": 2018,
    },
]


def _folder(tmp_path: Path) -> Path:
    d = tmp_path / "papers"
    d.mkdir()
    (d / "sleman.txt").write_text(ABSTRACT, encoding="utf-8")
    lines = [json.dumps(r) for r in RECORDS]
    lines.insert(1, "{broken")
    (d / "records.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (d / "notes.xyz").write_text("ignored", encoding="utf-8")
    return d


def _ingest(folder: Path, db: str | Path, workers: int = 1, **settings):
    cfg = load_config({"db": db, "workers": workers, **settings})
    with open_store(db) as store:
        return ingest([folder], cfg, store)


def test_ingest_stores_documents_and_records_errors(tmp_path, db, executor):
    folder = _folder(tmp_path)
    s = _ingest(folder, db, workers=2, **executor)
    assert (s.files_seen, s.files_done, s.documents_new, s.errors) == (2, 2, 4, 1)
    with open_store(db) as store:
        errs = store.errors()
        assert len(errs) == 1 and errs[0]["stage"] == "read" and "line 2" in errs[0]["message"]
        assert errs[0]["path"].endswith("records.jsonl")
        doc = store.get_document(store.resolve_id("r3"))
        assert doc.year == 2018 and doc.title.startswith("Partisipasi")
        assert {p.lang for p in doc.parts} == {"id"}
        assert all(p.norm for p in doc.parts)
        run = store.runs()[-1]
        assert run["status"] == "done" and run["counts"]["documents_new"] == 4
        assert "spacy" in run["versions"] and "pipeline" in run["versions"]


def test_rerun_does_no_work_and_changed_file_replaces_its_documents(tmp_path, db):
    folder = _folder(tmp_path)
    _ingest(folder, db)
    again = _ingest(folder, db)
    assert (again.files_unchanged, again.documents_new) == (2, 0)
    # Touching a file without changing it costs a hash, not a re-read.
    os.utime(folder / "sleman.txt", (1, 1))
    touched = _ingest(folder, db)
    assert (touched.files_unchanged, touched.documents_new) == (2, 0)
    (folder / "records.jsonl").write_text(json.dumps(RECORDS[0]) + "\n", encoding="utf-8")
    changed = _ingest(folder, db)
    assert changed.files_done == 1 and changed.documents_new == 0
    with open_store(db) as store:
        assert store.count() == 2
        assert store.resolve_id("r2") is None


def test_resume_skips_documents_already_stored(tmp_path, db, executor):
    folder = _folder(tmp_path)
    _ingest(folder, db)
    with open_store(db) as store, store.transaction():  # as if the run had died before marking the file done
        store._execute("DELETE FROM sources WHERE path = ?", (str(folder / "records.jsonl"),))
        store._execute("DELETE FROM documents WHERE source_id = 'r3'")
    s = _ingest(folder, db, workers=2, **executor)
    assert (s.documents_new, s.documents_skipped) == (1, 2)
    with open_store(db) as store:
        assert store.count() == 4


def test_workers_give_the_same_corpus(tmp_path, db, executor):
    folder = _folder(tmp_path)
    _ingest(folder, tmp_path / "one.db", workers=1)
    _ingest(folder, db, workers=2, **executor)
    with open_store(tmp_path / "one.db") as a, open_store(db) as b:
        docs_a = [d.to_dict() for d in a.iter_documents()]
        docs_b = [d.to_dict() for d in b.iter_documents()]
    assert docs_a == docs_b and len(docs_a) == 4


def test_duplicate_content_is_stored_once(tmp_path, db, executor):
    folder = _folder(tmp_path)
    (folder / "copy.txt").write_text(ABSTRACT, encoding="utf-8")
    s = _ingest(folder, db, workers=2, **executor)
    assert s.duplicates == 1 and s.documents_new == 4
    with open_store(db) as store:
        assert store.count() == 4
        # kept under the smallest path, whichever worker finished first
        assert store.get_document(store.resolve_id(str(folder / "copy.txt"))).path == str(folder / "copy.txt")


runner = CliRunner()


def test_cli_ingest_query_show_errors(tmp_path, db):
    folder = _folder(tmp_path)
    r = runner.invoke(app, ["ingest", str(folder), "--db", str(db), "--workers", "1"])
    assert r.exit_code == 1, r.output  # one broken record
    r = runner.invoke(app, ["query", "kemitraan", "--db", str(db), "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    # r1 only says "bermitra": found through the normalised form.
    assert {row["source_id"] for row in rows} == {None, "r1"}
    assert set(rows[0]) >= {"id", "source_id", "path", "title", "year", "langs", "snippet", "score"}
    r = runner.invoke(app, ["query", "partnerships", "--db", str(db), "--format", "json", "--lang", "en"])
    assert [row["path"].endswith("sleman.txt") for row in json.loads(r.stdout)] == [True]
    r = runner.invoke(app, ["show", "r2", "--db", str(db), "--format", "json"])
    doc = json.loads(r.stdout)
    assert doc["source_id"] == "r2" and doc["year"] == 2019
    assert set(doc) >= {
        "id",
        "path",
        "format",
        "doc_type",
        "title",
        "authors",
        "regulation",
        "parts",
        "keywords",
        "tags",
        "topics",
    }
    r = runner.invoke(app, ["errors", "--db", str(db), "--format", "json"])
    assert [e["stage"] for e in json.loads(r.stdout)] == ["read"]


@pytest.mark.parametrize(
    "args,needle",
    [
        (["query", '"unbalanced', "--db", "{db}"], "invalid search query"),
        (["query", "x", "--db", "{missing}"], "no corpus database"),
        (["show", "nope", "--db", "{db}"], "no document"),
        (["query", "x", "--lang", "xx", "--db", "{db}"], "unknown language"),
    ],
)
def test_cli_errors_are_one_line_exit_2(tmp_path, args, needle):
    db = tmp_path / "c.db"
    open_store(db).close()
    args = [a.format(db=db, missing=tmp_path / "missing.db") for a in args]
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    assert needle in r.output and "Traceback" not in r.output


@pytest.mark.parametrize("hang", [False, True], ids=["crash", "hang"])
def test_crashing_and_hanging_workers_fail_alone(tmp_path, executor, hang, monkeypatch):
    import pipeline.executor.work as work

    folder = _folder(tmp_path)
    bad = folder / ("stuck.hang" if hang else "bad.crash")
    bad.write_text("x")
    # Forked local workers see a 3 s watchdog; fresh Dask ones the real one: 1.5 x 1 s + 10 s.
    monkeypatch.setattr(work, "hard_limit", lambda cfg: 3.0)
    s = _ingest(folder, tmp_path / "c.db", workers=2, readers=["bad_readers"], time_limit=1, **executor)
    assert s.documents_new == 4 and s.files_failed == 1 and s.files_done == 2
    with open_store(tmp_path / "c.db") as store:
        errs = {Path(e["path"]).name: e["message"] for e in store.errors() if e["stage"] == "read"}
    assert ("time limit exceeded" if hang else "crashed") in errs[bad.name]


@pytest.mark.slow
def test_real_abstracts_stem_aware_search(shared_corpora, tmp_path):
    """The real SINTA governance subset: a search for kemitraan finds the records that only say
    mitra or bermitra; an English plural finds the singular."""
    import re

    src = shared_corpora / "id-abstracts" / "sinta_governance_subset.jsonl"
    records = [json.loads(line) for line in src.read_text("utf-8").splitlines() if line.strip()]
    only_mitra = {
        r["id"]
        for r in records
        if re.search(r"\b(mitra|bermitra)\b", (r["title"] + " " + (r.get("abstract") or "")).lower())
        and "kemitraan" not in (r["title"] + " " + (r.get("abstract") or "")).lower()
    }
    assert only_mitra, "the subset has records that say mitra without kemitraan"
    db = tmp_path / "c.db"
    cfg = load_config({"db": db, "workers": 2})
    with open_store(db) as store:
        s = ingest([src], cfg, store)
        assert s.documents_new >= 340 and s.errors == 0
        from pipeline.query import search

        says_kemitraan = {
            r["id"] for r in records if "kemitraan" in (r["title"] + " " + (r.get("abstract") or "")).lower()
        }
        hits = {h["source_id"] for h in search(store, "kemitraan", limit=500)}
        assert only_mitra <= hits and says_kemitraan <= hits
        plural = {h["id"] for h in search(store, "policies", limit=500)}
        singular_only = {h["id"] for h in search(store, "policy", limit=500)}
        assert plural and plural == singular_only


def test_show_as_text_prints_every_part_with_its_kind_and_language(tmp_path):
    folder, db = _folder(tmp_path), tmp_path / "c.db"
    (folder / "brackets.txt").write_text(
        "Judul [draf] tentang [bold]desa\n\nPemerintah desa membuka informasi "
        "anggaran [tahun 2020] kepada warga melalui papan informasi.\n",
        "utf-8",
    )
    runner.invoke(app, ["ingest", str(folder), "--db", str(db), "--workers", "1"])
    r = runner.invoke(app, ["show", "r3", "--db", str(db)])
    assert r.exit_code == 0 and "[title/id]" in r.stdout and "[abstract/id]" in r.stdout
    assert "Partisipasi masyarakat dalam musrenbang" in r.stdout
    r = runner.invoke(app, ["show", str(folder / "brackets.txt"), "--db", str(db)])
    assert "[draf]" in r.stdout and "[bold]desa" in r.stdout and "[tahun 2020]" in r.stdout


def test_config_carries_every_reader_setting_with_the_same_default(tmp_path):
    from dataclasses import fields

    from pipeline.config import Config
    from pipeline.readers import ReadOptions

    assert Config().read_options() == ReadOptions()
    toml = tmp_path / "govtext.toml"
    toml.write_text(
        '[govtext]\nencoding = "cp1252"\nocr = "off"\ntime_limit = 7\nmax_pages = 9\n'
        'ocr_max_pages = 3\nmax_text_mb = 2\nocr_langs = "ind"\ncolumns = { title = "judul" }\n',
        encoding="utf-8",
    )
    opts = load_config(file=toml).read_options()
    assert (opts.encoding, opts.ocr, opts.time_limit, opts.max_pages) == ("cp1252", "off", 7, 9)
    assert (opts.ocr_max_pages, opts.max_text_mb, opts.ocr_langs) == (3, 2, "ind")
    assert opts.columns == {"title": "judul"} and opts.digest is None
    assert {f.name for f in fields(ReadOptions)} - {f.name for f in fields(Config)} == {"digest"}
    with pytest.raises(ValueError, match="digest"):
        load_config({"digest": "x"})


def test_a_file_is_hashed_once_and_its_hash_names_the_document(tmp_path, monkeypatch):
    import hashlib

    import pipeline.readers.pdf as pdf_reader
    import pipeline.readers.text as text_reader
    from pipeline.readers import ReadOptions

    (tmp_path / "a.txt").write_text(
        "Transparansi anggaran daerah dan partisipasi warga dalam musrenbang.", encoding="utf-8"
    )
    digest = hashlib.sha256((tmp_path / "a.txt").read_bytes()).hexdigest()

    def no_second_hash(path):
        raise AssertionError(f"{path} hashed again by its reader")

    monkeypatch.setattr(text_reader, "sha256_file", no_second_hash)
    monkeypatch.setattr(pdf_reader, "sha256_file", no_second_hash)
    (doc,) = text_reader.read_txt(tmp_path / "a.txt", ReadOptions(digest=digest))
    assert doc.id == digest
    db = tmp_path / "c.db"
    assert _ingest(tmp_path / "a.txt", db, workers=1).documents_new == 1
    with open_store(db, readonly=True) as s:
        assert [r["id"] for r in s.select("SELECT id FROM documents")] == [digest]


@pytest.mark.parametrize(
    ("command", "extras"),
    [("ingest", ["govtext[postgres]", "govtext[dask]"]), ("embed", ["govtext[semantic]"])],
)
def test_help_names_the_extras_to_install(command, extras):
    # Rich reads "[dask]" as markup and drops it unless it is escaped.
    r = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    for extra in extras:
        assert extra in r.output
