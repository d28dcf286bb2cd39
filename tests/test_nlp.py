import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import nlp
from pipeline.document import Document, Keyword, Part

ROOT = Path(__file__).resolve().parent.parent


def one(word: str, lang: str | None) -> str:
    forms = nlp.normalise(word, lang)
    assert len(forms) == 1, forms
    return forms[0]


# -- Indonesian stems and the protected concepts -----------------------------------------------


def test_mitra_family_shares_one_form():
    assert {one(w, "id") for w in ("kemitraan", "bermitra", "mitra", "Kemitraan")} == {"mitra"}


@pytest.mark.parametrize(
    ("concept", "words", "unrelated"),
    [
        ("kebijakan", ["kebijakan", "Kebijakan", "kebijakannya", "kebijakan-kebijakan"], "bijak"),
        ("pemerintah", ["pemerintah", "pemerintahan", "pemerintahannya"], "perintah"),
        ("pengawasan", ["pengawasan", "pengawas", "mengawasi", "diawasi"], "awas"),
    ],
)
def test_governance_concepts_stay_apart_from_their_sastrawi_roots(concept, words, unrelated):
    assert {one(w, "id") for w in words} == {concept}
    assert one(unrelated, "id") == unrelated != concept


def test_policy_government_oversight_are_three_concepts():
    forms = nlp.normalise("kebijakan pemerintahan pengawasan bijak perintah awas", "id")
    assert len(set(forms)) == 6


def test_other_protected_words_and_sastrawi_errors():
    cases = {
        "perundang-undangan": "perundangan",
        "undang-undang": "perundangan",
        "pengadaan": "pengadaan",  # procurement, not ada "exist"
        "keuangan": "keuangan",
        "kinerja": "kinerja",
        "penegakan": "tegak",  # Sastrawi gives tega
        "perbankan": "bank",  # Sastrawi gives perban "bandage"
        "pemilu": "pemilu",
    }
    assert {w: one(w, "id") for w in cases} == cases
    # ordinary Sastrawi stems still apply where they are right
    assert one("pelayanan", "id") == one("layanan", "id") == "layan"
    assert one("membangun", "id") == "bangun" != one("pembangunan", "id")


def test_protected_concepts_are_single_fts_tokens():
    for concept in nlp._protected("id").values():
        assert concept.isalpha(), concept  # FTS5 unicode61 would split a hyphenated form


def test_reduplication_is_one_token_of_the_base_form():
    assert nlp.normalise("prinsip-prinsip", "id") == ["prinsip"]
    assert nlp.normalise("Prinsip-prinsip good governance", "id") == ["prinsip", "good", "governance"]
    assert nlp.normalise("bertahun-tahun", "id") == ["tahun"]
    assert nlp.normalise("kupu-kupu", "id") == ["kupu-kupu"]  # a lexicalised word, kept


@pytest.mark.parametrize("lang", ["id", "en", None])
def test_hyphenated_terms_are_kept_whole(lang):
    forms = nlp.normalise("e-government and good-governance (covid-19) policy—and", lang)
    assert "e-government" in forms and "good-governance" in forms and "covid-19" in forms
    assert "policy" in forms and "and" in forms  # an em dash still separates words


# -- English --------------------------------------------------------------------------------------


def test_english_lemmas():
    assert nlp.normalise("Partnerships, policies and e-services", "en") == [
        "partnership",
        "policy",
        "and",
        "e-service",
    ]
    assert one("partnerships", "en") == "partnership"
    assert one("data", "en") == "data"  # not datum
    assert nlp.normalise("AI and the US", "en") == ["ai", "and", "the", "us"]


def test_english_words_inside_indonesian_text_get_english_lemmas():
    assert nlp.normalise("peran stakeholders dalam partnerships", "id") == [
        "peran",
        "stakeholder",
        "dalam",
        "partnership",
    ]


def test_other_and_unknown_language_use_english_lookup():
    assert nlp.normalise("Governments", None) == nlp.normalise("Governments", "other") == ["government"]


# -- tokens dropped, stop words -------------------------------------------------------------------


