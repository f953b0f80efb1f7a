"""Shared fixtures: the seeds, and small corpora built in temporary folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from gongwen import corpus

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))
EXTRA_FILES = sorted((ROOT / "tests" / "data" / "extra").glob("*.txt"))


@pytest.fixture(scope="session")
def seed_docs():
    return corpus.load_corpus(SEEDS)


@pytest.fixture
def seed_copy(tmp_path):
    """A writable copy of the seeds folder."""
    target = tmp_path / "corpus"
    shutil.copytree(SEEDS, target)
    return target


def run_cli(*argv: str) -> tuple[int, str, str]:
    """Run ``python -m gongwen ARGV`` in-process: ``(exit code, stdout, stderr)``."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from gongwen.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def folder_digest(folder: Path) -> dict[str, bytes]:
    """Every file of ``folder`` with its bytes, to prove nothing was written."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


PLANTED = (
    "关于<script>window.__pwned = 1</script>2024年度法治政府建设情况的报告\n\n"
    "一、主要举措和成效\n\n"
    "（一）依法行政。全年办理行政许可120件，<img src=x onerror=\"window.__pwned = 2\">满意率100%。\n\n"
    "二、存在的不足和原因\n\n一是<b onmouseover=\"window.__pwned = 3\">法治</b>宣传不够。\n"
)


@pytest.fixture(scope="session")
def planted_report(tmp_path_factory):
    """The report built on the seeds plus an empty, a binary, a duplicate and a hostile file, and the
    realistic reports of ``tests/data/extra`` (one in traditional script, one in GB18030).

    Returns ``(corpus_folder, out_folder, digest_before)``. Built once: it runs every notebook.
    """
    from gongwen import report

    base = tmp_path_factory.mktemp("planted")
    folder = base / "planted"
    shutil.copytree(SEEDS, folder)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.bin").write_bytes(bytes(range(256)) * 16)
    shutil.copy(SEED_FILES[0], folder / "zz_copy.txt")
    (folder / "zz_planted.txt").write_text(PLANTED, encoding="utf-8")
    for path in EXTRA_FILES:  # hand-written reports: a web copy, a notice, traditional script, GB18030
        shutil.copy(path, folder / path.name)
    before = folder_digest(folder)
    out = base / "out"
    report.build(folder, root=ROOT, out=out, progress=False)
    return folder, out, before


def metric_scores(claims, gold, label: str, capsys) -> dict[str, float]:
    """``metrics.evaluate(claims, gold)`` as ``{measure: value}``, printed under ``label`` (the
    figures show in the test log even when the test passes)."""
    from gongwen import metrics

    scores = metrics.evaluate(claims, gold)
    values = dict(zip(scores["measure"], scores["value"], strict=True))
    with capsys.disabled():
        print(f"\n{label}:", ", ".join(f"{m} {v:.3f}" for m, v in values.items()),
              f"({len(claims)} predicted, {len(gold)} gold)")
    return values
