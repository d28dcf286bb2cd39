"""The title of an article or report: the most prominent block of text on its first page.

Lines are grouped into blocks of one font (size, weight, slant) with no wide gap inside. Among
the blocks in the largest type, bold wins, then a block of three words or more over a two-word
series name beside it ("Regulatory Review"), then the earlier. A genre word set larger than the
title ("POSITION PAPER", "ARTICLE") or an acronym above it ("LAKIP") gives way to the title-like
block below it. Without font information (lines from OCR or pdfminer) the line height stands in
for the type size. A title is never empty when the page has text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import median

from pipeline.clean import normalize_unicode
from pipeline.pdf.layout import Line

# Lines that are never a title: journal banners, citations, addresses, labels, contents, dates.
BANNER = re.compile(
    r"jurnal|journal|\bvol\b|volume|\bno\.|nomor|issn|\bdoi\b|https?:|www\.|received|accepted|revised|"
    r"published|©|copyright|available online|homepage|contents lists|seminar|prosiding|proceedings|"
    r"\bhal\b|\bpp\.|diterima|direvisi|disetujui|terbit|article info|article history|open access|licen[cs]e|"
    r"running head|\bedisi\b|\bnúm\b|see discussions|researchgate|^\s*(?:citations|reads)\s*$|\barticle\s*·|"
    r"\((?:19|20)\d\d\)\s*\d{1,4}\s*[,(:]|(?:19|20)\d\d\s*,\s*vol",
    re.I,
)
AFFILIATION = re.compile(
    r"universit|fakultas|faculty|program studi|prodi|jurusan|department|departemen|institut|school|"
    r"sekolah|stmik|stie|politeknik|polytechnic|akademi|\bjl\.|jalan|email|e-mail|korespondensi|"
    r"correspond|@|indonesia$|\bcenter\b|\bcentre\b|laborator|ministry|kementerian|badan",
    re.I,
)
_NOT_TITLE = re.compile(
    r"^\s*(?:daftar\s+isi|table\s+of\s+contents?|contents|abstra[ck]t?|abstrak|keywords?|kata\s+kunci|"
    r"version\s+[\d.]+|versi\s+[\d.]+|\d{1,4}|[ivxlc]{1,6}|page\s+\d+)\s*[:.]?\s*$"
    r"|\.{5,}|…{2,}",
    re.I,
)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "januari|februari|maret|mei|juni|juli|agustus|oktober|desember"
)
DATE_LINE = re.compile(rf"^\s*(?:\d{{1,2}}\s+)?(?:{_MONTHS})\s*,?\s+(?:19|20)\d\d\s*$", re.I)
# A category printed above the title, not part of it.
_GENRE = re.compile(
    r"^(?:(?:research|original|review|symposium|regular|case)\s+)?(?:article|articles|paper|artikel|"
    r"position paper|policy brief|discussion paper|working paper|white paper|country brief|report|"
    r"artikel penelitian)$",
    re.I,
)
# What a layout that joined a sidebar onto the title's rows adds after it: citation, DOI, URL, ©.
_SIDEBAR = re.compile(
    r"\s(?:(?:19|20)\d\d,\s*Vol\b|https?://|www\.|doi\s*:|DOI\b|[©!]\s*The Author|©|Article reuse|"
    r"[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|edu|gov)(?:/\S*)?(?=\s|$))",
)
HOMEPAGE = re.compile(r"homepage|contents lists|sciencedirect|www\.", re.I)
_LOGO = re.compile(r"\s+(?:Cross\s*Mark|MARK|Check\s+for\s+updates)\s*$")
_FOOTNOTE_MARK = re.compile(r"[\s*∗†‡§¶]+$")
_DOUBLED_WORD = re.compile(r"^(\w{3,})\1")
# One dash drawn as several characters: a hyphen, a soft hyphen and a Unicode hyphen ("2014-15").
_DASHES = re.compile("-[\u00ad\u2010\u2011-]+")


def type_size(ln: Line) -> float:
    return ln.font_size or ln.size


def body_size(lines: list[Line]) -> float:
    """The usual type size of running text: the median over lines long enough to be prose."""
    prose = [type_size(ln) for ln in lines if len(ln.text) >= 40]
    sizes = prose or [type_size(ln) for ln in lines]
    return median(sizes) if sizes else 0.0


def clean_line(text: str) -> str:
    """A title line without what the layout glued to it (sidebar citation, badge, footnote mark)."""
    m = _SIDEBAR.search(text)
    if m and m.start() >= 3:
        text = text[: m.start()]
    text = _LOGO.sub("", text)
    text = _DOUBLED_WORD.sub(r"\1", _DASHES.sub("-", text.strip()))
    return _FOOTNOTE_MARK.sub("", text).strip()


def dedupe_words(text: str) -> str:
    """Text drawn twice ("Fisheries and Brexit and Brexit"): an immediately repeated word run, once."""
    words = text.split()
    for n in range(len(words) // 2, 1, -1):
        for i in range(len(words) - 2 * n + 1):
            if [w.lower() for w in words[i : i + n]] == [w.lower() for w in words[i + n : i + 2 * n]]:
                return dedupe_words(" ".join(words[: i + n] + words[i + 2 * n :]))
    return text


@dataclass
class Block:
    lines: list[tuple[int, Line]]  # (index in the page's lines, line)
    text: str

    @property
    def first(self) -> int:
        return self.lines[0][0]

    @property
    def last(self) -> int:
        return self.lines[-1][0]

    @property
    def size(self) -> float:
        return type_size(self.lines[0][1])

    @property
    def bold(self) -> bool:
        return self.lines[0][1].bold

    @property
    def words(self) -> int:
        return len(self.text.split())


def _same_font(a: Line, b: Line, pitch: float) -> bool:
    """Same type (size and weight) as the line above. A change of slant alone ends the block only
    where the lines also move further apart: "Judul / *English title*" are two blocks, a title
    line that opens with an italic word is not. ``pitch``: the block's line pitch so far (0: none)."""
    if a.font_size and b.font_size:
        if abs(a.font_size - b.font_size) > 0.06 * a.font_size or a.bold != b.bold:
            return False
        return a.italic == b.italic or b.top - a.top <= (1.15 * pitch if pitch else 1.35 * a.font_size)
    # Line heights only: a title in capitals does not run on into a line in lower case (its
    # authors), and one that breaks mid-phrase may go on in smaller glyphs ("...: Critical / issues").
    if a.text.isupper() and not b.text.isupper():
        return False
    return abs(a.size - b.size) <= 0.1 * a.size or (b.text[:1].islower() and b.size >= 0.7 * a.size)


