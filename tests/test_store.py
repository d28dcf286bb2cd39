"""The store interface on both backends: writes, search, facets, pointers, runs, migrations."""

import sqlite3

import pytest

from pipeline.document import Document, Keyword, Part, Tag
from pipeline.store import SCHEMA_VERSION, Filters, QuerySyntaxError, StoreError, open_store
from pipeline.store.match import Words, parse


def _doc(i: int, text: str, lang: str = "id", norm: str = "", path: str | None = None, **kw) -> Document:
    return Document(
        id=f"{i:064x}",
        path=path or f"/data/f{i}.txt",
        format="txt",
        source_id=f"src-{i}",
        title=f"Judul {i}",
        year=2015 + i,
        parts=[
            Part("title", f"Judul {i}", lang),
            Part("abstract", text, lang, norm=norm),
            Part("references", "Daftar pustaka kemitraan", lang),
        ],
        keywords=[Keyword("kemitraan", "id", "mitra")],
        tags=[Tag("partnership", 0.9, "lexicon")],
        **kw,
    )


@pytest.fixture
def store(db):
    s = open_store(db)
    yield s
    s.close()


def ids(rows):
    return [r["id"] for r in rows]


def search(store, query, **kw):
    return store.search(parse(query), **kw)


def test_sqlite_schema_version_and_wal(tmp_path):
    with open_store(tmp_path / "c.db") as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_roundtrip_document(store):
    d = _doc(1, "Kemitraan pemerintah dan swasta.", norm="mitra perintah dan swasta")
    store.write_documents([d], "v1", None)
    got = store.get_document(d.id)
    assert got.to_dict() == d.to_dict()
    assert got.parts[1].norm == "mitra perintah dan swasta"


def test_rewrite_replaces_rows_and_index(store):
    d = _doc(1, "transparansi anggaran")
    store.write_documents([d], "v1", None)
    d.parts[1].text = "akuntabilitas kinerja"
    store.write_documents([d], "v1", None)
    assert store.count("parts") == 3
    assert search(store, '"transparansi"') == []
    assert ids(search(store, '"akuntabilitas"')) == [d.id]


def test_search_uses_norm_column_and_filters(store):
    store.write_documents(
        [
            _doc(1, "Bermitra dengan desa", norm="mitra dengan desa"),
            _doc(2, "Transparency of budgets", lang="en", norm="transparency of budget"),
        ],
        "v1",
        None,
    )
    assert [r["source_id"] for r in store.search(Words("mitra", norm_only=True))] == ["src-1"]
    assert search(store, '"budget"', lang="id") == []
    assert len(search(store, "budget", lang="en", filters=Filters(year_from=2017))) == 1
    assert search(store, "budget", filters=Filters(year_to=2016)) == []
    assert len(search(store, '"mitra"', filters=Filters(theme="partnership"))) == 1
    assert search(store, '"mitra"', filters=Filters(theme="transparency")) == []
    row = search(store, "budget")[0]
    assert row["kind"] == "abstract" and row["lang"] == "en" and row["text"] == "Transparency of budgets"


def test_boolean_phrase_prefix_and_near(store):
    store.write_documents(
        [
            _doc(1, "Tata kelola pemerintahan desa yang baik", norm="tata kelola perintah desa yang baik"),
            _doc(2, "Kelola keuangan desa", norm="kelola uang desa"),
            _doc(3, "Pemerintahan daerah dan tata ruang", norm="perintah daerah dan tata ruang"),
        ],
        "v1",
        None,
    )
    a, b, c = (f"{i:064x}" for i in (1, 2, 3))
    assert ids(search(store, '"tata kelola"')) == [a]
    assert set(ids(search(store, "kelola AND desa"))) == {a, b}
    assert set(ids(search(store, "kelola NOT tata"))) == {b}
    assert set(ids(search(store, "ruang OR uang"))) == {b, c}
    assert set(ids(search(store, "pemerintah*"))) == {a, c}
    assert set(ids(search(store, "(tata OR keuangan) AND desa"))) == {a, b}
    assert ids(search(store, "NEAR(tata desa, 2)")) == [a]
    assert ids(search(store, "NEAR(tata desa, 1)")) == []
    assert ids(search(store, "NEAR(desa tata, 3)")) == [a]


def test_diacritics_and_case_fold_alike(store):
    store.write_documents([_doc(1, "Políticas públicas y GOBERNANZA", lang="other")], "v1", None)
    assert len(search(store, "publicas")) == 1
    assert len(search(store, '"politicas publicas"')) == 1
    assert len(search(store, "gobernanza")) == 1


