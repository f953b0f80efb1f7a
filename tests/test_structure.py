"""Structure: outline and elements against hand-made gold tables, compliance, edge cases."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from conftest import ROOT, run_cli
from gongwen import corpus, structure
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

GOLD = ROOT / "tests" / "gold"


def as_text(table: pd.DataFrame) -> pd.DataFrame:
    """A table as the strings a CSV file holds (true/false, empty for missing)."""
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == bool:
            out[column] = out[column].map({True: "true", False: "false"})
        out[column] = out[column].astype("string").fillna("").astype(str)
    return out.reset_index(drop=True)


def gold(name: str) -> pd.DataFrame:
    return pd.read_csv(GOLD / name, dtype=str, keep_default_na=False)


def make_docs(folder: Path, texts: dict[str, str]) -> pd.DataFrame:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return corpus.load_corpus(folder)


def outline_of(tmp_path: Path, text: str) -> list[tuple]:
    docs = make_docs(tmp_path / "one", {"doc": text})
    table = structure.outline(docs)
    return [tuple(r) for r in table.drop(columns="doc_id").itertuples(index=False)]


# --------------------------------------------------------------------------- seeds vs gold


def test_outline_reproduces_gold_exactly(seed_docs):
    got = as_text(structure.outline(seed_docs))
    expected = gold("outline_gold.csv")
    assert list(got.columns) == list(expected.columns) == structure.OUTLINE_COLUMNS
    pd.testing.assert_frame_equal(got, expected)


def test_elements_reproduce_gold_exactly(seed_docs):
    got = as_text(structure.elements(seed_docs))
    expected = gold("elements_gold.csv")
    assert list(got.columns) == list(expected.columns) == structure.ELEMENT_COLUMNS
    pd.testing.assert_frame_equal(got, expected)


def test_outline_types_and_order(seed_docs):
    table = structure.outline(seed_docs)
    assert table["line"].dtype == "int64" and table["level"].dtype == "int64"
    assert set(table["kind"]) == {"heading", "enum"}
    assert table.equals(table.sort_values(["doc_id", "line"], kind="stable"))


# Hand-checked against the seed texts. For a heading: its line and marker+title. For a paragraph:
# the line of the matching words. DOMAIN.md lists the five items.
SEED_COMPLIANCE = [
    ("000_a5158e3b2e20ce60", 1, "heading", 17, "一、2023年主要工作情况"),
    ("000_a5158e3b2e20ce60", 2, "none", None, ""),  # no shortcomings anywhere in the text
    # No heading; (一) says the head of the department fulfilled the first-responsible-person duty.
    ("000_a5158e3b2e20ce60", 3, "paragraph", 23, None),
    ("000_a5158e3b2e20ce60", 4, "heading", 49, "二、2024 年主要工作打算"),
    ("000_a5158e3b2e20ce60", 5, "none", None, ""),
    ("001_13f415703db69b9b", 1, "heading", 7, "一、重点工作及成效"),
    ("001_13f415703db69b9b", 2, "none", None, ""),
    ("001_13f415703db69b9b", 3, "heading", 13, "2.切实履行法治政府建设第一责任人职责"),
    ("001_13f415703db69b9b", 4, "heading", 51, "二、2023年工作计划"),
    ("001_13f415703db69b9b", 5, "none", None, ""),
    ("002_231ce229c0f12dc6", 1, "heading", 2, "一、主要工作举措和成效"),
    ("002_231ce229c0f12dc6", 2, "none", None, ""),
    ("002_231ce229c0f12dc6", 3, "none", None, ""),  # redacted excerpt: no 第一责任人, no plans section
    ("002_231ce229c0f12dc6", 4, "none", None, ""),
    ("002_231ce229c0f12dc6", 5, "none", None, ""),
    *[("003_cb28285c92725077", i, "not_applicable", None, "") for i in range(1, 6)],  # a plan, not a report
    ("004_6101391112afbf29", 1, "heading", 8, "一、2023年度主要举措和成效"),
    ("004_6101391112afbf29", 2, "heading", 22, "二、存在的主要不足"),
    ("004_6101391112afbf29", 3, "heading", 26, "三、主要负责人履行推进法治建设第一责任人职责情况"),
    ("004_6101391112afbf29", 4, "heading", 30, "四、2024年主要安排"),
    ("004_6101391112afbf29", 5, "none", None, ""),
]


def test_compliance_table_of_the_seeds(seed_docs):
    table = structure.compliance(seed_docs)
    assert list(table.columns) == structure.COMPLIANCE_COLUMNS
    got = [(r.doc_id, r.item, r.how, None if pd.isna(r.line) else int(r.line), r.matched)
           for r in table.itertuples(index=False)]
    assert len(got) == len(SEED_COMPLIANCE)
    for row, expected in zip(got, SEED_COMPLIANCE, strict=True):
        if expected[4] is None:  # a paragraph: the sentence must hold the duty, not a fixed string
            assert row[:4] == expected[:4] and "第一责任人" in row[4]
        else:
            assert row == expected
    assert not table.loc[table["doc_id"].str.startswith("003"), "applicable"].any()


def test_compliance_matrix_says_not_applicable_not_missing(seed_docs):
    matrix = structure.compliance_matrix(structure.compliance(seed_docs), seed_docs)
    labels = seed_docs.set_index("doc_id")["label"]
    plan = matrix.loc[labels["003_cb28285c92725077"]]
    assert set(plan) == {"不适用"}
    assert matrix.loc[labels["004_6101391112afbf29"], "必备项覆盖"] == "4/4"
    assert matrix.loc[labels["002_231ce229c0f12dc6"], "必备项覆盖"] == "1/4"
    assert matrix.loc[labels["000_a5158e3b2e20ce60"], "3. 第一责任人职责"] == "段落 L23"


def test_summary_states_missing_items_plainly(seed_docs):
    outline = structure.outline(seed_docs)
    text = structure.summarize(seed_docs, outline, structure.elements(seed_docs),
                               structure.compliance(seed_docs), structure.profile(seed_docs))
    assert "**missing**: 2. 存在的不足和原因; 3. 第一责任人职责; 4. 下一年度主要安排" in text
    assert "does not apply" in text


def test_compliance_falls_back_to_paragraphs(tmp_path):
    text = ("某局关于2023年度法治政府建设情况的报告\n"
            "2023年，我局取得了明显成效。对存在的问题进行了梳理。\n"  # 存在的问题 alone is not a shortcoming
            "但仍存在一些不足，主要是队伍能力不强。\n"
            "2024年，我局将继续推进法治政府建设。\n")
    docs = make_docs(tmp_path / "para", {"para": text})
    table = structure.compliance(docs).set_index("item")
    assert table["how"].tolist() == ["paragraph", "paragraph", "none", "paragraph", "none"]
    assert table["line"].tolist()[:2] == [2, 3]
    assert table.loc[2, "matched"] == "但仍存在一些不足，主要是队伍能力不强"
    assert table.loc[4, "matched"] == "2024年，我局将继续推进法治政府建设"  # the year after the one reported on


# --------------------------------------------------------------------------- edge cases


def test_no_headings_at_all(tmp_path):
    text = ("某局2023年法治政府建设情况\n2023年，我局认真贯彻落实各项部署。全年办理案件12件。\n"
            "2024 年，我局将继续努力。\n")
    assert outline_of(tmp_path, text) == []


def test_only_enumerations(tmp_path):
    text = ("某局关于2023年法治政府建设情况的报告\n今年主要做了三件事。一是加强学习。二是规范执法；三是强化监督。\n"
            "统一是关键，唯一是目标，之一是前提。\n四是做好其他工作。\n")
    assert outline_of(tmp_path, text) == [
        (2, "enum", 1, "一是", "加强学习", "一是"),
        (2, "enum", 1, "二是", "规范执法", "二是"),  # no 。 before 三是: the title stops there
        (2, "enum", 1, "三是", "强化监督", "三是"),
        (4, "enum", 1, "四是", "做好其他工作", "四是"),
    ]


def test_fifty_numbered_items(tmp_path):
    items = "\n".join(f"{i}.第{i}项工作要点。具体内容说明。" for i in range(1, 51))
    rows = outline_of(tmp_path, "关于2023年度法治政府建设情况的报告\n" + items + "\n")
    assert len(rows) == 50
    assert rows[-1] == (51, "heading", 3, "50.", "第50项工作要点", "50")
    assert {r[2] for r in rows} == {3}


def test_half_width_and_mixed_markers(tmp_path):
    text = ("报告\n一、主要举措和成效\n(一)加强领导,完善机制\n1、深入学习。内容。\n(1)第一点。内容。\n"
            "（2）第二点\n2．规范执法\n(二) 强化监督\n三、下一步工作安排\n")
    assert outline_of(tmp_path, text) == [
        (2, "heading", 1, "一、", "主要举措和成效", "一"),
        (3, "heading", 2, "(一)", "加强领导,完善机制", "一 > （一）"),
        (4, "heading", 3, "1、", "深入学习", "一 > （一） > 1"),
        (5, "heading", 4, "(1)", "第一点", "一 > （一） > 1 > （1）"),
        (6, "heading", 4, "（2）", "第二点", "一 > （一） > 1 > （2）"),
        (7, "heading", 3, "2．", "规范执法", "一 > （一） > 2"),
        (8, "heading", 2, "(二)", "强化监督", "一 > （二）"),
        (9, "heading", 1, "三、", "下一步工作安排", "三"),  # numbering that skips 二
    ]


def test_spaces_and_nbsp_after_markers(tmp_path):
    text = "一、 总体要求\n1.\u00a0聚焦重点。内容。\n2.\u3000建立专班。内容。\n（一）\u00a0强化保障\n  (二)\t完善机制\n"
    assert outline_of(tmp_path, text) == [
        (1, "heading", 1, "一、", "总体要求", "一"),
        (2, "heading", 3, "1.", "聚焦重点", "一 > 1"),
        (3, "heading", 3, "2.", "建立专班", "一 > 2"),
        (4, "heading", 2, "（一）", "强化保障", "一 > （一）"),
        (5, "heading", 2, "(二)", "完善机制", "一 > （二）"),
    ]


def test_titles_split_over_two_lines(tmp_path):
    text = ("某局2023年法治政府建设工作报告\n"
            "一、关于进一步深化法治政府建设的\n主要举措和成效\n正文内容。\n"  # a short title line, then its rest
            # A PDF break inside a heading title, then inside an enumeration title.
            "（一）加强党的领导，完善法治政府建设推进机制，全面落实第一责任\n人职责。这是正文内容继续写下去。\n"
            "我们高度重视普法工作并认真部署落实。一是精心制定年度普法责任\n\n计划。将法治思想纳入学习内容。\n"
            "二、总体要求\n坚持问题导向。\n")
    assert outline_of(tmp_path, text) == [
        (2, "heading", 1, "一、", "关于进一步深化法治政府建设的主要举措和成效", "一"),
        (5, "heading", 2, "（一）", "加强党的领导，完善法治政府建设推进机制，全面落实第一责任人职责", "一 > （一）"),
        (7, "enum", 3, "一是", "精心制定年度普法责任计划", "一 > （一） > 一是"),
        (10, "heading", 1, "二、", "总体要求", "二"),  # 坚持问题导向。 is body text, not the title's rest
    ]


def test_heading_joined_to_its_body_keeps_its_own_title(tmp_path):
    # Long enough for the loader to join the next line; the rest up to 。 is body, not title.
    text = ("一、主要负责人履行推进法治建设第一责任人职责情况及有关工作\n"
            "厅主要负责同志对法治建设重要工作亲自部署、重大问题亲自过问、重点环节亲自协调。\n")
    assert outline_of(tmp_path, text) == [
        (1, "heading", 1, "一、", "主要负责人履行推进法治建设第一责任人职责情况及有关工作", "一"),
    ]


def test_numbered_sentences_are_not_headings(tmp_path):
    text = ("一、工作情况\n2023年，完成任务。\n1.2万件审批业务全部办结。\n5、6月份开展检查。\n"
            "一、二级响应均已启动。\n3.1415是圆周率。\n1.2023年完成的工作\n（2021—2025年）规划实施。\n(略)部分内容。\n"
            "“4.15”国家安全教育日。\n")
    assert outline_of(tmp_path, text) == [
        (1, "heading", 1, "一、", "工作情况", "一"),
        (7, "heading", 3, "1.", "2023年完成的工作", "一 > 1"),  # a title may start with a year
    ]


def test_markup_debris_and_page_chrome(tmp_path):
    text = ("一、主要工作\n（一）强化监督。正文。**四是**不算，前面没有一是。一是开展检查。**二是**接受监督。\n"
            "字体\n  • 字体放大\n分享\n打印\n相关信息\n")
    assert outline_of(tmp_path, text) == [
        (1, "heading", 1, "一、", "主要工作", "一"),
        (2, "heading", 2, "（一）", "强化监督", "一 > （一）"),
        (2, "enum", 3, "一是", "开展检查", "一 > （一） > 一是"),
        (2, "enum", 3, "二是", "接受监督", "一 > （一） > 二是"),
    ]


def test_unnumbered_heading_where_numbering_skips(tmp_path):
    text = ("一、指导思想\n坚持正确方向。\n总体目标\n到年底完成任务。\n（一）打造投资环境。内容。\n"
            "三、重点任务\n（一）夯实基础\n")
    rows = outline_of(tmp_path, text)
    assert rows[1] == (3, "heading", 1, "", "总体目标", "总体目标")
    assert rows[2] == (5, "heading", 2, "（一）", "打造投资环境", "总体目标 > （一）")
    # Without the gap in the numbering the same short line stays body text.
    plain = text.replace("三、重点任务", "二、重点任务")
    assert [r[4] for r in outline_of(tmp_path / "b", plain)] == ["指导思想", "打造投资环境", "重点任务", "夯实基础"]


def test_edge_corpus_does_not_break_tables_or_figures(tmp_path):
    docs = make_docs(tmp_path / "edge", {
        "a_none": "某局2023年法治政府建设情况\n2023年，我局认真贯彻落实各项部署。\n",
        "b_enums": "某局关于2023年法治政府建设情况的报告\n一是加强学习。二是规范执法。\n",
        "c_fifty": "\n".join(f"{i}.第{i}项。内容。" for i in range(1, 51)) + "\n",
    })
    outline = structure.outline(docs)
    profile = structure.profile(docs).set_index("doc_id")
    assert profile.loc["a_none", "depth"] == 0 and profile.loc["b_enums", "enums"] == 2
    assert profile.loc["c_fifty", "headings_l3"] == 50
    assert set(structure.sections(docs).query("doc_id == 'a_none'")["path"]) == {""}
    lengths = structure.section_lengths(docs)
    assert lengths.groupby("doc_id")["share"].sum().round(2).eq(1).all()
    structure.profile_table(structure.profile(docs), docs)
    structure.compliance_matrix(structure.compliance(docs), docs)
    structure.element_matrix(structure.elements(docs), docs)
    figures = structure.plot_outlines(outline, docs, per_figure=2, max_rows=10)
    assert len(figures) == 2
    figures.append(structure.plot_document_map(lengths, docs, top=2))
    for fig in figures:
        plt.close(fig)


def test_empty_outline_has_columns(tmp_path):
    docs = make_docs(tmp_path / "flat", {"flat": "只有一句话。\n"})
    assert list(structure.outline(docs).columns) == structure.OUTLINE_COLUMNS
    assert structure.outline(docs).empty


# --------------------------------------------------------------------------- elements


def test_elements_of_an_upward_document(tmp_path):
    text = ("某县人民政府文件\n\n某政发〔2025〕3号          签发人：张  三\n"
            "某县人民政府关于2024年度\n法治政府建设情况的报告\n市人民政府：\n"
            "现将我县2024年度法治政府建设情况报告如下。\n某县人民政府\n二〇二五年一月二十日\n（此件公开发布）\n"
            "抄送：市司法局，\n市依法治市办。\n某县人民政府办公室        2025年1月21日印发\n")
    docs = make_docs(tmp_path / "up", {"up": text})
    got = structure.elements(docs).set_index("element")
    expected = {
        "发文机关标志": ("某县人民政府文件", 1),
        "发文字号": ("某政发〔2025〕3号", 3),
        "签发人": ("张 三", 3),
        "标题": ("某县人民政府关于2024年度法治政府建设情况的报告", 4),
        "主送机关": ("市人民政府", 6),
        "成文日期": ("二〇二五年一月二十日", 9),
        "附注": ("（此件公开发布）", 10),
        "抄送": ("市司法局，市依法治市办", 11),
        "印发机关和印发日期": ("某县人民政府办公室 2025年1月21日印发", 13),
    }
    for element, (value, line) in expected.items():
        assert (got.loc[element, "text"], got.loc[element, "line"]) == (value, line), element
    assert not got.loc[["联系人", "发布时间", "信息来源"], "present"].any()


def test_elements_of_a_web_copy(tmp_path):
    text = ("市司法局2024年法治政府建设年度报告\n发布日期：2025年3月5日   来源：市司法局\n"
            "2024年，我局资金来源：财政拨款。全年工作如下。\n一、主要举措\n")
    docs = make_docs(tmp_path / "web", {"web": text})
    got = structure.elements(docs).set_index("element")
    assert got.loc["标题", "text"] == "市司法局2024年法治政府建设年度报告"
    assert (got.loc["发布时间", "text"], got.loc["信息来源", "text"]) == ("2025年3月5日", "市司法局")
    assert got["present"].sum() == 3


# --------------------------------------------------------------------------- sections, profile, CLI


def test_sections_map_paragraphs_to_their_heading(seed_docs):
    table = structure.sections(seed_docs)
    assert list(table.columns) == structure.SECTION_COLUMNS
    paragraphs = corpus.paragraphs(seed_docs)
    assert table[["doc_id", "para_id", "line"]].equals(paragraphs[["doc_id", "para_id", "line"]])
    at = table.set_index(["doc_id", "line"])
    assert at.loc[("001_13f415703db69b9b", 13), "path"] == "一 > （一） > 2"
    assert at.loc[("001_13f415703db69b9b", 53), "path"] == "二"
    assert at.loc[("003_cb28285c92725077", 23), ["path", "top_title"]].tolist() == ["总体目标", "总体目标"]
    assert at.loc[("004_6101391112afbf29", 24), "top_title"] == "存在的主要不足"
    assert at.loc[("000_a5158e3b2e20ce60", 15), "path"] == ""


def test_profile_of_the_seeds(seed_docs):
    profile = structure.profile(seed_docs).set_index("doc_id")
    assert list(profile.reset_index().columns) == structure.PROFILE_COLUMNS
    levels = ["headings_l1", "headings_l2", "headings_l3", "headings_l4", "enums"]
    # The counts of tests/gold/structure_gold.md.
    assert profile.loc["000_a5158e3b2e20ce60", levels].tolist() == [2, 8, 0, 0, 27]
    assert profile.loc["001_13f415703db69b9b", levels].tolist() == [2, 4, 17, 0, 5]
    assert profile.loc["003_cb28285c92725077", levels].tolist() == [4, 15, 24, 0, 0]
    assert profile["marker_width"].tolist() == ["full", "half", "half", "full", "half"]
    assert profile["punct_width"].tolist() == ["full", "half", "half", "full", "half"]
    assert profile["depth"].tolist() == [2, 3, 2, 3, 2]


def run(*argv: str) -> tuple[int, str]:
    code, out, _ = run_cli(*argv)
    return code, out


def test_cli_outline_csv(seed_copy):
    code, out = run("outline", str(seed_copy), "--format", "csv")
    assert code == 0
    table = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    expected = gold("outline_gold.csv").drop(columns="path")
    pd.testing.assert_frame_equal(table, expected)


def test_cli_elements_csv(seed_copy):
    code, out = run("elements", str(seed_copy), "--format", "csv")
    assert code == 0
    table = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    assert list(table.columns) == structure.ELEMENT_COLUMNS
    expected = gold("elements_gold.csv")
    assert table["present"].str.lower().tolist() == expected["present"].tolist()
    assert table[["doc_id", "element", "text", "line"]].equals(expected[["doc_id", "element", "text", "line"]])


@pytest.mark.parametrize("command", ["outline", "elements"])
def test_cli_table_format(seed_copy, command):
    code, out = run(command, str(seed_copy))
    assert code == 0 and out.splitlines()[0].split()[0] == "doc_id"


# --------------------------------------------------------------------------- robustness

PIECES = ["一、", "（一）", "(二)", "1.", "2、", "3．", "（1）", "(2)", "一是", "二是", "**四是**", "。", "，", ",",
          "：", "\n", "\n\n", "\u00a0", " ", "文件", "关于", "的报告", "签发人：", "抄送：", "印发",
          "2024年2月22日", "〔2024〕26号", "（此件公开发布）", "发布时间:", "信息来源:", "字体", "分享",
          "法治政府建设", "主要举措和成效", "存在的不足", "第一责任人", "2024年主要安排", "总体目标", "(略)", "*"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=60))
def test_any_text_gives_well_formed_rows(pieces):
    raw = "".join(pieces)
    n_lines = len(raw.split("\n"))
    analysis = structure._analyse(raw)
    for line, _, kind, level, _marker, title, path in analysis.rows:
        assert 1 <= line <= n_lines and kind in {"heading", "enum"} and level >= 1
        assert "\n" not in title and path
    assert len(analysis.chains) == len(corpus.clean_text(raw).paragraphs)
    for name, _text, line, lines in structure._elements_one(raw):
        assert name in structure.ELEMENTS and 1 <= line <= n_lines and line == lines[0]
