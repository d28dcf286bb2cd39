import json
import time

import pytest

from pipeline import language
from pipeline.document import Document, Keyword, Part
from pipeline.language import LANGS, clear_lang, detect, detect_part_langs, guess, id_en_score


@pytest.mark.parametrize(
    "text,lang",
    [
        ("Kata kunci: transparansi, akuntabilitas", "id"),  # an unrestricted model says Quechua
        ("transparansi; akuntabilitas", "id"),
        ("pelayanan publik", "id"),
        ("kebijakan-kebijakan", "id"),
        ("Keywords: transparency, accountability", "en"),
        ("village funds", "en"),
        ("Kebijakan Publik dan Tata Kelola Pemerintahan Daerah", "id"),
        ("Decision support system for selecting the best customers", "en"),
        (
            "Penelitian ini bertujuan untuk menganalisis pengaruh kualitas pelayanan terhadap kepuasan "
            "masyarakat di Dinas Kependudukan dan Pencatatan Sipil.",
            "id",
        ),
        (
            "This paper analyses how service quality affects citizen satisfaction at the population "
            "registration office.",
            "en",
        ),
        ("Die Verwaltung muss die Berichte jedes Jahr veröffentlichen und prüfen lassen.", "other"),
        ("", "other"),
        ("12345 !!!", "other"),
    ],
)
def test_detect(text, lang):
    assert detect(text) == lang


def test_malay_counts_as_indonesian():
    malay = (
        "Kerajaan negeri akan melaksanakan dasar baharu bagi meningkatkan perkhidmatan awam kepada rakyat."
    )
    assert detect(malay) == "id"


def test_loanword_alone_is_ambiguous():
    lang, conf = guess("e-government")
    assert conf < 0.5
    assert id_en_score("e-government") == 0.0


def test_id_en_score_sign():
    assert id_en_score("Pemerintah daerah wajib menyusun laporan keuangan tahunan.") > 0.5
    assert id_en_score("The local government must publish an annual financial report.") < -0.5


def test_detect_part_langs_fills_only_missing():
    doc = Document(
        id="x",
        path="x",
        format="txt",
        parts=[
            Part("abstract", "Penelitian ini mengkaji pelayanan publik di tingkat desa dan kecamatan."),
            Part("abstract", "This study examines public services.", lang="other"),
            Part("discarded", "budi@unair.ac.id"),
        ],
        keywords=[Keyword("akuntabilitas"), Keyword("accountability", lang="en")],
    )
    detect_part_langs(doc)
    assert [p.lang for p in doc.parts] == ["id", "other", None]
    assert [k.lang for k in doc.keywords] == ["id", "en"]


def test_speed_per_call():
    text = (
        "Penelitian ini bertujuan untuk menganalisis pengaruh kualitas pelayanan terhadap kepuasan "
        "masyarakat. Metode yang digunakan adalah survei terhadap 200 responden di Kota Malang. " * 3
    )
    detect(text)  # load the model outside the timing
    n = 300
    start = time.perf_counter()
    for _ in range(n):
        detect(text)
        detect("Kata kunci: transparansi, akuntabilitas")
    per_call = (time.perf_counter() - start) / (2 * n)
    # Measured ~50 us per call; the ingest budget allows ~200 us per part (1,000 abstracts/s, 2 cores).
    assert per_call < 500e-6


