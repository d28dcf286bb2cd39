import csv
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import Config
from pipeline.document import Document, Part
from pipeline.executor.work import apply_stages
from pipeline.models import Registry
from pipeline.stages import default_stages
from pipeline.store import open_store
from pipeline.themes.labels import LabelsError, read_labels, resolve
from pipeline.themes.tagger import LexiconTagger, active_tagger, load_model, tags_for
from pipeline.themes.taxonomy import TaxonomyError, load_taxonomy
from pipeline.themes.train import cross_validate, decide_activation, fit, labelled_set, register

runner = CliRunner()

TEXTS = {
    "anti_corruption": [
        "Corruption and bribery in local procurement: how the anti-corruption agency detects gratification.",
        "Pencegahan korupsi dan gratifikasi melalui zona integritas di kantor pelayanan pajak.",
        "Bribery of officials and the integrity system of the anti-corruption commission.",
        "Peran KPK dalam pemberantasan korupsi pengadaan barang dan jasa pemerintah daerah.",
    ],
    "participation": [
        "Citizen participation in participatory budgeting and public consultation on village plans.",
        "Partisipasi masyarakat dalam musrenbang desa dan perencanaan pembangunan partisipatif.",
        "Community participation in development planning forums and deliberation with residents.",
        "Keterlibatan warga dalam penyusunan anggaran partisipatif dan konsultasi publik kebijakan.",
    ],
    "e_government": [
        "Adoption of e-government online services and digital platforms in provincial agencies.",
        "Penerapan sistem pemerintahan berbasis elektronik (SPBE) dan layanan daring pemerintah kota.",
        "Smart city dashboards and e-government portals for online public services.",
        "Aplikasi e-government dan digitalisasi layanan administrasi kependudukan secara online.",
    ],
}


def _labels_csv(tmp_path: Path, copies: int = 4) -> Path:
    path = tmp_path / "labels.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "themes"])
        for k in range(copies):
            for theme, texts in TEXTS.items():
                for t in texts:
                    w.writerow([f"{t} Study {k}.", theme])
            w.writerow([f"Rice yield under nitrogen fertiliser trials, season {k}.", ""])
    return path


@pytest.fixture(scope="module")
def tax():
    return load_taxonomy()


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tax):
    tmp = tmp_path_factory.mktemp("themes")
    labels = _labels_csv(tmp)
    rows = read_labels(labels, tax)
    docs = resolve(rows, labels)
    ls = labelled_set(docs, [r.themes for r in rows], tax)
    return tmp, labels, ls


def _doc(text: str) -> Document:
    d = Document(id="x", path="x.txt", format="txt", parts=[Part("raw", text)])
    docs, errors = apply_stages([d], [s for s in default_stages() if s.name != "themes"], Config())
    assert not errors
    return docs[0]


def test_packaged_taxonomy_has_the_codebook_themes(tax):
    assert len(tax.ids) == 13 and "partnership" in tax.ids and "e_government" in tax.ids
    assert all(t.terms["en"] and t.terms["id"] for t in tax.themes)


def test_lexicon_matches_stems_across_inflections(tax):
    lex = LexiconTagger(tax)
    a = _doc(
        "Kemitraan pemerintah daerah dan swasta\n\nPemerintah bermitra dengan swasta dalam kemitraan "
        "penyediaan air minum; kolaborasi dan kemitraan pemerintah swasta meningkatkan cakupan."
    )
    b = _doc(
        "Public-private partnership for water\n\nThe city government formed public-private partnerships "
        "and collaborative governance networks with firms and civil society."
    )
    for d in (a, b):
        tags = tags_for(lex, [d])[0]
        assert "partnership" in {t.theme for t in tags}
        assert all(t.method == "lexicon" for t in tags)
    none = _doc("Rice yield\n\nNitrogen fertiliser raised rice yield in three seasons of field trials.")
    assert tags_for(lex, [none])[0] == []


def test_taxonomy_errors_point_at_the_line(tmp_path):
    bad = tmp_path / "t.json"
    bad.write_text('{"themes": [\n {"id": "a", "terms_en": ["x"]},\n {"id": "a", "terms_en": ["y"]}\n]}')
    with pytest.raises(TaxonomyError, match=r"t.json:3: .*appears twice"):
        load_taxonomy(bad)
    bad.write_text('{"themes": [\n {"id": "a",\n "terms_en": ["x"],,}]}')
    with pytest.raises(TaxonomyError, match=r"t.json:3: invalid JSON"):
        load_taxonomy(bad)


