"""Readers turn one input file into Documents.

Every reader has the signature ``read(path, options) -> Iterator[Document | RecordError]``:
it yields Documents (parts may still be ``raw``: the segment stage splits them) and
RecordErrors for bad records inside a file it can otherwise read; it raises ReadError when
the whole file is unreadable. Readers are registered by format name; ``detect_format`` maps
a path to a format from its extension, checked against the file's magic bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.document import Document, ReadError, RecordError

# Part of every document's pipeline version: bump it when any reader's output changes, so that a
# re-run reads the files again (2: PDFs in display orientation, k columns, pages kept apart; 3: PDF fields
# on new layouts: Keputusan, Instruksi, Surat Edaran, titles by type size, years from citation lines).
VERSION = "3"


@dataclass
class ReadOptions:
    # field name (title, abstract, abstrak, keywords, authors, year, doi, id) -> column name
    columns: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None  # force an encoding instead of detecting it
    ocr: str = "auto"  # "auto" (use Tesseract when installed), "off", "force"
    ocr_langs: str = "ind+eng"
    time_limit: float = 120.0  # seconds per file (PDF); 0 disables
    max_pages: int = 5000  # a PDF with more pages is refused with a clear error
    ocr_max_pages: int = 30  # OCR is slow: at most this many pages per document
    max_text_mb: float = 16  # a .txt/.md larger than this is not one document: refused
    # The sha256 of the file being read, when the caller has it already (ingest hashes every file
    # to decide whether to read it): readers that name a document by its file's hash take it from
    # here instead of reading the file a second time. Per file, so never a run setting.
    digest: str | None = None


Reader = Callable[[Path, ReadOptions], Iterator[Document | RecordError]]

_READERS: dict[str, Reader] = {}
EXTENSIONS: dict[str, str] = {}
_BUILTIN_LOADED = False


def register(fmt: str, *extensions: str) -> Callable[[Reader], Reader]:
    def deco(fn: Reader) -> Reader:
        _READERS[fmt] = fn
        for ext in extensions:
            EXTENSIONS[ext.lower()] = fmt
        return fn

    return deco


def _load_builtin() -> None:
    # Imported for their @register side effect. They need only core dependencies: one that does
    # not import is a broken install, an error, not a format quietly gone.
    import importlib

    global _BUILTIN_LOADED
    for name in ("text", "records", "pdf"):
        importlib.import_module(f"pipeline.readers.{name}")
    _BUILTIN_LOADED = True


def load_plugins(modules: list[str]) -> None:
    """Import reader modules named in the config (``readers``): each registers its formats with
    ``@register`` the way the built-in ones do. A module that cannot be imported is an error."""
    import importlib

    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as e:
            raise ValueError(f"readers: cannot import reader module {name!r} ({e})") from None


def detect_format(path: Path) -> str | None:
    """Format name for a path, or None when it is not a file govtext reads."""
    if not _BUILTIN_LOADED:
        _load_builtin()
    return EXTENSIONS.get(path.suffix.lower())


def get_reader(fmt: str) -> Reader:
    if not _BUILTIN_LOADED:
        _load_builtin()
    try:
        return _READERS[fmt]
    except KeyError:
        raise ReadError(f"no reader for format {fmt!r}") from None


__all__ = [
    "VERSION",
    "ReadOptions",
    "Reader",
    "register",
    "load_plugins",
    "detect_format",
    "get_reader",
    "Document",
    "RecordError",
    "ReadError",
]