def test_punctuation_and_numbers_are_dropped():
    assert nlp.normalise("Pada tahun 2019, 45,3% (n=120) desa!", "id") == ["pada", "tahun", "n", "desa"]
    assert nlp.normalise("In 2019 -- 3.5% ... of GDP, first.", "en") == ["in", "of", "gdp", "first"]
    assert nlp.normalise("", "id") == [] and nlp.normalise("  ", "en") == []


def test_stop_words_kept_by_normalise_removed_by_content_terms():
    text = "Penelitian ini menggunakan metode kualitatif tentang kebijakan pelayanan dasar di desa."
    assert nlp.normalise(text, "id") == [
        "teliti",
        "ini",
        "guna",
        "metode",
        "kualitatif",
        "tentang",
        "kebijakan",
        "layan",
        "dasar",
        "di",
        "desa",
    ]
    assert nlp.content_terms(text, "id") == ["kebijakan", "layan", "dasar", "desa"]
    en = "This study uses data from the partnerships of the local governments."
    assert "the" in nlp.normalise(en, "en")
    assert nlp.content_terms(en, "en") == ["partnership", "local", "government"]


def test_content_terms_drop_stop_word_roots_but_keep_protected_concepts():
    # menentukan -> tentu and pengamatan -> amat are stop words in disguise; pengguna (user) and
    # kemampuan (capacity) would become the stop words guna and mampu without protection.
    assert nlp.content_terms("menentukan pengamatan pengguna kemampuan kepastian hukum", "id") == [
        "pengguna",
        "kemampuan",
        "kepastian",
        "hukum",
    ]


def test_acronyms_are_not_lemmatised():
    assert nlp.normalise("ICTs for NGOs, AIDS and BPS", "en") == ["ict", "for", "ngo", "aids", "and", "bps"]
    assert nlp.normalise("Data BPS dan AS", "id") == ["data", "bps", "dan", "as"]


def test_domain_stop_words_cover_inflections():
    assert nlp.content_terms("studies analyses researchers' papers", None) == []
    assert nlp.content_terms("peneliti meneliti penelitian", "id") == []


# -- search variants --------------------------------------------------------------------------------


def test_query_variants_make_search_stem_aware():
    variants = nlp.query_variants("kemitraan")
    assert "mitra" in variants
    doc_norm = nlp.normalise("Desa bermitra dengan swasta", "id")
    assert variants & set(doc_norm)
    assert nlp.query_variants("partnerships") == {"partnership"}
    assert nlp.query_variants("Kebijakan Publik") == {"kebijakan publik"}
    assert nlp.query_variants("!!!") == set()


# -- documents ------------------------------------------------------------------------------------


def test_process_fills_norm_of_every_part_and_keyword():
    doc = Document(
        id="x",
        path="x.jsonl",
        format="jsonl",
        parts=[
            Part("title", "Kemitraan Pemerintah dan Swasta", lang="id"),
            Part("abstract", "Public-private partnerships in local governments.", lang="en"),
            Part("abstract", "Kebijakan-kebijakan pengawasan desa.", lang="id"),
            Part("body", "Governments and policies.", lang=None),
            Part("body", "Sonstige Texte.", lang="other"),
        ],
        keywords=[Keyword("kemitraan", lang="id"), Keyword("E-Government", lang=None)],
    )
    out = nlp.process(doc)
    assert out is doc
    assert [p.norm for p in doc.parts] == [
        "mitra pemerintah dan swasta",
        "public-private partnership in local government",
        "kebijakan pengawasan desa",
        "government and policy",
        "sonstige texte",
    ]
    assert [k.norm for k in doc.keywords] == ["mitra", "e-government"]


def test_process_many_equals_process_one_by_one():
    def make(i: int) -> Document:
        return Document(
            id=str(i),
            path="p",
            format="txt",
            parts=[
                Part("abstract", f"Kebijakan nomor {i} tentang kemitraan.", lang="id"),
                Part("abstract", f"Policy number {i} on partnerships.", lang="en"),
            ],
        )

    batch = nlp.process_many([make(i) for i in range(5)])
    single = [nlp.process(make(i)) for i in range(5)]
    assert [[p.norm for p in d.parts] for d in batch] == [[p.norm for p in d.parts] for d in single]


# -- batching, caching, determinism --------------------------------------------------------------

