"""esnb: event sourcing, notebook by notebook.

The names below come from `esnb.course`, the modules saved from the course
notebooks, and include every library name the seed walkthrough imports.
Which module each name comes from is in `esnb/_exports.py`, which
`python -m esnb.sync` writes from the `__all__` of each module.
Names are loaded on first use, so the sync still runs when a saved module
is missing or broken and needs saving again.
"""

from __future__ import annotations

import importlib
from typing import Any

HAND_WRITTEN = {"esnb.databases": ["database_url"]}


def _module_of() -> dict[str, str]:
    from esnb._exports import MODULES

    return {name: module for module, names in {**MODULES, **HAND_WRITTEN}.items() for name in names}


def __getattr__(name: str) -> Any:
    if name == "__all__":
        return sorted(_module_of())
    module = _module_of().get(name)
    if module is None:
        raise AttributeError(f"module 'esnb' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_module_of()))
