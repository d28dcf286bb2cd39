"""Year and DOI of an article or report, from the lines that cite it.

The year of an article is printed in its citation line (``Vol. 68, No. 1, January 2024``,
``2019, Vol. 51(10)``), a running header or footer (``JURNAL ... Vol. 5 No. 2 (2016)``), a
copyright line or a conference name (``Seminar Nasional X-2014``). Running heads and feet are
removed before fields are read, so the lines as they were on the page (``raw``) are searched
too. A report without any of these gives the date on its cover (``April 2021``, ``TAHUN 2022``).
"""

from __future__ import annotations

import re

from pipeline.pdf.layout import Line
from pipeline.pdf.title import BANNER, DATE_LINE

YEAR = re.compile(r"(?<![\d.])(19[5-9]\d|20[0-4]\d)(?!\d)")
_COPYRIGHT = re.compile(r"(?:©|\(c\)|copyright)\s*(?:\D{0,40}?)(19[5-9]\d|20[0-4]\d)", re.I)
_COVER_YEAR = re.compile(
    r"^\s*(?:printed|published|diterbitkan|tanggal\s+publikasi\s*:?)\s+.*?(19[5-9]\d|20[0-4]\d)\s*\.?$", re.I
)
# "TAHUN 2022" closing a cover's title block, in capitals on a short line (not "... Tahun 2019" in text).
_COVER_TAHUN = re.compile(r"^[^a-z]{0,30}\bTAHUN\s+(19[5-9]\d|20[0-4]\d)\s*$")
DOI_RE = re.compile(r"\b10\.\d{4,9}/[^\s\"<>]+")
# Text a layout glued onto a DOI: a capitalised word or a web address right after its last digit.
_DOI_GLUE = re.compile(r"(?<=\d)(?=[A-Z][a-z]{3,}|(?:journals|www)\.|[a-z]+\.(?:com|org|net)\b)")


def _years(text: str) -> list[int]:
    return [int(y) for y in YEAR.findall(text)]


def find_year(front: list[Line], running: list[Line], cover: list[Line], title: str | None) -> int | None:
    """``front``: the first page's lines before the body (title block, banners, footers);
    ``running``: running heads and feet removed from the first pages; ``cover``: the first pages'
    lines, for a cover date."""
    banner = [y for ln in front if BANNER.search(ln.text) for y in _years(ln.text)]
    banner += [
        y
        for ln in running
        if BANNER.search(ln.text) or re.search(r"\(\d{4}\)", ln.text)
        for y in _years(ln.text)
    ]
    if banner:
        return max(banner)
    for ln in front + running + cover:
        m = _COPYRIGHT.search(ln.text)
        if m:
            return int(m.group(1))
    for ln in cover:
        t = ln.text.strip()
        if DATE_LINE.match(t):
            return _years(t)[-1]
        m = _COVER_YEAR.search(t) or _COVER_TAHUN.search(t)
        if m:
            return int(m.group(1))
    if title:
        m = re.search(r"\bTAHUN\s+(19[5-9]\d|20[0-4]\d)\b", title, re.I)
        if m:
            return int(m.group(1))
    return None


def find_doi(text: str) -> str | None:
    """The article's DOI: a clean one (from a doi.org address or a DOI label) before a glued one."""
    found = []
    for m in DOI_RE.finditer(text):
        doi = m.group(0)
        cut = _DOI_GLUE.search(doi)
        if cut:
            doi = doi[: cut.start()]
        found.append(doi.rstrip(".,;)]}"))
    if not found:
        return None
    # The same DOI printed twice, once with text glued on: the shorter form is the DOI.
    first = found[0]
    return min((d for d in found if first.startswith(d) or d.startswith(first)), key=len)
