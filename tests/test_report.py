"""The HTML report: notebooks run on another folder, the index page, escaping."""

from __future__ import annotations

import html
import re

import pytest
from conftest import ROOT, SEED_FILES, folder_digest
from gongwen import corpus, report

NOTEBOOKS_BEFORE = folder_digest(ROOT / "notebooks")


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
def test_report_on_another_folder_leaves_it_and_the_project_untouched(planted_report):
    folder, out, before = planted_report
    assert folder_digest(folder) == before
    assert folder_digest(ROOT / "notebooks") == NOTEBOOKS_BEFORE
    index = (out / "index.html").read_text(encoding="utf-8")
    for name in ("empty", "binary", "zz_copy", "zz_planted", *[p.stem for p in SEED_FILES]):
        assert name in index
    for nb in report.list_notebooks(ROOT / "notebooks"):
        page = (out / f"{nb.stem}.html").read_text(encoding="utf-8")
        assert "Traceback" not in page
        assert (out / "code" / f"{nb.stem}.html").is_file()
        assert "<script>window.__pwned" not in page
    assert (out / "figures" / "00-corpus-lengths.png").is_file()
    corpus_page = (out / "00-corpus.html").read_text(encoding="utf-8")
    assert "zz_copy" in corpus_page and "duplicate" in corpus_page
    assert (out / "data" / "docs.csv").is_file()
    assert 'href="data/docs.csv"' in index
    # Every table analyze wrote is linked, and every link points at a file.
    links = re.findall(r'href="((?:data|tables)/[^"]+)"', index)
    assert any(link.startswith("tables/") for link in links)
    assert all((out / link).is_file() for link in links)


def test_exports_need_no_network():
    page = report.enhance_html("<html><body><main><h1>t</h1><h2 id='a'>A</h2></main></body></html>")
    assert "目录" in page and 'href="#a"' in page
    exported = (ROOT / "notebooks" / "00-corpus.ipynb")
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        html_page = report.export_html(exported, Path(tmp) / "p.html").read_text(encoding="utf-8")
    assert "https://" not in "".join(re.findall(r'<(?:script|link)[^>]*>', html_page))
    assert 'alt="' in html_page


@pytest.mark.slow
def test_every_report_appears_in_every_notebook(planted_report):
    """Any corpus, any size: each usable report is named (label or doc_id) on every notebook page."""
    folder, out, _ = planted_report
    docs = corpus.load_corpus(folder)
    ok = corpus.usable(docs)
    assert {"101_county_report", "104_traditional", "105_gb18030"} <= set(ok["doc_id"])
    for nb in report.list_notebooks(ROOT / "notebooks"):
        page = (out / f"{nb.stem}.html").read_text(encoding="utf-8")
        missing = [d for d, label in zip(ok["doc_id"], ok["label"], strict=True)
                   if d not in page and html.escape(label) not in page]
        assert not missing, f"{nb.stem}: {missing}"
    assert (out / "tables" / "tokens.parquet").is_file()
    tables = {p.stem for p in (out / "tables").iterdir()}
    assert {"docs", "outline", "elements", "compliance", "metrics", "keyness", "frequencies"} <= tables