SAMPLE_TEXTS = [
    "Kebijakan pemerintah daerah tentang kemitraan, pengawasan dan pelayanan publik (2019).",
    "The partnerships between local governments and NGOs: e-government, open data and oversight.",
    "Prinsip-prinsip good governance dalam penyelenggaraan pemerintahan desa; perundang-undangan.",
    "Digital transformation of public services -- evidence from 12 municipalities.",
]
SAMPLE_LANGS = ["id", "en", "id", None]


def test_batched_equals_unbatched_and_cache_is_transparent():
    batched = nlp.normalise_many(SAMPLE_TEXTS, SAMPLE_LANGS)
    single = [nlp.normalise(t, lg) for t, lg in zip(SAMPLE_TEXTS, SAMPLE_LANGS, strict=True)]
    assert batched == single
    nlp.reset_cache()
    assert nlp.normalise_many(SAMPLE_TEXTS, SAMPLE_LANGS) == batched  # cold == warm
    assert nlp.content_terms_many(SAMPLE_TEXTS, SAMPLE_LANGS) == [
        nlp.content_terms(t, lg) for t, lg in zip(SAMPLE_TEXTS, SAMPLE_LANGS, strict=True)
    ]
    assert nlp.cache_stats()["hit_rate"] > 0


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError):
        nlp.normalise_many(["a", "b"], ["id"])


def test_deterministic_across_processes_and_hash_seeds():
    code = (
        "import json, sys; from pipeline import nlp; "
        "texts, langs = json.load(sys.stdin); "
        "print(json.dumps([nlp.normalise_many(texts, langs), nlp.content_terms_many(texts, langs)]))"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    res = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps([SAMPLE_TEXTS, SAMPLE_LANGS]),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
    )
    here = [
        nlp.normalise_many(SAMPLE_TEXTS, SAMPLE_LANGS),
        nlp.content_terms_many(SAMPLE_TEXTS, SAMPLE_LANGS),
    ]
    assert json.loads(res.stdout) == here


# -- opt-in trained pipelines ---------------------------------------------------------------------


def test_missing_trained_pipeline_is_a_clear_value_error():
    with pytest.raises(ValueError) as err:
        nlp.load_pipeline("en", "xx_govtext_no_such_pipeline")
    msg = str(err.value)
    assert "xx_govtext_no_such_pipeline" in msg and "not installed" in msg and "\n" not in msg
    with pytest.raises(ValueError, match="not installed"):
        nlp.normalise("policies", "en", models={"en": "xx_govtext_no_such_pipeline"})


def test_default_pipelines_are_blank_with_lookup_lemmatizer_and_cached():
    p = nlp.load_pipeline("en")
    assert p.pipe_names == ["lemmatizer"] and p is nlp.load_pipeline("en", None)
    ind = nlp.load_pipeline("id")
    assert ind.lang == "id" and ind.pipe_names == []  # Sastrawi stems Indonesian, no lemmatizer
    for lang in ("id", "en"):
        assert nlp.load_pipeline(lang).config["nlp"]["tokenizer"] == {"@tokenizers": nlp.TOKENIZER}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_dropped_special_cases_tokenize_whole_without_them(lang):
    """The hyphenated special cases make_tokenizer leaves out come out as the same one token."""
    from spacy.util import get_lang_class

    tokenizer = nlp.load_pipeline(lang).tokenizer
    defaults = get_lang_class(lang).Defaults.tokenizer_exceptions  # class data: no default tokenizer built
    dropped = [k for k in defaults if k not in tokenizer.rules]
    if lang == "id":
        assert len(dropped) > 15_000 and len(tokenizer.rules) < 500
    assert all(nlp._redundant_exception(k) for k in dropped)
    for key in dropped:
        assert [t.text for t in tokenizer(key)] == [key]
        assert [t.text for t in tokenizer(f"({key}),")] == ["(", key, ")", ","]
    # special cases that split or join differently from the affix rules are kept
    assert [t.text for t in nlp.load_pipeline("en").tokenizer("don't")] == ["do", "n't"]
    assert [t.text for t in nlp.load_pipeline("id").tokenizer("Dr. M.Si.")] == ["Dr.", "M.Si."]


