"""Per-language normalisation: the word forms used for search, themes and topics.

Text is tokenised with spaCy (``spacy.blank("id")`` / ``spacy.blank("en")``); each token is then
mapped to a normal form: English through spaCy's lookup lemma table (spacy-lookups-data),
Indonesian through Sastrawi, after a protected-word list that keeps governance concepts apart
from the unrelated roots Sastrawi would give them (kebijakan "policy" is not bijak "wise").

The normal form of a token does not depend on its context, so the hot path runs only spaCy's
tokenizer, and only once per distinct whitespace-separated chunk per process (see the caches
below); running the full lemmatizer pipe on every text would cost several times more. A user
may opt into an installed trained spaCy pipeline per language (``models={"en":
"en_core_web_sm"}``); its context-dependent lemmas are then used for English, uncached.

Parts whose language is None or "other" are treated as English (lemma lookup + lowercase).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.document import Document

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokenizer import Tokenizer

VERSION = "2"

_DATA = Path(__file__).parent / "data"
_ID_LIKE = frozenset({"id", "ms"})  # Malay shares Indonesian morphology and Sastrawi works on it
_CLITICS = ("nya", "lah", "kah", "pun", "ku", "mu")
_BOUND_CLITICS = frozenset({"-nya", "-ku", "-mu", "-lah", "-kah", "-pun"})  # spaCy id splits these off
_EDGE = "'\"`‘’“”-–—._*~^"
_ORDINAL = re.compile(r"(?:ke-?\d+|\d+-?an)")  # ke-2, 1990-an: numbers in Indonesian dress
# Sastrawi can change only a word that starts with one of its prefixes (or an -el-/-em-/-er-/-in-
# infix) or ends with one of its suffixes; any other word comes back unchanged, after trying
# every rule (~0.3 ms). Checked to give identical stems on the 44k distinct words of the shared
# abstracts; it halves the cold-cache cost.
_CONS = "bcdfghjklmnpqrstvwxyz"
_MAY_HAVE_AFFIX = re.compile(
    rf"^(?:di|ke|se|be|te|me|pe|kau|ku|[{_CONS}](?:el|em|er|in)[aiueo])"
    r"|(?:lah|kah|tah|pun|ku|mu|nya|i|kan|an|is|isme|isasi)$"
)
_CACHE_LIMIT = 300_000  # distinct chunks per language (~60 MB) before the cache is dropped and refilled


def _lang_key(lang: str | None) -> str:
    return "id" if lang and lang.lower() in _ID_LIKE else "en"


# -- data files ---------------------------------------------------------------------------------


def _read_pairs(name: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for line in (_DATA / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            word, concept = line.split()
            pairs[word.lower()] = concept.lower()
    return pairs


@functools.cache
def _protected(lang: str) -> dict[str, str]:
    return _read_pairs(f"nlp_protected_{lang}.txt")


@functools.cache
def _stop_words() -> frozenset[str]:
    # Both languages' lists for every part: Indonesian abstracts quote English phrases and the
    # two lists hardly collide (only "per" is in both).
    from spacy.lang.en.stop_words import STOP_WORDS as EN
    from spacy.lang.id.stop_words import STOP_WORDS as ID

    return frozenset(w.lower() for w in EN | ID)


@functools.cache
def _domain_stops() -> tuple[frozenset[str], frozenset[str]]:
    """(exact surface words, normal forms) from stopwords_domain.txt."""
    exact: set[str] = set()
    words: list[str] = []
    for line in (_DATA / "stopwords_domain.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip().lower()
        if line.startswith("="):
            exact.add(line[1:])
        elif line:
            words.append(line)
    # Straight through the word functions: normalise() would ask for these stops again.
    norms = {
        _normal_form(tok.text, lang)
        for lang in ("id", "en")
        for w in words
        for tok in load_pipeline(lang).tokenizer(w)
    }
    return frozenset(exact), frozenset(norms) | frozenset(words)


# -- spaCy pipelines ------------------------------------------------------------------------------


TOKENIZER = "govtext.tokenizer.v1"


def _infixes(defaults: list[str]) -> list[str]:
    """The language's infix rules, except that a plain hyphen inside a word no longer splits.

    spaCy splits ``e-government`` and ``prinsip-prinsip`` into three tokens; we need them whole
    (compound terms, reduplications). Dashes (–, —, --) between words still split.
    """
    from spacy.lang.char_classes import ALPHA

    kept = [p for p in defaults if not _splits_ascii_hyphen(p)]
    return kept + [
        rf"(?<=[{ALPHA}0-9])(?:–|—|--|---|——|~)(?=[{ALPHA}0-9])",
        rf"(?<=[{ALPHA}])/(?=[{ALPHA}])",
        rf"(?<=[{ALPHA}0-9])[=<>](?=[{ALPHA}0-9])",  # n=120, p<0.05
    ]


def _splits_ascii_hyphen(pattern: str) -> bool:
    """Whether an infix rule splits a-b, a-1 or 1-a. The probes are ASCII, so the rule's Unicode
    letter classes are narrowed to ASCII first: compiling them whole cost ~0.15 s per process."""
    from spacy.lang.char_classes import ALPHA, ALPHA_LOWER, ALPHA_UPPER

    for cls, ascii_cls in sorted(
        ((ALPHA, "a-zA-Z"), (ALPHA_LOWER, "a-z"), (ALPHA_UPPER, "A-Z")), key=lambda c: -len(c[0])
    ):
        pattern = pattern.replace(cls, ascii_cls)
    return any(re.search(pattern, s) for s in ("a-b", "a-1", "1-a"))


def _redundant_exception(orth: str) -> bool:
    # Hyphenated words (15.6k of the Indonesian tokenizer's 16k special cases: abang-abang,
    # Abang-Abang, ABANG-ABANG, ...) only exist to stop the default infix rule splitting at the
    # hyphen; with _infixes they come out as one token anyway (tests/test_nlp.py checks every
    # one), and loading them cost ~2.5 s per process.
    return "-" in orth and all(part.isalpha() for part in orth.split("-"))


def make_tokenizer(nlp: Language) -> Tokenizer:
    """spaCy's default tokenizer for ``nlp``'s language, built once with our rules: _infixes()
    and the special cases minus the redundant hyphenated ones (building the default and then
    changing its infixes reloaded all 16k Indonesian special cases a second time)."""
    from spacy.tokenizer import Tokenizer
    from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

    d = nlp.Defaults
    rules = {k: v for k, v in (d.tokenizer_exceptions or {}).items() if not _redundant_exception(k)}
    return Tokenizer(
        nlp.vocab,
        rules=rules,
        prefix_search=compile_prefix_regex(d.prefixes).search if d.prefixes else None,
        suffix_search=compile_suffix_regex(d.suffixes).search if d.suffixes else None,
        infix_finditer=compile_infix_regex(_infixes(list(d.infixes or ()))).finditer,
        token_match=d.token_match,
        url_match=d.url_match,
    )


@functools.cache
def _spacy():
    """spaCy, imported on first use (~2 s) with our tokenizer registered."""
    import spacy

    @spacy.registry.tokenizers(TOKENIZER)
    def _create_tokenizer():
        return make_tokenizer

    return spacy


def load_pipeline(lang: str, model: str | None = None) -> Language:
    """The spaCy pipeline for a language, loaded once per process.

    model None: ``spacy.blank(lang)`` with our tokenizer (make_tokenizer); English gets the
    lookup lemmatizer (tables from spacy-lookups-data, nothing downloaded); Indonesian, stemmed
    by Sastrawi, gets no pipes. model "en_core_web_sm" (an installed package or a path): that
    trained pipeline, its tokenizer's infixes changed the same way. Raises ValueError when it is
    not installed.
    """
    return _load_pipeline(lang, model or None)


@functools.cache
def _load_pipeline(lang: str, model: str | None) -> Language:
    spacy = _spacy()
    if not model:
        nlp = spacy.blank(lang, config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER}}})
        if lang == "en":
            nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
            nlp.initialize()
        return nlp
    try:
        nlp = spacy.load(model)
    except (OSError, ImportError):
        raise ValueError(
            f"spaCy pipeline {model!r} is not installed: pip install it, or leave the {lang!r} model unset"
        ) from None
    if nlp.lang != lang:
        raise ValueError(f"spaCy pipeline {model!r} is for language {nlp.lang!r}, not {lang!r}")
    # A trained pipeline keeps its own tokenizer settings; only the hyphen rule is ours.
    from spacy.util import compile_infix_regex

    nlp.tokenizer.infix_finditer = compile_infix_regex(_infixes(list(nlp.Defaults.infixes or ()))).finditer
    return nlp


@functools.cache
def _en_table():
    # The lookup table the blank English pipeline's lemmatizer uses; read it directly.
    return load_pipeline("en").get_pipe("lemmatizer").lookups.get_table("lemma_lookup")


@functools.cache
def _sastrawi():
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    # The factory wraps the stemmer in a cache that re-normalises the text on every call;
    # our own caches sit above, so use the bare stemmer.
    return StemmerFactory().create_stemmer().delegatedStemmer


# -- one word -------------------------------------------------------------------------------------


def _plural_lemma(word: str, lemma: str | None) -> bool:
    return bool(lemma) and word.endswith("s") and lemma in (word[:-1], word[:-2], word[:-3] + "y")


def _norm_en(w: str) -> str:
    if (p := _protected("en").get(w)) is not None:
        return p
    table = _en_table()
    lemma = table.get(w)
    if lemma is not None:
        lemma = lemma.lower()
        if lemma.startswith("'"):
            return ""  # 's, 'd: clitics, not words
        return lemma if lemma.isalpha() else w  # the table has first -> 1
    if w.startswith("'"):
        return ""
    if "-" in w:
        # e-services -> e-service, but non-performing stays (only plurals of the last part).
        head, _, last = w.rpartition("-")
        lemma = table.get(last)
        if _plural_lemma(last, lemma):
            return f"{head}-{lemma}"
    return w


def _norm_id(w: str) -> str:
    protected = _protected("id")
    if (p := protected.get(w)) is not None:
        return p
    for clitic in _CLITICS:
        if w.endswith(clitic) and (p := protected.get(w[: -len(clitic)])) is not None:
            return p
    stemmer = _sastrawi()
    if "-" in w:
        return _norm_id_hyphenated(w)
    if not w.isalpha():
        return w  # Sastrawi would strip the dots from u.s. and the digits from g20
    stem = stemmer.stem_word(w) if _MAY_HAVE_AFFIX.search(w) else w
    if stem == w and len(w) > 4 and not stemmer.get_dictionary().contains(w):
        # Not Indonesian as far as Sastrawi knows: an English word quoted in an Indonesian
        # text (policies, stakeholders) gets its English lemma, as in English parts. Short
        # words are left alone: as (Amerika Serikat), bps, pks are not English plurals.
        return _norm_en(w)
    return stem


def _norm_id_hyphenated(w: str) -> str:
    if _sastrawi().get_dictionary().contains(w):
        return w  # lexicalised: kupu-kupu, bolak-balik
    a, _, b = w.partition("-")
    if "-" not in b and a and b:
        if a == b:
            return _norm_id(a)  # prinsip-prinsip, kebijakan-kebijakan
        na = _norm_id(a)
        if na == _norm_id(b):
            return na  # bertahun-tahun, tolong-menolong
    return _norm_en(w)  # a real compound: e-government, sosial-ekonomi (e-services -> e-service)


@functools.cache
def _word_fn(key: str):
    return _norm_id if key == "id" else _norm_en


def _normal_form(token: str, key: str) -> str:
    """Normal form of one token (any case), or "" when it is not a word (punctuation, number)."""
    t = token.lower().replace("’", "'").replace("‘", "'")
    if t in _BOUND_CLITICS:
        return ""
    if t.startswith("'"):
        return _norm_en(t) if key == "en" else ""
    t = t.strip(_EDGE)
    if not t or not any(c.isalpha() for c in t):
        return ""
    if "://" in t or "@" in t or t.startswith("www.") or _ORDINAL.fullmatch(t):
        return ""
    if 1 < len(token) <= 4 and token.isupper() and t not in _protected(key):
        return t  # an acronym: AI is not "have", AIDS not "aid", BPS not "bp", US not "we"
    if len(token) > 2 and token[-1] == "s" and token[:-1].isupper() and token[:-1].isalpha():
        return t[:-1]  # ICTs, NGOs, SMEs
    forms = _FORMS[key]
    norm = forms.get(t)
    if norm is None:
        norm = forms[t] = _word_fn(key)(t)
    return norm


def _is_content(token: str, norm: str) -> bool:
    if len(norm) < 2:
        return False
    t = token.lower().strip(_EDGE)
    stops = _stop_words()
    # The normal form is checked too: menentukan -> tentu, pengamatan -> amat are function
    # words in disguise. Concepts whose root is a stop word are protected (pengguna, kemampuan).
    if t in stops or norm in stops:
        return False
    exact, norms = _domain_stops()
    return t not in exact and norm not in norms


# -- per-process caches ---------------------------------------------------------------------------

# spaCy tokenises each whitespace-separated chunk on its own, so a chunk's normal forms are a
# pure function of the chunk: cache them per chunk ("kebijakan," -> ("kebijakan",)). spaCy's own
# chunk cache is switched off for the rest of a text once a special case matched in it (the
# default Indonesian tokenizer had ~16k; make_tokenizer keeps ~400), which made its affix regexes
# the bulk of our cost. Cached
# values: (normal forms, content terms). Vocabulary is Zipfian: 86% of chunks hit already in a
# first pass over 1,900 abstracts.
_CHUNKS: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {"id": {}, "en": {}}
_WORDS: dict[str, dict[str, tuple[str, bool]]] = {"id": {}, "en": {}}  # token -> (norm, is content)
# Lowercased word -> normal form: Kebijakan, KEBIJAKAN and kebijakan are three tokens but one
# Sastrawi call (~0.1-0.2 ms each for a word it does not know).
_FORMS: dict[str, dict[str, str]] = {"id": {}, "en": {}}
_STATS = {"chunks": 0, "misses": 0}
# Chunks and all-letter tokens worked out since take_new_vocabulary() last ran: what the corpus's
# vocabulary table lacks. Tokens count because kwic and snippets normalise words cut out of their
# chunks ("kebijakan" out of "(kebijakan,"), and an all-letter token is a chunk of its own.
_NEW: dict[str, set[str]] = {"id": set(), "en": set()}
_NEW_TOKENS: dict[str, set[str]] = {"id": set(), "en": set()}


def cache_stats() -> dict[str, float]:
    """Chunks (whitespace-separated) seen, cache misses and hit rate since start or reset_cache()."""
    chunks, misses = _STATS["chunks"], _STATS["misses"]
    return {"chunks": chunks, "misses": misses, "hit_rate": 1 - misses / chunks if chunks else 0.0}


def reset_cache() -> None:
    for c in (*_CHUNKS.values(), *_WORDS.values(), *_FORMS.values(), *_NEW.values(), *_NEW_TOKENS.values()):
        c.clear()
    _STATS.update(chunks=0, misses=0)


# -- the vocabulary a corpus keeps -----------------------------------------------------------------
# A chunk's normal forms and content terms are a pure function of the chunk, this module's data and
# the library versions, so a corpus keeps those it has seen (the store's vocabulary table): a
# search looks its words up there instead of loading spaCy and Sastrawi, and workers start a new
# ingest with the caches warm. vocabulary_version() says which tables still hold.
VocabRow = tuple[str, str, str, str]  # (language key, chunk, normal forms, content terms), space-joined


@functools.cache
def vocabulary_version() -> str:
    """What a stored vocabulary depends on: this stage's version, its word lists and the versions
    of the lemma tables and the stemmer. A corpus whose vocabulary says otherwise drops it."""
    import hashlib
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.sha256(VERSION.encode())
    for name in sorted(p.name for p in _DATA.glob("*.txt") if p.name.startswith(("nlp_", "stopwords"))):
        h.update(name.encode() + (_DATA / name).read_bytes())
    for dist in ("spacy", "spacy-lookups-data", "PySastrawi"):
        try:
            h.update(f"{dist}={version(dist)}".encode())
        except PackageNotFoundError:
            h.update(dist.encode())
    return f"{VERSION}-{h.hexdigest()[:16]}"


# The words search cuts out of text to normalise them one by one (kwic lines, snippets): runs of
# word characters joined by a hyphen or an apostrophe ("2006b" out of "(2006b)", "328-44" out of
# "328-44,").
WORD = re.compile(r"\w+(?:[-'’]\w+)*")


def _query_words() -> set[str]:
    """The new words as a search would look them up: lowercased, all letters."""
    words = {w for key in _NEW for w in (*_NEW[key], *_NEW_TOKENS[key]) if w.isalpha()}
    return {w.lower() for w in words}


def take_new_vocabulary() -> list[VocabRow]:
    """The chunks worked out since the last call (to store with the documents that needed them),
    the words search will cut out of them, worked out as chunks of their own, and every new word
    lowercased in both languages: a search normalises its words in both (it cannot tell a query's
    language), so a word seen in Indonesian text only would otherwise load the English pipeline
    for every query that names it."""
    for key, chunks in _NEW.items():
        cut = sorted({m.group() for c in chunks for m in WORD.finditer(c)} - _CHUNKS[key].keys())
        if cut:
            _fill_chunks(load_pipeline(key), key, cut)  # adds them to chunks
    words = _query_words()
    for key in _NEW:
        missing = sorted(words - _CHUNKS[key].keys())
        if missing:
            _fill_chunks(load_pipeline(key), key, missing)
    rows = []
    for key, chunks in _NEW.items():
        cache = _CHUNKS[key]
        rows.extend(
            (key, c, " ".join(cache[c][0]), " ".join(cache[c][1])) for c in sorted(chunks) if c in cache
        )
        tokens = _NEW_TOKENS[key] - chunks
        if tokens:
            # Only a token the tokenizer leaves whole when it stands alone (no special case).
            specials = _special_cases(load_pipeline(key))
            known = _WORDS[key]
            for t in sorted(tokens - specials):
                if t in known:
                    norm, content = known[t]
                    rows.append((key, t, norm, norm if content else ""))
        chunks.clear()
        _NEW_TOKENS[key].clear()
    return rows


_SCOPE: list[str | None] = [None]  # the corpus whose vocabulary the new-chunk bookkeeping is for


def vocabulary_scope(corpus: str) -> None:
    """Say which corpus the new vocabulary goes to. On a change, everything this process has
    worked out so far (for another corpus, or the warm-up) counts as new to this one."""
    if _SCOPE[0] == corpus:
        return
    _SCOPE[0] = corpus
    for key in _CHUNKS:
        _NEW[key] = set(_CHUNKS[key])
        _NEW_TOKENS[key] = {t for t in _WORDS[key] if t.isalpha()}


def preload_vocabulary(rows: Iterable[VocabRow]) -> int:
    """Fill the caches from the current corpus's stored vocabulary (up to the cache size); how
    many chunks. Those chunks are the corpus's already: never reported as new."""
    n = 0
    for key, chunk, norms, terms in rows:
        cache = _CHUNKS.get(key)
        if cache is None:
            continue
        _NEW[key].discard(chunk)
        _NEW_TOKENS[key].discard(chunk)
        if len(cache) >= _CACHE_LIMIT:
            continue
        cache[chunk] = (tuple(norms.split()), tuple(terms.split()))
        n += 1
    return n


