"""Training, cross-validated evaluation and registration of theme classifiers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import KFold

from pipeline.document import Document
from pipeline.models import Registry, data_hash
from pipeline.themes.classifier import ThemeClassifier
from pipeline.themes.embedding import EmbeddingPart, fit_embedding
from pipeline.themes.features import DocView, doc_view
from pipeline.themes.metrics import scores
from pipeline.themes.tagger import LexiconTagger
from pipeline.themes.taxonomy import Taxonomy

# L1 + lexicon scores as features: 5-fold CV macro-F1 0.608/0.626/0.632 (fold seeds 42/7/1) against
# 0.610/0.583/0.604 for L2 without them (bench/themes_cv.py; chosen on seeds 42 and 7, seed 1 confirms).
DEFAULT_PARAMS: dict[str, Any] = {
    "C": 4.0,
    "l1_ratio": 1.0,
    "concept_weight": 0.3,
    "lexicon_features": 1.0,
    "min_df": 2,
    "threshold_folds": 8,
    "lexicon_blend": 0.3,
}


@dataclass
class VectorSet:
    """Document vectors of a labelled set, one row per document, and the encoder that made them."""

    X: np.ndarray
    encoder: str
    encoder_version: str
    max_tokens: int


@dataclass
class LabelledSet:
    docs: list[Document]
    views: list[DocView]
    Y: np.ndarray
    themes: list[str]
    langs: list[str]
    hash: str
    vectors: VectorSet | None = None  # when set, training also fits and blends the embedding part


def labelled_set(
    docs: list[Document], theme_lists: list[list[str]], tax: Taxonomy, vectors: VectorSet | None = None
) -> LabelledSet:
    themes = tax.ids
    Y = np.array([[int(t in tl) for t in themes] for tl in theme_lists], dtype=int).reshape(
        len(docs), len(themes)
    )
    views = [doc_view(d, tax) for d in docs]
    h = data_hash([f"{d.id}|{';'.join(sorted(tl))}" for d, tl in zip(docs, theme_lists, strict=True)])
    return LabelledSet(docs, views, Y, themes, [v.lang for v in views], h, vectors)


def fit(ls: LabelledSet, seed: int = 42, params: dict[str, Any] | None = None) -> ThemeClassifier:
    return ThemeClassifier(themes=ls.themes, seed=seed, **{**DEFAULT_PARAMS, **(params or {})}).fit(
        ls.views, ls.Y
    )


def fit_embedding_part(ls: LabelledSet, clf: ThemeClassifier, seed: int = 42) -> EmbeddingPart | None:
    """The embedding part blended with ``clf`` (fitted on the same set), or None without vectors."""
    v = ls.vectors
    if v is None:
        return None
    return fit_embedding(
        v.X, ls.Y, clf.oof_, clf.threshold_folds, seed, v.encoder, v.encoder_version, v.max_tokens, ls.langs
    )


def _subset(ls: LabelledSet, idx: np.ndarray) -> LabelledSet:
    v = ls.vectors
    return LabelledSet(
        [ls.docs[i] for i in idx],
        [ls.views[i] for i in idx],
        ls.Y[idx],
        ls.themes,
        [ls.langs[i] for i in idx],
        ls.hash,
        None if v is None else VectorSet(v.X[idx], v.encoder, v.encoder_version, v.max_tokens),
    )


def cross_validate(
    ls: LabelledSet, tax: Taxonomy, seed: int = 42, folds: int = 5, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Out-of-fold predictions of the model (thresholds tuned inside each training fold) and of the
    lexicon; scores overall, per language, and across languages (train on one, test on the other).

    With vectors, also the blend of the model with its embedding part ("blend"; C, weight and
    thresholds chosen inside each training fold), the same breakdowns, and the choices per fold."""
    n = len(ls.docs)
    folds = max(2, min(folds, n))
    P = np.zeros_like(ls.Y)
    B = np.zeros_like(ls.Y) if ls.vectors is not None else None
    choices = []
    for train, test in KFold(folds, shuffle=True, random_state=seed).split(np.arange(n)):
        sub = _subset(ls, train)
        clf = fit(sub, seed, params)
        views = [ls.views[i] for i in test]
        P[test] = clf.predict(views)
        part = fit_embedding_part(sub, clf, seed)
        if part is not None and B is not None and ls.vectors is not None:
            S = part.blend(clf.predict_proba(views), ls.vectors.X[test])
            B[test] = (S >= part.thresholds_for([ls.langs[i] for i in test])).astype(int)
            choices.append({"C": part.C, "weight": part.weight, "languages": sorted(part.lang_thresholds)})
    L = LexiconTagger(tax).predict(ls.docs)
    out: dict[str, Any] = {
        "folds": folds,
        "model": scores(ls.Y, P, ls.themes),
        "lexicon": scores(ls.Y, L, ls.themes),
        "by_lang": {},
        "cross_lingual": {},
    }
    if B is not None and ls.vectors is not None:
        out["blend"] = scores(ls.Y, B, ls.themes)
        out["blend_choices"] = choices
        out["encoder"] = ls.vectors.encoder
    langs = np.array(["id" if g == "mixed" else g for g in ls.langs])
    for g in ("id", "en"):
        m = langs == g
        if m.sum():
            out["by_lang"][g] = {
                "model": scores(ls.Y[m], P[m], ls.themes),
                "lexicon": scores(ls.Y[m], L[m], ls.themes),
            }
            if B is not None:
                out["by_lang"][g]["blend"] = scores(ls.Y[m], B[m], ls.themes)
    for src, dst in (("en", "id"), ("id", "en")):
        tr, te = np.flatnonzero(langs == src), np.flatnonzero(langs == dst)
        if len(tr) >= 10 and len(te):
            clf = fit(_subset(ls, tr), seed, params)
            out["cross_lingual"][f"{src}->{dst}"] = scores(
                ls.Y[te], clf.predict([ls.views[i] for i in te]), ls.themes
            )
    return out


