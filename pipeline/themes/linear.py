"""A trained ThemeClassifier reduced to numpy arrays, for tagging without scikit-learn.

Importing scikit-learn costs about a second per process; tagging needs only vocabulary lookups,
a dot product and a sigmoid. ``compile_classifier`` turns a fitted ThemeClassifier into a
``LinearThemeModel`` that scores exactly as it does (a test holds them equal), and ``save`` /
``load`` keep it as ``linear.json`` + ``linear.npz`` beside the full model.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.themes.features import DocView


class NotCompilable(ValueError):
    """The classifier uses features this form does not implement (it keeps using scikit-learn)."""


@dataclass
class _Block:
    vocab: dict[str, int]  # term -> column of this block
    idf: np.ndarray | None  # TF-IDF blocks: idf per column; None for plain-valued blocks
    weight: float
    offset: int  # first column of the block in the full feature vector


@dataclass
class LinearThemeModel:
    themes: list[str]
    coef: np.ndarray  # features x themes
    intercept: np.ndarray  # themes
    constant: np.ndarray  # themes: NaN, or the fixed probability of a theme the data never varied
    thresholds_: np.ndarray
    blend_: np.ndarray | None
    tokens: _Block
    concepts: _Block
    bigrams: bool
    title: _Block | None
    lexicon_weight: float
    lexicon_offset: int

    def _features(self, v: DocView) -> tuple[list[int], list[float]]:
        """The non-zero columns of one document's feature vector and their values."""
        cols: list[int] = []
        vals: list[float] = []
        toks = v.tokens + (
            [f"{a}_{b}" for a, b in zip(v.tokens, v.tokens[1:], strict=False)] if self.bigrams else []
        )
        _tfidf(toks, self.tokens, cols, vals)
        for name, value in v.concepts.items():
            j = self.concepts.vocab.get(name)
            if j is not None:
                cols.append(self.concepts.offset + j)
                vals.append(value * self.concepts.weight)
        if self.title is not None:
            _tfidf(v.title, self.title, cols, vals)
        if self.lexicon_weight:
            for j, t in enumerate(self.themes):
                cols.append(self.lexicon_offset + j)
                vals.append(v.lexicon.get(t, 0.0) * self.lexicon_weight)
        return cols, vals

    def predict_proba(self, views: list[DocView]) -> np.ndarray:
        z = np.tile(self.intercept, (len(views), 1))
        for i, v in enumerate(views):
            cols, vals = self._features(v)
            if cols:
                z[i] += np.asarray(vals) @ self.coef[cols]
        P = 1.0 / (1.0 + np.exp(-z))
        fixed = ~np.isnan(self.constant)
        P[:, fixed] = self.constant[fixed]
        if self.blend_ is not None and self.blend_.any():
            L = np.array([[v.lexicon.get(t, 0.0) for t in self.themes] for v in views]).reshape(P.shape)
            P = (1 - self.blend_) * P + self.blend_ * L
        return P

    def predict(self, views: list[DocView]) -> np.ndarray:
        return (self.predict_proba(views) >= self.thresholds_).astype(int)


def _tfidf(terms: list[str], block: _Block, cols: list[int], vals: list[float]) -> None:
    # TfidfVectorizer(sublinear_tf=True, norm="l2"): (1 + ln tf) * idf, then unit length.
    found = [(block.vocab[t], n) for t, n in Counter(terms).items() if t in block.vocab]
    if not found:
        return
    v = np.array([(1.0 + np.log(n)) * block.idf[j] for j, n in found])
    v *= block.weight / np.sqrt((v * v).sum())
    cols.extend(block.offset + j for j, _ in found)
    vals.extend(v.tolist())


