"""Loading, decoding, cleaning and the quality table."""

from __future__ import annotations

import codecs
import shutil

import pandas as pd
import pytest
from conftest import EXTRA_FILES, SEED_FILES, SEEDS, folder_digest
from gongwen import corpus
from hypothesis import given, settings
from hypothesis import strategies as st

SEED_IDS = [p.stem for p in SEED_FILES]


def test_seeds_load_sorted_and_ok(seed_docs):
    assert seed_docs["doc_id"].tolist() == SEED_IDS
    assert list(seed_docs.columns) == corpus.DOC_COLUMNS
    assert (seed_docs["status"] == "ok").all()
    assert (seed_docs["encoding"] == "utf-8").all()


def test_line_counts_match_the_files(seed_docs):
    for path in SEED_FILES:
        row = seed_docs.set_index("doc_id").loc[path.stem]
        assert row["lines"] == len(path.read_text(encoding="utf-8").splitlines())


# ---------------------------------------------------------------- decoding


@pytest.mark.parametrize(("encode", "encoding"), [
    (lambda t: t.encode("utf-8"), "utf-8"),
    (lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), "utf-8-sig"),
    (lambda t: t.encode("utf-16"), "utf-16"),
    (lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), "utf-16"),
    (lambda t: t.encode("gb18030"), "gb18030"),
    (lambda t: t.encode("gbk"), "gb18030"),
])
def test_decode_bytes(encode, encoding):
    text = SEED_FILES[0].read_text(encoding="utf-8")  # encodable in GBK, unlike some seeds
    decoded, got, problem = corpus.decode_bytes(encode(text))
    assert (decoded, got, problem) == (text, encoding, "")


@pytest.mark.parametrize("data", [bytes(range(256)) * 40, b"\x89PNG\r\n\x1a\n" + bytes(2000)])
def test_binary_is_not_text(data):
    text, encoding, problem = corpus.decode_bytes(data)
    assert text is None and encoding is None and problem


def _variants(tmp_path):
    """GB18030, UTF-16 and CRLF copies of the seeds, without their originals."""
    folder = tmp_path / "variants"
    folder.mkdir()
    for i, path in enumerate(SEED_FILES):
        text = path.read_text(encoding="utf-8")
        kind = i % 3
        data = (text.encode("gb18030") if kind == 0 else text.encode("utf-16") if kind == 1
                else text.replace("\n", "\r\n").encode("utf-8"))
        (folder / path.name).write_bytes(data)
    return folder


def test_encodings_and_crlf_give_the_same_analysis(tmp_path, seed_docs):
    docs = corpus.load_corpus(_variants(tmp_path))
    assert set(docs["encoding"]) == {"gb18030", "utf-16", "utf-8"}
    assert "CRLF" in set(docs["newline"])
    same = [c for c in corpus.DOC_COLUMNS if c not in ("encoding", "newline", "bytes")]
    pd.testing.assert_frame_equal(docs[same], seed_docs[same])
    for table in (corpus.paragraphs, corpus.changes, corpus.quality, corpus.lines):
        pd.testing.assert_frame_equal(table(docs), table(seed_docs))


# ---------------------------------------------------------------- bad input


