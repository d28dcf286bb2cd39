"""A small hand-made corpus for the explore and report tests (written straight into a Store).

Six documents: English, Indonesian and bilingual; years 2015-2017 and one undated; themes with
known counts; a two-topic model. Imported by test_explore.py and test_report.py.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.document import Document, Keyword, Part, Tag
from pipeline.store import Store, open_store

MODEL = "topics-test"


def _doc(
    id_: str,
    path: str,
    year: int | None,
    parts: list[tuple[str, str, str]],
    tags: dict[str, float],
    fmt: str = "jsonl",
    doc_type: str = "abstract_record",
    keywords: list[tuple[str, str]] = (),
) -> Document:
    return Document(
        id=id_ * 8,
        path=path,
        format=fmt,
        source_id=f"src-{id_}",
        doc_type=doc_type,
        year=year,
        title=next((t for k, _, t in parts if k == "title"), None),
        authors=["A. Author", "B. Author"],
        parts=[Part(kind=k, lang=lang, text=t) for k, lang, t in parts],
        keywords=[Keyword(text=t, lang=lang) for t, lang in keywords],
        tags=[Tag(theme=th, score=s, method="lexicon", model=None) for th, s in tags.items()],
    )


DOCS = [
    _doc(
        "a",
        "data/a/records.jsonl",
        2015,
        [
            ("title", "en", "Partnerships and local governance"),
            (
                "abstract",
                "en",
                "Public-private partnerships improve local governance. Partnerships need trust "
                "between councils and firms.",
            ),
        ],
        {"partnership": 0.9, "governance": 0.5},
        keywords=[("partnership", "en"), ("local government", "en")],
    ),
    _doc(
        "b",
        "data/a/records.jsonl",
        2015,
        [
            ("title", "id", "Kemitraan pemerintah daerah"),
            (
                "abstract",
                "id",
                "Kemitraan pemerintah daerah dengan swasta meningkatkan pelayanan publik di kota.",
            ),
            (
                "abstract",
                "en",
                "Government partnership with the private sector improves public services in cities.",
            ),
        ],
        {"partnership": 0.8, "public_service": 0.6},
        keywords=[("kemitraan", "id")],
    ),
    _doc(
        "c",
        "data/a/records.jsonl",
        2016,
        [
            ("title", "id", "Korupsi pengadaan"),
            ("abstract", "id", "Korupsi dalam pengadaan barang dan jasa pemerintah merugikan negara."),
        ],
        {"corruption": 0.95},
    ),
    _doc(
        "d",
        "data/a/records.jsonl",
        2016,
        [
            ("title", "en", "Procurement corruption"),
            ("abstract", "en", "Corruption in public procurement undermines trust in government."),
            ("references", "en", "Smith 2010 partnerships in Kemitraan studies."),
        ],
        {"corruption": 0.7, "governance": 0.3},
    ),
    _doc(
        "e",
        "data/b/notes.txt",
        2017,
        [
            ("body", "en", "Digital government services and e-government adoption in provinces."),
        ],
        {},
        fmt="txt",
        doc_type="report",
    ),
    _doc(
        "f",
        "data/b/desa.txt",
        None,
        [
            ("body", "id", "Mitra desa membangun kemitraan yang adil bagi warga desa."),
        ],
        {"partnership": 0.4},
        fmt="txt",
        doc_type="report",
    ),
]

# Document letter -> topic weights (topic 0 "partnership", topic 1 "corruption").
TOPIC_WEIGHTS = {
    "a": (0.8, 0.2),
    "b": (0.7, 0.3),
    "c": (0.1, 0.9),
    "d": (0.3, 0.7),
    "e": (0.6, 0.4),
    "f": (0.9, 0.1),
}


def build_corpus(db: str | Path, topics: bool = True) -> Store:
    from pipeline.nlp import process_many

    store = open_store(db)
    docs = process_many([Document(**{**d.__dict__}) for d in DOCS])
    run = store.start_run("test", {}, {})
    store.write_documents(docs, "test", run)
    store.add_error("data/broken.pdf", "read", "no text layer", run)
    store.finish_run(run, "partial", {}, 0.1)
    if topics:
        topic_rows = [
            {"topic": t, "label": label, "theme": None, "terms": terms, "weight": 0.5, "meta": {}}
            for t, terms, label in (
                (0, ["partnership", "mitra", "kota"], "partnerships"),
                (1, ["corruption", "korupsi", "pengadaan"], "corruption"),
            )
        ]
        # An inactive model's weights must never show.
        store.save_topic_model("topics-old", {}, [], [(letter * 8, 5, 0.99) for letter in TOPIC_WEIGHTS])
        weights = [(letter * 8, t, w) for letter, ws in TOPIC_WEIGHTS.items() for t, w in enumerate(ws)]
        store.save_topic_model(MODEL, {}, topic_rows, weights)
    return store
