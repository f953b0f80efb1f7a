"""Read the data files shipped in ``gongwen/data`` (dictionaries, rules, codebooks)."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

DATA = resources.files("gongwen") / "data"


@cache
def load_yaml(name: str) -> dict:
    """Parse ``data/<name>``; the result is shared, so callers must not mutate it."""
    with (DATA / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def data_path(name: str):
    """Path of a data file, for libraries that want a file name."""
    return DATA / name