def chunks_of(texts: Iterable[str]) -> set[str]:
    """The whitespace-separated chunks of texts: the keys of the vocabulary."""
    return {c for t in texts for c in (t or "").split()}


def _word(text: str, key: str) -> tuple[str, bool]:
    words = _WORDS[key]
    hit = words.get(text)
    if hit is None:
        norm = _normal_form(text, key)
        hit = words[text] = (norm, bool(norm) and _is_content(text, norm))
        if text.isalpha():
            _NEW_TOKENS[key].add(text)
    return hit


@functools.cache
def _special_cases(nlp: Language) -> frozenset[str]:
    return frozenset(nlp.tokenizer.rules)


def _store(key: str, chunk: str, forms: list[tuple[str, bool]]) -> None:
    _CHUNKS[key][chunk] = (tuple(n for n, _ in forms if n), tuple(n for n, c in forms if c))
    _NEW[key].add(chunk)


def _fill_chunks(nlp: Language, key: str, chunks: list[str]) -> None:
    # A lowercase all-letter chunk that is no tokenizer special case is one token (checked on
    # the 53k distinct words of the shared abstracts), so it skips spaCy's Doc construction.
    specials = _special_cases(nlp)
    rest = []
    for chunk in chunks:
        if chunk.isalpha() and chunk.islower() and chunk not in specials:
            _store(key, chunk, [_word(chunk, key)])
        else:
            rest.append(chunk)
    for chunk, doc in zip(rest, nlp.tokenizer.pipe(rest), strict=True):
        _store(key, chunk, [_word(tok.text, key) for tok in doc])