def test_references_are_not_searched_by_default(store):
    store.write_documents([_doc(1, "tentang hal lain")], "v1", None)
    assert search(store, '"pustaka"') == []
    assert len(search(store, '"pustaka"', kinds=["references"])) == 1


def test_bad_query_is_a_clear_error():
    for bad in ('"unterminated', "AND OR", "(a OR b", "a )", "NEAR(a)", "*"):
        with pytest.raises(QuerySyntaxError, match="invalid search query"):
            parse(bad)


def test_delete_cascades(store):
    d = _doc(1, "teks")
    store.write_documents([d], "v1", None)
    store.remove_stale(d.path, keep=set())
    for table in ("documents", "parts", "keywords", "tags"):
        assert store.count(table) == 0
    assert search(store, "teks") == []


def test_sqlite_delete_empties_the_fts_index(tmp_path):
    with open_store(tmp_path / "c.db") as store:
        d = _doc(1, "teks")
        store.write_documents([d], "v1", None)
        store.remove_stale(d.path, keep=set())
        assert store.conn.execute("SELECT count(*) FROM parts_fts").fetchone()[0] == 0


def test_duplicates_are_kept_once_under_the_smallest_path(store):
    first = _doc(1, "isi yang sama", path="/data/b.txt")
    again = _doc(1, "isi yang sama", path="/data/a.txt")
    later = _doc(1, "isi yang sama", path="/data/c.txt")
    assert store.write_documents([first], "v1", None).written == [first.id]
    r = store.write_documents([again], "v1", None)
    assert r.written == [] and r.duplicates == 1
    r = store.write_documents([later], "v1", None)
    assert r.written == [] and r.duplicates == 1
    assert store.get_document(first.id).path == "/data/a.txt"
    assert store.count("parts") == 3
    # A new pipeline version re-processes the stored copy, wherever it came from.
    assert store.write_documents([later], "v2", None).written == [first.id]


def test_resolve_id(store):
    d = _doc(7, "teks")
    store.write_documents([d], "v1", None)
    assert store.resolve_id("src-7") == d.id
    assert store.resolve_id("/data/f7.txt") == d.id
    assert store.resolve_id(d.id[:10]) == d.id
    assert store.resolve_id("nothing") is None


def test_runs_errors_sources(store):
    run = store.start_run("ingest", {"db": "x"}, {"govtext": "0"})
    store.add_error("/data/bad.pdf", "read", "not a PDF", run)
    store.set_source("/data/a.txt", "abc", 10, 1.5, "txt", "done", "v1", 1, run)
    store.set_source("/data/a.txt", "abd", 11, 2.5, "txt", "failed", "v1", 0, run)
    store.finish_run(run, "done", {"documents_new": 0}, 0.5)
    assert store.errors(last_run=True) == [
        {"path": "/data/bad.pdf", "stage": "read", "message": "not a PDF", "run": run}
    ]
    s = store.source_state("/data/a.txt")
    assert (s.sha256, s.size, s.mtime, s.status) == ("abd", 11, 2.5, "failed")
    r = store.runs()[-1]
    assert r["status"] == "done" and r["counts"] == {"documents_new": 0}
    assert store.close_abandoned_runs() == 0


def test_a_run_whose_process_died_is_marked_killed(db):
    dead = open_store(db)
    dead.start_run("ingest", {}, {})
    dead.close()  # the process is gone; its run row still says 'running'
    with open_store(db) as store:
        assert store.close_abandoned_runs() == 1
        assert store.runs()[-1]["status"] == "killed"


def test_model_files_live_in_the_corpus(store):
    files = {"model.bin": bytes(range(256)) * 10, "dictionary": b"\x00words"}
    store.save_topic_model("m1", {"k": 3}, [], [], files)
    assert store.model_files("m1") == files
    store.update_model("m1", {"k": 4}, {"model.bin": b"new"})
    assert store.model_files("m1") == {"model.bin": b"new"} and store.model_row("m1")["meta"] == {"k": 4}


def test_active_model_pointer_is_one_per_kind(store):
    assert store.active_model_id("topics") is None and not store.has_model_choice("topics")
    store.save_topic_model("m1", {"n_docs": 0}, [], [])
    store.save_topic_model("m2", {"n_docs": 0}, [], [])
    assert store.active_model_id("topics") == "m2"
    store.set_active_model("topics", "m1")
    assert store.active_model_id("topics") == "m1"
    assert [(r["id"], r["active"]) for r in store.model_rows("topics")] == [("m1", True), ("m2", False)]
    store.set_active_model("topics", None)
    assert store.active_model_id("topics") is None and store.has_model_choice("topics")