def test_imports_stay_light():
    """Importing the CLI or pipeline.nlp must not pull in spaCy (~2 s) or the language models."""
    code = (
        "import sys, pipeline.cli, pipeline.nlp, pipeline.language; "
        "heavy = {'spacy', 'thinc', 'py3langid', 'Sastrawi', 'sklearn', 'gensim', 'tomotopy'}; "
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert res.stdout.strip() == "[]"


def test_pipeline_from_a_path_is_used_for_english(tmp_path):
    import spacy

    saved = spacy.blank("en")
    saved.add_pipe("lemmatizer", config={"mode": "lookup"})
    saved.initialize()
    saved.to_disk(tmp_path / "en_pipe")
    models = {"en": str(tmp_path / "en_pipe")}
    text = "the partnerships were governed by e-government rules, first data"
    assert nlp.normalise(text, "en", models=models) == nlp.normalise(text, "en")
    assert nlp.content_terms(text, None, models=models) == nlp.content_terms(text, None)
    with pytest.raises(ValueError, match="is for language 'en'"):
        nlp.normalise("kebijakan", "id", models={"id": models["en"]})


def test_installed_trained_pipeline_path():
    pytest.importorskip("en_core_web_sm")
    forms = nlp.normalise("The partnerships were governed well.", "en", models={"en": "en_core_web_sm"})
    assert "partnership" in forms and "govern" in forms


# -- real abstracts ------------------------------------------------------------------------------


@pytest.mark.slow
def test_real_abstracts_batched_equals_unbatched(shared_corpora):
    texts, langs = [], []
    for name, lang in [
        ("id-abstracts/sinta_broad_abstracts.part1.jsonl", "id"),
        ("en-abstracts/icegov-proceedings.jsonl", "en"),
    ]:
        with (shared_corpora / name).open(encoding="utf-8") as f:
            for _, line in zip(range(60), f, strict=False):
                texts.append(json.loads(line).get("abstract") or "")
                langs.append(lang)
    batched = nlp.normalise_many(texts, langs)
    assert batched == [nlp.normalise(t, lg) for t, lg in zip(texts, langs, strict=True)]
    # The per-chunk cache and its all-letters shortcut give what tokenizing each whole text with
    # spaCy gives.
    reference = [
        [n for n in (nlp._normal_form(tok.text, lg) for tok in nlp.load_pipeline(lg).tokenizer(t)) if n]
        for t, lg in zip(texts, langs, strict=True)
    ]
    assert batched == reference
    words = [w for forms in batched for w in forms]
    assert len(words) > 10_000
    assert all(w and w == w.lower() and " " not in w for w in words)
    assert not any(w.isdigit() for w in words)


# -- properties -----------------------------------------------------------------------------------

_WORDS = st.sampled_from(
    ["kebijakan", "Pemerintahan", "mitra", "e-government", "prinsip-prinsip", "AI", "NGOs", "data", "the"]
)
_NOISE = st.text(alphabet="abcXYZéß019-–'’.,;:()/=%& \n\t", max_size=12)
_TEXTS = st.lists(st.one_of(_WORDS, _NOISE), max_size=12).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_TEXTS, st.sampled_from(["id", "en", None, "other"])), max_size=6))
def test_forms_are_lowercase_single_tokens_and_batching_is_transparent(items):
    texts = [t for t, _ in items]
    langs = [lg for _, lg in items]
    batched = nlp.normalise_many(texts, langs)
    assert batched == [nlp.normalise(t, lg) for t, lg in items]
    for forms, content in zip(batched, nlp.content_terms_many(texts, langs), strict=True):
        assert all(f and f == f.lower() and not any(c.isspace() for c in f) for f in forms)
        assert all(any(c.isalpha() for c in f) for f in forms)
        assert set(content) <= set(forms)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_infix_rules_are_judged_as_with_their_full_letter_classes(lang):
    import re

    defaults = list(nlp.load_pipeline(lang).Defaults.infixes)
    full = [any(re.search(p, s) for s in ("a-b", "a-1", "1-a")) for p in defaults]
    assert [nlp._splits_ascii_hyphen(p) for p in defaults] == full
    assert any(full) and not all(full)
