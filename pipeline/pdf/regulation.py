"""Indonesian legal documents: type, number, year and title from the heading block, and the
structure (preamble, BAB, Pasal, Penjelasan) as parts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.clean import normalize_unicode
from pipeline.document import Part
from pipeline.pdf.cleanup import hyphenated_vocabulary, paragraphs
from pipeline.pdf.layout import Line

# Most specific first: "PERATURAN PEMERINTAH PENGGANTI UNDANG-UNDANG" before "PERATURAN PEMERINTAH".
# The codes are those of corpora/labels/PDF_GOLD.md.
TYPES: list[tuple[str, str]] = [
    (r"UNDANG[\s-]*UNDANG(?!\s+DASAR)", "UU"),
    (r"PERATURAN\s+PEMERINTAH\s+PENGGANTI", "Perppu"),
    (r"PERATURAN\s+PEMERINTAH", "PP"),
    (r"PERATURAN\s+PRESIDEN", "Perpres"),
    (r"KEPUTUSAN\s+PRESIDEN", "Keppres"),
    (r"PENETAPAN\s+PRESIDEN", "Penpres"),
    (r"INSTRUKSI\s+PRESIDEN", "Inpres"),
    (r"KEPUTUSAN\s+BERSAMA", "SKB"),
    (r"SURAT\s+EDARAN", "SE"),
    (r"PERATURAN\s+MENTERI", "Permen"),
    (r"KEPUTUSAN\s+MENTERI", "Kepmen"),
    (r"INSTRUKSI\s+MENTERI", "Inmen"),
    (r"PERATURAN\s+DAERAH", "Perda"),
    (r"PERATURAN\s+GUBERNUR", "Pergub"),
    (r"PERATURAN\s+BUPATI", "Perbup"),
    (r"PERATURAN\s+WALI\s*KOTA", "Perwali"),
    (r"KEPUTUSAN\s+GUBERNUR", "Kepgub"),
    (r"KEPUTUSAN\s+BUPATI", "Kepbup"),
    (r"KEPUTUSAN\s+WALI\s*KOTA", "Kepwali"),
    (r"INSTRUKSI\s+GUBERNUR", "Ingub"),
    (r"INSTRUKSI\s+BUPATI", "Inbup"),
    (r"INSTRUKSI\s+WALI\s*KOTA", "Inwali"),
    (r"PERATURAN\s+KEPALA", "Perka"),
    (r"KEPUTUSAN\s+KEPALA", "Kepka"),
    (r"PERATURAN\s+BADAN", "Perban"),
    (r"PERATURAN\s+(?:LEMBAGA|KOMISI|MAHKAMAH|BANK|OTORITAS)", "Peraturan"),
    (r"KEPUTUSAN\b", "Keputusan"),
    (r"INSTRUKSI\b", "Instruksi"),
]
_TYPE_RE = [(re.compile(rf"^\s*{rx}\b"), code) for rx, code in TYPES]
# A type word alone on its line continues on the next ("PERATURAN" / "MENTERI ...").
_TYPE_WORD = re.compile(r"^(?:PERATURAN|KEPUTUSAN|INSTRUKSI|SURAT EDARAN|UNDANG-UNDANG)$")
_YEAR_RX = r"[12][\dOoIl]{3}"
# "NOMOR 5 TAHUN 2019", "NOMOR : 375 TAHUN 2022", "NO. 3 TAHUN : 2012"; the number may be left blank.
_NOMOR = re.compile(
    rf"\bNO(?:MOR|\.)\s*:?\s*(?P<num>\S+?(?:\s*/\s*\S+?)*)?\s*\bTAHUN\s*:?\s*(?P<year>{_YEAR_RX})\b", re.I
)
# Composite numbers carry no TAHUN: "NOMOR 118/HK/2021", "NOMOR: PER-03/MENKO/POLHUKAM/7/2012".
_NOMOR_COMPOSITE = re.compile(r"\bNO(?:MOR|\.)\s*:?\s*(?P<num>[A-Z0-9][\w.\-]*(?:\s*/\s*[\w.\-]+)+)", re.I)
_BLANK_NUMBER = re.compile(r"^[.…_\-:\s]*$")
_OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1"})
# TENTANG, also as OCR reads it ("T~NTANG", "TENTANO") and SURAT EDARAN's PERIHAL.
_TENTANG = re.compile(r"^\s*(?:T\W?[E3~]\W?N\W?T\W?A\W?N\W?[GO6]|PERIHAL)\b\s*:?\s*(?P<rest>.*)$", re.I)
_TITLE_END = re.compile(
    r"^\s*(DENGAN\s+RAHMAT|PRESIDEN\s+REPUBLIK\s+INDONESIA(?:\s+SERIKAT)?\s*,|"
    r"(?:BUPATI|WALI\s*KOTA|GUBERNUR|MENTERI|KEPALA)\b.*,\s*$|"
    r"Menimbang|MEMUTUSKAN|Mengingat|Dalam\s+rangka|DISUSUN\s+OLEH|(?:[IVX]+\.\s*)?UMUM\s*$|PENJELASAN\b)",
    re.I,
)
# Where a regulation says when it was made: the signing and promulgation lines and the gazette line.
_ENACTED = re.compile(r"\b(?:Ditetapkan|Diundangkan|Dikeluarkan)\s+di\b", re.I)
_GAZETTE_YEAR = re.compile(rf"^\s*(?:LEMBARAN|BERITA)\s+(?:NEGARA|DAERAH)\b.*?\bTAHUN\s*:?\s*({_YEAR_RX})\b")
# A year with a letter for a digit ("2O2I", "2Ol7"): the mark of an OCR text layer.
_OCR_YEAR = re.compile(r"\b[12](?=[\dOoIl]{3}\b)(?=\S*[OoIl])[\dOoIl]{3}\b")
_DATE_YEAR = re.compile(rf"\b(?:tanggal|tgl\.?)\b.*?\b({_YEAR_RX})\s*$", re.I)
# A UK Act: "Bribery Act 2010" above "CHAPTER 23" (or "2010 CHAPTER 23").
_ACT = re.compile(r"^(?P<title>[A-Z][\w ,'’()\-]{2,80}? Act (?P<year>1[6-9]\d\d|20\d\d))$")
_CHAPTER = re.compile(r"^(?:\d{4}\s+)?CHAPTER\s+(?P<n>\d{1,4})$")
_BAB = re.compile(r"^\s*BAB\s+(?P<n>[IVXLC]+|\d+)\b\s*(?P<rest>.*)$")
_PASAL = re.compile(r"^\s*Pasal\s+(?P<n>\d{1,3}[A-Z]?|[IVXL]+)\s*$")
_PREAMBLE = re.compile(r"^\s*(?P<h>Menimbang|Mengingat|Memperhatikan|Menetapkan)\s*[:.]?\s*(?P<rest>.*)$")
_PENJELASAN = re.compile(r"^\s*PENJELASAN\b")
_LAMPIRAN = re.compile(r"^\s*LAMPIRAN\b")


_SPACED = re.compile(r"^(?:\S ){3,}\S$")
_SPACED_WORDS = re.compile(
    r"(NOMOR|TAHUN|TENTANG|REPUBLIK|INDONESIA|PERATURAN|KEPUTUSAN|PRESIDEN|PEMERINTAH|MENTERI|DAERAH)"
)
_OCR_NUMBER = re.compile(r"\b[\dOoIl]*\d[\dOoIl]*\b")


def despace(text: str) -> str:
    """Undo a heading set letter by letter ("T E N T A N G", "N O M O R 5 T A H U N 2 0 1 9").

    The word gaps are lost when the line is built, so the heading words the detector needs are
    split off again by name (which also parts them from the numbers between them)."""
    t = text.strip()
    if not _SPACED.match(t):
        return text
    t = _SPACED_WORDS.sub(r" \1 ", t.replace(" ", ""))
    return " ".join(t.split())


def fix_ocr_digits(text: str) -> str:
    """Numbers with letters a scan's text layer misread for digits ("TAHUN 2O2O") get their digits back."""

    def fix(m: re.Match) -> str:
        tok = m.group()
        digits = sum(c.isdigit() for c in tok)
        return tok.translate(_OCR_DIGITS) if digits >= len(tok) - digits else tok

    return _OCR_NUMBER.sub(fix, text)


