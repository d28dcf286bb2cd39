import sqlite3

import pytest

from pipeline.document import Document, Keyword, Part, Tag
from pipeline.store import SCHEMA_VERSION, QuerySyntaxError, Store, StoreError


def _doc(i: int, text: str, lang: str = "id", norm: str = "", **kw) -> Document:
    return Document(
        id=f"{i:064x}",
        path=f"/data/f{i}.txt",
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
def store(tmp_path):
    s = Store(tmp_path / "c.db")
    yield s
    s.close()


def test_schema_version_and_wal(store):
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_roundtrip_document(store):
    d = _doc(1, "Kemitraan pemerintah dan swasta.", norm="mitra perintah dan swasta")
    store.write_documents([d], "v1", None)
    got = store.get_document(d.id)
    assert got.to_dict() == d.to_dict()
    assert got.parts[1].norm == "mitra perintah dan swasta"


def test_rewrite_replaces_rows_and_fts(store):
    d = _doc(1, "transparansi anggaran")
    store.write_documents([d], "v1", None)
    d.parts[1].text = "akuntabilitas kinerja"
    store.write_documents([d], "v1", None)
    assert store.count("parts") == 3
    assert store.search('"transparansi"') == []
    assert [r["id"] for r in store.search('"akuntabilitas"')] == [d.id]


def test_search_uses_norm_column_and_filters(store):
    store.write_documents(
        [
            _doc(1, "Bermitra dengan desa", norm="mitra dengan desa"),
            _doc(2, "Transparency of budgets", lang="en", norm="transparency of budget"),
        ],
        "v1",
        None,
    )
    assert [r["source_id"] for r in store.search('norm : "mitra"')] == ["src-1"]
    assert store.search('"budget"', lang="id") == []
    assert len(store.search('{text norm} : "budget"', lang="en", year_from=2017)) == 1
    assert store.search('{text norm} : "budget"', year_to=2016) == []
    assert len(store.search('"mitra"', theme="partnership")) == 1
    assert store.search('"mitra"', theme="transparency") == []


def test_references_are_not_searched_by_default(store):
    store.write_documents([_doc(1, "tentang hal lain")], "v1", None)
    assert store.search('"pustaka"') == []
    assert len(store.search('"pustaka"', kinds=["references"])) == 1


def test_bad_fts_query_is_a_clear_error(store):
    store.write_documents([_doc(1, "x")], "v1", None)
    with pytest.raises(QuerySyntaxError, match="invalid search query"):
        store.search('"unterminated')
    with pytest.raises(QuerySyntaxError):
        store.search("AND OR")


def test_delete_cascades(store):
    d = _doc(1, "teks")
    store.write_documents([d], "v1", None)
    store.remove_stale(d.path, keep=set())
    for table in ("documents", "parts", "keywords", "tags"):
        assert store.count(table) == 0
    assert store.conn.execute("SELECT count(*) FROM parts_fts").fetchone()[0] == 0


def test_resolve_id(store):
    d = _doc(7, "teks")
    store.write_documents([d], "v1", None)
    assert store.resolve_id("src-7") == d.id
    assert store.resolve_id("/data/f7.txt") == d.id
    assert store.resolve_id(d.id[:10]) == d.id
    assert store.resolve_id("nothing") is None


def test_missing_and_foreign_databases(tmp_path):
    with pytest.raises(StoreError, match="no corpus database"):
        Store(tmp_path / "none.db", readonly=True)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x (a)").connection.commit()
    with pytest.raises(StoreError, match="not a govtext corpus"):
        Store(other)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError):
        Store(junk)


def test_second_writer_refused(tmp_path):
    a, b = Store(tmp_path / "c.db"), Store(tmp_path / "c.db")
    with a.run_lock():
        with pytest.raises(StoreError, match="another govtext run"):
            with b.run_lock():
                pass
    with b.run_lock():  # released
        pass


def test_sqlite_utils_sees_the_fts_table(store):
    sqlite_utils = pytest.importorskip("sqlite_utils")
    store.write_documents([_doc(1, "kemitraan")], "v1", None)
    db = sqlite_utils.Database(store.conn)
    assert db["parts"].detect_fts() == "parts_fts"
    assert {r["doc_id"] for r in db["parts"].search("kemitraan")} == {f"{1:064x}"}
