"""The HTML report: notebooks run on another folder, the index page, escaping."""

from __future__ import annotations

import shutil

import pytest
from conftest import ROOT, SEED_FILES, folder_digest
from gongwen import corpus, report


def test_notebooks_are_listed_in_order_with_titles():
    notebooks = report.list_notebooks(ROOT / "notebooks")
    assert [nb.stem for nb in notebooks] == sorted(nb.stem for nb in notebooks)
    assert notebooks[0].stem.startswith("00-")
    assert all(nb.title and nb.summary for nb in notebooks)


def test_index_escapes_report_text(seed_copy, tmp_path):
    (seed_copy / "metadata.csv").write_text(
        'doc_id,title\n002_231ce229c0f12dc6,"<img src=x onerror=alert(1)>"\n', encoding="utf-8")
    docs = corpus.load_corpus(seed_copy)
    page = report.write_index(tmp_path / "index.html", docs, report.list_notebooks(
        ROOT / "notebooks"), corpus_name="<b>x</b>").read_text(encoding="utf-8")
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<b>x</b>" not in page
    for path in SEED_FILES:
        assert path.stem in page


@pytest.mark.slow
def test_report_on_another_folder_leaves_it_and_the_project_untouched(seed_copy, tmp_path):
    (seed_copy / "empty.txt").write_bytes(b"")
    (seed_copy / "binary.bin").write_bytes(bytes(range(256)) * 16)
    shutil.copy(SEED_FILES[0], seed_copy / "zz_copy.txt")
    corpus_before = folder_digest(seed_copy)
    notebooks_before = folder_digest(ROOT / "notebooks")
    figures_before = folder_digest(ROOT / "figures")

    out = tmp_path / "out"
    index = report.build(seed_copy, root=ROOT, out=out, progress=False)

    assert folder_digest(seed_copy) == corpus_before
    assert folder_digest(ROOT / "notebooks") == notebooks_before
    assert folder_digest(ROOT / "figures") == figures_before
    page = index.read_text(encoding="utf-8")
    for name in ("empty", "binary", "zz_copy", *[p.stem for p in SEED_FILES]):
        assert name in page
    for nb in report.list_notebooks(ROOT / "notebooks"):
        html_page = (out / f"{nb.stem}.html").read_text(encoding="utf-8")
        assert "Traceback" not in html_page
        assert (out / "code" / f"{nb.stem}.html").is_file()
    assert (out / "figures" / "00-corpus-lengths.png").is_file()
    corpus_page = (out / "00-corpus.html").read_text(encoding="utf-8")
    assert "zz_copy" in corpus_page and "duplicate" in corpus_page
