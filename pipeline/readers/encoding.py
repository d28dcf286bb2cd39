"""Bytes to text for every non-PDF reader: BOMs, BOM-less UTF-16, Latin-1/cp1252, binary junk.

Detection looks at a bounded head sample so it stays fast on large files; decoding never
raises on odd bytes (it falls back to cp1252/Latin-1, which map every byte).
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterator
from pathlib import Path

from pipeline.document import ReadError

SAMPLE_BYTES = 64 * 1024
_CHUNK = 1 << 20

# Bytes that never occur in text: C0 controls except tab, LF, VT, FF, CR, ESC (0x1a is DOS EOF).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 26, 27))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _utf16_without_bom(sample: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when NULs sit on one parity only, as ASCII-heavy UTF-16 does."""
    n = len(sample) - len(sample) % 2
    if n < 4:
        return None
    even = sample[0:n:2].count(0)
    odd = sample[1:n:2].count(0)
    half = n // 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _looks_binary(sample: bytes) -> bool:
    if not sample:
        return False
    nul = sample.count(0)
    controls = sum(sample.count(b) for b in _CONTROL)  # includes NUL
    # A few stray NULs occur in real exports; binary formats have many.
    return (nul >= 4 and nul > 0.001 * len(sample)) or controls > 0.05 * len(sample)


def _valid_utf8_prefix(sample: bytes, complete: bool) -> bool:
    # An incremental decoder tolerates a multi-byte character cut at the sample's end.
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(sample, final=complete)
    except UnicodeDecodeError:
        return False
    return True


def _single_byte(data: bytes) -> str:
    """cp1252 when it maps every byte (it has the smart quotes), else a guess, else Latin-1."""
    try:
        data.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        pass
    try:  # rare: bytes cp1252 leaves undefined; let charset-normalizer have a look at a sample
        from charset_normalizer import from_bytes

        best = from_bytes(data[:SAMPLE_BYTES]).best()
        if best is not None and best.encoding not in ("utf_8", "ascii"):
            data.decode(best.encoding)
            return best.encoding
    except Exception:  # noqa: BLE001 - any failure here just means "use Latin-1"
        pass
    return "latin-1"


def detect_encoding(head: bytes, complete: bool, forced: str | None = None) -> str:
    """Encoding name for a file whose first bytes are ``head`` (``complete``: head is the whole file).

    Raises ReadError for binary junk or an unknown forced encoding.
    """
    if forced:
        try:
            return codecs.lookup(forced).name
        except LookupError:
            raise ReadError(f"unknown encoding {forced!r}") from None
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith(codecs.BOM_UTF32_LE) or head.startswith(codecs.BOM_UTF32_BE):
        return "utf-32"
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le"
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be"
    utf16 = _utf16_without_bom(head)
    if utf16:
        return utf16
    if _looks_binary(head):
        raise ReadError("binary file, not text")
    if _valid_utf8_prefix(head, complete):
        return "utf-8"
    return _single_byte(head)


def _decode(data: bytes, encoding: str) -> str:
    if encoding in ("utf-16-le", "utf-16-be") and data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        data = data[2:]
    text = data.decode(encoding, errors="replace")
    return text[1:] if text.startswith("\ufeff") else text


def read_text(path: Path, forced: str | None = None) -> tuple[str, str]:
    """(text, encoding name) for a whole file. Never fails on odd bytes; ReadError on binary junk."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise ReadError(f"cannot read file: {e.strerror or e}") from None
    encoding = detect_encoding(data[:SAMPLE_BYTES], complete=len(data) <= SAMPLE_BYTES, forced=forced)
    if encoding == "utf-8" and len(data) > SAMPLE_BYTES:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:  # UTF-8 head, something else later: a mixed file
            encoding = _single_byte(data)
    return _decode(data, encoding), encoding


def iter_lines(path: Path, forced: str | None = None) -> Iterator[str]:
    """Lines of a text file with their line endings, decoded lazily (for JSONL and CSV).

    A UTF-8 file with a stray non-UTF-8 line gets that line decoded as cp1252 rather than
    failing the file. UTF-16/32 files are decoded whole (rare, and their lines are not b'\\n'-split).
    """
    try:
        fh = open(path, "rb")
    except OSError as e:
        raise ReadError(f"cannot read file: {e.strerror or e}") from None
    with fh:
        head = fh.read(SAMPLE_BYTES)
        encoding = detect_encoding(head, complete=len(head) < SAMPLE_BYTES, forced=forced)
        if codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
            rest = fh.read()
            yield from _decode(head + rest, encoding).splitlines(keepends=True)
            return
        fh.seek(0)
        first = True
        for raw in fh:
            if encoding in ("utf-8", "utf-8-sig"):
                try:
                    line = raw.decode(encoding)
                except UnicodeDecodeError:
                    line = raw.decode("cp1252", errors="replace")
            else:
                line = raw.decode(encoding, errors="replace")
            if first:
                line = line.removeprefix("\ufeff")
                first = False
            yield line
