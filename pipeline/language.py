"""Language identification per part and per keyword: "id", "en" or "other".

py3langid (an offline n-gram model shipped inside the package) decides long texts, restricted
to a small candidate set: with all 97 languages it files short Indonesian lines under Quechua,
Tagalog or Malay. Malay counts as Indonesian (the model cannot tell them apart on abstracts).
Short texts (keyword lines, titles) carry too few n-grams for the model, so word evidence decides
them first: stop words, Indonesian affixes (meN-, ber-, -kan, -nya, ke-an, pe-an) and a little
governance vocabulary in both languages.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter

import numpy as np

from pipeline.document import Document

VERSION = "1"
LANGS = ("id", "en", "other")
# The "others" are there so that German or French text is not forced into id/en.
CANDIDATES = ("id", "en", "ms", "de", "fr", "es", "nl", "pt", "it")
SHORT_CHARS = 40
SHORT_WORDS = 6
MAX_CHARS = 600

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")

# Governance and academic vocabulary that stop-word lists miss; label words included because
# keyword lines start with them.
_ID_VOCAB = frozenset(
    """kata kunci abstrak judul penulis pemerintah pemerintahan daerah desa kabupaten kota provinsi
    negara kebijakan pelayanan publik masyarakat otonomi korupsi pengawasan pemilu pilkada birokrasi
    kemitraan partisipasi akuntabilitas transparansi anggaran keuangan peraturan undang hukum
    penelitian hasil metode analisis data studi kasus sistem informasi tata kelola pembangunan
    ekonomi sosial politik pendidikan kesehatan pertanian perusahaan karyawan kinerja kualitas
    pengaruh strategi implementasi evaluasi desentralisasi reformasi aparatur sipil dinas
    lembaga wilayah kepala umum baru besar kecil tinggi rendah dengan""".split()
)
_EN_VOCAB = frozenset(
    """keywords keyword key words abstract title authors government governance public policy
    service services local regional village district city province state corruption election
    bureaucracy partnership participation accountability transparency budget finance regulation
    law research results method methods analysis data study case system information development
    economic social political education health agriculture company employee performance quality
    effect strategy implementation evaluation decentralization reform civil""".split()
)
_ID_AFFIX = re.compile(
    r"^(?:meng|meny|mem[bp]|men[dcjt]|ber[^aeiou]|ter[^aeiou]|diper|memper|ke\w{3,}an|pe[nmr]?\w{3,}an)\w*$"
    r"|^\w{3,}(?:kan|nya|asi|isasi|itas|isme|wan|wati)$"
)
_EN_AFFIX = re.compile(
    r"^\w{3,}(?:tion|tions|sion|ment|ments|ness|ity|ities|ing|ance|ence|ency|ship|ies|ive|ous|ful|ally)$"
)


# English terms Indonesian authors use unchanged; alone they say nothing about the language
# of the list they sit in ("e-government" in an Indonesian keyword list is Indonesian-listed).
LOANWORDS = frozenset(
    (
        "e-government",
        "e-governance",
        "governance",
        "good governance",
        "collaborative governance",
        "dynamic governance",
        "new public management",
        "new public service",
        "smart city",
        "e-procurement",
        "e-budgeting",
        "e-planning",
        "e-voting",
        "e-commerce",
        "e-learning",
        "e-ktp",
        "website",
        "online",
        "big data",
        "stakeholder",
        "stakeholders",
        "reinventing government",
    )
)


@lru_cache(maxsize=1)
def _stop_words() -> tuple[frozenset[str], frozenset[str]]:
    # Imported lazily: pulling in spaCy costs ~0.7 s and many callers never reach a short text.
    from spacy.lang.en.stop_words import STOP_WORDS as en_stop
    from spacy.lang.id.stop_words import STOP_WORDS as id_stop

    shared = id_stop & en_stop
    return frozenset(id_stop - shared), frozenset(en_stop - shared)


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(CANDIDATES))
    return ident


# py3langid walks its n-gram automaton one byte at a time in Python (its `visit_counts`), which
# was the top of the ingest profile. The automaton's state after a byte depends only on the last
# _ORDER bytes (its longest n-gram), so every position's state is a walk of _ORDER steps from the
# start state over the window ending there: _ORDER numpy gathers over all positions of all texts
# at once. _PAD (0xFF never occurs in UTF-8, and leads to the start state) separates texts.
_ORDER = 6  # pinned by tests/test_language.py against the model's automaton
_PAD = 0xFF


@dataclass(frozen=True)
class _FastModel:
    ident: object
    nextmove: np.ndarray
    rowbase: np.ndarray
    output: np.ndarray
    table: np.ndarray  # per feature, log-probability per language (py3langid's own array)
    prior: np.ndarray
    classes: tuple[str, ...]


@lru_cache(maxsize=1)
def _fast_model() -> _FastModel | None:
    ident = _identifier()
    try:
        nextmove = np.frombuffer(ident.tk_nextmove, dtype=np.uint32)
        rowbase = np.asarray(ident._rowbase, dtype=np.int64)
        output = np.asarray(ident.tk_output, dtype=np.int64)
        ok = (
            ident._norm_probs
            and not ident._alias_pairs
            and output[0] < 0
            and bool(np.all(nextmove[rowbase + _PAD] == 0))
        )
    except (AttributeError, TypeError, ValueError):  # another py3langid version: use its own code
        return None
    if not ok:
        return None
    return _FastModel(ident, nextmove, rowbase, output, ident.nb_ptc, ident.nb_pc, tuple(ident.nb_classes))


def _automaton_depth(nextmove: np.ndarray, rowbase: np.ndarray) -> int:
    """Length of the longest n-gram state (breadth-first from the start state; ~1 s, so tests only)."""
    seen = np.zeros(len(rowbase), dtype=bool)
    seen[0] = True
    frontier, depth = np.array([0]), 0
    while len(frontier):
        targets = np.unique(nextmove[(rowbase[frontier][:, None] + np.arange(256)).ravel()])
        frontier = targets[~seen[targets]]
        seen[frontier] = True
        depth += 1
    return depth - 1


def _model_scores_many(texts: list[str]) -> list[list[tuple[str, float]]]:
    """py3langid's rank() for many texts in one vectorised pass.

    Same model and arithmetic; only the order in which float32 feature scores are summed differs,
    so probabilities agree with py3langid's to ~1e-6.
    """
    fast = _fast_model()
    if fast is None:
        return [_identifier().rank(t) for t in texts]
    if not texts:
        return []
    encoded = [fast.ident._encode(t) for t in texts]
    lengths = np.array([len(e) for e in encoded], dtype=np.int64)
    pad = bytes([_PAD]) * (_ORDER - 1)
    buf = np.frombuffer(pad + pad.join(encoded), dtype=np.uint8)
    n = len(buf) - (_ORDER - 1)
    states = np.zeros(n, dtype=np.intp)
    for k in range(_ORDER):
        states = fast.nextmove[fast.rowbase[states] + buf[k : k + n]]
    feats = fast.output[states]
    # Walk position -> text: text i owns [starts[i], starts[i] + lengths[i]); pads own no features.
    starts = np.concatenate(([0], np.cumsum(lengths + _ORDER - 1)[:-1]))
    owner = np.searchsorted(starts, np.arange(n), side="right") - 1
    hit = feats >= 0
    n_feats = len(fast.table)
    keys, counts = np.unique(owner[hit] * n_feats + feats[hit], return_counts=True)
    rows = keys // n_feats
    contrib = np.log1p(counts.astype(np.float32))[:, None] * fast.table[keys % n_feats].astype(np.float32)
    scores = np.zeros((len(texts), len(fast.classes)), dtype=np.float32)
    np.add.at(scores, rows, contrib)
    has = np.zeros(len(texts), dtype=bool)
    has[rows] = True
    scores[has] += fast.prior  # a featureless text scores 0 everywhere (uniform), as in py3langid
    scores *= (1.0 / np.sqrt(np.maximum(lengths, 1))).astype(np.float32)[:, None]
    scores = np.exp(scores - scores.max(axis=1, keepdims=True))
    scores /= scores.sum(axis=1, keepdims=True)
    out = []
    for row in scores.tolist():
        merged: dict[str, float] = {}
        for lang, score in zip(fast.classes, row, strict=True):
            merged.setdefault(lang, score)
        out.append(sorted(merged.items(), key=itemgetter(1), reverse=True))
    return out


def word_evidence(text: str) -> tuple[float, float]:
    """(Indonesian, English) evidence from the words of a text; stop words weigh most."""
    id_stop, en_stop = _stop_words()
    id_score = en_score = 0.0
    for word in _WORD.findall(text.lower()):
        parts = word.split("-")
        # Reduplication (kebijakan-kebijakan, masing-masing) is Indonesian morphology.
        if len(parts) == 2 and parts[0] == parts[1] and len(parts[0]) > 1:
            id_score += 1.0
            continue
        for w in parts:
            if w in id_stop:
                id_score += 1.0
            elif w in en_stop:
                en_score += 1.0
            elif w in _ID_VOCAB:
                id_score += 0.75
            elif w in _EN_VOCAB:
                en_score += 0.75
            elif _EN_AFFIX.match(w):
                en_score += 0.5
            elif _ID_AFFIX.match(w):
                id_score += 0.5
    return id_score, en_score


def _model_probs(text: str) -> dict[str, float]:
    # The model's cost grows with length while its answer settles within a few hundred
    # characters; parts reaching here are one language (segment splits bilingual ones).
    text = text[:MAX_CHARS]
    probs: dict[str, float] = {}
    for lang, p in _identifier().rank(text):
        key = "id" if lang == "ms" else lang
        probs[key] = probs.get(key, 0.0) + p
    return probs


def is_short(text: str) -> bool:
    return len(text) < SHORT_CHARS or len(text.split()) < SHORT_WORDS


def guess(text: str) -> tuple[str, float]:
    """Language and a confidence in [0, 1]; confidence < 0.5 means "could be either"."""
    if not text or not _WORD.search(text):
        return "other", 0.0
    if text.strip().casefold() in LOANWORDS:
        return "en", 0.3
    if is_short(text):
        id_ev, en_ev = word_evidence(text)
        margin = id_ev - en_ev
        if abs(margin) >= 0.5:
            lang = "id" if margin > 0 else "en"
            return lang, min(1.0, 0.5 + abs(margin) / 4)
    probs = _model_probs(text)
    lang = max(probs, key=probs.__getitem__)
    conf = probs[lang]
    if lang not in ("id", "en"):
        # On short text the model's third choices are noise; only trust it when confident.
        if is_short(text) and conf < 0.9:
            lang = "id" if probs.get("id", 0.0) >= probs.get("en", 0.0) else "en"
            return lang, 0.2
        return "other", conf
    if is_short(text):
        conf = min(conf, 0.45)  # n-grams alone on a few words are a weak signal
    return lang, conf


def detect(text: str) -> str:
    """ "id", "en" or "other" for any string (never raises)."""
    return guess(text)[0]


def id_en_score(text: str) -> float:
    """Signed evidence in [-1, 1]: positive for Indonesian, negative for English.

    Used to place the language switch in run-together bilingual abstracts, where a continuous
    score per sentence finds the split point better than hard labels.
    """
    if not _WORD.search(text) or text.strip().casefold() in LOANWORDS:
        return 0.0
    probs = _model_probs(text)
    p_id, p_en = probs.get("id", 0.0), probs.get("en", 0.0)
    score = (p_id - p_en) / (p_id + p_en + 1e-9)
    if is_short(text):
        id_ev, en_ev = word_evidence(text)
        if id_ev + en_ev:
            score = 0.5 * score + 0.5 * (id_ev - en_ev) / (id_ev + en_ev)
    return score


def detect_part_langs(doc: Document) -> Document:
    """Fill ``lang`` on parts and keywords that have none; keeps languages already set."""
    for part in doc.parts:
        if part.lang is None and part.kind != "discarded":
            part.lang = detect(part.text)
    for kw in doc.keywords:
        if kw.lang is None:
            kw.lang = detect(kw.text)
    return doc


def _benchmark(n: int = 2000) -> dict[str, float]:
    """Microseconds per detect() call on typical part sizes: ``python3 -m pipeline.language``."""
    import time

    samples = {
        "keyword line": "Kata kunci: transparansi, akuntabilitas, dana desa",
        "title": "Kebijakan Publik dan Tata Kelola Pemerintahan Daerah di Era Otonomi",
        "abstract (~1,300 chars)": (
            "Penelitian ini bertujuan untuk menganalisis pengaruh kualitas pelayanan publik terhadap "
            "kepuasan masyarakat di Dinas Kependudukan dan Pencatatan Sipil Kota Malang. "
        )
        * 8,
    }
    detect(samples["title"]), detect("the model")  # load the model and the stop words first
    out = {}
    for name, text in samples.items():
        start = time.perf_counter()
        for _ in range(n):
            detect(text)
        out[name] = (time.perf_counter() - start) / n * 1e6
    return out


if __name__ == "__main__":
    for name, us in _benchmark().items():
        print(f"{name:>26}: {us:7.1f} us/call")
