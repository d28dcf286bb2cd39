"""A multi-label theme classifier with the scikit-learn estimator interface.

``ThemeClassifier`` is a plain object: ``fit(views, Y)``, ``predict_proba(views)``,
``predict(views)``. Features are TF-IDF over normalised tokens plus the cross-lingual concept
features (pipeline.themes.features); one logistic regression per theme; per-theme decision
thresholds tuned by cross-validation on the training data. Everything is seeded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from pipeline.themes.features import DocView


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = float(np.sum(y & pred))
    fp = float(np.sum(~y & pred))
    fn = float(np.sum(y & ~pred))
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


THRESHOLD_GRID = np.round(np.arange(0.10, 0.91, 0.05), 2)


def tune_thresholds(Y: np.ndarray, P: np.ndarray, default: float = 0.5) -> np.ndarray:
    """Per column, the grid threshold that maximises F1 of out-of-fold probabilities."""
    out = np.full(Y.shape[1], default)
    for j in range(Y.shape[1]):
        y = Y[:, j].astype(bool)
        if y.sum() == 0:
            continue
        scores = [(_f1(y, P[:, j] >= t), -abs(t - default), t) for t in THRESHOLD_GRID]
        out[j] = max(scores)[2]
    return out


@dataclass
class ThemeClassifier:
    themes: list[str]
    C: float = 4.0
    concept_weight: float = 1.0
    min_df: int = 2
    seed: int = 42
    threshold_folds: int = 4
    char_weight: float = 0.0  # character n-grams of normal forms: cognates (korupsi/corruption) meet
    lexicon_blend: float = 0.0  # share of the lexicon score in the final probability
    thresholds_: np.ndarray | None = field(default=None, repr=False)
    _tfidf: Any = field(default=None, repr=False)
    _dict: Any = field(default=None, repr=False)
    _chars: Any = field(default=None, repr=False)
    _models: list[Any] = field(default_factory=list, repr=False)

    def get_params(self) -> dict[str, Any]:
        return {"C": self.C, "concept_weight": self.concept_weight, "min_df": self.min_df, "seed": self.seed,
                "threshold_folds": self.threshold_folds, "char_weight": self.char_weight,
                "lexicon_blend": self.lexicon_blend}

    # -- features --------------------------------------------------------------------------------
    def _matrix(self, views: list[DocView], fit: bool) -> sparse.csr_matrix:
        toks = [v.tokens for v in views]
        conc = [v.concepts for v in views]
        if fit:
            self._tfidf = TfidfVectorizer(analyzer=_identity, min_df=min(self.min_df, max(1, len(views) // 10)),
                                          sublinear_tf=True, ngram_range=(1, 1))
            self._dict = DictVectorizer()
            a = self._tfidf.fit_transform(toks)
            b = self._dict.fit_transform(conc)
        else:
            a = self._tfidf.transform(toks)
            b = self._dict.transform(conc)
        blocks = [a, b * self.concept_weight]
        if self.char_weight:
            joined = [" ".join(t) for t in toks]
            if fit:
                self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(4, 5), min_df=2, sublinear_tf=True,
                                              max_features=50000)
                c = self._chars.fit_transform(joined)
            else:
                c = self._chars.transform(joined)
            blocks.append(c * self.char_weight)
        return sparse.hstack(blocks, format="csr")

    def _fit_models(self, X: sparse.csr_matrix, Y: np.ndarray) -> list[Any]:
        models = []
        for j in range(Y.shape[1]):
            y = Y[:, j]
            if y.min() == y.max():  # a theme absent (or everywhere) in the data: a constant
                models.append(float(y[0]))
                continue
            m = LogisticRegression(C=self.C, class_weight="balanced", solver="liblinear", random_state=self.seed,
                                   max_iter=1000)
            models.append(m.fit(X, y))
        return models

    @staticmethod
    def _proba(models: list[Any], X: sparse.csr_matrix) -> np.ndarray:
        cols = [np.full(X.shape[0], m) if isinstance(m, float) else m.predict_proba(X)[:, 1] for m in models]
        return np.column_stack(cols) if cols else np.zeros((X.shape[0], 0))

    # -- estimator API ---------------------------------------------------------------------------
    def fit(self, views: list[DocView], Y: np.ndarray) -> ThemeClassifier:
        Y = np.asarray(Y, dtype=int)
        if len(views) < 2:
            raise ValueError("need at least 2 labelled documents to train")
        self.thresholds_ = self._cv_thresholds(views, Y)
        X = self._matrix(views, fit=True)
        self._models = self._fit_models(X, Y)
        return self

    def _cv_thresholds(self, views: list[DocView], Y: np.ndarray) -> np.ndarray:
        folds = min(self.threshold_folds, len(views))
        if folds < 2:
            return np.full(Y.shape[1], 0.5)
        P = np.zeros(Y.shape, dtype=float)
        for train, test in KFold(folds, shuffle=True, random_state=self.seed).split(views):
            inner = ThemeClassifier(**{**self.get_params(), "themes": self.themes})
            X = inner._matrix([views[i] for i in train], fit=True)
            models = inner._fit_models(X, Y[train])
            tv = [views[i] for i in test]
            P[test] = self._blend(inner._proba(models, inner._matrix(tv, fit=False)), tv)
        return tune_thresholds(Y, P)

    def _blend(self, P: np.ndarray, views: list[DocView]) -> np.ndarray:
        if not self.lexicon_blend:
            return P
        L = np.array([[v.lexicon.get(t, 0.0) for t in self.themes] for v in views]).reshape(P.shape)
        return (1 - self.lexicon_blend) * P + self.lexicon_blend * L

    def predict_proba(self, views: list[DocView]) -> np.ndarray:
        return self._blend(self._proba(self._models, self._matrix(views, fit=False)), views)

    def predict(self, views: list[DocView]) -> np.ndarray:
        return (self.predict_proba(views) >= self.thresholds_).astype(int)
