import codecs
import hashlib

import pytest

from pipeline.document import ReadError
from pipeline.readers.encoding import SAMPLE_BYTES, iter_lines, read_text, sha256_file

TEXT = "Tata kelola pemerintahan daerah\nÉcole über “smart” quotes — café\n"


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),  # no BOM: found by the NUL pattern
        (TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("cp1252"), "cp1252"),  # smart quotes and dash live in 0x80-0x9f
    ],
)
def test_read_text_detects_encoding(tmp_path, raw, encoding):
    p = tmp_path / "f.txt"
    p.write_bytes(raw)
    text, enc = read_text(p)
    assert (text, enc) == (TEXT, encoding)
    assert "".join(iter_lines(p)) == TEXT


def test_latin1_accents(tmp_path):
    p = tmp_path / "f.txt"
    p.write_bytes("Peraturan é ü ñ\n".encode("latin-1"))
    text, enc = read_text(p)
    assert text == "Peraturan é ü ñ\n"
    assert enc in ("cp1252", "latin-1")


def test_any_bytes_never_crash(tmp_path):
    # Bytes cp1252 leaves undefined (0x81, 0x8d, 0x8f, 0x90, 0x9d) still decode to something.
    p = tmp_path / "f.txt"
    p.write_bytes(b"abc \x81\x8d\x8f\x90\x9d def \xe9\n" * 20)
    text, _ = read_text(p)
    assert text.startswith("abc ") and "def" in text


def test_binary_junk_is_refused(tmp_path):
    p = tmp_path / "f.bin"
    p.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(ReadError, match="binary file, not text"):
        read_text(p)
    with pytest.raises(ReadError, match="binary"):
        list(iter_lines(p))


def test_utf8_head_with_latin1_tail(tmp_path):
    # A file that is ASCII for longer than the detection sample, then has a cp1252 byte.
    p = tmp_path / "f.txt"
    p.write_bytes(b"a" * (SAMPLE_BYTES + 10) + b"\ncaf\xe9\n")
    text, _ = read_text(p)
    assert text.endswith("\ncafé\n")
    assert list(iter_lines(p))[-1] == "café\n"


def test_forced_encoding(tmp_path):
    p = tmp_path / "f.txt"
    p.write_bytes("Überblick".encode())
    assert read_text(p, forced="latin-1") == ("Ã\x9cberblick", "iso8859-1")
    with pytest.raises(ReadError, match="unknown encoding"):
        read_text(p, forced="no-such-codec")


def test_missing_file(tmp_path):
    with pytest.raises(ReadError, match="cannot read file"):
        read_text(tmp_path / "nope.txt")


def test_sha256_file(tmp_path):
    p = tmp_path / "f.bin"
    data = b"x" * (3 << 20) + b"tail"
    p.write_bytes(data)
    assert sha256_file(p) == hashlib.sha256(data).hexdigest()