def _map_blank(key: str, texts: list[str], content: bool) -> list[list[str]]:
    cache = _CHUNKS[key]
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
        _WORDS[key].clear()
        _FORMS[key].clear()
    split = [t.split() for t in texts]
    missing = list(dict.fromkeys(c for chunks in split for c in chunks if c not in cache))
    _STATS["chunks"] += sum(map(len, split))
    _STATS["misses"] += len(missing)
    if missing:  # spaCy and Sastrawi are loaded only for chunks nobody has seen
        _fill_chunks(load_pipeline(key), key, missing)
    pick = 1 if content else 0
    get = cache.__getitem__
    return [[n for c in chunks for n in get(c)[pick]] for chunks in split]


def _map_trained(nlp: Language, key: str, texts: list[str], content: bool) -> list[list[str]]:
    """A trained pipeline: English lemmas come from the model, per context, so nothing is cached."""
    out: list[list[str]] = []
    protected = _protected("en")
    for doc in nlp.pipe(texts, batch_size=64):
        terms: list[str] = []
        for tok in doc:
            norm = _normal_form(tok.text, key)
            if norm and key == "en" and "-" not in norm and tok.lower_ not in protected:
                lemma = tok.lemma_.lower()
                norm = lemma if lemma and lemma[0].isalpha() else norm
            if norm and (not content or _is_content(tok.text, norm)):
                terms.append(norm)
        out.append(terms)
    return out


