"""Tag documents with themes: the active trained model, or the lexicon when there is none."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.document import Document, Tag
from pipeline.models import Registry
from pipeline.themes.evidence import collect, lexicon_score
from pipeline.themes.taxonomy import Taxonomy, load_taxonomy

LEXICON_THRESHOLD = 0.7


@dataclass
class LexiconTagger:
    """The out-of-the-box method: seed-term evidence from the taxonomy, no training data."""

    taxonomy: Taxonomy
    threshold: float = LEXICON_THRESHOLD
    method: str = "lexicon"
    model_id: str | None = None

    @property
    def themes(self) -> list[str]:
        return self.taxonomy.ids

    def predict_proba(self, docs: list[Document]) -> np.ndarray:
        out = np.zeros((len(docs), len(self.themes)))
        for i, d in enumerate(docs):
            ev = collect(d, self.taxonomy)
            for j, t in enumerate(self.themes):
                out[i, j] = lexicon_score(ev, t)
        return out

    def predict(self, docs: list[Document]) -> np.ndarray:
        return (self.predict_proba(docs) >= self.threshold).astype(int)


@dataclass
class ModelTagger:
    """A trained ThemeClassifier with the taxonomy it was trained with."""

    classifier: Any
    taxonomy: Taxonomy
    model_id: str
    method: str = "classifier"

    @property
    def themes(self) -> list[str]:
        return self.classifier.themes

    def predict_proba(self, docs: list[Document]) -> np.ndarray:
        from pipeline.themes.features import doc_view

        return self.classifier.predict_proba([doc_view(d, self.taxonomy) for d in docs])

    def predict(self, docs: list[Document]) -> np.ndarray:
        return (self.predict_proba(docs) >= self.classifier.thresholds_).astype(int)

    @property
    def thresholds(self) -> np.ndarray:
        return self.classifier.thresholds_


def load_model(path: Path, model_id: str) -> ModelTagger:
    """A registered themes model; its numpy form when saved (no scikit-learn import: faster start)."""
    if (path / "linear.json").is_file():
        from pipeline.themes.linear import load

        clf: Any = load(path)
    else:
        import joblib

        clf = joblib.load(path / "classifier.joblib")
    return ModelTagger(clf, load_taxonomy(path / "taxonomy.json"), model_id)


def active_tagger(
    taxonomy_path: Path | None = None, registry: Registry | None = None
) -> LexiconTagger | ModelTagger:
    """The active themes model when there is one that fits the taxonomy in use, else the lexicon."""
    tax = load_taxonomy(taxonomy_path)
    info = (registry or Registry()).active("themes")
    if info is not None:
        try:
            model = load_model(info.path, info.id)
        except Exception:  # noqa: BLE001 - a broken model file must not stop tagging: fall back
            model = None
        if model is not None and (taxonomy_path is None or model.themes == tax.ids):
            return model
    return LexiconTagger(tax)


def tags_for(tagger: LexiconTagger | ModelTagger, docs: list[Document]) -> list[list[Tag]]:
    P = tagger.predict_proba(docs)
    thresholds = (
        tagger.thresholds if isinstance(tagger, ModelTagger) else np.full(P.shape[1], tagger.threshold)
    )
    out = []
    for row in P:
        out.append(
            [
                Tag(theme=t, score=round(float(row[j]), 4), method=tagger.method, model=tagger.model_id)
                for j, t in enumerate(tagger.themes)
                if row[j] >= thresholds[j]
            ]
        )
    return out
