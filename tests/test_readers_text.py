import hashlib
from pathlib import Path

import pytest

from pipeline.document import Document, ReadError
from pipeline.readers import ReadOptions, detect_format, get_reader
from pipeline.readers.text import strip_markdown


def read(path: Path) -> list[Document]:
    return list(get_reader(detect_format(path))(path, ReadOptions()))


def test_formats_registered(tmp_path):
    assert detect_format(Path("a.TXT")) == "txt"
    assert detect_format(Path("a.md")) == "md"
    assert detect_format(Path("a.markdown")) == "md"


def test_txt_one_raw_part_lines_kept(tmp_path):
    p = tmp_path / "perda.txt"
    raw = "PERATURAN DAERAH\r\nTentang  Pelayanan\u00a0Publik\r\n\r\nPasal 1\r\nDe\ufb01nisi e\u0301\n"
    p.write_bytes(raw.encode("utf-8"))
    (doc,) = read(p)
    assert doc.id == hashlib.sha256(p.read_bytes()).hexdigest()
    assert doc.format == "txt" and doc.path == str(p)
    assert [part.kind for part in doc.parts] == ["raw"]
    # NFKC splits the ligature and composes é; spaces unified; lines kept, CRLF gone.
    assert doc.parts[0].text == "PERATURAN DAERAH\nTentang Pelayanan Publik\n\nPasal 1\nDefinisi é"
    assert doc.meta["encoding"] == "utf-8"


def test_txt_utf16_and_cp1252(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes("“Akuntabilitas” publik\n".encode("utf-16"))
    assert read(p)[0].parts[0].text == "“Akuntabilitas” publik"
    p.write_bytes("“Akuntabilitas” publik\n".encode("cp1252"))
    assert read(p)[0].parts[0].text == "“Akuntabilitas” publik"


@pytest.mark.parametrize("content", [b"", b"   \n\t\r\n  ", "\ufeff\n".encode()])
def test_empty_file(tmp_path, content):
    p = tmp_path / "empty.txt"
    p.write_bytes(content)
    with pytest.raises(ReadError, match="empty file"):
        read(p)


def test_binary_txt(tmp_path):
    p = tmp_path / "junk.txt"
    p.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(ReadError, match="binary"):
        read(p)


MD = """---
layout: post
---
# Tata Kelola **Pemerintahan** Daerah

Abstrak
=======

Penelitian ini membahas *akuntabilitas* dan [transparansi](https://example.org/t) di
pemerintah_daerah, lihat <https://example.org> dan `kode`.

## Kata kunci
- akuntabilitas
- transparansi

> Kutipan penting
![gambar](img.png)

| kolom | nilai |
|---|---|
| a | b |

***
[ref]: https://example.org
"""


def test_md_syntax_stripped_lines_kept(tmp_path):
    p = tmp_path / "artikel.md"
    p.write_text(MD, encoding="utf-8")
    (doc,) = read(p)
    assert doc.format == "md"
    assert doc.title == "Tata Kelola Pemerintahan Daerah"
    text = doc.parts[0].text
    assert text.split("\n") == [
        "Tata Kelola Pemerintahan Daerah",
        "",
        "Abstrak",
        "",
        "Penelitian ini membahas akuntabilitas dan transparansi di",
        "pemerintah_daerah, lihat https://example.org dan kode.",
        "",
        "Kata kunci",
        "akuntabilitas",
        "transparansi",
        "",
        "Kutipan penting",
        "gambar",
        "",
        "kolom nilai",
        "a b",
    ]


def test_md_code_block_kept_verbatim():
    text, title = strip_markdown("Intro\n```\n# not a heading *x*\n```\nEnd")
    assert text == "Intro\n# not a heading *x*\nEnd"
    assert title is None


def test_md_only_syntax_is_empty(tmp_path):
    p = tmp_path / "x.md"
    p.write_text("---\na: b\n---\n***\n", encoding="utf-8")
    with pytest.raises(ReadError, match="empty file"):
        read(p)