# -- public API -----------------------------------------------------------------------------------


def _run(
    texts: Sequence[str], langs: Sequence[str | None], content: bool, models: Mapping[str, str] | None
) -> list[list[str]]:
    if len(texts) != len(langs):
        raise ValueError(f"{len(texts)} texts but {len(langs)} languages")
    groups: dict[str, list[int]] = {}
    for i, lang in enumerate(langs):
        groups.setdefault(_lang_key(lang), []).append(i)
    out: list[list[str]] = [[] for _ in texts]
    for key, idx in groups.items():
        model = (models or {}).get(key)
        group = [texts[i] or "" for i in idx]
        mapped = (
            _map_trained(load_pipeline(key, model), key, group, content)
            if model
            else _map_blank(key, group, content)
        )
        for i, terms in zip(idx, mapped, strict=True):
            out[i] = terms
    return out


def normalise_many(
    texts: Sequence[str], langs: Sequence[str | None], models: Mapping[str, str] | None = None
) -> list[list[str]]:
    """normalise() over many texts at once (one tokenizer.pipe per language): the fast path."""
    return _run(texts, langs, False, models)


def normalise(text: str, lang: str | None, models: Mapping[str, str] | None = None) -> list[str]:
    """Lowercased normal forms of the word tokens of a text, in order.

    Punctuation and numbers are dropped; stop words are kept (phrase search needs positions).
    lang "id" (or "ms") -> Sastrawi stems behind the protected-word list; anything else ->
    English lookup lemmas.
    """
    return _run([text], [lang], False, models)[0]