def test_bad_files_are_listed_skipped_and_left_untouched(seed_copy):
    (seed_copy / "empty.txt").write_bytes(b"")
    (seed_copy / "blank.txt").write_bytes(b"\n  \r\n\t\n")
    (seed_copy / "binary.bin").write_bytes(bytes(range(256)) * 64)
    shutil.copy(SEEDS / SEED_FILES[0].name, seed_copy / "zz_copy.txt")
    near = SEED_FILES[2].read_text(encoding="utf-8").replace("2023年", "2023 年", 1)
    (seed_copy / "zz_near.txt").write_text(near + "\n", encoding="utf-8")
    before = folder_digest(seed_copy)

    docs = corpus.load_corpus(seed_copy).set_index("doc_id")

    assert folder_digest(seed_copy) == before
    assert docs.loc["empty", "status"] == "empty"
    assert docs.loc["blank", "status"] == "empty"
    assert docs.loc["binary", "status"] == "undecodable"
    assert docs.loc["zz_copy", ["status", "duplicate_of"]].tolist() == ["duplicate", SEED_IDS[0]]
    assert docs.loc["zz_near", ["status", "duplicate_of"]].tolist() == ["duplicate", SEED_IDS[2]]
    assert (docs.loc[SEED_IDS, "status"] == "ok").all()
    assert corpus.usable(docs.reset_index())["doc_id"].tolist() == SEED_IDS
    quality = corpus.quality(docs.reset_index())
    skipped = quality[(quality["check"] == "file") & (quality["count"] > 0)]
    assert sorted(skipped["doc_id"]) == ["binary", "blank", "empty", "zz_copy", "zz_near"]


def test_too_large_files_are_not_read(seed_copy):
    docs = corpus.load_corpus(seed_copy, max_bytes=8000).set_index("doc_id")
    assert docs.loc[SEED_IDS[0], "status"] == "too_large"
    assert docs.loc[SEED_IDS[4], "status"] == "ok"


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="corpus folder not found"):
        corpus.load_corpus(tmp_path / "nowhere")


def test_metadata_file_overrides_extraction(seed_copy):
    (seed_copy / "metadata.csv").write_text(
        "doc_id,issuer,year,title\n002_231ce229c0f12dc6,某市人民政府,2023,\n", encoding="utf-8")
    docs = corpus.load_corpus(seed_copy).set_index("doc_id")
    assert "metadata" not in docs.index
    row = docs.loc["002_231ce229c0f12dc6"]
    assert (row["issuer"], row["year"], row["metadata_source"]) == ("某市人民政府", 2023, "issuer,year")
    assert pd.isna(row["title"])
    assert row["label"] == "某市人民政府2023年度报告"


# ---------------------------------------------------------------- cleaning

# Lines of 000 (a PDF extraction) that continue the sentence of the line above; hand-checked.
BROKEN_000 = [21, 29, 33, 37, 41, 47, 61]


def test_lines_broken_mid_sentence_are_joined(seed_docs):
    changes = corpus.changes(seed_docs)
    joins = changes[changes["change"] == "line_join"]
    assert joins[joins["doc_id"] == SEED_IDS[0]]["line"].tolist() == BROKEN_000
    # The notice's title is split inside 《》; web copies' header lines are never joined.
    assert joins[joins["doc_id"] == SEED_IDS[3]]["line"].tolist() == [6]
    assert joins[joins["doc_id"].isin([SEED_IDS[1], SEED_IDS[4]])].empty


def test_paragraphs_point_at_their_lines(seed_docs):
    paragraphs = corpus.paragraphs(seed_docs)
    p = paragraphs[(paragraphs["doc_id"] == SEED_IDS[0]) & (paragraphs["line"] == 19)].iloc[0]
    assert p["end_line"] == 21
    assert "全面学习贯彻习近平法治思想，在省委省政府坚强领导下" in p["text"]
    raw = corpus.lines(seed_docs).set_index(["doc_id", "line"])["text"]
    for row in paragraphs.itertuples():
        assert raw[(row.doc_id, row.line)].strip(), "a paragraph starts on a non-empty line"


def test_chrome_and_injections_are_removed_and_recorded(seed_docs):
    text = seed_docs.set_index("doc_id").loc[SEED_IDS[4], "text"]
    assert "三昇体育" not in text and "字体放大" not in text and "相关信息" not in text
    assert "省工业和信息化厅认真落实中共中央、《法治政府建设实施纲要" in text
    changes = corpus.changes(seed_docs)
    mine = changes[changes["doc_id"] == SEED_IDS[4]]
    assert mine[mine["change"] == "injected"]["line"].tolist() == [6, 20]
    assert mine[mine["change"] == "page_chrome"]["line"].tolist() == list(range(35, 43))