def _text(ln: Line) -> str:
    return despace(normalize_unicode(ln.text))


@dataclass
class RegulationInfo:
    type: str
    number: str | None  # as printed ("02", "118/HK/2021"); None when left blank
    year: int | None
    name: str  # the heading as printed, e.g. "PERATURAN DAERAH KOTA BITUNG"
    title: str | None = None  # the subject after TENTANG
    parts: list[Part] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "type": self.type,
            "number": self.number,
            "year": self.year,
            "title": self.title,
            "name": self.name,
        }

    @property
    def heading(self) -> str:
        """The heading block as one line: "PERATURAN ... NOMOR 5 TAHUN 2019 TENTANG ..."."""
        if not self.name:  # a foreign act: its title names it
            return self.title or ""
        out = self.name
        if self.number and "/" in self.number:
            out += f" NOMOR {self.number}"
        else:
            out += f" NOMOR {self.number or '...'}" + (f" TAHUN {self.year}" if self.year else "")
        return out + (f" TENTANG {self.title}" if self.title else "")


def _year(raw: str) -> int | None:
    y = raw.translate(_OCR_DIGITS)
    return int(y) if y.isdigit() else None


def _number_and_year(joined: str) -> tuple[str | None, int | None] | None:
    """Number and year from the lines after the type ("NOMOR 5 TAHUN 2019", "NOMOR 118/HK/2021")."""
    m = _NOMOR.search(joined)
    if m:
        raw = m.group("num") or ""
        num = None if _BLANK_NUMBER.match(raw) else _number(raw)
        return num, _year(m.group("year"))
    m = _NOMOR_COMPOSITE.search(joined)
    if m:
        num = _number(m.group("num"))
        years = re.findall(rf"(?<![\dOoIl])({_YEAR_RX})(?![\dOoIl])", num)
        return num, _year(years[-1]) if years else None
    return None


