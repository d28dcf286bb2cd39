"""Pages per second of the whole PDF stage (reader with layout, clean-up and fields) on the real
born-digital PDFs, beside two baselines measured in the same run: plain pdfplumber
``extract_text()`` per page and pypdfium2 ``get_text_range()`` per page.

The machine may be shared: next to wall-clock pages/s every row gives CPU milliseconds per page
(``time.process_time``, summed over the worker processes for the parallel row) and the ratio of
that CPU cost to pypdfium2's, which load on other cores barely moves. Medians of --runs runs, one
process; then the PDF stage over files with a multiprocessing Pool of --workers workers for
scaling. Scanned files (NeedsOCR) and files that need the pdfminer slow path are left out.

    python3 bench/bench_pdf.py [--runs 3] [--workers 2] [--plumber-pages 150]
"""

from __future__ import annotations

import argparse
import os
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


def stage_file(path: Path) -> tuple[int, int, float]:
    """Pages, slow-path pages and CPU seconds of reading one file (run in a worker for the Pool)."""
    c0 = time.process_time()
    doc = next(read(path, OPTS))
    return doc.pages, doc.meta.get("slow_pages", 0), time.process_time() - c0


def run_stage(files: list[tuple[Path, int]]) -> tuple[float, float, int]:
    t0, c0 = time.perf_counter(), time.process_time()
    slow = sum(stage_file(p)[1] for p, _ in files)
    return time.perf_counter() - t0, time.process_time() - c0, slow


def run_pdfium(files: list[tuple[Path, int]]) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    for path, _ in files:
        doc = pdfium.PdfDocument(str(path))
        for i in range(len(doc)):
            page = doc[i]
            tp = page.get_textpage()
            tp.get_text_range()
            tp.close()
            page.close()
        doc.close()
    return time.perf_counter() - t0, time.process_time() - c0


def run_plumber(files: list[tuple[Path, int]], max_pages: int) -> tuple[float, float, int]:
    # pdfplumber does ~10 pages/s: time a prefix of the files so the bench stays short.
    t0, c0 = time.perf_counter(), time.process_time()
    done = 0
    for path, _ in files:
        with pdfplumber.open(str(path)) as pdf:
            for page in pdf.pages:
                page.extract_text()
                page.flush_cache()
                done += 1
                if done >= max_pages:
                    return time.perf_counter() - t0, time.process_time() - c0, done
    return time.perf_counter() - t0, time.process_time() - c0, done


def _row(name: str, rate: float, cpu_ms: float, ref_ms: float, note: str = "") -> None:
    print(f"{name:34} {rate:8.1f} {cpu_ms:9.2f} {1000 / cpu_ms:9.1f} {cpu_ms / ref_ms:8.2f}   {note}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--plumber-pages", type=int, default=150)
    args = ap.parse_args(argv)
    files = born_digital(args.corpora)
    pages = sum(n for _, n in files)
    load0 = os.getloadavg()[0]
    print(f"{len(files)} born-digital PDFs, {pages} pages; load average {load0:.2f} at start")
    stage, stage_cpu, fium, fium_cpu, plumb, plumb_cpu = [], [], [], [], [], []
    slow = 0
    for _ in range(args.runs):
        t, c, slow = run_stage(files)
        stage.append(pages / t)
        stage_cpu.append(1000 * c / pages)
        t, c = run_pdfium(files)
        fium.append(pages / t)
        fium_cpu.append(1000 * c / pages)
        t, c, n = run_plumber(files, args.plumber_pages)
        plumb.append(n / t)
        plumb_cpu.append(1000 * c / n)
    ref = statistics.median(fium_cpu)
    print(f"{'':34} {'pages/s':>8} {'CPU ms/p':>9} {'CPU p/s':>9} {'CPU/pdfium':>8}")
    _row(
        "govtext PDF stage (1 process)",
        statistics.median(stage),
        statistics.median(stage_cpu),
        ref,
        f"slow-path pages: {slow}",
    )
    _row("baseline pypdfium2 get_text_range", statistics.median(fium), ref, ref)
    _row(
        "baseline pdfplumber extract_text",
        statistics.median(plumb),
        statistics.median(plumb_cpu),
        ref,
        f"first {args.plumber_pages} pages",
    )
    if args.workers > 1:
        # Biggest files first so that one long file does not finish alone at the end.
        order = [p for p, _ in sorted(files, key=lambda f: -f[1])]
        par, par_cpu = [], []
        with Pool(args.workers) as pool:
            for _ in range(args.runs):
                t0 = time.perf_counter()
                res = list(pool.imap_unordered(stage_file, order))
                par.append(pages / (time.perf_counter() - t0))
                par_cpu.append(1000 * sum(r[2] for r in res) / pages)
        med = statistics.median(par)
        _row(
            f"govtext PDF stage ({args.workers} workers)",
            med,
            statistics.median(par_cpu),
            ref,
            f"wall scaling x{med / statistics.median(stage):.2f}",
        )
    print(f"load average {os.getloadavg()[0]:.2f} at end ({os.cpu_count()} CPUs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