def test_facets_and_topic_filter(store):
    docs = [_doc(i, f"teks nomor {i}") for i in range(1, 4)]
    store.write_documents(docs, "v1", None)
    store.save_topic_model(
        "m",
        {},
        [{"topic": t, "label": "", "theme": None, "terms": [], "weight": 0.5, "meta": {}} for t in (0, 1)],
        [
            (docs[0].id, 0, 0.9),
            (docs[0].id, 1, 0.1),
            (docs[1].id, 1, 0.8),
            (docs[2].id, 1, 0.3),
            (docs[2].id, 0, 0.7),
        ],
    )
    assert sorted(store.facet_counts("topic")) == [(0, 2), (1, 1)]
    assert sorted(store.facet_counts("year")) == [(2016, 1), (2017, 1), (2018, 1)]
    assert ids(search(store, "teks", filters=Filters(topic=0))) == sorted([docs[0].id, docs[2].id])
    by_year = store.topic_weight_by_year("m")
    assert {(r["year"], r["topic"]): round(r["weight"], 3) for r in by_year}[(2016, 0)] == 0.9
    assert sorted(store.facet_cross_counts("year", "theme")) == [
        (2016, "partnership", 1),
        (2017, "partnership", 1),
        (2018, "partnership", 1),
    ]


def test_missing_and_foreign_sqlite_databases(tmp_path):
    with pytest.raises(StoreError, match="no corpus database"):
        open_store(tmp_path / "none.db", readonly=True)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x (a)").connection.commit()
    with pytest.raises(StoreError, match="not a govtext corpus"):
        open_store(other)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError):
        open_store(junk)


def test_sqlite_schema_1_is_migrated(tmp_path):
    """A corpus made before the model pointers moved (schema 1: models.active) opens and keeps its pointer."""
    path = tmp_path / "old.db"
    with open_store(path) as store:
        store.save_topic_model("m1", {}, [], [])
    c = sqlite3.connect(path)
    c.executescript(
        "DROP TABLE vectors; DROP TABLE vocabulary; DROP TABLE meta; DROP TABLE model_files; DROP TABLE active_models;"
        " ALTER TABLE models ADD COLUMN active INTEGER DEFAULT 0;"
        " UPDATE models SET active = 1; PRAGMA user_version = 1;"
    )
    c.close()
    with pytest.raises(StoreError, match="older govtext"):
        open_store(path, readonly=True)
    with open_store(path) as store:
        assert store.active_model_id("topics") == "m1"
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_postgres_url_errors_are_one_line(pg_server):
    with pytest.raises(StoreError, match="no govtext corpus in this database"):
        open_store(pg_server.rsplit("/", 1)[0] + "/postgres", readonly=True)
    with pytest.raises(StoreError) as e:
        open_store("postgresql://nobody@127.0.0.1:1/none", readonly=True)
    assert "\n" not in str(e.value) and "***" not in str(e.value)


def test_postgres_password_never_printed():
    from pipeline.store.postgres import redact

    assert (
        redact("postgresql://ana:s3cret@db.example:5432/corpus")
        == "postgresql://ana:***@db.example:5432/corpus"
    )
    assert redact("postgresql://ana@db.example/corpus") == "postgresql://ana@db.example/corpus"


def test_postgres_tsvector_keeps_positions_within_the_server_limits():
    from pipeline.store.postgres import MAX_POSITION, MAX_POSITIONS, tsvector

    assert tsvector("Kemitraan pemerintah, dan kemitraan swasta") == (
        "'kemitraan':1,4 'pemerintah':2 'dan':3 'swasta':5"
    )
    assert tsvector("Partisipasi  Musrenbang — désa") == "'partisipasi':1 'musrenbang':2 'desa':3"
    assert tsvector("") == ""
    # A long regulation: words past the last position all sit on it, once each; a word repeated
    # more often than the server keeps positions keeps the first ones.
    words = ["pasal"] * (MAX_POSITION + 10) + ["ayat", "ayat", "pasal"]
    vec = dict(item.split(":") for item in tsvector(" ".join(words)).split())
    pasal = vec["'pasal'"].split(",")
    assert len(pasal) == MAX_POSITIONS and pasal[:3] == ["1", "2", "3"]
    assert vec["'ayat'"] == str(MAX_POSITION)
    tail = tsvector(" ".join(["x"] * (MAX_POSITION - 1) + ["akhir", "y", "z", "y"]))
    assert (
        "'akhir':16383" in tail and "'y':16383" in tail and "'z':16383" in tail and "16383,16383" not in tail
    )
    assert "'" + "a" * 600 + "'" not in tsvector("a" * 600 + " pendek")
