"""From stored normal forms to topic-model input: stop words, collocations, a filtered dictionary.

Topics read the ``parts.norm`` column the ingest already wrote (lemmas / protected Sastrawi stems),
so fitting never re-runs spaCy. Only the title and the running text of a document count: references,
discarded parts and keyword lists are left out (keywords would double-count the author's own terms).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gensim.corpora import Dictionary
from gensim.models.phrases import FrozenPhrases, Phrases

from pipeline.store import Store

PARTS = {
    "abstract": ("title", "abstract"),
    "body": ("title", "body", "section"),
    "all": ("title", "abstract", "body", "section"),
}
MIN_DOCS = 30  # below this LDA has nothing to separate; topics step says so instead of fitting

_DATA = Path(__file__).resolve().parent.parent / "data"
# Normal forms that survive the package lists yet say nothing about a subject in abstracts.
# Indonesian items are Sastrawi stems as they appear in parts.norm (e.g. "laku" from "dilakukan").
_EXTRA_STOPS = frozenset(
    """
    laku dapat tingkat hasil guna milik adanya ada tahun juga sangat baik lebih banyak faktor
    pengaruh pengaruhi hubung kait upaya bentuk proses cara kondisi jenis dasar sebut tentang
    perlu salah satu masing aspek sisi kali tetap nilai jumlah besar kecil tinggi rendah
    article paper study research result approach method analysis find finding use show base
    datum data also however well may many one two three new different various within among
    provide present propose discuss aim purpose examine case way number high low level
    hadap rupa buah sesuai butuh jang bas kembang orang giat ukur ubah kuat hitung rangka
    jurnal journal abstract abstrak keyword kata kunci
    process problem value time increase need area include important support term effect
    factor role relate relationship significant significantly suggest argue
""".split()
)
_TOKEN_OK = re.compile(r"^[^\W\d_][\w\-]*$", re.UNICODE)


@dataclass
class Prepared:
    """Documents ready for an engine: ids aligned with token lists (phrases applied, filtered)."""

    doc_ids: list[str]
    texts: list[list[str]]
    langs: list[str]  # main language of each document ("id", "en", "mixed", "other")
    years: list[int | None]
    dictionary: Dictionary
    phrases: FrozenPhrases | None
    term_langs: dict[str, str] = field(default_factory=dict)  # term -> language it mostly occurs in

    def __len__(self) -> int:
        return len(self.doc_ids)


@functools.cache
def stop_words() -> frozenset[str]:
    """spaCy's id + en lists, the domain list (as normal forms under both languages), our additions."""
    from spacy.lang.en.stop_words import STOP_WORDS as EN
    from spacy.lang.id.stop_words import STOP_WORDS as ID

    words = {w.lower() for w in EN | ID} | set(_EXTRA_STOPS)
    path = _DATA / "stopwords_domain.txt"
    if path.is_file():
        domain = []
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip().lower()
            # "=word" lines drop a surface form only; norms hold no surface forms, so they do not apply.
            if line and not line.startswith("="):
                domain.append(line)
        words |= set(domain) | _normal_forms(domain)
    return frozenset(words)


def stop_list_signature() -> str:
    """A digest of the stop-word inputs (ours and the domain file), cheap: no normalising."""
    path = _DATA / "stopwords_domain.txt"
    domain = path.read_text(encoding="utf-8") if path.is_file() else ""
    return hashlib.sha256(("\n".join(sorted(_EXTRA_STOPS)) + "\0" + domain).encode("utf-8")).hexdigest()[:16]


def _normal_forms(words: Sequence[str]) -> set[str]:
    from pipeline.nlp import normalise_many

    out: set[str] = set()
    for lang in ("id", "en"):
        for forms in normalise_many(list(words), [lang] * len(words)):
            out.update(forms)
    return out


def content_tokens(norm: str) -> list[str]:
    stops = stop_words()
    return [t for t in norm.split() if len(t) > 2 and t not in stops and _TOKEN_OK.match(t)]


