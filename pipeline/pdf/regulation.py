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
TYPES: list[tuple[str, str]] = [
    (r"UNDANG[\s-]*UNDANG(?!\s+DASAR)", "UU"),
    (r"PERATURAN\s+PEMERINTAH\s+PENGGANTI", "Perppu"),
    (r"PERATURAN\s+PEMERINTAH", "PP"),
    (r"PERATURAN\s+PRESIDEN", "Perpres"),
    (r"KEPUTUSAN\s+PRESIDEN", "Keppres"),
    (r"PENETAPAN\s+PRESIDEN", "Penpres"),
    (r"INSTRUKSI\s+PRESIDEN", "Inpres"),
    (r"PERATURAN\s+MENTERI", "Permen"),
    (r"KEPUTUSAN\s+MENTERI", "Kepmen"),
    (r"PERATURAN\s+DAERAH", "Perda"),
    (r"PERATURAN\s+GUBERNUR", "Pergub"),
    (r"PERATURAN\s+BUPATI", "Perbup"),
    (r"PERATURAN\s+WALI\s*KOTA", "Perwali"),
    (r"PERATURAN\s+KEPALA", "Perka"),
    (r"KEPUTUSAN\s+KEPALA", "Kepka"),
    (r"PERATURAN\s+BADAN", "Perban"),
    (r"PERATURAN\s+(?:LEMBAGA|KOMISI|MAHKAMAH|BANK|OTORITAS)", "Peraturan"),
    (r"KEPUTUSAN\s+(?:GUBERNUR|BUPATI|WALI\s*KOTA)", "Keputusan"),
]
_TYPE_RE = [(re.compile(rf"^\s*{rx}\b"), code) for rx, code in TYPES]
_NOMOR = re.compile(
    r"\bNO(?:MOR|\.)\s*:?\s*(?P<num>\S+?(?:\s*/\s*\S+?)*)\s+TAHUN\s+(?P<year>[12][\dOoIl]{3})\b", re.I
)
_OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1"})
_TENTANG = re.compile(r"^\s*TENTANG\b\s*:?\s*(?P<rest>.*)$", re.I)
_TITLE_END = re.compile(
    r"^\s*(DENGAN\s+RAHMAT|PRESIDEN\s+REPUBLIK\s+INDONESIA\s*,|(?:BUPATI|WALI\s*KOTA|GUBERNUR|MENTERI|KEPALA)\b.*,\s*$|"
    r"Menimbang|MEMUTUSKAN|Mengingat)",
    re.I,
)
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
    number: str
    year: int
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
        if t.strip() in ("PERATURAN", "KEPUTUSAN", "UNDANG-UNDANG") and i + 1 < len(head):
            t = f"{t.strip()} {_text(head[i + 1]).upper()}"  # "PERATURAN" / "MENTERI ..."
        code = next((c for rx, c in _TYPE_RE if rx.match(t)), None)
        if code is None:
            continue
        # The number is on the same line or within the next few ("NOMOR 5 TAHUN 2019").
        joined = " ".join(_text(x) for x in head[i : i + 5])
        m = _NOMOR.search(joined)
        if not m:
            continue
        name_lines = []
        for x in head[i : i + 4]:
            xt = despace(x.text)
            m_no = _NOMOR.search(xt)
            if m_no:
                before = xt[: m_no.start()].strip()
                if before:
                    name_lines.append(before)
                break
            name_lines.append(xt.strip())
        info = RegulationInfo(
            code, _number(m.group("num")), int(m.group("year").translate(_OCR_DIGITS)), " ".join(name_lines)
        )
        end = _title(head, i, info)
        return info, end
    return None


def _number(raw: str) -> str:
    num = raw.strip(" ./:,~")
    # Scanned text layers read digits as letters ("2O2O", "I1"); only fix tokens that are mostly digits.
    if sum(c.isdigit() for c in num) >= len(num) / 2:
        num = num.translate(_OCR_DIGITS)
    return num


def _title(head: list[Line], start: int, info: RegulationInfo) -> int:
    for j in range(start, len(head)):
        m = _TENTANG.match(despace(head[j].text))
        if not m:
            continue
        words = [m.group("rest")] if m.group("rest").strip() else []
        k = j + 1
        while k < len(head) and not _TITLE_END.match(despace(head[k].text)) and len(words) < 8:
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
