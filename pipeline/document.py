"""The one data model that flows through every stage.

Readers create Documents; segment, language, nlp and theme stages fill them in; the store
writes them. Everything is a plain dataclass so documents pickle cheaply between worker
processes and serialise to the JSON shape of ``govtext show``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Part kinds. ``raw`` is reader output not yet segmented; the segment stage replaces it.
PART_KINDS = ("title", "authors", "abstract", "keywords", "body", "section", "references", "raw", "discarded")
DOC_TYPES = ("journal_article", "regulation", "report", "abstract_record", "other")


@dataclass
class Part:
    kind: str
    text: str
    lang: str | None = None  # "id", "en", "other"; None until the language stage
    heading: str | None = None  # section heading, e.g. "Pendahuluan" or "BAB I" / "Pasal 3"
    page_start: int | None = None
    page_end: int | None = None
    norm: str = ""  # normalised tokens (lemmas / protected stems), space-joined; for search


@dataclass
class Keyword:
    text: str
    lang: str | None = None
    norm: str = ""


@dataclass
class Tag:
    theme: str
    score: float
    method: str  # "lexicon", "classifier", ...
    model: str | None = None


@dataclass
class Document:
    id: str  # sha256 of the content it was made from (file bytes or canonical record)
    path: str
    format: str  # pdf, txt, md, jsonl, json, csv, tsv, ris, bib
    source_id: str | None = None  # the record's own id (id column), if any
    doc_type: str = "other"
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    doi: str | None = None
    regulation: dict[str, Any] | None = None  # {"type", "number", "year"}
    parts: list[Part] = field(default_factory=list)
    keywords: list[Keyword] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    topics: list[dict[str, Any]] = field(default_factory=list)  # [{"topic", "weight"}]
    pages: int = 0
    meta: dict[str, Any] = field(default_factory=dict)  # reader extras (journal, record index...)

    @property
    def langs(self) -> list[str]:
        return sorted({p.lang for p in self.parts if p.lang and p.kind not in ("discarded",)})

    def parts_of(self, *kinds: str) -> list[Part]:
        return [p for p in self.parts if p.kind in kinds]

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``govtext show`` (CLI contract in DESIGN.md)."""
        return {
            "id": self.id,
            "source_id": self.source_id,
            "path": self.path,
            "format": self.format,
            "doc_type": self.doc_type,
            "title": self.title,
            "authors": list(self.authors),
            "year": self.year,
            "doi": self.doi,
            "regulation": self.regulation,
            "langs": self.langs,
            "parts": [
                {"kind": p.kind, "lang": p.lang, "text": p.text, "heading": p.heading}
                for p in self.parts
                if p.kind != "discarded"
            ],
            "keywords": [{"lang": k.lang, "text": k.text} for k in self.keywords],
            "tags": [asdict(t) for t in self.tags],
            "topics": list(self.topics),
        }


class ReadError(Exception):
    """A file (or record) cannot be read; the message is the one-line reason shown to users."""


class NeedsOCR(ReadError):
    """A PDF has no usable text layer and OCR is unavailable."""


@dataclass
class RecordError:
    """A failure inside a multi-record file (a broken JSONL line, a CSV row): the run goes on."""

    path: str
    stage: str
    message: str
