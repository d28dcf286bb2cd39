"""The corpus keeps the normal forms of the words it has seen: searches look them up instead of
loading spaCy and Sastrawi, and a new ingest starts with warm caches."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pipeline import nlp
from pipeline.config import load_config
from pipeline.executor.work import Unit, WorkContext, init_worker, process_unit
from pipeline.ingest import ingest
from pipeline.store import open_store

ROOT = Path(__file__).resolve().parent.parent

# In a fresh process: a search on the corpus, then which heavy modules it imported.
_QUERY_THEN_MODULES = """
import json, sys
from pipeline import query
from pipeline.store import open_store
store = open_store(sys.argv[1], readonly=True)
rows = query.search(store, sys.argv[2], limit=50)
print(json.dumps({"ids": sorted(r["id"] for r in rows), "snippets": [r["snippet"] for r in rows],
                  "spacy": "spacy" in sys.modules, "sastrawi": "Sastrawi" in sys.modules}))
"""


def _search_in_fresh_process(db: str, text: str) -> dict:
    r = subprocess.run(
        [sys.executable, "-c", _QUERY_THEN_MODULES, db, text],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_ingest_stores_the_vocabulary_and_searches_need_no_spacy(db, sample_dir):
    with open_store(db) as store:
        ingest([sample_dir], load_config({"db": db, "workers": 2}), store)
        assert store.count("vocabulary") > 1000
        assert store.meta_value("vocabulary") == nlp.vocabulary_version()
        rows = {r[1]: r for r in store.vocabulary(["kemitraan", "partnerships"])}
    assert rows["kemitraan"][2] == "mitra"
    # A word every abstract uses: found through the stored vocabulary alone.
    seen = _search_in_fresh_process(db, "kemitraan pemerintah")
    assert seen["ids"] and not seen["spacy"] and not seen["sastrawi"]
    # A word the corpus never had: normalised by spaCy and Sastrawi, the same results either way.
    unseen = _search_in_fresh_process(db, "kemitraan pemerintah OR zzyzzyva")
    assert unseen["spacy"] and unseen["ids"] == seen["ids"]


def test_a_second_ingest_starts_warm(tmp_path, sample_dir):
    db = str(tmp_path / "c.db")
    with open_store(db) as store:
        ingest([sample_dir / "txt"], load_config({"db": db, "workers": 1}), store)
    nlp.reset_cache()
    cold = _misses(sample_dir / "md", None)
    nlp.reset_cache()
    warm = _misses(sample_dir / "md", db)
    # other abstracts of the same field share much of their vocabulary; the same ones, all of it
    assert warm < 0.7 * cold, (warm, cold)
    nlp.reset_cache()
    assert _misses(sample_dir / "txt", db) == 0


def _misses(folder: Path, vocab_db: str | None) -> int:
    from pipeline.executor import work

    work._W.pop("vocab_db", None)
    init_worker(WorkContext(load_config({"workers": 1}), "v", 0, vocab_db=vocab_db))
    before = nlp.cache_stats()["misses"]
    for f in sorted(folder.iterdir()):
        process_unit(Unit(str(f), f.suffix[1:]))
    return nlp.cache_stats()["misses"] - before


def test_a_new_nlp_version_empties_the_vocabulary(db):
    with open_store(db) as store:
        assert not store.check_vocabulary("1-old")
        store.add_vocabulary(
            [("id", "kemitraan", "mitra", "mitra"), ("en", "partnerships", "partnership", "partnership")]
        )
        store.add_vocabulary([("id", "kemitraan", "mitra", "mitra")])  # a second worker's copy: ignored
        assert store.count("vocabulary") == 2
        assert store.check_vocabulary("1-old")
        assert not store.check_vocabulary("2-new")
        assert store.count("vocabulary") == 0 and store.meta_value("vocabulary") == "2-new"


def test_stored_vocabulary_matches_what_nlp_computes(tmp_path, sample_dir):
    db = str(tmp_path / "c.db")
    with open_store(db) as store:
        ingest([sample_dir / "records"], load_config({"db": db, "workers": 1}), store)
        rows = list(store.iter_vocabulary())
    nlp.reset_cache()
    sample = rows[:: max(1, len(rows) // 300)]
    for lang, chunk, norms, terms in sample:
        assert " ".join(nlp.normalise(chunk, lang)) == norms, chunk
        assert " ".join(nlp.content_terms(chunk, lang)) == terms, chunk


def test_each_corpus_gets_its_whole_vocabulary_from_one_process(tmp_path, sample_dir):
    """A process that already worked out these words for another corpus still gives them to the
    next one (a notebook ingesting into two corpora, a worker reused by a Dask cluster)."""
    counts = []
    for name in ("a.db", "b.db"):
        db = str(tmp_path / name)
        with open_store(db) as store:
            ingest([sample_dir / "txt"], load_config({"db": db, "workers": 1}), store)
            counts.append(store.count("vocabulary"))
    assert counts[0] > 500 and counts[1] >= counts[0]


_KWIC_THEN_MODULES = """
import json, sys
from pipeline.explore import kwic
from pipeline.store import open_store
rows = kwic(open_store(sys.argv[1], readonly=True), sys.argv[2])
print(json.dumps({"n": len(rows), "spacy": "spacy" in sys.modules, "sastrawi": "Sastrawi" in sys.modules}))
"""


def _ingest_text(tmp_path: Path, text: str) -> str:
    """A corpus of one text file; its database path."""
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    db = str(tmp_path / "c.db")
    with open_store(db) as store:
        ingest([tmp_path / "a.txt"], load_config({"db": db, "workers": 1}), store)
    return db


def test_kwic_needs_no_spacy_for_words_with_digits_and_hyphens(tmp_path):
    db = _ingest_text(
        tmp_path,
        "Akuntabilitas kinerja instansi pemerintah (2006b) dibahas pada hal. 328-44, lihat juga "
        "e-government dan COVID-19. Akuntabilitas publik menuntut laporan tahunan yang terbuka.",
    )
    with open_store(db) as store:
        stored = {r[1] for r in store.vocabulary(["2006b", "328-44", "covid-19", "e-government"])}
    assert {"2006b", "328-44"} <= stored
    r = subprocess.run(
        [sys.executable, "-c", _KWIC_THEN_MODULES, db, "akuntabilitas"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["n"] == 2 and not out["spacy"] and not out["sastrawi"]


def test_a_word_seen_in_one_language_is_searched_without_spacy(tmp_path):
    # Indonesian text only, its words capitalised or in punctuation: a search lowercases its
    # words and normalises them in both languages, so both need a stored row.
    db = _ingest_text(
        tmp_path,
        "Kemitraan antara pemerintah desa dan masyarakat dalam pengelolaan dana desa. Swakelola "
        "pembangunan (Swakelola) dilaksanakan oleh kelompok masyarakat dengan pendampingan dinas.",
    )
    with open_store(db) as store:
        langs = {p.lang for d in store.iter_documents() for p in d.parts if p.lang}
        stored = {(r[0], r[1]) for r in store.vocabulary(["kemitraan", "swakelola"])}
    assert langs == {"id"}
    assert stored == {(lang, w) for lang in ("id", "en") for w in ("kemitraan", "swakelola")}
    found = _search_in_fresh_process(db, "kemitraan swakelola")
    assert found["ids"] and not found["spacy"] and not found["sastrawi"]
