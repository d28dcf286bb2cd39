"""PDF reader: one Document per file, built from pypdfium2 text boxes.

Order of work per file: guard (magic bytes, encryption, page cap, time limit), lines and reading
order per page (pipeline.pdf.layout), scanned-page detection and OCR (pipeline.pdf.ocr), running
heads and page numbers out (pipeline.pdf.cleanup), then either the regulation structure
(pipeline.pdf.regulation) or article/report fields (pipeline.pdf.fields).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium

from pipeline.clean import normalize_unicode
from pipeline.document import Document, NeedsOCR, Part, ReadError, RecordError
from pipeline.pdf import fields, fonts, ocr, regulation
from pipeline.pdf.cleanup import strip_running
from pipeline.pdf.guard import Deadline, check_file
from pipeline.pdf.layout import Line, PageLines, page_lines
from pipeline.readers import ReadOptions, register

MAX_PAGES = 5000  # ReadOptions.max_pages overrides
OCR_MAX_PAGES = 30  # ReadOptions.ocr_max_pages overrides: OCR costs seconds per page
SLOW_PATH_MIN_QUALITY = 0.8  # pdfminer's text must be clearly good to replace pdfium's


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _open(path: Path) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        msg = str(exc).lower()
        if "password" in msg:
            raise ReadError("encrypted PDF (password required)") from None
        raise ReadError(f"corrupt PDF ({str(exc).splitlines()[0][:80]})") from None


def _plumber_page(path: Path, index: int, cache: dict) -> PageLines | None:
    """Slow path: pdfminer's own text for a page whose pdfium text looks garbled."""
    try:
        import pdfplumber
    except ImportError:  # pragma: no cover
        return None
    if "pdf" not in cache:
        cache["pdf"] = pdfplumber.open(str(path))
    page = cache["pdf"].pages[index]
    try:
        words = page.extract_words(use_text_flow=True, keep_blank_chars=False)
    finally:
        page.flush_cache()
    rows: dict[int, list[dict]] = {}
    for w in words:
        rows.setdefault(round(w["top"] / 3), []).append(w)
    lines = []
    for ws in rows.values():
        ws.sort(key=lambda w: w["x0"])
        lines.append(
            Line(
                " ".join(w["text"] for w in ws),
                ws[0]["x0"],
                ws[-1]["x1"],
                min(w["top"] for w in ws),
                max(w["bottom"] for w in ws),
                max(w["bottom"] - w["top"] for w in ws),
                index + 1,
            )
        )
    lines.sort(key=lambda ln: (ln.top, ln.x0))
    return PageLines(index + 1, float(page.width), float(page.height), lines, 1)


def extract_pages(path: Path, options: ReadOptions, deadline: Deadline, meta: dict) -> list[PageLines]:
    doc = _open(path)
    plumber: dict = {}
    try:
        n = len(doc)
        cap = int(getattr(options, "max_pages", 0) or MAX_PAGES)
        if n == 0:
            raise ReadError("PDF has no pages")
        if n > cap:
            raise ReadError(f"too many pages ({n} > {cap}; raise max_pages to read it)")
        ocr_mode = options.ocr or "auto"
        ocr_cap = int(getattr(options, "ocr_max_pages", 0) or OCR_MAX_PAGES)
        can_ocr = ocr_mode != "off" and ocr.tesseract_available()
        if ocr_mode == "force" and not ocr.tesseract_available():
            raise NeedsOCR(ocr.NEEDS_OCR_MESSAGE)
        pages: list[PageLines] = []
        textless: list[int] = []
        ocred = slow = failed_slow = 0
        for i in range(n):
            deadline.page = i + 1
            deadline.check()
            page = doc[i]
            try:
                pl = page_lines(page, i + 1)
                if fonts.wanted(i, pl.lines, pages):
                    fonts.annotate(page, pl.lines)
                text = "\n".join(ln.text for ln in pl.lines)
                good = ocr.page_has_text(text)
                if not good and sum(c.isalpha() for c in text) >= 200 and failed_slow < 3:
                    # A garbled layer may be a font-encoding problem that pdfminer decodes well; a
                    # bad OCR layer stays bad, so stop trying after a few pages that gain nothing.
                    alt = _plumber_page(path, i, plumber)
                    alt_text = "\n".join(ln.text for ln in alt.lines) if alt else ""
                    if alt and ocr.text_quality(alt_text[:4000]) >= SLOW_PATH_MIN_QUALITY:
                        pl, good = alt, True
                        slow += 1
                    else:
                        failed_slow += 1
                if ocr_mode == "force" or not good:
                    if can_ocr and ocred < ocr_cap:
                        pl = ocr.ocr_page(page, i + 1, options.ocr_langs)
                        ocred += 1
                    elif not good:
                        textless.append(i + 1)
                        pl = PageLines(i + 1, pl.width, pl.height, [], 1)
                pages.append(pl)
            finally:
                page.close()
        meta["slow_pages"] = slow
        meta["ocr_pages"] = ocred
        if textless:
            meta["pages_without_text"] = len(textless)
            if can_ocr:
                meta["ocr_capped"] = True
        meta["two_column_pages"] = sum(p.columns == 2 for p in pages)
        good = n - len(textless) - ocred
        # Scans: nothing usable without OCR. A document with a few good pages (the body of a
        # regulation before scanned annex tables) is still worth reading; the rest is recorded.
        if textless and not ocred and good < 3 and good < 0.5 * n:
            raise NeedsOCR(ocr.NEEDS_OCR_MESSAGE)
        return pages
    finally:
        if "pdf" in plumber:
            plumber["pdf"].close()
        doc.close()


def build_document(path: Path, digest: str, pages: list[PageLines], meta: dict) -> Document:
    # A regulation's heading block is often repeated as the running head of every page: recognise it
    # before running heads are removed, then continue from the same place in the cleaned lines.
    raw_lines = [ln for p in pages for ln in p.lines]
    found = regulation.detect(raw_lines)
    meta["running_lines_removed"] = strip_running(pages)
    lines = [ln for p in pages for ln in p.lines]
    doc = Document(id=digest, path=str(path), format="pdf", pages=len(pages), meta=meta)
    if found:
        info, raw_end = found
        after = {id(ln) for ln in raw_lines[raw_end:]}
        end = next((i for i, ln in enumerate(lines) if id(ln) in after), len(lines))
        doc.doc_type = "regulation"
        doc.regulation = info.as_dict()
        doc.year = info.year
        doc.title = info.title
        heading = info.heading
        first = lines[0].page if lines else 1
        doc.parts.append(
            Part("title", normalize_unicode(heading), lang="id", page_start=first, page_end=first)
        )
        doc.parts.extend(regulation.structure(lines, end))
        return doc
    f = fields.extract(lines, raw=raw_lines)
    doc.title, doc.authors, doc.doi, doc.year = f.title, f.authors, f.doi, f.year
    doc.parts.extend(f.parts)
    doc.keywords.extend(f.keywords)
    doc.doc_type = fields.doc_type(f, pages) or doc.doc_type
    return doc


@register("pdf", ".pdf")
def read(path: Path, options: ReadOptions) -> Iterator[Document | RecordError]:
    path = Path(path)
    check_file(path)
    digest = _sha256(path)
    meta: dict = {}
    with Deadline(options.time_limit) as deadline:
        pages = extract_pages(path, options, deadline, meta)
        doc = build_document(path, digest, pages, meta)
    yield doc
