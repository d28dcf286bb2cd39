"""The fault corpus: every kind of bad input a researcher's download folder holds, next to good files.

``make_fault_corpus(folder)`` writes it and returns what each file should give: the good files
(and how many documents each holds) and, per fault, the stage and a piece of the one-line reason
the errors table must show. Everything is generated (seeded), nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from tests import pdf_factory as pf

ABSTRACT_ID = """Transparansi Anggaran Desa di Kabupaten Gunungkidul
Siti Rahmawati
Penelitian ini mengkaji keterbukaan informasi anggaran pemerintah desa dan partisipasi warga dalam musyawarah perencanaan pembangunan desa.
Kata kunci: transparansi; anggaran desa; partisipasi
"""
ABSTRACT_EN = """Open Contracting in Indonesian Provinces
Budi Santoso
This study examines how provincial governments publish procurement contracts and how civil society monitors them.
Keywords: open contracting; procurement; accountability
"""
# Latin-1 and UTF-16 files carry characters that a wrong decoding would mangle.
LATIN1_TEXT = """Kebijakan Publik dan Pelayanan Kesehatan Daerah
Dédé Sétiawan
Penelitian ini menganalisis pelayanan kesehatan daerah – ketersediaan puskesmas, tenaga medis dan anggaran – di Kabupaten Garut.
"""
UTF16_TEXT = """Reformasi Birokrasi dan Kinerja Aparatur
Ñoman Wíjaya
Penelitian ini mengkaji reformasi birokrasi dan kinerja aparatur sipil negara di pemerintah kota.
"""
RECORDS = [
    {
        "id": "rec1",
        "title": "Desentralisasi fiskal dan kemandirian daerah",
        "abstract": "Penelitian ini mengkaji desentralisasi fiskal dan kemandirian keuangan daerah.",
        "year": 2019,
    },
    {
        "id": "rec2",
        "title": "E-government adoption in Indonesian cities",
        "abstract": "This paper studies the adoption of electronic government services by city governments.",
        "year": 2021,
    },
    {
        "id": "rec3",
        "title": "Akuntabilitas dana desa",
        "abstract": "Studi ini menilai akuntabilitas pengelolaan dana desa oleh pemerintah desa.",
        "year": 2020,
    },
]
HUGE_MB = 50


@dataclass
class Fault:
    path: Path
    stage: str  # the errors table's stage for it
    reason: str  # a piece of the one-line reason
    what: str  # the fault, in words (docs/RELIABILITY.md)


@dataclass
class FaultCorpus:
    root: Path
    good: dict[Path, int] = field(default_factory=dict)  # good file -> documents it must give
    faults: dict[str, Fault] = field(default_factory=dict)
    vanishing: Path | None = None  # a good-looking file for the test to delete mid-run

    @property
    def n_good_docs(self) -> int:
        return sum(self.good.values())


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def make_fault_corpus(folder: Path, huge: bool = True, seed: int = 7) -> FaultCorpus:
    """Write the fault corpus under ``folder`` (created); ``huge`` adds the 50 MB single-line file."""
    rnd = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    fc = FaultCorpus(folder)

    def fault(name: str, path: Path, stage: str, reason: str, what: str) -> None:
        fc.faults[name] = Fault(path, stage, reason, what)

    # -- good files ------------------------------------------------------------------------------
    (folder / "good_id.txt").write_text(ABSTRACT_ID, encoding="utf-8")
    (folder / "good_en.md").write_text("# " + ABSTRACT_EN, encoding="utf-8")
    (folder / "latin1.txt").write_bytes(LATIN1_TEXT.replace("–", "-").encode("latin-1"))
    (folder / "utf16.txt").write_bytes(UTF16_TEXT.encode("utf-16"))  # with BOM
    (folder / "utf16_nobom.txt").write_bytes(UTF16_TEXT.encode("utf-16-le"))
    odd = folder / "Kajian Désa — Ñusantara" / "ringkasan kebijakan é.txt"
    odd.parent.mkdir()
    odd.write_text(ABSTRACT_ID.replace("Gunungkidul", "Bantul"), encoding="utf-8")
    pf.one_column(folder / "good.pdf", [pf.LOREM_ID, pf.LOREM_EN])
    fc.good.update(
        {
            folder / n: 1
            for n in ("good_id.txt", "good_en.md", "latin1.txt", "utf16.txt", "utf16_nobom.txt", "good.pdf")
        }
    )
    fc.good[odd] = 1
    vanishing = folder / "vanishing.txt"
    vanishing.write_text(ABSTRACT_EN.replace("Provinces", "Regencies"), encoding="utf-8")
    fc.vanishing = vanishing

    # -- bad PDFs --------------------------------------------------------------------------------
    bad = folder / "pdf"
    files = pf.bad_files(bad)
    (bad / "good.pdf").unlink()  # bad_files leaves the source of its truncated copy behind
    fault("pdf_empty", files["empty"], "read", "empty file (0 bytes)", "zero-byte PDF")
    fault("pdf_html", files["html"], "read", "not a PDF (looks like HTML)", "HTML page saved as .pdf")
    fault(
        "pdf_zip", files["zip"], "read", "not a PDF (looks like a ZIP archive)", "ZIP archive saved as .pdf"
    )
    fault(
        "pdf_truncated", files["truncated"], "read", "truncated PDF", "PDF cut in half (download cut short)"
    )
    fault(
        "pdf_encrypted",
        files["encrypted"],
        "read",
        "encrypted PDF (password required)",
        "encrypted PDF (reportlab encrypt=)",
    )
    scan = pf.image_only(bad / "scan only.pdf")
    fault("pdf_image_only", scan, "read", "no text layer (OCR is off)", "image-only PDF, run with --ocr off")

    # -- bad text --------------------------------------------------------------------------------
    junk = folder / "junk.txt"
    junk.write_bytes(bytes(rnd.randrange(256) for _ in range(20_000)))
    fault("binary_txt", junk, "read", "binary file, not text", "random binary bytes named .txt")
    empty_txt = folder / "empty.txt"
    empty_txt.write_bytes(b"")
    fault("empty_txt", empty_txt, "read", "empty file", "zero-byte .txt")
    bracketed = folder / "[draf] catatan [bold red]rapat.txt"  # rich markup in a name must print as is
    bracketed.write_text("\n\n   \n", encoding="utf-8")
    fault(
        "blank_txt_markup_name", bracketed, "read", "empty file", "whitespace-only .txt named with [markup]"
    )
    if huge:
        big = folder / "huge single line.txt"
        with big.open("wb") as fh:
            word = b"anggaran desa transparansi "
            block = word * (1024 * 1024 // len(word))
            for _ in range(HUGE_MB):
                fh.write(block)
        fault("huge_txt", big, "read", "file too large", f"{HUGE_MB} MB text file on one line")

    # -- bad records -----------------------------------------------------------------------------
    lines = [json.dumps(r) for r in RECORDS]
    lines.insert(2, '{"id": "broken", "title": "half a line')
    jsonl = folder / "records.jsonl"
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fc.good[jsonl] = 3
    fault(
        "jsonl_broken_line",
        jsonl,
        "read",
        "line 3: invalid JSON (Invalid control character at column 39)",
        "JSONL with a broken line in the middle",
    )

    bloated = folder / "bloated.jsonl"
    with bloated.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(RECORDS[0] | {"id": "small"}) + "\n")
        fh.write(json.dumps({"id": "huge", "title": "x", "abstract": "desa " * (600 * 1024)}) + "\n")
    fc.good[bloated] = 1
    fault(
        "jsonl_huge_record",
        bloated,
        "read",
        "record 1: too large (3 MB of text > 2 MB cap",
        "JSONL record with a 3 MB abstract",
    )

    nested = folder / "nested.jsonl"
    nested.write_text(json.dumps(RECORDS[1] | {"id": "flat"}) + "\n" + "[" * 100_000 + "\n", encoding="utf-8")
    fc.good[nested] = 1
    fault(
        "jsonl_deep_nesting",
        nested,
        "read",
        "line 2: invalid JSON (nested too deeply)",
        "JSONL line of 100,000 '[' (RecursionError in json)",
    )

    ragged = folder / "ragged.csv"
    ragged.write_text(
        "title,abstract,year\n"
        "Pelayanan publik daerah,Studi ini mengkaji pelayanan publik di daerah.,2018\n"
        "Kolom kurang,Baris ini tidak punya kolom tahun.\n"
        "Kolom lebih,Baris ini punya kolom tambahan.,2020,tambahan\n",
        encoding="utf-8",
    )
    fc.good[ragged] = 3  # short rows get empty cells, extra cells are kept aside: no error
    quoting = folder / "quoting.csv"
    quoting.write_text(
        'title,abstract\n"Kutipan tidak ditutup,Baris ini membuka kutipan\n'
        "Partisipasi warga,Studi partisipasi warga dalam musrenbang desa.\n"
        "Kinerja DPRD,Studi kinerja legislatif daerah.\n",
        encoding="utf-8",
    )
    fc.good[quoting] = 2
    fault(
        "csv_broken_quote",
        quoting,
        "read",
        "line 2: record 0: unterminated quote",
        "CSV with an unclosed quote",
    )

    bib = folder / "refs.bib"
    bib.write_text(
        "@article{good2020,\n  title = {Tata kelola pemerintahan desa},\n  year = {2020},\n"
        "  abstract = {Artikel ini membahas tata kelola pemerintahan desa.}\n}\n\n"
        "@article{broken2021,\n  title = {Kurung {tidak seimbang},\n  year = {2021}\n\n"
        "@article{after2022,\n  title = {Reformasi birokrasi},\n  year = {2022},\n"
        "  abstract = {Artikel ini membahas reformasi birokrasi.}\n}\n",
        encoding="utf-8",
    )
    fc.good[bib] = 2
    fault("bib_unbalanced", bib, "read", "unbalanced braces", "BibTeX entry with unbalanced braces")
    ris = folder / "export.ris"
    ris.write_text(
        "TY  - JOUR\nTI  - Inovasi pelayanan publik\nAB  - Studi inovasi pelayanan publik di kota.\n"
        "PY  - 2019\nER  - \n\nTY  - JOUR\nTI  - Rekaman tanpa akhir\nAB  - Tidak ada baris ER.\n",
        encoding="utf-8",
    )
    fc.good[ris] = 1
    fault("ris_no_end", ris, "read", "RIS record without ER", "RIS record with no ER line (unterminated)")

    # -- file system -----------------------------------------------------------------------------
    if not running_as_root():
        locked = folder / "locked.txt"
        locked.write_text(ABSTRACT_ID, encoding="utf-8")
        locked.chmod(0)
        fault("unreadable", locked, "discover", "Permission denied", "file with mode 000")
    loops = folder / "loops"
    loops.mkdir()
    (loops / "back").symlink_to("..", target_is_directory=True)
    fault(
        "dir_symlink_loop",
        loops / "back",
        "discover",
        "symlink loop",
        "folder symlink pointing at its parent",
    )
    (loops / "a.txt").symlink_to("b.txt")
    (loops / "b.txt").symlink_to("a.txt")
    fault("file_symlink_loop_a", loops / "a.txt", "discover", "symbolic links", "file symlinks a -> b -> a")
    fault("file_symlink_loop_b", loops / "b.txt", "discover", "symbolic links", "file symlinks a -> b -> a")
    (folder / "dangling.txt").symlink_to("nowhere.txt")
    fault(
        "dangling_symlink", folder / "dangling.txt", "discover", "No such file", "symlink to a missing file"
    )
    return fc


# -- a corpus for kill-and-resume: many small units so a kill lands between and inside them ---------
_SUBJECTS_ID = [
    "pemerintah desa",
    "dinas kesehatan",
    "DPRD kabupaten",
    "badan perencanaan",
    "inspektorat daerah",
    "pemerintah kota",
    "kecamatan",
    "BUMDes",
    "dinas pendidikan",
    "satpol PP",
]
_TOPICS_ID = [
    "transparansi anggaran",
    "partisipasi warga",
    "akuntabilitas keuangan",
    "pelayanan publik",
    "reformasi birokrasi",
    "pencegahan korupsi",
    "pengadaan barang",
    "kemitraan swasta",
]
_SUBJECTS_EN = [
    "village governments",
    "health offices",
    "district councils",
    "planning agencies",
    "city halls",
    "provincial inspectors",
    "public schools",
    "water utilities",
]
_TOPICS_EN = [
    "budget transparency",
    "citizen participation",
    "financial accountability",
    "public services",
    "bureaucratic reform",
    "anti-corruption efforts",
    "procurement",
    "public-private partnerships",
]


def _abstract(rnd: random.Random, i: int) -> tuple[str, str]:
    if i % 3 == 2:
        s, t = rnd.choice(_SUBJECTS_EN), rnd.choice(_TOPICS_EN)
        title = f"{t.capitalize()} in {s} ({i})"
        body = (
            f"This study examines {t} among {s} in {rnd.randint(3, 40)} regencies. "
            f"Interviews with {rnd.randint(10, 90)} officials show that {t} improved but remained uneven."
        )
    else:
        s, t = rnd.choice(_SUBJECTS_ID), rnd.choice(_TOPICS_ID)
        title = f"{t.capitalize()} pada {s} ({i})"
        body = (
            f"Penelitian ini mengkaji {t} pada {s} di {rnd.randint(3, 40)} kabupaten. "
            f"Wawancara dengan {rnd.randint(10, 90)} pejabat menunjukkan bahwa {t} meningkat namun belum merata."
        )
    return title, body


def make_resume_corpus(
    folder: Path, n_txt: int = 40, n_jsonl: int = 240, n_csv: int = 60, seed: int = 11
) -> int:
    """Text files, a JSONL and a CSV of distinct abstracts and one PDF; returns the document count."""
    import csv

    rnd = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    i = 0
    for k in range(n_txt):
        title, body = _abstract(rnd, i)
        sub = folder / f"batch {k % 4}"
        sub.mkdir(exist_ok=True)
        (sub / f"abstrak_{k:03d}.txt").write_text(f"{title}\nPenulis {k}\n{body}\n", encoding="utf-8")
        i += 1
    with (folder / "records.jsonl").open("w", encoding="utf-8") as fh:
        for k in range(n_jsonl):
            title, body = _abstract(rnd, i)
            fh.write(
                json.dumps({"id": f"j{k}", "title": title, "abstract": body, "year": 2010 + k % 14}) + "\n"
            )
            i += 1
    with (folder / "records.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "judul", "abstrak", "tahun"])
        for k in range(n_csv):
            title, body = _abstract(rnd, i)
            w.writerow([f"c{k}", title, body, 2005 + k % 18])
            i += 1
    pf.bilingual_article(folder / "article.pdf")
    return n_txt + n_jsonl + n_csv + 1


# -- checks shared by the kill and concurrency tests ----------------------------------------------
def signature(db: str | Path) -> dict[str, tuple]:
    """Everything a document is made of, without run numbers and timestamps, on any backend."""
    from pipeline.store import is_url, open_store

    if not is_url(db) and not Path(db).exists():
        return {}
    with open_store(db, readonly=True) as s:
        return {row[0]: row[1:] for row in s.signature_rows()}


def _count(s, sql: str) -> int:
    return next(iter(s.select(sql)[0].values()))


def check_sound(db: str | Path) -> None:
    """Intact database and index, every document whole, nothing twice."""
    from pipeline.store import is_url, open_store

    if not is_url(db):
        with sqlite3.connect(db) as c:
            assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert c.execute("PRAGMA foreign_key_check").fetchall() == []
            c.execute("INSERT INTO parts_fts(parts_fts) VALUES('integrity-check')")  # raises when out of step
    with open_store(db, readonly=True) as s:
        assert (
            _count(
                s,
                "SELECT count(*) AS n FROM documents d WHERE NOT EXISTS (SELECT 1 FROM parts p WHERE p.doc_id = d.id)",
            )
            == 0
        )
        assert (
            _count(
                s,
                "SELECT count(*) AS n FROM (SELECT doc_id, seq FROM parts GROUP BY doc_id, seq HAVING count(*) > 1) x",
            )
            == 0
        )
        assert (
            _count(
                s,
                "SELECT count(*) AS n FROM (SELECT path, source_id FROM documents WHERE source_id IS NOT NULL"
                " GROUP BY path, source_id HAVING count(*) > 1) x",
            )
            == 0
        )
        # parts numbered 0..n-1 with no gap: nothing lost from the middle of a document
        assert (
            _count(
                s,
                "SELECT count(*) AS n FROM (SELECT doc_id FROM parts GROUP BY doc_id HAVING max(seq) + 1 != count(*)) x",
            )
            == 0
        )
        if is_url(db):  # every part indexed
            assert (
                _count(s, "SELECT count(*) AS n FROM parts WHERE tsv_text IS NULL OR tsv_norm IS NULL") == 0
            )
