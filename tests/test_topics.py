"""Topic models on a small synthetic bilingual corpus written into a real Store."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from pipeline.config import Config
from pipeline.document import Document, Part, Tag
from pipeline.store import Store, open_store
from pipeline.topics import TooSmall, compare, export, fit, fit_for_run, load, show, update
from pipeline.topics.storage import active_model

SUBJECTS = {
    "budget": (
        "budget transparency disclosure audit spending finance accountability ledger",
        "anggaran transparansi audit belanja keuangan akuntabilitas laporan fiskal",
    ),
    "health": (
        "hospital patient clinic doctor medicine nurse vaccine illness",
        "pasien puskesmas dokter obat perawat vaksin klinik rumah_sakit",
    ),
    "digital": (
        "website online platform internet portal software smartphone broadband",
        "aplikasi daring internet portal perangkat digital situs jaringan",
    ),
}
FILLER = ("region province municipality", "provinsi kabupaten kota")


def _docs(n: int, seed: int = 0, start: int = 0) -> list[Document]:
    rng = random.Random(seed)
    docs = []
    for i in range(start, start + n):
        subject = list(SUBJECTS)[i % 3]
        lang_i = (i // 3) % 2  # every subject in both languages
        lang = ("en", "id")[lang_i]
        vocab = SUBJECTS[subject][lang_i].split()
        words = [rng.choice(vocab) for _ in range(25)] + [
            rng.choice(FILLER[lang_i].split()) for _ in range(3)
        ]
        title = [rng.choice(vocab) for _ in range(3)]
        parts = [
            Part("title", " ".join(title), lang=lang, norm=" ".join(title)),
            Part("abstract", " ".join(words), lang=lang, norm=" ".join(words)),
        ]
        if i % 2 == 0:  # like many SINTA records: the abstract again in the other language
            other = SUBJECTS[subject][1 - lang_i].split()
            words2 = [rng.choice(other) for _ in range(25)]
            parts.append(
                Part("abstract", " ".join(words2), lang=("en", "id")[1 - lang_i], norm=" ".join(words2))
            )
        parts.append(Part("references", "cited cited cited", lang=lang, norm="zzref zzref zzref"))
        docs.append(
            Document(
                id=f"doc{i:04d}",
                path="synthetic.jsonl",
                format="jsonl",
                year=2018 + i % 5,
                meta={"subject": subject},
                parts=parts,
            )
        )
    return docs


@pytest.fixture
def store(db: str) -> Store:
    s = open_store(db)
    s.write_documents(_docs(60), "test", None)
    yield s
    s.close()


def _subject_of_topic(terms: list[str]) -> set[str]:
    return {s for s, (en, id_) in SUBJECTS.items() for t in terms[:5] if t in en.split() + id_.split()}


def test_fit_separates_subjects_and_stores_weights(store: Store) -> None:
    r = fit(store, 3, seed=1)
    assert r.k == 3 and r.n_docs == 60
    rows = show(store)
    assert len(rows) == 3
    # each topic is one subject, and the three subjects are all found (both languages per topic)
    subjects = [_subject_of_topic(row["terms"]) for row in rows]
    assert all(len(s) == 1 for s in subjects), subjects
    assert set().union(*subjects) == set(SUBJECTS)
    assert all(set(row["terms_by_lang"]) == {"en", "id"} for row in rows)
    assert all(row["label"] and row["prevalence_by_year"] for row in rows)
    assert abs(sum(row["weight"] for row in rows) - 1.0) < 0.05
    # references never reach the model
    assert all("zzref" not in row["terms"] for row in rows)
    # weights stored for every document, with the model active, so `show ID` lists them
    assert store.modelled_doc_ids(r.model_id) == {d.id for d in _docs(60)}
    doc = store.get_document("doc0000")
    assert doc.topics and doc.topics[0]["model"] == r.model_id and doc.topics[0]["weight"] > 0.5
    assert active_model(store)["id"] == r.model_id == store.active_model_id("topics")
    meta = store.model_row(r.model_id)["meta"]
    assert meta["seed"] == 1 and meta["params"]["engine"] == "tomotopy" and 0 < meta["metrics"]["c_v"] <= 1


def test_same_data_same_seed_same_topics(store: Store) -> None:
    a = fit(store, 3, seed=7)
    b = fit(store, 3, seed=7)
    assert a.model_id != b.model_id
    assert [t["terms"] for t in a.topics] == [t["terms"] for t in b.topics]
    assert list(store.doc_topic_weights(a.model_id)) == list(store.doc_topic_weights(b.model_id))
    # only the newest model is active
    assert [r["id"] for r in store.model_rows("topics") if r["active"]] == [b.model_id]


def test_gensim_engine_is_deterministic_too(store: Store) -> None:
    params = {"passes": 5, "iterations": 50}
    a = fit(store, 3, seed=3, engine="gensim", engine_params=params)
    b = fit(store, 3, seed=3, engine="gensim", engine_params=params)
    assert [t["terms"] for t in a.topics] == [t["terms"] for t in b.topics]
    assert sorted(len(_subject_of_topic([w for w, _ in t["terms"]])) for t in a.topics) == [1, 1, 1]


def test_saved_model_reloads_with_the_same_topics(store: Store) -> None:
    r = fit(store, 3, seed=1)
    m = load(store, r.model_id)
    assert m.engine.k == 3 and m.id == r.model_id and m.meta["seed"] == 1
    assert [[w for w, _ in m.engine.topic_terms(t, 30)] for t in range(3)] == [
        [w for w, _ in t["terms"]] for t in r.topics
    ]
    tt = m.engine.topic_term_matrix()
    assert tt.shape == (3, len(m.dictionary)) and np.allclose(tt.sum(axis=1), 1)
    # a new health document is inferred into the health topic
    health = next(
        i for i, t in enumerate(r.topics) if _subject_of_topic([w for w, _ in t["terms"]]) == {"health"}
    )
    w = m.engine.infer([["patient", "doctor", "clinic", "nurse", "pasien", "dokter"] * 3])
    assert int(np.argmax(w[0])) == health


def test_k_auto_sweeps_and_picks_by_coherence(store: Store) -> None:
    seen = []
    r = fit(store, "auto", seed=1, k_min=2, k_max=6, k_step=2, progress=seen.append)
    assert [p.k for p in r.curve] == [2, 4, 6] == [p.k for p in seen]
    assert r.c_v == max(p.c_v for p in r.curve)
    assert store.model_row(r.model_id)["meta"]["curve"][0]["k"] == 2


def test_compare_tells_same_and_changed_topics(store: Store) -> None:
    old = fit(store, 3, seed=1)
    fit(store, 3, seed=1)
    assert {r["status"] for r in compare(store, old.model_id)} == {"same"}
    fit(store, 5, seed=1)
    rows = compare(store, old.model_id)
    assert len([r for r in rows if r["topic"] is not None]) == 5
    assert {r["status"] for r in rows} - {"same", "changed", "new", "gone"} == set()
    assert any(r["status"] != "same" for r in rows)


@pytest.mark.parametrize("engine", ["tomotopy", "gensim"])
def test_update_folds_new_documents_in(db: str, engine: str) -> None:
    store = open_store(db)
    store.write_documents(_docs(45), "test", None)
    params = {"passes": 5, "iterations": 50} if engine == "gensim" else None
    r = fit(store, 3, seed=1, engine=engine, engine_params=params)
    assert update(store).new_docs == 0
    store.write_documents(_docs(15, seed=9, start=45), "test", None)
    u = update(store)
    assert u.model_id == r.model_id and u.new_docs == 15 and u.model_changed == (engine == "gensim")
    assert store.modelled_doc_ids(r.model_id) == {d.id for d in _docs(60)}
    d = store.get_document("doc0050")
    assert d.topics and d.topics[0]["weight"] > 0.5
    assert store.model_row(r.model_id)["meta"]["updates"][0]["new_docs"] == 15
    assert update(store).new_docs == 0


def test_too_small_corpus_says_so(db: str) -> None:
    store = open_store(db)
    store.write_documents(_docs(12), "test", None)
    assert fit_for_run(store, Config(db=db)) == "skipped: 12 documents, need at least 30"
    with pytest.raises(TooSmall, match="12 documents"):
        fit(store, 3)
    assert store.count("doc_topics") == 0


def test_fit_for_run_fits_then_knows_nothing_changed(store: Store, db: str, monkeypatch) -> None:
    cfg = Config(db=db, topics_k="3", seed=5)
    first = fit_for_run(store, cfg)
    assert first.startswith("model ") and "k=3" in first
    # unchanged data is recognised from the store alone: nothing is prepared (no spaCy) or fitted
    import importlib

    fit_module = importlib.import_module("pipeline.topics.fit")  # the package's `fit` is the function

    def no_prepare(*a, **k):  # noqa: ANN002, ANN003
        raise AssertionError("prepared an unchanged corpus")

    monkeypatch.setattr(fit_module, "prepare", no_prepare)
    assert fit_for_run(store, cfg).startswith("unchanged")
    monkeypatch.undo()
    # stored normal forms that changed under the same document ids (a new nlp) mean a refit
    with store.transaction():
        store._execute(
            "UPDATE parts SET norm = norm || ' pasien' WHERE doc_id = 'doc0000' AND kind = 'abstract'"
        )
    assert fit_for_run(store, cfg).startswith("model ")
    assert fit_for_run(store, cfg).startswith("unchanged")
    store.write_documents(_docs(3, seed=4, start=60), "test", None)
    assert fit_for_run(store, cfg).startswith("model ")


def test_export_writes_pyldavis_data(store: Store, tmp_path: Path) -> None:
    fit(store, 3, seed=1)
    counts = export(store, tmp_path / "out" / "lda.json")
    data = json.loads((tmp_path / "out" / "lda.json").read_text())
    assert counts["documents"] == 60 and counts["topics"] == 3
    tt, dt = np.array(data["topic_term_dists"]), np.array(data["doc_topic_dists"])
    assert tt.shape == (3, len(data["vocab"])) and dt.shape == (60, 3)
    assert np.allclose(dt.sum(axis=1), 1, atol=1e-3) and np.allclose(tt.sum(axis=1), 1, atol=1e-3)
    assert len(data["doc_lengths"]) == 60 and len(data["term_frequency"]) == len(data["vocab"])
    assert data["term_frequency"][data["vocab"].index("pasien")] > 0


def test_cli_fit_show_update_export(store: Store, db: str, tmp_path: Path) -> None:
    from pipeline.cli import app

    store.close()
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "topics",
            "fit",
            "--k",
            "auto",
            "--k-min",
            "2",
            "--k-max",
            "4",
            "--k-step",
            "1",
            "--seed",
            "2",
            "--db",
            db,
        ],
    )
    assert res.exit_code == 0, res.output
    assert "coherence curve" in res.output and "chose k=" in res.output
    res = runner.invoke(app, ["topics", "show", "--format", "json", "--db", db])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert rows and {"topic", "terms", "label", "theme", "weight"} <= set(rows[0])
    first = rows[0]["model"]
    res = runner.invoke(app, ["topics", "fit", "--k", "3", "--db", db, "--engine", "gensim"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["topics", "show", "--compare", first, "--format", "json", "--db", db])
    assert res.exit_code == 0 and len([r for r in json.loads(res.stdout) if r["topic"] is not None]) == 3
    res = runner.invoke(app, ["topics", "update", "--db", db])
    assert res.exit_code == 0 and "no new documents" in res.output
    res = runner.invoke(app, ["topics", "export", str(tmp_path / "x.json"), "--db", db])
    assert res.exit_code == 0 and (tmp_path / "x.json").is_file()
    res = runner.invoke(app, ["topics", "fit", "--k", "one", "--db", db])
    assert res.exit_code == 2 and "--k wants a number or 'auto'" in res.output


def test_cli_without_model_is_a_clear_error(db: str) -> None:
    from pipeline.cli import app

    open_store(db).close()
    res = CliRunner().invoke(app, ["topics", "show", "--db", db])
    assert res.exit_code == 2 and "no topic model yet" in res.output


def _synthetic_weights(n_per_topic: int, k: int, seed: int) -> tuple[np.ndarray, list[int]]:
    """Documents dominated (0.85) by one topic each, the rest spread at random over the others."""
    rng = np.random.default_rng(seed)
    rows, dominant = [], []
    for t in range(k):
        for _ in range(n_per_topic):
            rest = rng.dirichlet(np.ones(k - 1)) * 0.15
            rows.append(np.insert(rest, t, 0.85))
            dominant.append(t)
    return np.array(rows), dominant


def test_link_by_tags_recovers_known_themes_and_leaves_the_rest_unlinked() -> None:
    from pipeline.topics.link import link_by_tags, tag_matrix

    weights, dominant = _synthetic_weights(100, 4, seed=0)
    rng = random.Random(0)
    truth = {0: ("transparency", 0.6), 1: ("service_quality", 0.4), 2: ("e_government", 0.7), 3: (None, 0.0)}
    ids = [f"d{i}" for i in range(len(dominant))]
    tags: dict[str, set[str]] = {}
    for d, t in zip(ids, dominant, strict=True):
        theme, rate = truth[t]
        s = tags.setdefault(d, set())
        if theme and rng.random() < rate:
            s.add(theme)
        if rng.random() < 0.25:  # a theme everywhere at the same rate: tells no topic apart
            s.add("participation")
        if rng.random() < 0.05:  # noise: any theme, any document
            s.add(rng.choice(["transparency", "service_quality", "e_government", "rule_of_law"]))
    for d in ids[-3:]:  # a rare theme, all in topic 3: a huge lift on too little support
        tags[d].add("partnership")
    for d in ids[100:107]:  # 7% of topic 1: lift and support enough, but too small a share
        tags[d].add("anti_corruption")
    themes, y = tag_matrix(ids, tags)
    links = link_by_tags(weights, themes, y)
    assert [lk.theme for lk in links] == ["transparency", "service_quality", "e_government", None]
    assert all(lk.method == "tags" for lk in links)
    assert links[2].lift > 2 and links[2].support > 50 and 0.5 < links[2].share < 0.8
    assert not any(
        c["theme"] in ("participation", "partnership", "anti_corruption")
        for lk in links
        for c in lk.candidates
    )
    # no tags at all in a tagged corpus: nothing is linked
    none = link_by_tags(weights, themes, np.zeros_like(y))
    assert [lk.theme for lk in none] == [None] * 4


SUBJECT_THEME = {"budget": "transparency", "digital": "e_government", "health": None}


def _tagged_docs(n: int) -> list[Document]:
    rng = random.Random(3)
    docs = _docs(n)
    for d in docs:
        theme = SUBJECT_THEME[d.meta["subject"]]
        if theme and rng.random() < 0.7:
            d.tags.append(Tag(theme, 0.9, "lexicon"))
        if rng.random() < 0.3:
            d.tags.append(Tag("participation", 0.7, "lexicon"))
    return docs


def test_fit_links_topics_to_themes_through_document_tags(db: str) -> None:
    store = open_store(db)
    store.write_documents(_tagged_docs(90), "test", None)
    r = fit(store, 3, seed=1)
    got = {}
    for row in show(store):
        (subject,) = _subject_of_topic(row["terms"])
        got[subject] = row["theme"]
    assert got == SUBJECT_THEME
    link = r.topics[0]["meta"]["theme_link"]
    assert link["method"] == "tags" and set(link) >= {"share", "lift", "support", "candidates"}


def test_without_tags_seed_terms_link_topics_by_lift(store: Store) -> None:
    # No document is tagged: the taxonomy's seed terms decide. The budget topic is full of
    # transparency/accountability seeds; health words are seeds of no theme.
    fit(store, 3, seed=1)
    got = {}
    for row in show(store):
        (subject,) = _subject_of_topic(row["terms"])
        got[subject] = row["theme"]
    assert got["budget"] in ("transparency", "accountability") and got["health"] is None
    meta = store.topics_of_model(active_model(store)["id"])[0]["meta"]["theme_link"]
    assert meta["method"] == "seed_terms"
