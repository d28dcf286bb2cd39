"""Pages per second of the whole PDF stage (reader with layout, clean-up and fields) on the real
born-digital PDFs, beside two baselines measured in the same run: plain pdfplumber
``extract_text()`` per page and pypdfium2 ``get_text_range()`` per page.

Medians of --runs runs, one process; then the PDF stage over files with a multiprocessing Pool
of 2 workers for scaling. Scanned files (NeedsOCR) are left out of the set.

    python3 bench/bench_pdf.py [--runs 3] [--workers 2] [--plumber-pages 150]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pdfplumber  # noqa: E402
import pypdfium2 as pdfium  # noqa: E402

from pipeline.document import ReadError  # noqa: E402
from pipeline.readers import ReadOptions  # noqa: E402
from pipeline.readers.pdf import read  # noqa: E402

OPTS = ReadOptions(ocr="off", time_limit=0)


def born_digital(corpora: Path) -> list[tuple[Path, int]]:
    out = []
    for path in sorted(p for sub in ("en-pdf", "id-pdf") for p in (corpora / sub).rglob("*.pdf")):
        try:
            doc = next(read(path, OPTS))
        except ReadError:
            continue
        if doc.meta.get("slow_pages", 0) == 0:
            out.append((path, doc.pages))
    return out


def stage_file(path: Path) -> tuple[int, int]:
    doc = next(read(path, OPTS))
    return doc.pages, doc.meta.get("slow_pages", 0)


def run_stage(files: list[tuple[Path, int]]) -> tuple[float, int]:
    t0 = time.perf_counter()
    slow = sum(stage_file(p)[1] for p, _ in files)
    return time.perf_counter() - t0, slow


def run_pdfium(files: list[tuple[Path, int]]) -> float:
    t0 = time.perf_counter()
    for path, _ in files:
        doc = pdfium.PdfDocument(str(path))
        for i in range(len(doc)):
            page = doc[i]
            tp = page.get_textpage()
            tp.get_text_range()
            tp.close()
            page.close()
        doc.close()
    return time.perf_counter() - t0


def run_plumber(files: list[tuple[Path, int]], max_pages: int) -> tuple[float, int]:
    # pdfplumber does ~10 pages/s: time a prefix of the files so the bench stays short.
    t0 = time.perf_counter()
    done = 0
    for path, _ in files:
        with pdfplumber.open(str(path)) as pdf:
            for page in pdf.pages:
                page.extract_text()
                page.flush_cache()
                done += 1
                if done >= max_pages:
                    return time.perf_counter() - t0, done
    return time.perf_counter() - t0, done


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--plumber-pages", type=int, default=150)
    args = ap.parse_args(argv)
    files = born_digital(args.corpora)
    pages = sum(n for _, n in files)
    print(f"{len(files)} born-digital PDFs, {pages} pages")
    stage, fium, plumb = [], [], []
    slow = 0
    for _ in range(args.runs):
        t, slow = run_stage(files)
        stage.append(pages / t)
        fium.append(pages / run_pdfium(files))
        t, n = run_plumber(files, args.plumber_pages)
        plumb.append(n / t)
    print(f"{'govtext PDF stage (1 process)':40} {statistics.median(stage):8.1f} pages/s   (slow-path pages: {slow})")
    print(f"{'baseline pypdfium2 get_text_range':40} {statistics.median(fium):8.1f} pages/s")
    print(f"{'baseline pdfplumber extract_text':40} {statistics.median(plumb):8.1f} pages/s   (first {args.plumber_pages} pages)")
    if args.workers > 1:
        # Biggest files first so that one long file does not finish alone at the end.
        order = [p for p, _ in sorted(files, key=lambda f: -f[1])]
        par = []
        with Pool(args.workers) as pool:
            for _ in range(args.runs):
                t0 = time.perf_counter()
                list(pool.imap_unordered(stage_file, order))
                par.append(pages / (time.perf_counter() - t0))
        med = statistics.median(par)
        print(f"{f'govtext PDF stage ({args.workers} workers)':40} {med:8.1f} pages/s   "
              f"(scaling x{med / statistics.median(stage):.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
