"""Errors of the store, the same whichever backend raises them."""


class StoreError(Exception):
    """A problem with the database itself (missing, locked, not a govtext corpus, unreachable)."""


class QuerySyntaxError(StoreError):
    """The search query could not be parsed."""
