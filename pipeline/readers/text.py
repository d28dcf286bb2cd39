"""Plain-text and Markdown files: one Document per file, the whole text as one raw Part.

The segment stage needs the lines, so line breaks are kept; Markdown loses its syntax but
keeps heading lines as lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from pipeline.clean import normalize_unicode
from pipeline.document import Document, Part, ReadError, RecordError
from pipeline.readers import ReadOptions, register
from pipeline.readers.encoding import read_text, sha256_file

# One document per file: a text file this big is a dump, not a document, and would cost minutes of
# NLP and GBs of memory (50 MB on one line: ~30 s and 750 MB before the cap). ReadOptions.max_text_mb
# overrides it.
MAX_TEXT_MB = 16

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_FENCE = re.compile(r"^[ \t]*(```|~~~)")
_ATX = re.compile(r"^[ \t]{0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^[ \t]{0,3}(=+|-+)[ \t]*$")
_RULE = re.compile(r"^[ \t]{0,3}([-*_])([ \t]*\1){2,}[ \t]*$")
_REF_DEF = re.compile(r"^[ \t]{0,3}\[[^\]]+\]:[ \t]+\S+.*$")
_TABLE_SEP = re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$")
_QUOTE = re.compile(r"^[ \t]{0,3}(>[ \t]?)+")
_BULLET = re.compile(r"^([ \t]*)[-*+][ \t]+")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_HTML = re.compile(r"</?[A-Za-z][^>\n]*>|<!--.*?-->", re.S)
_CODE = re.compile(r"`+([^`\n]+)`+")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EM_STAR = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_EM_UNDER = re.compile(r"(?<!\w)_(?=\S)([^_\n]+?)(?<=\S)_(?!\w)")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")


def _inline(line: str) -> str:
    line = _IMAGE.sub(r"\1", line)
    line = _LINK.sub(r"\1", line)
    line = _REF_LINK.sub(r"\1", line)
    line = _AUTOLINK.sub(r"\1", line)
    line = _CODE.sub(r"\1", line)
    line = _STRONG.sub(r"\2", line)
    line = _STRIKE.sub(r"\1", line)
    line = _EM_STAR.sub(r"\1", line)
    return _EM_UNDER.sub(r"\1", line)


def strip_markdown(text: str) -> tuple[str, str | None]:
    """(plain text with the same line structure, first level-1 heading or None)."""
    text = _FRONT_MATTER.sub("", text, count=1)
    text = _HTML.sub("", _AUTOLINK.sub(r"\1", text))
    out: list[str] = []
    title: str | None = None
    in_code = False
    for line in text.split("\n"):
        if _FENCE.match(line):
            in_code = not in_code
            continue
        if in_code:  # code blocks: content kept verbatim, no syntax to strip
            out.append(line)
            continue
        if _REF_DEF.match(line) or _TABLE_SEP.match(line):
            continue
        if _SETEXT.match(line) and out and out[-1].strip():
            if title is None and line.strip().startswith("="):
                title = out[-1].strip()
            continue
        if _RULE.match(line):
            continue
        m = _ATX.match(line)
        if m:
            line = _inline(m.group(2))
            if title is None and len(m.group(1)) == 1:
                title = line.strip()
            out.append(line)
            continue
        line = _QUOTE.sub("", line)
        line = _BULLET.sub(r"\1", line)
        if "|" in line and line.strip().startswith("|"):
            line = " ".join(c.strip() for c in line.strip().strip("|").split("|"))
        out.append(_inline(line))
    return "\n".join(out), title or None


_CONTROLS = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32), 127])


def _clean(text: str) -> str:
    text = text.translate(_CONTROLS).replace("\r\n", "\n").replace("\r", "\n")
    lines = [ln.rstrip() for ln in normalize_unicode(text).split("\n")]
    return "\n".join(lines).strip("\n")


def _check_size(path: Path, options: ReadOptions) -> None:
    cap = float(getattr(options, "max_text_mb", 0) or MAX_TEXT_MB)
    try:
        size = path.stat().st_size
    except OSError as e:
        raise ReadError(f"cannot read file: {e.strerror or e}") from None
    if size > cap * 1024 * 1024:
        raise ReadError(
            f"file too large ({size / 1024 / 1024:.0f} MB > {cap:g} MB cap for one text document)"
        )


def _read(path: Path, options: ReadOptions, fmt: str) -> Iterator[Document | RecordError]:
    _check_size(path, options)
    text, encoding = read_text(path, options.encoding)
    title = None
    if fmt == "md":
        text, title = strip_markdown(text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _clean(text)
    if not text.strip():
        raise ReadError("empty file")
    yield Document(
        id=options.digest or sha256_file(path),
        path=str(path),
        format=fmt,
        title=normalize_unicode(title).strip() if title else None,
        parts=[Part(kind="raw", text=text)],
        meta={"encoding": encoding},
    )


@register("txt", ".txt")
def read_txt(path: Path, options: ReadOptions) -> Iterator[Document | RecordError]:
    return _read(path, options, "txt")


@register("md", ".md", ".markdown")
def read_md(path: Path, options: ReadOptions) -> Iterator[Document | RecordError]:
    return _read(path, options, "md")