def _excluded(text: str) -> bool:
    return (
        not text
        or sum(c.isalpha() for c in text) < 2
        or bool(BANNER.search(text))
        or bool(_NOT_TITLE.search(text))
        or bool(DATE_LINE.match(text))
    )


def blocks(page: list[Line]) -> list[Block]:
    """Runs of lines in one font with no wide gap, banner/label/date lines left out."""
    out: list[Block] = []
    prev: tuple[int, Line] | None = None
    for i, ln in enumerate(page):
        text = clean_line(normalize_unicode(ln.text))
        if _excluded(text):
            prev = None
            continue
        gap = ln.top - prev[1].bottom if prev else 0.0
        block = out[-1].lines if out else []
        pitch = block[1][1].top - block[0][1].top if len(block) >= 2 else 0.0
        if (
            prev is not None
            and i == prev[0] + 1
            and _same_font(prev[1], ln, pitch)
            and gap <= 1.3 * type_size(prev[1])
        ):
            out[-1].lines.append((i, ln))
            out[-1].text += " " + text
        else:
            out.append(Block([(i, ln)], text))
        prev = (i, ln)
    return out


def _title_like(b: Block, body: float) -> bool:
    caps = b.text.isupper() and b.words >= 3
    return (
        len(b.lines) <= 6
        and b.words >= 3
        and b.size >= 0.95 * body
        and (b.bold or b.size >= 1.2 * body or caps)
        and not AFFILIATION.search(b.lines[0][1].text)
    )


def find_title(page: list[Line], stop: int, body: float) -> tuple[str | None, int]:
    """Title text and the index of its last line in ``page`` (-1 when no line stands out and the
    first line names the document); ``stop`` > 0 limits the search to the front matter of an
    article (the lines before its abstract or first section)."""
    head = page[:stop] if stop else page
    found = blocks(head)
    cands = [
        b
        for b in found
        if len(b.lines) <= 6
        and b.words <= 45
        and b.words >= (4 if stop else 1)
        and not AFFILIATION.search(b.lines[0][1].text)
        # A journal name sits right above "journal homepage: www..." / "Contents lists available".
        and not any(HOMEPAGE.search(ln.text) for ln in head[b.last + 1 : b.last + 3])
        # Without front matter to anchor it, a title must stand out from the running text.
        and (stop or b.size >= 1.1 * body or (b.bold and b.size >= body))
    ]
    if not cands:
        # Nothing stands out: the first line names the document, and stays in its body (-1).
        fallback = next((b for b in blocks(page) if b.words >= 1), None)
        if fallback is None:
            return None, -1
        return clean_line(normalize_unicode(fallback.lines[0][1].text))[:200] or None, -1
    top = max(b.size for b in cands)
    # In the largest type (within a few percent): bold first, then a block of three words or more
    # before a two-word series name of the same size ("Regulatory Review"), then the earliest.
    best = max(
        (b for b in cands if b.size >= 0.94 * top),
        key=lambda b: (b.bold, b.words >= 3, round(b.size * 2) / 2, -b.first),
    )
    genre = bool(_GENRE.match(best.text.strip(" :")))
    acronym = best.words == 1 and best.text.isupper() and len(best.text) <= 8
    if genre or acronym:
        # "POSITION PAPER" / "LAKIP" above the title: take the title-like block right below (after
        # an acronym, one in type not much smaller).
        below = next((b for b in found if b.first > best.last), None)
        if (
            below is not None
            and _title_like(below, body)
            and below.first - best.last <= 4
            and below.lines[0][1].top - best.lines[-1][1].bottom <= 4 * best.size
            and (genre or below.size >= 0.6 * best.size)
        ):
            best = below
    return dedupe_words(best.text).strip() or None, best.last
