"""Refuse bad files early with a one-line reason, and bound the time spent on one file."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

from pipeline.document import ReadError

_HEAD = 1024
_TAIL = 2048
_PADDING = b"\x00 \t\r\n\x0c"


def check_file(path: Path) -> None:
    """Raise ReadError when ``path`` is plainly not a PDF: empty, or another kind of file (HTML,
    ZIP, image, Office). Whether a PDF is readable (cut short, corrupt) is for pdfium and then
    pdfminer to judge: padding after %%EOF or junk before the header does not stop them."""
    size = path.stat().st_size
    if size == 0:
        raise ReadError("empty file (0 bytes)")
    with path.open("rb") as fh:
        head = fh.read(_HEAD)
    if b"%PDF-" not in head:
        kind = _sniff(head)
        if kind != _NO_HEADER:
            raise ReadError(f"not a PDF ({kind})")


def unreadable(path: Path, reason: str) -> ReadError:
    """The error for a file that neither pdfium nor pdfminer could open: what its bytes tell
    (no header, no end-of-file marker), else ``reason``."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(_HEAD)
        fh.seek(max(0, size - 64 * _TAIL))
        tail = fh.read().rstrip(_PADDING)[-_TAIL:]
    if b"%PDF-" not in head:
        return ReadError(f"not a PDF ({_sniff(head)})")
    # The end-of-file marker is written last; without it the download or copy was cut short.
    if b"%%EOF" not in tail and b"startxref" not in tail:
        return ReadError("truncated PDF (no end-of-file marker)")
    return ReadError(f"corrupt PDF ({reason})")


_NO_HEADER = "no %PDF header"


def _sniff(head: bytes) -> str:
    low = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if low.startswith((b"<!doctype html", b"<html", b"<head", b"<?xml")) or b"<html" in low[:512]:
        return "looks like HTML"
    if head.startswith(b"PK\x03\x04"):
        return "looks like a ZIP archive"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "looks like an old Office document"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "looks like an image"
    return _NO_HEADER


class _Timeout(BaseException):
    # BaseException so that broad ``except Exception`` inside pdfminer/pdfplumber cannot swallow it.
    pass


class Deadline:
    """Per-file time limit.

    In the main thread of a process (the pipeline's worker processes, the CLI) SIGALRM interrupts
    pure-Python work such as a pdfminer page that never ends. Elsewhere (threads, platforms without
    SIGALRM) ``check()`` between pages is the fallback: it cannot stop a single hanging page.
    Either way the caller sees ReadError("time limit of N s exceeded at page P").
    """

    def __init__(self, seconds: float | None) -> None:
        self.seconds = float(seconds or 0)
        self.page = 0  # 1-based page being worked on, for the message
        self._start = 0.0
        self._armed = False
        self._old = None

    def __enter__(self) -> Deadline:
        self._start = time.monotonic()
        if (
            self.seconds > 0
            and hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread()
        ):
            self._old = signal.signal(signal.SIGALRM, self._on_alarm)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
            self._armed = True
        return self

    def _on_alarm(self, signum, frame) -> None:  # noqa: ARG002 - signal handler signature
        raise _Timeout()

    def error(self) -> ReadError:
        limit = f"{self.seconds:g}"
        return ReadError(f"time limit of {limit} s exceeded at page {max(self.page, 1)}")

    def check(self) -> None:
        if self.seconds > 0 and time.monotonic() - self._start > self.seconds:
            raise self.error()

    def __exit__(self, exc_type, exc, tb) -> bool:
        if self._armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._old if self._old is not None else signal.SIG_DFL)
            self._armed = False
        if exc_type is _Timeout:
            raise self.error() from None
        return False