@pytest.mark.parametrize(
    "content,needle",
    [
        ("text,themes\nsome text,transparancy\n", r"labels.csv:2: unknown theme 'transparancy'"),
        ("text,topics\nsome text,transparency\n", r"no 'themes' column"),
        ("id,themes\nnot-there,transparency\n", r"labels.csv:2: unknown document 'not-there'"),
        ("foo,themes\nx,transparency\n", r"no document column"),
    ],
)
def test_malformed_labels_give_clear_errors(tmp_path, tax, content, needle):
    path = tmp_path / "labels.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LabelsError, match=needle):
        resolve(read_labels(path, tax), path)


def test_labels_jsonl_broken_line(tmp_path, tax):
    path = tmp_path / "labels.jsonl"
    path.write_text('{"text": "a", "themes": ""}\n{oops\n', encoding="utf-8")
    with pytest.raises(LabelsError, match=r"labels.jsonl:2: invalid JSON"):
        read_labels(path, tax)


def test_training_is_reproducible_and_learns(trained, tax):
    _, _, ls = trained
    a, b = fit(ls, seed=7), fit(ls, seed=7)
    pa, pb = a.predict_proba(ls.views), b.predict_proba(ls.views)
    assert np.array_equal(pa, pb) and np.array_equal(a.thresholds_, b.thresholds_)
    pred = a.predict(ls.views)
    j = ls.themes.index("participation")
    assert pred[:, j].tolist() == ls.Y[:, j].tolist()


def test_thresholds_are_tuned_per_theme(trained):
    _, _, ls = trained
    clf = fit(ls, seed=1)
    assert clf.thresholds_.shape == (len(ls.themes),)
    assert all(0.0 < t < 1.0 for t in clf.thresholds_)


def test_persistence_registry_and_activation(trained, tax, db):
    tmp, labels, ls = trained
    reg = Registry(open_store(db))
    shipped = reg.active_id("themes")  # a corpus with no model of its own tags with the shipped one
    assert shipped is not None and reg.get("themes", shipped).shipped
    reg.use("themes", None)  # the lexicon, by choice
    cv = cross_validate(ls, tax, seed=3, folds=3)
    assert set(cv) >= {"model", "lexicon", "by_lang", "cross_lingual"}
    clf = fit(ls, seed=3)
    first = register(clf, tax, ls, cv, str(labels), reg)
    assert decide_activation(first, reg, force=False)[0]  # nothing active
    meta = reg.get("themes", first).meta
    assert meta["seed"] == 3 and meta["data_hash"] == ls.hash and "scikit-learn" in meta["versions"]
    with reg.folder("themes", first) as folder:  # the model's files, as the corpus keeps them
        reloaded = load_model(folder, first)
    assert np.array_equal(reloaded.predict_proba(ls.docs), clf.predict_proba(ls.views))
    # A worse model is registered but not activated.
    worse_cv = json.loads(json.dumps(cv))
    worse_cv["model"]["macro_f1"] = cv["model"]["macro_f1"] - 0.2
    second = register(clf, tax, ls, worse_cv, str(labels), reg)
    activated, msg = decide_activation(second, reg, force=False)
    assert not activated and "kept the active model" in msg and reg.active_id("themes") == first
    assert decide_activation(second, reg, force=True)[0] and reg.active_id("themes") == second
    tagger = active_tagger(registry=reg)
    assert tagger.method == "classifier" and tagger.model_id == second