def test_markdown_debris_and_spaces(seed_docs):
    text = seed_docs.set_index("doc_id").loc[SEED_IDS[0], "text"]
    assert "**" not in text and "四是" in text
    assert "共涉及文件64份，其中拟废止7份、失效35份、保留22份" in text


QUALITY = [  # (doc, check, count) hand-counted in the seed files
    (0, "line_join", 7), (0, "markdown", 2), (0, "latin_words", 3), (0, "injected", 0),
    (1, "punctuation_mix", 0), (1, "line_join", 0),
    (2, "redaction", 25), (2, "mask", 5),
    (3, "line_join", 1),
    (4, "injected", 2), (4, "page_chrome", 8), (4, "redaction", 0),
]


@pytest.mark.parametrize(("doc", "check", "count"), QUALITY)
def test_quality_counts(seed_docs, doc, check, count):
    quality = corpus.quality(seed_docs).set_index(["doc_id", "check"])
    assert quality.loc[(SEED_IDS[doc], check), "count"] == count


def test_quality_has_every_check_for_every_doc(seed_docs):
    quality = corpus.quality(seed_docs)
    assert len(quality) == len(seed_docs) * len(corpus.QUALITY_CHECKS)
    assert corpus.quality_matrix(quality).shape == (len(seed_docs), len(corpus.QUALITY_CHECKS))


def test_summary_escapes_report_text(seed_copy):
    (seed_copy / "metadata.csv").write_text(
        'doc_id,issuer\n002_231ce229c0f12dc6,"<script>alert(1)</script>"\n', encoding="utf-8")
    docs = corpus.load_corpus(seed_copy)
    summary = corpus.summarize(docs, corpus.quality(docs))
    assert "<script>" not in summary and "&lt;script&gt;" in summary


@pytest.mark.parametrize(("line", "light", "analysis"), [
    ("  依法行政  ", "依法行政", "依法行政"),  # nothing to edit: only the ends go
    ("依法\u200b行政", "依法行政", "依法行政"),  # zero-width
    ("依法行政KOK体育", "依法行政", "依法行政"),  # injected, any case
    ("依法行政kok体育华体会", "依法行政", "依法行政"),
    ("**依法行政**", "依法行政", "依法行政"),  # markdown
    ("## 依法行政", "依法行政", "依法行政"),
    ("依法\u3000行政", "依法 行政", "依法行政"),  # odd space: plain in the light line, dropped beside Chinese
    ("依法 行政", "依法 行政", "依法行政"),
])
def test_every_line_edit_applies_whatever_the_shortcut(line, light, analysis):
    """Lines that need no edit skip the edits (most lines): the shortcut must not skip a line that
    needs one."""
    assert corpus.light_line(line) == light
    assert corpus.clean_text(f"{line}\n").paragraphs[0][2] == analysis


def _plain_core(text: str) -> str:
    import re
    import unicodedata

    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text))


# Full-width forms next to what NFKC composes, reorders or decomposes: combining marks, Hangul
# jamo, compatibility ideographs, ligatures, circled and parenthesised numbers.
_NEAR_NFKC = st.text(st.sampled_from(list(
    "Ａａ０９，．（）：；！？　 e\u0301\u0308\u0323\u1100\u1161\u11a8가ﬁ①㈠㊀\uf900\u2126Å中国年。、“”")), max_size=40)


@settings(max_examples=400, deadline=None)
@given(_NEAR_NFKC)
def test_duplicate_core_is_plain_nfkc(text):
    assert corpus._core(text) == _plain_core(text)


def test_duplicate_core_is_plain_nfkc_on_every_report():
    for path in [*SEED_FILES, *EXTRA_FILES]:
        text = corpus.decode_bytes(path.read_bytes())[0] or ""
        assert corpus._core(text) == _plain_core(text), path.name