@pytest.mark.slow
def test_sinta_single_language_abstracts(shared_corpora):
    """The records' own `lang` (a scraper heuristic) as a rough reference."""
    counts = {"id": [0, 0], "en": [0, 0]}
    for path in sorted((shared_corpora / "id-abstracts").glob("sinta_broad_abstracts.part*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for r in map(json.loads, fh):
                if r.get("lang") == "id" and r.get("abstract"):
                    counts["id"][0] += detect(r["abstract"]) == "id"
                    counts["id"][1] += 1
    hit, total = counts["id"]
    # Measured 3342/3342. (The 130 "en" records are mostly id+en pairs run together, which the
    # whole-text detector calls "id"; the segment tests cover them.)
    assert total > 3000 and hit / total >= 0.99


@pytest.mark.slow
def test_sinta_keyword_lines(shared_corpora):
    hit = total = 0
    for path in sorted((shared_corpora / "id-abstracts").glob("sinta_broad_abstracts.part*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for r in map(json.loads, fh):
                for lang in ("id", "en"):
                    kws = r.get(f"keywords_{lang}")
                    if kws:
                        total += 1
                        hit += detect(", ".join(kws)) == lang
    # Measured 0.89 over ~650 lines; the reference puts English terms in "Kata kunci" lists and back.
    assert total > 500 and hit / total >= 0.85


def test_never_returns_anything_else():
    for text in ["\x00", "ـ", "😀😀", "a", "Ü" * 50, "\n\n", "x" * 5000]:
        assert detect(text) in LANGS


@pytest.mark.parametrize(
    "text,lang",
    [
        ("Penelitian ini mengkaji pelayanan publik yang diberikan oleh pemerintah desa kepada warga.", "id"),
        ("This study examines how the village government provides its services to the residents.", "en"),
        # Too few stop words, or both languages, or neither: the model decides.
        ("Die Verwaltung muss die Berichte jedes Jahr veröffentlichen und prüfen lassen.", None),
        ("e-government", None),
        ("Analisis Kinerja", None),
        ("The implementation of kebijakan yang dibuat oleh the government in the daerah", None),
        # Long titles: word evidence with a clear margin (the model called this one "other").
        ("KEEFEKTIFAN Beauveria bassiana DAN PUPUK ORGANIK CAIR TERHADAP Nilaparvata lugens", "id"),
        ("The Security Dilemma in Alliance Politics", "en"),
    ],
)
def test_clear_lang(text, lang):
    assert clear_lang(text) == lang
    if lang:
        assert detect(text) == lang


def test_clear_text_skips_the_model(monkeypatch):
    calls = []
    monkeypatch.setattr(language, "_model_probs", lambda t: calls.append(t) or {"id": 1.0})
    assert (
        detect("Penelitian ini bertujuan untuk mengetahui pengaruh kualitas pelayanan di kantor desa.")
        == "id"
    )
    assert (
        detect("The purpose of this study is to find out how the quality of the service affects them.")
        == "en"
    )
    assert calls == []
    detect("Ekspresi Emosi Marah")  # short and without evidence: the model is asked
    assert len(calls) == 1


def test_model_cache_returns_fresh_dicts():
    language.clear_cache()
    first = language._model_probs("good governance")
    first["id"] = 99.0
    second = language._model_probs("good governance")
    assert second["id"] != 99.0
    assert second == language._uncached_probs("good governance")
    assert language._cached_probs.cache_info().hits >= 1


@pytest.mark.slow
def test_clear_lang_agrees_with_the_model_on_real_text(shared_corpora):
    """Where the cheap evidence answers, it must give the model's answer (abstract windows)."""
    agree = answered = total = 0
    path = shared_corpora / "id-abstracts" / "sinta_broad_abstracts.part3.jsonl"
    en_path = shared_corpora / "en-abstracts" / "polisci-bjps-worldpolitics.jsonl"
    for p in (path, en_path):
        with p.open(encoding="utf-8") as fh:
            records = [json.loads(line) for line in fh][:400]
        for r in records:
            text = r.get("abstract") or ""
            for start in (0, max(0, len(text) // 2 - 80), max(0, len(text) - 160)):
                window = text[start : start + 160]
                if len(window) < 160:
                    continue
                total += 1
                lang = clear_lang(window)
                if lang:
                    answered += 1
                    agree += lang == guess(window)[0]
    # Measured on other files while choosing the thresholds: ~95% answered, no disagreement.
    assert total > 1500
    assert answered / total >= 0.85
    assert agree / answered >= 0.998


def test_id_en_score_asks_the_model_for_mixed_sentences(monkeypatch):
    calls = []
    real = language._model_probs
    monkeypatch.setattr(language, "_model_probs", lambda t: calls.append(t) or real(t))
    assert (
        id_en_score("Penelitian ini dilakukan di desa yang ada di kabupaten dengan data dari dinas.") == 1.0
    )
    assert (
        id_en_score("The study was carried out in the villages of the district with data from the office.")
        == -1.0
    )
    assert calls == []
    # Indonesian glued to an English title: stop words of both, so the model's in-between score
    # is kept (the split point between two abstracts depends on it).
    mixed = "Studi ini dilakukan di Kabupaten Garut dengan metode survei.The Effects of Budget Rules on the Quality of Services"
    score = id_en_score(mixed)
    assert len(calls) == 1
    assert -1.0 < score < 1.0