def test_cli_train_evaluate_models_and_retag(trained, tmp_path, db):
    _, labels, _ = trained
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "Peran KPK dalam pencegahan korupsi\n\nKorupsi dan gratifikasi di pemerintah "
        "daerah dicegah melalui zona integritas dan sistem integritas.",
        encoding="utf-8",
    )
    open_store(db).close()
    assert runner.invoke(app, ["models", "use", "none", "--db", db]).exit_code == 0  # the lexicon
    r = runner.invoke(app, ["ingest", str(corpus), "--db", db, "--workers", "1"])
    assert r.exit_code == 0, r.output
    shown = json.loads(runner.invoke(app, ["show", str(corpus / "a.txt"), "--db", db, "-f", "json"]).stdout)
    assert {(t["theme"], t["method"]) for t in shown["tags"]} >= {("anti_corruption", "lexicon")}
    r = runner.invoke(app, ["train", str(labels), "--db", db, "--seed", "5", "--folds", "3"])
    assert r.exit_code == 0, r.output
    assert "activated" in r.output
    listed = json.loads(
        runner.invoke(app, ["models", "list", "--kind", "themes", "--db", db, "-f", "json"]).stdout
    )
    mine = [m for m in listed if not m["id"].endswith("(shipped)")]
    assert len(mine) == 1 and mine[0]["active"] and mine[0]["seed"] == 5
    assert len(listed) == 2  # and the shipped default, not active here
    r = runner.invoke(app, ["evaluate", str(labels), "--db", db, "-f", "json"])
    result = json.loads(r.stdout)
    assert result["method"] == "classifier" and "warning" in result
    assert result["model"]["macro_f1"] >= result["lexicon"]["macro_f1"] - 0.2
    r = runner.invoke(app, ["tag", "--db", db])
    assert r.exit_code == 0, r.output
    shown = json.loads(runner.invoke(app, ["show", str(corpus / "a.txt"), "--db", db, "-f", "json"]).stdout)
    assert shown["tags"] and {t["method"] for t in shown["tags"]} == {"classifier"}
    assert {t["model"] for t in shown["tags"]} == {mine[0]["id"]}
    r = runner.invoke(app, ["query", "korupsi", "--theme", "anti_corruption", "--db", db, "-f", "json"])
    assert len(json.loads(r.stdout)) == 1
    r = runner.invoke(app, ["models", "use", "nope", "--db", db])
    assert r.exit_code == 2 and "no themes model" in r.output
    out = tmp_path / "exported"
    r = runner.invoke(app, ["models", "export", mine[0]["id"], str(out), "--db", db])
    assert r.exit_code == 0 and (out / mine[0]["id"] / "model.json").is_file()


def test_title_terms_have_their_own_view(tax):
    from pipeline.themes.features import doc_view

    v = doc_view(
        _doc("Korupsi pengadaan\n\nPenelitian ini membahas pencegahan korupsi di pemerintah daerah."), tax
    )
    assert v.title and set(v.title) <= set(v.tokens)
    assert "anti_corruption" in v.lexicon and v.lexicon["anti_corruption"] > 0


@pytest.mark.parametrize(
    "extra",
    [
        {"bigrams": True},
        {"title_weight": 0.5},
        {"lexicon_features": 1.0},
        {"char_weight": 0.5, "char_features": 300},
    ],
)
def test_optional_feature_blocks_train_and_persist(trained, tmp_path, extra):
    import joblib

    from pipeline.themes.classifier import ThemeClassifier

    _, _, ls = trained
    clf = fit(ls, seed=2, params={**extra, "threshold_folds": 3})
    base = ThemeClassifier(themes=ls.themes)
    n_base = base._matrix(ls.views, fit=True).shape[1]
    assert clf._matrix(ls.views, fit=False).shape[1] > n_base  # the option added columns
    if "char_features" in extra:
        assert len(clf._chars.vocabulary_) <= 300
    assert clf.get_params().items() >= extra.items()
    joblib.dump(clf, tmp_path / "m.joblib")
    again = joblib.load(tmp_path / "m.joblib")
    assert np.array_equal(again.predict_proba(ls.views), clf.predict_proba(ls.views))
    j = ls.themes.index("anti_corruption")
    assert clf.predict(ls.views)[:, j].tolist() == ls.Y[:, j].tolist()


def test_l1_penalty_gives_a_sparse_model(trained):
    _, _, ls = trained
    l1 = fit(ls, seed=4, params={"l1_ratio": 1.0, "threshold_folds": 3})
    l2 = fit(ls, seed=4, params={"l1_ratio": 0.0, "threshold_folds": 3})
    nz = [
        sum(int(np.count_nonzero(m.coef_)) for m in c._models if not isinstance(m, float)) for c in (l1, l2)
    ]
    assert 0 < nz[0] < nz[1] / 2
    j = ls.themes.index("e_government")
    assert l1.predict(ls.views)[:, j].tolist() == ls.Y[:, j].tolist()


def test_numpy_form_scores_like_the_classifier(trained, tax, tmp_path):
    from pipeline.themes.linear import compile_classifier, load, save

    _, _, ls = trained
    clf = fit(ls, seed=11)
    save(compile_classifier(clf), tmp_path)
    lin = load(tmp_path)
    assert np.allclose(lin.predict_proba(ls.views), clf.predict_proba(ls.views), atol=1e-12)
    assert np.array_equal(lin.predict(ls.views), clf.predict(ls.views))
    assert lin.themes == clf.themes


def test_tagging_does_not_import_sklearn():
    import subprocess
    import sys

    code = (
        "import sys; from pipeline.themes.tagger import active_tagger; t = active_tagger(); "
        "print(t.method, 'sklearn' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    ).stdout.split()
    assert out == ["classifier", "False"]