def compile_classifier(clf: Any) -> LinearThemeModel:
    """The numpy form of a fitted ThemeClassifier (see the module docstring)."""
    if clf.char_weight:
        raise NotCompilable("character n-gram features are not compiled")
    tok_vocab = {t: int(j) for t, j in clf._tfidf.vocabulary_.items()}
    blocks_width = [len(tok_vocab)]
    tokens = _Block(tok_vocab, clf._tfidf.idf_.copy(), 1.0, 0)
    conc_vocab = {t: int(j) for t, j in clf._dict.vocabulary_.items()}
    concepts = _Block(conc_vocab, None, clf.concept_weight, sum(blocks_width))
    blocks_width.append(len(conc_vocab))
    title = None
    if clf.title_weight:
        title = _Block(
            {t: int(j) for t, j in clf._titles.vocabulary_.items()},
            clf._titles.idf_.copy(),
            clf.title_weight,
            sum(blocks_width),
        )
        blocks_width.append(len(title.vocab))
    lexicon_offset = sum(blocks_width)
    n_features = lexicon_offset + (len(clf.themes) if clf.lexicon_features else 0)
    coef = np.zeros((n_features, len(clf.themes)))
    intercept = np.zeros(len(clf.themes))
    constant = np.full(len(clf.themes), np.nan)
    for j, m in enumerate(clf._models):
        if isinstance(m, float):
            constant[j] = m
        else:
            coef[:, j] = m.coef_.ravel()
            intercept[j] = float(m.intercept_[0])
    return LinearThemeModel(
        themes=list(clf.themes),
        coef=coef,
        intercept=intercept,
        constant=constant,
        thresholds_=np.asarray(clf.thresholds_, dtype=float),
        blend_=None if clf.blend_ is None else np.asarray(clf.blend_, dtype=float),
        tokens=tokens,
        concepts=concepts,
        bigrams=bool(clf.bigrams),
        title=title,
        lexicon_weight=float(clf.lexicon_features),
        lexicon_offset=lexicon_offset,
    )


def save(model: LinearThemeModel, folder: Path) -> None:
    def block(b: _Block | None) -> dict[str, Any] | None:
        return None if b is None else {"vocab": b.vocab, "weight": b.weight, "offset": b.offset}

    meta = {
        "themes": model.themes,
        "bigrams": model.bigrams,
        "lexicon_weight": model.lexicon_weight,
        "lexicon_offset": model.lexicon_offset,
        "tokens": block(model.tokens),
        "concepts": block(model.concepts),
        "title": block(model.title),
    }
    (folder / "linear.json").write_text(json.dumps(meta, ensure_ascii=False, sort_keys=True), "utf-8")
    arrays = {
        "coef": model.coef,
        "intercept": model.intercept,
        "constant": model.constant,
        "thresholds": model.thresholds_,
        "tokens_idf": model.tokens.idf,
    }
    if model.blend_ is not None:
        arrays["blend"] = model.blend_
    if model.title is not None:
        arrays["title_idf"] = model.title.idf
    np.savez_compressed(folder / "linear.npz", **arrays)


def load(folder: Path) -> LinearThemeModel:
    meta = json.loads((folder / "linear.json").read_text("utf-8"))
    with np.load(folder / "linear.npz") as a:
        arrays = {k: a[k] for k in a.files}

    def block(d: dict[str, Any] | None, idf: np.ndarray | None) -> _Block | None:
        return None if d is None else _Block(d["vocab"], idf, d["weight"], d["offset"])

    return LinearThemeModel(
        themes=meta["themes"],
        coef=arrays["coef"],
        intercept=arrays["intercept"],
        constant=arrays["constant"],
        thresholds_=arrays["thresholds"],
        blend_=arrays.get("blend"),
        tokens=block(meta["tokens"], arrays["tokens_idf"]),
        concepts=block(meta["concepts"], None),
        bigrams=meta["bigrams"],
        title=block(meta["title"], arrays.get("title_idf")),
        lexicon_weight=meta["lexicon_weight"],
        lexicon_offset=meta["lexicon_offset"],
    )