def enactment_years(lines: list[Line]) -> list[int]:
    """Years of the signing/promulgation dates and gazette lines in the last lines of a regulation."""
    tail = lines[-200:]
    out: list[int] = []
    for k, ln in enumerate(tail):
        t = ln.text
        m = _GAZETTE_YEAR.search(t)
        if m and (y := _year(m.group(1))):
            out.append(y)
        if _ENACTED.match(t.lstrip()):
            for nxt in (t, *(x.text for x in tail[k + 1 : k + 3])):
                m = _DATE_YEAR.search(nxt)
                if m and (y := _year(m.group(1))):
                    out.append(y)
                    break
    return out


def _one_digit_apart(a: int, b: int) -> bool:
    return sum(x != y for x, y in zip(str(a), str(b), strict=False)) == 1


def _check_year(info: RegulationInfo, lines: list[Line]) -> None:
    """A year read from a scan's heading ("TAHUN 2027" for 2021) is checked against the dates at the end.

    Only on an OCR text layer, and only when two dates at the end agree on a year one digit away:
    a draft signed the year after its heading says is left as printed."""
    years = enactment_years(lines)
    if not years:
        return
    best = max(set(years), key=years.count)
    if info.year is None:
        info.year = best
    elif (
        info.year not in years
        and years.count(best) >= 2
        and _one_digit_apart(info.year, best)
        and sum(1 for ln in lines if _OCR_YEAR.search(ln.text)) >= 2
    ):
        info.year = best


def _act(head: list[Line]) -> tuple[RegulationInfo, int] | None:
    for i, ln in enumerate(head[:6]):
        m = _ACT.match(ln.text.strip())
        chapter = next((c for x in head[i + 1 : i + 3] if (c := _CHAPTER.match(x.text.strip()))), None)
        if m and chapter:
            return RegulationInfo(
                "Act", chapter.group("n"), int(m.group("year")), "", m.group("title")
            ), i + 1
    return None


def detect(lines: list[Line], window: int = 40) -> tuple[RegulationInfo, int] | None:
    """Recognise the heading block of a regulation in the first lines; return it and where it ends."""
    head = lines[:window]
    for i, ln in enumerate(head):
        t = _text(ln)
        letters = [c for c in t if c.isalpha()]
        # Headings are set in capitals; "Undang-undang Nomor 12 Tahun 1985" in running text is a citation.
        if not letters or sum(c.isupper() for c in letters) < 0.7 * len(letters):
            continue
        t = t.upper()
        if _TYPE_WORD.match(t.strip()) and i + 1 < len(head):
            t = f"{t.strip()} {_text(head[i + 1]).upper()}"  # "PERATURAN" / "MENTERI ..."
        code = next((c for rx, c in _TYPE_RE if rx.match(t)), None)
        if code is None:
            continue
        # The number is on the same line or within the next few ("NOMOR 5 TAHUN 2019"); a joint
        # decree names its issuers first.
        found = _number_and_year(" ".join(_text(x) for x in head[i : i + 8]))
        if not found:
            continue
        name_lines = []
        for x in head[i : i + 6]:
            xt = despace(x.text)
            m_no = re.search(r"\bNO(?:MOR|\.)\b", xt, re.I)
            if m_no:
                before = xt[: m_no.start()].strip()
                if before:
                    name_lines.append(before)
                break
            name_lines.append(xt.strip())
        info = RegulationInfo(code, found[0], found[1], " ".join(name_lines))
        _check_year(info, lines)
        end = _title(head, i, info)
        return info, end
    return _act(head)


