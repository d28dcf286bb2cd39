"""What of a document is embedded, and the hash that says when its vector is out of date.

Title, then keywords, then the abstracts (every language, in document order): the parts that say
what a document is about, with the short ones first so that a cut at the encoder's token limit
keeps them. A document without an abstract (a PDF) gives its first body sections instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from pipeline.document import Document

# Bump when the recipe below changes: every stored vector is then re-embedded.
RECIPE = "1"
_ORDER = {"title": 0, "keywords": 1, "abstract": 2}
_BODY = ("body", "section")
_BODY_CHARS = 4000  # the encoder keeps at most 512 tokens of it anyway


def text_of_parts(parts: Sequence[tuple[str, str]]) -> str:
    """(kind, text) pairs in document order -> the text to embed ('' when there is none)."""
    main = sorted(
        ((_ORDER[k], i, t.strip()) for i, (k, t) in enumerate(parts) if k in _ORDER and t.strip()),
    )
    pieces = [t for _, _, t in main]
    if not any(k == "abstract" for k, _ in parts):
        body = " ".join(t.strip() for k, t in parts if k in _BODY and t.strip())
        if body:
            pieces.append(body[:_BODY_CHARS])
    return "\n".join(pieces)


def document_text(doc: Document) -> str:
    parts = [(p.kind, p.text) for p in doc.parts]
    if doc.keywords and not any(k == "keywords" for k, _ in parts):
        parts.append(("keywords", "; ".join(k.text for k in doc.keywords)))
    return text_of_parts(parts)


def input_hash(text: str, encoder_id: str, encoder_version: str, max_tokens: int) -> str:
    """Changes with the text, the recipe, the encoder, its version and the token limit."""
    h = hashlib.sha256(f"{RECIPE}|{encoder_id}|{encoder_version}|{max_tokens}|".encode())
    h.update(text.encode("utf-8"))
    return h.hexdigest()[:16]