def register(
    clf: ThemeClassifier,
    tax: Taxonomy,
    ls: LabelledSet,
    cv: dict[str, Any],
    labels_path: str,
    registry: Registry | None = None,
    embedding: EmbeddingPart | None = None,
) -> str:
    """Save a trained model (and its embedding part) with its metadata in the corpus's registry
    (not activated)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="govtext-train-") as tmp:
        return _register(clf, tax, ls, cv, labels_path, registry or Registry(), embedding, Path(tmp))


def _register(
    clf: ThemeClassifier, tax: Taxonomy, ls: LabelledSet, cv: dict[str, Any], labels_path: str, reg: Registry,
    embedding: EmbeddingPart | None, path: Path,
) -> str:  # fmt: skip
    import joblib

    model_id = reg.new_id("themes")
    joblib.dump(clf, path / "classifier.joblib", compress=3)
    from pipeline.themes.linear import NotCompilable, compile_classifier, save

    try:
        save(compile_classifier(clf), path)  # what tagging loads: no scikit-learn needed
    except NotCompilable:
        pass
    (path / "taxonomy.json").write_text(_json(tax.to_dict()), encoding="utf-8")
    extra: dict[str, Any] = {}
    if embedding is not None:
        from pipeline.themes.embedding import save as save_embedding

        save_embedding(embedding, path)
        extra["embedding"] = {
            **embedding.meta(),
            "thresholds": {t: float(x) for t, x in zip(ls.themes, embedding.thresholds, strict=True)},
            "thresholds_by_lang": {
                g: {t: float(x) for t, x in zip(ls.themes, thr, strict=True)}
                for g, thr in embedding.lang_thresholds.items()
            },
        }
    reg.save(
        "themes",
        model_id,
        path,
        {
            "method": "classifier",
            "labels": labels_path,
            "pipeline": _pipeline_version(),
            "data_hash": ls.hash,
            "documents": len(ls.docs),
            "themes": ls.themes,
            "params": {**clf.get_params()},
            "seed": clf.seed,
            "thresholds": {t: float(x) for t, x in zip(ls.themes, clf.thresholds_, strict=True)},
            "lexicon_share": {t: float(x) for t, x in zip(ls.themes, clf.blend_, strict=True)},
            "cv": {
                "macro_f1": cv["model"]["macro_f1"],
                "micro_f1": cv["model"]["micro_f1"],
                "lexicon_macro_f1": cv["lexicon"]["macro_f1"],
                "folds": cv["folds"],
                "by_lang": {g: v["model"]["macro_f1"] for g, v in cv["by_lang"].items()},
                "cross_lingual": {k: v["macro_f1"] for k, v in cv["cross_lingual"].items()},
                **(
                    {
                        "blend_macro_f1": cv["blend"]["macro_f1"],
                        "blend_micro_f1": cv["blend"]["micro_f1"],
                        "blend_by_lang": {g: v["blend"]["macro_f1"] for g, v in cv["by_lang"].items()},
                        "blend_choices": cv["blend_choices"],
                    }
                    if "blend" in cv
                    else {}
                ),
            },
            **extra,
        },
    )
    return model_id


def _pipeline_version() -> str:
    """The stage versions the training documents went through (features depend on them)."""
    from pipeline.stages import default_stages, pipeline_version

    return pipeline_version(default_stages())


def _json(obj: Any) -> str:
    import json

    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def model_score(meta: dict[str, Any]) -> float:
    """A model's CV macro-F1 as it tags: its blend's when it has an embedding part."""
    cv = meta.get("cv", {})
    return float(cv.get("blend_macro_f1", cv.get("macro_f1", 0.0)))


def decide_activation(new_id: str, registry: Registry, force: bool) -> tuple[bool, str]:
    """Activate when asked, or when better than the active model by CV macro-F1 (of the blend for a
    model with an embedding part); say why either way."""
    new = registry.get("themes", new_id)
    cur = registry.active("themes")
    new_f1 = model_score(new.meta)
    if force:
        registry.use("themes", new_id)
        return True, f"activated {new_id} (macro-F1 {new_f1:.3f}) as asked"
    if cur is None:
        registry.use("themes", new_id)
        return True, f"activated {new_id} (macro-F1 {new_f1:.3f}): there was no active model"
    cur_f1 = model_score(cur.meta)
    same_data = cur.meta.get("data_hash") == new.meta.get("data_hash")
    note = "" if same_data else " (trained on different data: compare with care)"
    if new_f1 > cur_f1:
        registry.use("themes", new_id)
        return (
            True,
            f"activated {new_id}: macro-F1 {new_f1:.3f} beats the active {cur.id} ({cur_f1:.3f}){note}",
        )
    return False, (
        f"kept the active model {cur.id} (macro-F1 {cur_f1:.3f} >= {new_f1:.3f}){note}; "
        f"use --activate or `govtext models use {new_id}` to switch"
    )


def labels_hash_of(path: Path) -> str:
    return data_hash([Path(path).read_text(encoding="utf-8", errors="replace")])
