"""Shared fixtures: the seeds, and small corpora built in temporary folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from gongwen import corpus

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))


@pytest.fixture(scope="session")
def seed_docs():
    return corpus.load_corpus(SEEDS)


@pytest.fixture
def seed_copy(tmp_path):
    """A writable copy of the seeds folder."""
    target = tmp_path / "corpus"
    shutil.copytree(SEEDS, target)
    return target


def folder_digest(folder: Path) -> dict[str, bytes]:
    """Every file of ``folder`` with its bytes, to prove nothing was written."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