def content_terms_many(
    texts: Sequence[str], langs: Sequence[str | None], models: Mapping[str, str] | None = None
) -> list[list[str]]:
    return _run(texts, langs, True, models)


def content_terms(text: str, lang: str | None, models: Mapping[str, str] | None = None) -> list[str]:
    """normalise() without stop words (spaCy id + en lists and stopwords_domain.txt) and
    one-letter forms: the terms for themes and topics."""
    return _run([text], [lang], True, models)[0]


def query_variants(term: str) -> set[str]:
    """The normal forms of one search term under both languages (space-joined if it has several
    words), for matching the ``norm`` column: kemitraan -> {"mitra", "kemitraan"}."""
    variants = {" ".join(normalise(term, lang)) for lang in ("id", "en")}
    variants.discard("")
    return variants


def _parts_to_fill(doc: Document) -> Iterable:
    yield from (p for p in doc.parts if p.kind != "discarded")
    yield from doc.keywords


def process_many(docs: list[Document], models: Mapping[str, str] | None = None) -> list[Document]:
    """Fill Part.norm and Keyword.norm (space-joined normalise()) for every part except discarded
    ones and every keyword of every document, in one batch."""
    items = [item for d in docs for item in _parts_to_fill(d)]
    norms = normalise_many([it.text for it in items], [it.lang for it in items], models)
    for item, norm in zip(items, norms, strict=True):
        item.norm = " ".join(norm)
    return docs


def process(doc: Document, models: Mapping[str, str] | None = None) -> Document:
    """process_many() for one document."""
    return process_many([doc], models)[0]


__all__ = [
    "VERSION",
    "load_pipeline",
    "make_tokenizer",
    "normalise",
    "normalise_many",
    "content_terms",
    "content_terms_many",
    "query_variants",
    "process",
    "process_many",
    "cache_stats",
    "reset_cache",
    "vocabulary_version",
    "take_new_vocabulary",
    "preload_vocabulary",
    "vocabulary_scope",
    "chunks_of",
]
