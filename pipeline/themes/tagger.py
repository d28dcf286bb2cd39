"""Tag documents with themes: the active trained model, or the lexicon when there is none."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.document import Document, Tag
from pipeline.models import Registry, unpack
from pipeline.themes.embedding import EmbeddingPart
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
    """A trained ThemeClassifier with the taxonomy it was trained with, and its embedding part
    when it has one (used for the documents that have a vector of that part's encoder)."""

    classifier: Any
    taxonomy: Taxonomy
    model_id: str
    method: str = "classifier"
    embedding: EmbeddingPart | None = None
    blend_method: str = "classifier+embedding"

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

    def scores(
        self, docs: list[Document], vectors: list[np.ndarray | None] | None = None
    ) -> tuple[np.ndarray, np.ndarray, list[bool]]:
        """(scores, thresholds, blended?) per document: the blend where a vector is given and
        the model has an embedding part (with its thresholds for the document's language), the
        bag-of-words model elsewhere."""
        P = self.predict_proba(docs)
        T = np.tile(np.asarray(self.thresholds, dtype=float), (len(docs), 1))
        blended = [False] * len(docs)
        if self.embedding is None or vectors is None:
            return P, T, blended
        rows = [i for i, v in enumerate(vectors) if v is not None]
        if rows:
            X = np.stack([vectors[i] for i in rows])
            from pipeline.themes.features import main_lang

            P[rows] = self.embedding.blend(P[rows], X)
            T[rows] = self.embedding.thresholds_for([main_lang(docs[i]) for i in rows])
            for i in rows:
                blended[i] = True
        return P, T, blended


def load_model(path: Path, model_id: str) -> ModelTagger:
    """A registered themes model; its numpy form when saved (no scikit-learn import: faster start)."""
    if (path / "linear.json").is_file():
        from pipeline.themes.linear import load

        clf: Any = load(path)
    else:
        import joblib

        clf = joblib.load(path / "classifier.joblib")
    from pipeline.themes.embedding import load as load_embedding

    return ModelTagger(clf, load_taxonomy(path / "taxonomy.json"), model_id, embedding=load_embedding(path))


def tagger_for(
    model_id: str | None, files: dict[str, bytes] | None, taxonomy_path: Path | None = None
) -> LexiconTagger | ModelTagger:
    """The tagger of a model given by its files (None: the lexicon). A taxonomy of the user's own
    that the model was not trained on is tagged by the lexicon: the model knows other themes."""
    tax = load_taxonomy(taxonomy_path)
    if model_id is None:
        return LexiconTagger(tax)
    with tempfile.TemporaryDirectory(prefix="govtext-themes-") as tmp:
        unpack(files or {}, Path(tmp))
        model = load_model(Path(tmp), model_id)
    if taxonomy_path is not None and model.themes != tax.ids:
        return LexiconTagger(tax)
    return model


def active_tagger(
    taxonomy_path: Path | None = None, registry: Registry | None = None
) -> LexiconTagger | ModelTagger:
    """The tagger of the active themes model (the corpus's choice, else the shipped default)."""
    reg = registry or Registry()
    model_id = reg.active_id("themes")
    return tagger_for(model_id, reg.files("themes", model_id) if model_id else None, taxonomy_path)


def tags_for(
    tagger: LexiconTagger | ModelTagger, docs: list[Document], vectors: list[np.ndarray | None] | None = None
) -> list[list[Tag]]:
    """Tags per document. ``vectors``: one per document (None where it has none), read from the
    corpus; they matter only to a model with an embedding part (see ModelTagger.scores)."""
    if isinstance(tagger, ModelTagger):
        P, T, blended = tagger.scores(docs, vectors)
    else:
        P = tagger.predict_proba(docs)
        T = np.full(P.shape, tagger.threshold)
        blended = [False] * len(docs)
    out = []
    for row, thr, blend in zip(P, T, blended, strict=True):
        method = tagger.blend_method if blend else tagger.method  # type: ignore[union-attr]
        out.append(
            [
                Tag(theme=t, score=round(float(row[j]), 4), method=method, model=tagger.model_id)
                for j, t in enumerate(tagger.themes)
                if row[j] >= thr[j]
            ]
        )
    return out


def corpus_vectors_for(
    tagger: LexiconTagger | ModelTagger, store: Any, doc_ids: list[str]
) -> list[np.ndarray | None] | None:
    """The stored vectors a tagger can use for these documents (None: it uses none)."""
    part = getattr(tagger, "embedding", None)
    if part is None:
        return None
    ids, X = store.vectors(part.encoder, doc_ids)
    found = dict(zip(ids, X, strict=True))
    return [found.get(i) for i in doc_ids]
