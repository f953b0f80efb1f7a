"""Adding reports: every format read, duplicates refused, nothing overwritten, nothing half-written."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import EXTRA_FILES, SEED_FILES, folder_digest, run_cli
from gongwen import corpus, intake

REPORT = EXTRA_FILES[0].read_text(encoding="utf-8")
TITLE = REPORT.splitlines()[0]


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GONGWEN_CACHE_DIR", str(tmp_path / "cache"))


run = run_cli


def _html(body: str) -> bytes:
    paragraphs = "".join(f"<p>{line}</p>" for line in body.splitlines() if line.strip())
    page = ("<html><head><meta charset='gbk'><title>青山县政府网</title></head><body>"
            "<nav><ul><li><a href='/'>首页</a></li><li><a href='/zw'>政务公开</a></li>"
            "<li><a href='/hd'>互动交流</a></li></ul></nav>"
            f"<div class='content'><article>{paragraphs}</article></div>"
            "<footer><p>主办单位：青山县人民政府办公室 版权所有 网站地图 联系我们</p>"
            "<p>ICP备案号：某ICP备12345678号</p></footer></body></html>")
    return page.encode("gbk")


def _docx(body: str, path: Path) -> None:
    import docx

    document = docx.Document()
    for line in body.splitlines():
        document.add_paragraph(line)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "指标", "数值"
    table.cell(1, 0).text, table.cell(1, 1).text = "行政复议案件", "43件"
    document.save(path)


def _pdf(lines: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from gongwen import plotting

    plotting.use_cjk_font()
    with plt.rc_context({"pdf.fonttype": 42}):
        fig = plt.figure(figsize=(8.3, 11.7))
        for k, line in enumerate(lines):
            fig.text(0.05, 0.95 - 0.04 * k, line, fontsize=10)
        fig.savefig(path)
        plt.close(fig)


def _scan(path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots()
    ax.imshow(np.random.default_rng(0).random((20, 20)))
    ax.set_axis_off()
    fig.savefig(path)
    plt.close(fig)


# --------------------------------------------------------------------------- reading


@pytest.mark.parametrize(("name", "expected"), [
    ("utf8.txt", TITLE),
    ("gb.txt", TITLE),
    ("page.html", "一、主要举措和成效"),
    ("report.docx", "行政复议案件  43件"),
    ("report.pdf", "一、主要举措和成效"),
])
def test_each_format_gives_the_report_text(tmp_path, name, expected):
    path = tmp_path / name
    if name == "utf8.txt":
        path.write_text(REPORT, encoding="utf-8")
    elif name == "gb.txt":
        path.write_bytes(REPORT.replace("\n", "\r\n").encode("gb18030"))
    elif name == "page.html":
        path.write_bytes(_html(REPORT))
    elif name == "report.docx":
        _docx(REPORT, path)
    else:
        _pdf(REPORT.splitlines()[:8], path)
    source = intake.read_source(path)
    assert expected in source.text.splitlines()
    assert "\r" not in source.text and source.text.endswith("\n")
    if name == "page.html":  # page chrome dropped, main text kept
        assert "版权所有" not in source.text and "政务公开" not in source.text
        assert TITLE in source.text


@pytest.mark.parametrize(("name", "data", "message"), [
    ("scan.pdf", None, "no text layer (scanned?)"),
    ("broken.pdf", b"%PDF-1.4 this is not a pdf", "cannot be read as pdf"),
    ("broken.docx", b"PK not a zip", "cannot be read as docx"),
    ("binary.txt", bytes(range(256)) * 8, "not text"),
    ("empty.txt", b"", "no text found"),
    ("report.rtf", b"{\\rtf1 hello}", "unsupported file type"),
    ("blank.html", b"<html><head><title>t</title></head><body><script>var a = 1;</script></body></html>",
     "no main text"),
])
def test_unreadable_input_is_refused_with_a_reason(tmp_path, name, data, message):
    path = tmp_path / name
    if data is None:
        _scan(path)
    else:
        path.write_bytes(data)
    with pytest.raises(intake.IntakeError, match=re.escape(message)):
        intake.read_source(path)


# --------------------------------------------------------------------------- adding


def test_add_writes_utf8_text_and_a_metadata_row(seed_copy, tmp_path):
    (seed_copy / "metadata.csv").write_bytes(b"doc_id,title\r\n002_231ce229c0f12dc6,\xe6\xa0\x87\xe9\xa2\x98\r\n")
    before = (seed_copy / "metadata.csv").read_bytes()
    source = tmp_path / "青山县 2023 报告.txt"
    source.write_bytes(REPORT.encode("gb18030"))
    added = intake.add([source], seed_copy)
    assert [a["doc_id"] for a in added] == ["青山县_2023_报告"]
    written = seed_copy / "青山县_2023_报告.txt"
    assert written.read_bytes() == REPORT.encode("utf-8")
    after = (seed_copy / "metadata.csv").read_bytes()
    assert after.startswith(b"doc_id,title,source_file")  # header gained the source columns
    table = pd.read_csv(seed_copy / "metadata.csv", dtype=str, keep_default_na=False)
    assert table["doc_id"].tolist() == ["002_231ce229c0f12dc6", "青山县_2023_报告"]
    row = table.iloc[1]
    assert (row["source_file"], row["source_format"]) == ("青山县 2023 报告.txt", "txt")
    docs = corpus.load_corpus(seed_copy)
    mine = docs[docs["doc_id"] == "青山县_2023_报告"].iloc[0]
    assert mine["status"] == "ok" and mine["sha256"] == row["sha256"]
    assert table.iloc[0]["title"] == "标题" and before != after
    # A second add keeps every existing byte and appends one line.
    other = tmp_path / "other.txt"
    other.write_text(EXTRA_FILES[2].read_text(encoding="utf-8"), encoding="utf-8")
    intake.add([other], seed_copy)
    again = (seed_copy / "metadata.csv").read_bytes()
    assert again.startswith(after) and again.count(b"\n") == after.count(b"\n") + 1


def test_a_duplicate_is_refused_and_nothing_is_written(seed_copy, tmp_path):
    copy = tmp_path / "again.txt"
    copy.write_text(SEED_FILES[1].read_text(encoding="utf-8").replace("，", ",") + "\n\n", encoding="utf-8")
    new = tmp_path / "new.txt"
    new.write_text(REPORT, encoding="utf-8")
    before = folder_digest(seed_copy)
    code, out, err = run("add", str(new), str(copy), "--to", str(seed_copy))
    assert code == 1 and out == ""
    assert f"duplicate of {SEED_FILES[1].stem}" in err and "nothing was added" in err
    assert folder_digest(seed_copy) == before
    assert not list(seed_copy.glob(".tmp-*"))


def test_the_same_text_twice_in_one_call_is_a_duplicate(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.html"
    a.write_text(REPORT, encoding="utf-8")
    b.write_bytes(_html(REPORT))
    with pytest.raises(intake.IntakeError, match=re.escape("b.html: duplicate of a")):
        intake.add([a, b], tmp_path / "corpus")
    assert not (tmp_path / "corpus").exists()


def test_a_taken_name_gets_a_new_stem_and_nothing_is_overwritten(seed_copy, tmp_path):
    name = SEED_FILES[0].name
    before = (seed_copy / name).read_bytes()
    source = tmp_path / name
    source.write_text(REPORT, encoding="utf-8")
    code, out, _ = run("add", str(source), "--to", str(seed_copy), "--format", "csv")
    assert code == 0
    added = pd.read_csv(io.StringIO(out))
    assert added["doc_id"].tolist() == [f"{SEED_FILES[0].stem}-2"]
    assert (seed_copy / name).read_bytes() == before
    assert (seed_copy / f"{SEED_FILES[0].stem}-2.txt").read_text(encoding="utf-8") == REPORT


def test_one_unreadable_file_stops_the_whole_add(seed_copy, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(REPORT, encoding="utf-8")
    scan = tmp_path / "scan.pdf"
    _scan(scan)
    before = folder_digest(seed_copy)
    code, _, err = run("add", str(good), str(scan), "--to", str(seed_copy))
    assert code == 1 and "scan.pdf: no text layer (scanned?)" in err
    assert folder_digest(seed_copy) == before


def test_traditional_report_is_kept_as_given_and_analysed_simplified(tmp_path):
    traditional = next(p for p in EXTRA_FILES if "traditional" in p.stem)
    added = intake.add([traditional], tmp_path / "corpus")
    assert added[0]["traditional"]
    raw = (tmp_path / "corpus" / traditional.name).read_text(encoding="utf-8")
    assert "關於" in raw  # the file keeps its script
    docs = corpus.load_corpus(tmp_path / "corpus")
    doc = docs.iloc[0]
    assert "關於" in doc["raw_text"] and "关于" in doc["text"] and "關" not in doc["text"]
    assert doc["issuer"] == "东湖市司法局"
    changes = corpus.changes(docs)
    assert (changes["change"] == "traditional").sum() >= 5
    quality = corpus.quality(docs).set_index("check")
    assert quality.loc["traditional", "count"] >= 5 and quality.loc["traditional", "action"] == "converted"