def load_documents(
    store: Store, parts: str = "all", doc_ids: set[str] | None = None
) -> tuple[list[str], list[list[str]], list[list[str]], list[str], list[int | None]]:
    """(ids, tokens per doc, token languages per doc, main language, year) in id order."""
    if parts not in PARTS:
        raise ValueError(f"unknown --parts {parts!r}: use one of {', '.join(PARTS)}")
    ids: list[str] = []
    texts: list[list[str]] = []
    tlangs: list[list[str]] = []
    years: list[int | None] = []
    for doc, year, _kind, lang, norm in store.iter_part_norms(PARTS[parts], doc_ids):
        if not ids or ids[-1] != doc:
            ids.append(doc)
            texts.append([])
            tlangs.append([])
            years.append(year)
        toks = content_tokens(norm)
        texts[-1].extend(toks)
        tlangs[-1].extend([lang or "other"] * len(toks))
    main = [_main_lang(ls) for ls in tlangs]
    return ids, texts, tlangs, main, years


def _main_lang(langs: list[str]) -> str:
    if not langs:
        return "other"
    n_id, n_en = langs.count("id"), langs.count("en")
    if n_id and n_en and min(n_id, n_en) >= 0.25 * (n_id + n_en):
        return "mixed"
    return "id" if n_id >= n_en and n_id else ("en" if n_en else "other")


def learn_phrases(texts: list[list[str]], min_count: int = 5) -> FrozenPhrases | None:
    """Two-word collocations (pelayanan_publik, good_governance) by normalised PMI."""
    if len(texts) < MIN_DOCS:
        return None
    ph = Phrases(texts, min_count=min_count, threshold=0.5, scoring="npmi", delimiter="_")
    return ph.freeze()


def apply_phrases(phrases: FrozenPhrases | None, texts: list[list[str]]) -> list[list[str]]:
    if phrases is None:
        return texts
    return [phrases[t] for t in texts]


def build_dictionary(texts: list[list[str]]) -> Dictionary:
    """Words in at least 0.4% of the documents (2..20) and at most 40% of them.

    Rare words make unreadable top terms: on the 4,600 dev abstracts a floor of 18 documents gives
    c_v 0.72 at k=20 where a floor of 5 gives 0.70 (tomotopy, same seed).
    """
    d = Dictionary(texts)
    n = len(texts)
    no_below = max(2, min(20, n // 250))
    d.filter_extremes(no_below=no_below, no_above=0.4, keep_n=50_000)
    d.compactify()
    return d


def term_languages(texts: list[list[str]], tlangs: list[list[str]]) -> dict[str, str]:
    """The language each (unigram) term mostly comes from; phrase tokens take their first word's."""
    counts: dict[str, dict[str, int]] = {}
    for toks, ls in zip(texts, tlangs, strict=True):
        for t, lang in zip(toks, ls, strict=True):
            c = counts.setdefault(t, {})
            c[lang] = c.get(lang, 0) + 1
    return {t: max(sorted(c), key=c.__getitem__) for t, c in counts.items()}


def prepare(
    store: Store,
    parts: str = "all",
    doc_ids: set[str] | None = None,
    phrases: FrozenPhrases | None = None,
    dictionary: Dictionary | None = None,
) -> Prepared:
    """Load, phrase and filter the stored corpus. Pass phrases/dictionary to reuse a fitted model's."""
    ids, raw, tlangs, main, years = load_documents(store, parts, doc_ids)
    tl = term_languages(raw, tlangs)
    if phrases is None and dictionary is None:
        phrases = learn_phrases(raw)
    texts = apply_phrases(phrases, raw)
    if dictionary is None:
        dictionary = build_dictionary(texts)
    vocab = dictionary.token2id
    texts = [[t for t in toks if t in vocab] for toks in texts]
    keep = [i for i, t in enumerate(texts) if t]
    for t in vocab:
        if t not in tl:
            tl[t] = tl.get(t.split("_", 1)[0], "other")
    return Prepared(
        doc_ids=[ids[i] for i in keep],
        texts=[texts[i] for i in keep],
        langs=[main[i] for i in keep],
        years=[years[i] for i in keep],
        dictionary=dictionary,
        phrases=phrases,
        term_langs={t: tl[t] for t in vocab},
    )
