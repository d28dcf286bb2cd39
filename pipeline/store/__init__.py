"""The one home of persisted state: one interface, two backends.

``open_store(db)`` picks the backend from ``--db``: a path is an SQLite file (the embedded
default), a ``postgresql://`` URL a shared PostgreSQL corpus (the ``govtext[postgres]`` extra).
Every line of SQL in govtext lives in this package.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.store.base import SCHEMA_VERSION, Filters, SourceState, Store, WriteResult
from pipeline.store.errors import QuerySyntaxError, StoreError

URL_SCHEMES = ("postgresql://", "postgres://")


def is_url(db: str | Path) -> bool:
    """Whether ``--db`` names a database server rather than a file."""
    return str(db).startswith(URL_SCHEMES)


def open_store(db: str | Path, *, readonly: bool = False, create: bool = True) -> Store:
    """A connection to the corpus at ``db`` (a path or a ``postgresql://`` URL).

    ``readonly``: for commands that only read; ``create``: make the corpus when it is not there."""
    if is_url(db):
        from pipeline.store.postgres import PostgresStore

        return PostgresStore(str(db), readonly=readonly, create=create)
    from pipeline.store.sqlite import SQLiteStore

    return SQLiteStore(db, readonly=readonly, create=create)


__all__ = [
    "SCHEMA_VERSION",
    "Filters",
    "QuerySyntaxError",
    "SourceState",
    "Store",
    "StoreError",
    "WriteResult",
    "is_url",
    "open_store",
]
