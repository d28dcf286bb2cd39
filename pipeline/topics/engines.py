"""Two LDA trainers behind one interface: tomotopy's collapsed Gibbs sampler and gensim's LdaModel.

Both run single-threaded with a fixed seed, so the same documents and seed give the same topics
(gensim's LdaMulticore and tomotopy's parallel samplers are not reproducible, and on 2 shared cores
hardly faster). Both work on the gensim Dictionary of pipeline.topics.prepare, so topic-term
matrices line up with dictionary ids whatever the engine.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

import numpy as np
from gensim.corpora import Dictionary

ENGINES = ("tomotopy", "gensim")
# Dev abstracts, k=20, same prepared texts (bench/bench_topics.py): tomotopy c_v 0.685 / NPMI 0.117,
# gensim (20 passes, learnt priors) 0.652 / 0.089; shuffled floors ~0.35. A modest lead (one seed;
# c_v moves ~0.03 between neighbouring k or small vocabulary changes) at similar fit time.
DEFAULT_ENGINE = "tomotopy"


class Engine(Protocol):
    name: str
    k: int

    def fit(self, texts: list[list[str]]) -> None: ...
    def topic_terms(self, topic: int, n: int = 30) -> list[tuple[str, float]]: ...
    def topic_term_matrix(self) -> np.ndarray: ...  # k x len(dictionary), rows sum to 1
    def doc_topics(self) -> np.ndarray: ...  # training documents x k
    def infer(self, texts: list[list[str]]) -> np.ndarray: ...  # new documents x k
    def update(self, texts: list[list[str]]) -> bool: ...  # True when the model itself changed
    def save(self, folder: Path) -> None: ...


class TomotopyEngine:
    """Collapsed Gibbs LDA (tomotopy), asymmetric alpha learnt during training."""

    name = "tomotopy"

    def __init__(
        self,
        dictionary: Dictionary,
        k: int,
        seed: int,
        iterations: int = 1000,
        alpha: float = 0.1,
        eta: float = 0.01,
    ):
        self.dictionary, self.k, self.seed = dictionary, k, seed
        self.iterations, self.alpha, self.eta = iterations, alpha, eta
        self.model = None
        self._matrix: np.ndarray | None = None

    def _new(self):
        import tomotopy as tp

        return tp.LDAModel(
            tw=tp.TermWeight.ONE, min_cf=0, rm_top=0, k=self.k, alpha=self.alpha, eta=self.eta, seed=self.seed
        )

    def fit(self, texts: list[list[str]]) -> None:
        import tomotopy as tp

        self.model = self._new()
        self._matrix = None
        for t in texts:
            self.model.add_doc(t)
        # One worker and no parallel scheme: the only reproducible sampler.
        step = 50
        for _ in range(0, self.iterations, step):
            self.model.train(step, workers=1, parallel=tp.ParallelScheme.NONE)

    def topic_terms(self, topic: int, n: int = 30) -> list[tuple[str, float]]:
        return _ranked(self.topic_term_matrix()[topic], self.dictionary, n)

    def topic_term_matrix(self) -> np.ndarray:
        if self._matrix is not None:
            return self._matrix
        m = np.zeros((self.k, len(self.dictionary)), dtype=np.float64)
        cols = [self.dictionary.token2id.get(w, -1) for w in self.model.used_vocabs]
        cols_arr = np.array(cols)
        ok = cols_arr >= 0
        for t in range(self.k):
            m[t, cols_arr[ok]] = np.asarray(self.model.get_topic_word_dist(t))[ok]
        m /= np.maximum(m.sum(axis=1, keepdims=True), 1e-12)
        self._matrix = m
        return m

    def doc_topics(self) -> np.ndarray:
        return np.array([d.get_topic_dist() for d in self.model.docs], dtype=np.float64)

    def infer(self, texts: list[list[str]]) -> np.ndarray:
        import tomotopy as tp

        if not texts:
            return np.zeros((0, self.k))
        docs = [self.model.make_doc(t) for t in texts]
        dists, _ = self.model.infer(docs, iterations=200, workers=1, parallel=tp.ParallelScheme.NONE)
        return np.array(dists, dtype=np.float64).reshape(len(texts), self.k)

    def update(self, texts: list[list[str]]) -> bool:
        # A Gibbs model cannot take documents after training; new ones are inferred, the topics stay.
        return False

    def save(self, folder: Path) -> None:
        self.model.save(str(folder / "tomotopy.bin"), full=True)
        (folder / "engine.json").write_text(
            json.dumps(
                {
                    "engine": self.name,
                    "k": self.k,
                    "seed": self.seed,
                    "iterations": self.iterations,
                    "alpha": self.alpha,
                    "eta": self.eta,
                }
            ),
            "utf-8",
        )

    @classmethod
    def load(cls, folder: Path, dictionary: Dictionary) -> TomotopyEngine:
        import tomotopy as tp

        p = json.loads((folder / "engine.json").read_text("utf-8"))
        e = cls(dictionary, p["k"], p["seed"], p["iterations"], p["alpha"], p["eta"])
        e.model = tp.LDAModel.load(str(folder / "tomotopy.bin"))
        return e


class GensimEngine:
    """Variational LDA (gensim LdaModel, single process) with learnt alpha and eta; online updates."""

    name = "gensim"

    def __init__(self, dictionary: Dictionary, k: int, seed: int, passes: int = 20, iterations: int = 200):
        self.dictionary, self.k, self.seed = dictionary, k, seed
        self.passes, self.iterations = passes, iterations
        self.model = None
        self._train_bow: list = []

    def fit(self, texts: list[list[str]]) -> None:
        from gensim.models import LdaModel

        self._train_bow = [self.dictionary.doc2bow(t) for t in texts]
        self.model = LdaModel(
            corpus=self._train_bow,
            id2word=self.dictionary,
            num_topics=self.k,
            random_state=self.seed,
            passes=self.passes,
            iterations=self.iterations,
            alpha="auto",
            eta="auto",
            chunksize=2000,
            eval_every=None,
            update_every=1,
        )

    def topic_terms(self, topic: int, n: int = 30) -> list[tuple[str, float]]:
        return _ranked(self.topic_term_matrix()[topic], self.dictionary, n)

    def topic_term_matrix(self) -> np.ndarray:
        m = np.asarray(self.model.get_topics(), dtype=np.float64)
        return m / np.maximum(m.sum(axis=1, keepdims=True), 1e-12)

    def _dense(self, bows: list) -> np.ndarray:
        out = np.zeros((len(bows), self.k))
        for i, bow in enumerate(bows):
            for t, w in self.model.get_document_topics(bow, minimum_probability=0.0):
                out[i, t] = w
        return out

    def doc_topics(self) -> np.ndarray:
        return self._dense(self._train_bow)

    def infer(self, texts: list[list[str]]) -> np.ndarray:
        return self._dense([self.dictionary.doc2bow(t) for t in texts])

    def update(self, texts: list[list[str]]) -> bool:
        if not texts:
            return False
        # gensim's online variational Bayes: new documents move the topics, the vocabulary stays.
        self.model.update([self.dictionary.doc2bow(t) for t in texts])
        return True

    def save(self, folder: Path) -> None:
        self.model.save(str(folder / "gensim_lda"))
        (folder / "engine.json").write_text(
            json.dumps(
                {
                    "engine": self.name,
                    "k": self.k,
                    "seed": self.seed,
                    "passes": self.passes,
                    "iterations": self.iterations,
                }
            ),
            "utf-8",
        )

    @classmethod
    def load(cls, folder: Path, dictionary: Dictionary) -> GensimEngine:
        from gensim.models import LdaModel

        p = json.loads((folder / "engine.json").read_text("utf-8"))
        e = cls(dictionary, p["k"], p["seed"], p["passes"], p["iterations"])
        e.model = LdaModel.load(str(folder / "gensim_lda"))
        return e


def _ranked(row: np.ndarray, dictionary: Dictionary, n: int) -> list[tuple[str, float]]:
    # A stable sort: ties keep dictionary order, so stored, reloaded and shown rankings agree.
    return [(dictionary[int(j)], float(row[j])) for j in np.argsort(-row, kind="stable")[:n]]


def make_engine(name: str, dictionary: Dictionary, k: int, seed: int, **params: int) -> Engine:
    if name == "tomotopy":
        return TomotopyEngine(dictionary, k, seed, **params)
    if name == "gensim":
        return GensimEngine(dictionary, k, seed, **params)
    raise ValueError(f"unknown topic engine {name!r}: use {' or '.join(ENGINES)}")


def load_engine(folder: Path, dictionary: Dictionary) -> Engine:
    name = json.loads((folder / "engine.json").read_text("utf-8"))["engine"]
    return (TomotopyEngine if name == "tomotopy" else GensimEngine).load(folder, dictionary)
