"""Optional extras: a clear message naming the extra to install when one is missing."""

from __future__ import annotations

import importlib
from types import ModuleType


class MissingExtra(ImportError):
    """An optional dependency is not installed; the message says which extra brings it."""


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import an optional dependency, or fail with one line naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        if (
            e.name is not None
            and not module.startswith(e.name)
            and not e.name.startswith(module.split(".")[0])
        ):
            raise  # the extra is there but something it needs is broken: show that, not a hint
        raise MissingExtra(f"{purpose} needs the {extra} extra: pip install 'govtext[{extra}]'") from None