def _number(raw: str) -> str:
    num = re.sub(r"\s*/\s*", "/", raw.strip(" ./:,~"))
    # Scanned text layers read digits as letters ("2O2O", "I1"); only tokens that are mostly digits
    # are fixed, so the letters of a composite number ("IMI-417.GR") stay.
    return fix_ocr_digits(num)


def _letters(text: str) -> str:
    return "".join(c for c in text if c.isalpha())


def _lettered(head: list[Line], j: int) -> tuple[str, int]:
    """The line at j, or a word set one letter per line ("T" / "E" / "N" ...) and where it ends."""
    k = j
    while k < len(head) and len(_letters(head[k].text)) == 1:
        k += 1
    if k - j >= 4:
        return "".join(_letters(x.text) for x in head[j:k]), k
    return despace(head[j].text), j + 1


def _mostly_lower(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 8 and sum(c.islower() for c in letters) > 0.4 * len(letters)


def _title(head: list[Line], start: int, info: RegulationInfo) -> int:
    j = start
    while j < len(head):
        text, nxt = _lettered(head, j)
        m = _TENTANG.match(text)
        if not m:
            j = nxt
            continue
        words = [m.group("rest")] if m.group("rest").strip() else []
        k = nxt
        # A regulation's subject is set in capitals: a line in lower case is the text that follows.
        while (
            k < len(head)
            and not _TITLE_END.match(despace(head[k].text))
            and not (words and _mostly_lower(head[k].text) and not _mostly_lower(words[-1]))
            and len(words) < 8
        ):
            words.append(despace(head[k].text).strip())
            k += 1
        info.title = fix_ocr_digits(normalize_unicode(" ".join(w for w in words if w)).strip()) or None
        return k
    return start + 2


def structure(lines: list[Line], start: int) -> list[Part]:
    """Preamble, BAB and Pasal parts from the lines after the heading block."""
    known = hyphenated_vocabulary(lines)
    parts: list[Part] = []
    heading: str | None = None
    kind = "body"
    buf: list[Line] = []
    head_page = lines[start].page if start < len(lines) else None

    def flush() -> None:
        if not buf and heading is None:
            return
        text = "\n\n".join(p.text for p in paragraphs(buf, known))
        if text or kind == "section":
            page = buf[0].page if buf else head_page
            end = buf[-1].page if buf else head_page
            parts.append(Part(kind, text, heading=heading, page_start=page, page_end=end))

    i = start
    while i < len(lines):
        ln = lines[i]
        t = normalize_unicode(ln.text).strip()
        m_bab, m_pasal, m_pre = _BAB.match(t), _PASAL.match(t), _PREAMBLE.match(t)
        new_head = None
        rest = ""
        if m_bab:
            title = m_bab.group("rest").strip()
            # The chapter title is usually the next line, in capitals.
            if not title and i + 1 < len(lines) and lines[i + 1].text.strip().isupper():
                title = lines[i + 1].text.strip()
                i += 1
                if (
                    i + 1 < len(lines)
                    and lines[i + 1].text.strip().isupper()
                    and not _PASAL.match(lines[i + 1].text)
                ):
                    title += " " + lines[i + 1].text.strip()
                    i += 1
            new_head = f"BAB {m_bab.group('n')}" + (f" {title}" if title else "")
        elif m_pasal:
            new_head = f"Pasal {m_pasal.group('n')}"
        elif m_pre:
            new_head, rest = m_pre.group("h").capitalize(), m_pre.group("rest")
        elif _PENJELASAN.match(t) and t.isupper():
            new_head = "Penjelasan"
        elif _LAMPIRAN.match(t) and t.isupper() and len(t) < 80:
            new_head = "Lampiran"
        if new_head:
            flush()
            heading, kind, head_page = new_head, "section", ln.page
            buf = [Line(rest, ln.x0, ln.x1, ln.top, ln.bottom, ln.size, ln.page, ln.column)] if rest else []
            if m_bab:  # a BAB's own text is its title; its Pasal follow as their own parts
                parts.append(
                    Part(
                        "section",
                        new_head.split(" ", 2)[2] if new_head.count(" ") >= 2 else "",
                        heading=new_head,
                        page_start=ln.page,
                        page_end=ln.page,
                    )
                )
                heading, kind, buf = None, "body", []
        else:
            buf.append(ln)
        i += 1
    flush()
    return [p for p in parts if p.text or p.kind == "section"]
