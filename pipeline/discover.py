"""Walk the input paths and decide, per file, whether it needs work."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.readers import detect_format


@dataclass
class Source:
    path: Path
    format: str
    size: int
    mtime: float


@dataclass
class Skipped:
    path: Path
    reason: str  # a one-line reason for the errors table


def walk(paths: Iterable[Path], follow_links: bool = False) -> Iterator[Source | Skipped]:
    """Files govtext can read under the given files/folders, in a stable order.

    Hidden files and folders are ignored; symlink loops and unreadable folders are reported, not
    fatal. A folder link that leads outside the folders given (``up -> ..``) is not followed, and
    is reported, unless ``follow_links``; links within them are followed.
    """
    paths = [Path(os.path.abspath(p)) for p in paths]
    # Where the walk may go: the folders given, as the file system resolves them.
    inside = [os.path.realpath(p) for p in paths if p.is_dir()]
    for root in paths:
        # Absolute paths: the same file is the same source whichever folder a run starts in.
        if not root.exists():
            yield Skipped(root, "no such file or folder")
            continue
        if root.is_file():
            yield from _one(root, explicit=True)
            continue
        seen: set[tuple[int, int]] = set()
        for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=None):
            try:
                st = os.stat(dirpath)
            except OSError as e:
                yield Skipped(Path(dirpath), f"cannot read folder ({e.strerror})")
                dirnames[:] = []
                continue
            key = (st.st_dev, st.st_ino)
            if key in seen:  # a symlink loop
                yield Skipped(Path(dirpath), "symlink loop, folder already visited")
                dirnames[:] = []
                continue
            seen.add(key)
            kept = []
            for d in sorted(d for d in dirnames if not d.startswith(".")):
                link = os.path.join(dirpath, d)
                if not follow_links and os.path.islink(link) and not _within(os.path.realpath(link), inside):
                    yield Skipped(
                        Path(link),
                        "folder link leads outside the folders given; not followed (--follow-links)",
                    )
                    continue
                kept.append(d)
            dirnames[:] = kept
            for name in sorted(filenames):
                if not name.startswith("."):
                    yield from _one(Path(dirpath) / name, explicit=False)


def _within(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def _one(path: Path, explicit: bool) -> Iterator[Source | Skipped]:
    fmt = detect_format(path)
    if fmt is None:
        if explicit:
            yield Skipped(path, f"unsupported file type {path.suffix or '(none)'!r}")
        return
    try:
        st = path.stat()
    except OSError as e:
        yield Skipped(path, f"cannot read file ({e.strerror})")
        return
    yield Source(path, fmt, st.st_size, st.st_mtime)
