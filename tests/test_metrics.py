"""Reported metrics: hand-written cases for every rule, the gold table, the CLI, properties."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, metric_scores, run_cli
from gongwen import corpus, metrics
from hypothesis import given, settings
from hypothesis import strategies as st

GOLD = ROOT / "tests" / "gold" / "metrics_gold.csv"

# --------------------------------------------------------------------------- hand-written cases

# sentence → expected rows: (text, value, unit, normalized_value, kind, qualifier); value None = masked.
CASES = [
    # Arabic digits, decimals, units
    ("办理行政许可289件。", [("289件", "289", "件", 289, "count", "")]),
    ("出口同比增长8.8%。", [("同比增长8.8%", "8.8", "%", 8.8, "growth_rate", "同比")]),
    # Chinese numerals (cn2an), with a scale word
    ("开展三次专项检查。", [("三次", "3", "次", 3, "count", "")]),
    ("培训人员十二万人次。", [("十二万人次", "12", "万人次", 120000, "count", "")]),
    # a linking verb (达到) is neither qualifier nor part of the figure
    ("覆盖率达到百分之九十五。", [("百分之九十五", "95", "%", 95, "percent", "")]),
    # full-width digits and ％
    ("办理案件１２３件，满意率１００％。", [("１２３件", "123", "件", 123, "count", ""),
                                  ("１００％", "100", "%", 100, "percent", "")]),
    # thousands separators
    ("受理诉求1,234件，投入资金1,234.5万元。", [("1,234件", "1234", "件", 1234, "count", ""),
                                     ("1,234.5万元", "1234.5", "万元", 12345000, "money", "")]),
    # spaces inside numbers and before units
    # a time scope (全年) belongs to the indicator, not to the figure
    ("全年办理审批业务超 1.2 万件。", [("超 1.2 万件", "1.2", "万件", 12000, "count", "超")]),
    ("处理来信 10 362 件。", [("10 362 件", "10362", "件", 10362, "count", "")]),
    ("合同协议 22 份、备案 1 份。", [("22 份", "22", "份", 22, "count", ""), ("1 份", "1", "份", 1, "count", "")]),
    # 万/亿 with money and with counts
    ("实现销售额10362.1亿元，使用外资33.8亿美元。", [
        ("10362.1亿元", "10362.1", "亿元", 1036210000000, "money", ""),
        ("33.8亿美元", "33.8", "亿美元", 3380000000, "money", "")]),
    ("实名注册5000余万人，累计下载2亿余次。", [("5000余万人", "5000", "万人", 50000000, "count", "余"),
                                  ("2亿余次", "2", "亿次", 200000000, "count", "累计|余")]),
    ("访问超过21亿人次。", [("超过21亿人次", "21", "亿人次", 2100000000, "count", "超过")]),
    # ranges
    ("审批时限压缩至3-5个工作日。", [("3-5个工作日", "3-5", "个工作日", 3, "duration", "区间")]),
    ("培训300至500人次。", [("300至500人次", "300-500", "人次", 300, "count", "区间")]),
    # several claims in one clause
    ("委托下放行政许可3项、行政处罚2项、行政确认1项。", [
        ("3项", "3", "项", 3, "count", ""), ("2项", "2", "项", 2, "count", ""), ("1项", "1", "项", 1, "count", "")]),
    ("发布指导性案例4批8件。", [("4批", "4", "批", 4, "count", ""), ("8件", "8", "件", 8, "count", "")]),
    # several rates sharing one number: a row per rate
    ("企业和群众满意率等均达100%。", [("均达100%", "100", "%", 100, "percent", "均达")] * 2),
    ("审批办结率、服务满意率均为 100%。", [("均为 100%", "100", "%", 100, "percent", "均为")] * 2),
    # differences, ranks, ratios, durations, frequencies
    ("增速高于全国1.6个百分点。", [("高于全国1.6个百分点", "1.6", "个百分点", 1.6, "pct_point_diff", "")]),
    ("营商环境评价排名全省第3位。", [("排名全省第3位", "3", "位", 3, "rank", "")]),
    ("师生比例为1:15。", [("1:15", "1:15", "", math.nan, "ratio", "")]),
    ("营业额增长2倍。", [("2倍", "2", "倍", 2, "ratio", "")]),
    ("近5年涉诉案件中，完成60课时培训。", [("近5年", "5", "年", 5, "duration", "近"),
                                ("60课时", "60", "课时", 60, "duration", "")]),
    ("项目办每周听取一次汇报。", [("一次", "1", "次", 1, "other", "每周")]),
    # qualifiers after the number
    ("办理信访事项30多件，培训100人以上。", [("30多件", "30", "件", 30, "count", "多"),
                                  ("100人以上", "100", "人", 100, "count", "以上")]),
    ("满意率提高到98%。", [("98%", "98", "%", 98, "percent", "")]),
    # named sets
    ("强化两个《条例》贯彻落实。", [("两个", "2", "个", 2, "named_set", "")]),
    ("完成六大专项任务，编制省市县三级清单。", [("六大", "6", "大", 6, "named_set", ""),
                                    ("三级", "3", "级", 3, "named_set", "")]),
    ("按照取消审批、审批改备案、告知承诺等三种方式改革。", [("三种", "3", "种", 3, "named_set", "")]),
    ("围绕外资、外贸、消费等“三大任务”推进。", [("三大", "3", "大", 3, "named_set", "")]),
    # masked numbers: value unknown, not zero
    ("建立“四张清单”，涉及内容*项。", [("*项", None, "项", math.nan, "count", "")]),
]

NEGATIVES = [
    "2023年5月7日印发",
    "2023年，全省坚持以习近平新时代中国特色社会主义思想为指导",
    "辽商审批〔2022〕26号",
    "落实2021-2025年规划",
    "开展2000-2020 年文件清理",
    "《法治政府建设实施纲要（2021—2025年）》",
    "制定《辽宁省优化营商环境三年行动方案》",
    "落实《省商务系统 13 项政务服务事项办事指南》",
    "联系电话:13840026333、024-12345678",
    "发布时间:2023-03-17 09:53:54",
    "推进一网通办、一网统管",
    "开发12345热线投诉系统",
    "1. 聚焦重点项目。",
    "一、指导思想",
    "（一）着力打造投资环境",
    "一是加强学习，二是强化落实",
    "学习党的二十大精神，贯彻十九届历次全会精神",
    "做到“两个维护”，落实“三项制度”",
    "增强四个意识",
    "履行第一责任人职责，依据第3条",
    "改造一批步行街，进一步提升",
    "印发《行政许可事项清单(2022版)》",
    "盘活存量资产三年行动计划",
    "“4.15”国家安全教育日",
    "(第一批至第五批)",
    "做好建党百年庆祝活动",
    "参加G20峰会",
    "2023 年度工作",
    "为1998年以来最大值",
    "截至2022年底",
    "推进“一件事一次办”",
    "行政执法队*能力建设",
    "**四是**自觉接受监督",
    "7月18日开展学习",
    "开展三昇体育工信系统普法",
    "形成“1+6”制度体系",
]

COLUMNS = ["text", "value", "unit", "normalized_value", "kind", "qualifier"]


@pytest.mark.parametrize(("sentence", "expected"), CASES, ids=[c[0] for c in CASES])
def test_hand_written_case(sentence, expected):
    table = metrics.extract_text(sentence)
    got = [tuple(row) for row in table[COLUMNS].itertuples(index=False)]
    assert len(got) == len(expected), got
    for row, want in zip(got, expected, strict=True):
        text, value, unit, normalized, kind, qualifier = row
        assert (text, value, unit, kind, qualifier) == (want[0], want[1], want[2], want[4], want[5])
        if math.isnan(want[3]):
            assert math.isnan(normalized)
        else:
            assert normalized == pytest.approx(want[3])
    masked = table["masked"].tolist()
    assert masked == [want[1] is None for want in expected]


@pytest.mark.parametrize("sentence", NEGATIVES)
def test_not_a_metric(sentence):
    table = metrics.extract_text(sentence)
    assert table.empty, table[["text", "kind"]].to_dict("records")


@pytest.mark.parametrize(("sentence", "indicators"), [
    ("线下“一窗受理”率、企业和群众满意率等均达100%。", ["线下“一窗受理”率", "企业满意率", "群众满意率"]),
    ("主办件办结率及满意率均为100%。", ["主办件办结率", "主办件满意率"]),
    ("全省社会消费品零售总额实现10362.1亿元，同比增长8.8%，高于全国1.6个百分点。",
     ["社会消费品零售总额", "社会消费品零售总额", "社会消费品零售总额增速"]),
    ("办理行政许可289件，行政收费13次。", ["办理行政许可", "行政收费"]),
    ("制定30项网络安全制度规范。", ["网络安全制度规范"]),
    ("经开区GDP、进出口、实际利用外资占全省比重分别达到37.7%、62.1%和85%。",
     ["经开区GDP占全省比重", "进出口占全省比重", "实际利用外资占全省比重"]),
])
def test_indicator(sentence, indicators):
    assert metrics.extract_text(sentence)["indicator"].tolist() == indicators


@pytest.mark.parametrize(("pattern", "needed"), [
    (r"\d{4}\s*年\s*\d{1,2}\s*月", [{"年"}, {"月"}]),
    (r"(?=\d)(?<![\d个])\d{1,2}\s*月(?:份|底)?", [{"月"}]),  # lookbehind and optional part add nothing
    (r"[〔(（]\s*\d{4}\s*[〕)）]\s*(?:第\s*)?\d+\s*号", [{"〔", "(", "（"}, {"〕", ")", "）"}, {"号"}]),
    (r"\d+(?=\s*(?:热线|专线|平台))", [{"热", "专", "平"}]),  # a lookahead must match: its branches' firsts
    (r"(?:[A-Za-z]+\d+|\d+[A-Za-z]+)", [set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")]),
    (r"(?:年|\d+)", []),  # a branch needing nothing known: nothing
    (r"年?月*第{0,2}", []),  # optional: nothing
    (r"(?i)abc", []),  # case-blind: nothing
    (r"年(?i:abc)月", [{"年"}, {"月"}]),  # case-blind inside: nothing from there
    (r"[^年]月", [{"月"}]),
])
def test_exclusion_shortcut_needs_only_what_every_match_holds(pattern, needed):
    import re

    assert [set(s) for s in metrics._needed(re.compile(pattern))] == needed


def test_exclusion_shortcut_finds_the_same_zones(seed_docs):
    """Every exclusion pattern run over every line of the seeds and extra reports, with and
    without the character test: the same zones."""
    lines = [line for raw in seed_docs["raw_text"] for line in raw.split("\n")]
    for path in sorted((ROOT / "tests" / "data" / "extra").glob("*.txt")):
        lines += path.read_text(encoding="utf-8", errors="replace").split("\n")
    skipped = 0
    for line in lines:
        tried = metrics._can_match(line)
        for pattern in metrics._EXCLUDE:
            if pattern not in tried:
                skipped += 1
                assert pattern.search(line) is None, (pattern.pattern, line)
    assert skipped > len(lines)  # the shortcut is taken


def test_qualifier_not_carried_across_clauses():
    table = metrics.extract_text("沈阳市累计优化调整395项政府职能,2270项材料实现免于提交。")
    assert table["qualifier"].tolist() == ["累计", ""]


def test_scope_word_on_the_line_above_a_pdf_break():
    text = ("一是强化行政规范性文件审核。认真落实合法性审核办法，进一步明确审核程序。累计合法性审查各类\n\n"
            "行政规范性文件、合同协议 22 份、备案 1 份。")
    table = metrics.extract_text(text)
    assert table["line"].tolist() == [3, 3]
    assert table["qualifier"].tolist() == ["累计", "累计"]


def test_title_spanning_a_line_break_is_excluded():
    text = "制定下发《省商务系统 13 项政务服务事项办事指南》《省商务\n\n厅关于做好 3 项工作的通知》，办理 5 件。"
    table = metrics.extract_text(text)
    assert table["text"].tolist() == ["5 件"]


def test_section_is_the_heading_path():
    text = "一、主要工作\n（一）优化服务。办理业务12件。\n二、下步打算\n完成3项任务。"
    table = metrics.extract_text(text)
    # The path as structure.outline writes it; a heading's own paragraph is under itself.
    assert table["section"].tolist() == ["一 > （一）", "二"]


# --------------------------------------------------------------------------- the seeds


@pytest.fixture(scope="module")
def seed_claims(seed_docs):
    return metrics.extract(seed_docs)


def test_columns_and_types(seed_claims):
    assert list(seed_claims.columns) == metrics.COLUMNS
    assert set(seed_claims["kind"]) <= set(metrics.KINDS)
    assert seed_claims["line"].dtype == "int64" and seed_claims["masked"].dtype == bool
    keys = seed_claims[["doc_id", "line", "start"]].to_records(index=False).tolist()
    assert keys == sorted(keys)


def test_spans_point_into_the_file_on_disk(seed_docs, seed_claims):
    raw = dict(zip(seed_docs["doc_id"], seed_docs["raw_text"], strict=True))
    for row in seed_claims.itertuples(index=False):
        line = raw[row.doc_id].split("\n")[row.line - 1]
        assert line[row.start:row.end] == row.text


def test_page_chrome_lines_have_no_claims(seed_docs, seed_claims):
    chrome = corpus.changes(seed_docs)
    chrome = set(zip(chrome.loc[chrome["change"] == "page_chrome", "doc_id"],
                     chrome.loc[chrome["change"] == "page_chrome", "line"], strict=True))
    assert chrome, "the seeds hold page chrome"
    assert not chrome & set(zip(seed_claims["doc_id"], seed_claims["line"], strict=True))


def test_masked_values_are_unknown_not_zero(seed_claims):
    masked = seed_claims[seed_claims["masked"]]
    assert len(masked) >= 1
    assert masked["value"].isna().all() and masked["normalized_value"].isna().all()


def test_gold_accuracy(seed_claims, capsys):
    """Precision, recall and kind agreement against the hand-checked gold table."""
    values = metric_scores(seed_claims, metrics.read_gold(GOLD), "metrics vs gold", capsys)
    assert values["precision"] >= 0.95
    assert values["recall"] >= 0.95
    assert values["kind_agreement"] >= 0.95
    assert values["unit_agreement"] >= 0.95


# --------------------------------------------------------------------------- evaluation itself


def _claims(rows):
    table = pd.DataFrame(rows, columns=["doc_id", "line", "normalized_value", "masked", "kind", "unit", "text",
                                        "indicator", "qualifier"])
    return table


def test_evaluate_counts_duplicates_and_masks():
    gold = _claims([("a", 1, 100.0, False, "percent", "%", "均为100%", "办结率", ""),
                    ("a", 1, 100.0, False, "percent", "%", "均为100%", "满意率", ""),
                    ("a", 2, math.nan, True, "count", "项", "*项", "", ""),
                    ("a", 3, 5.0, False, "count", "件", "5件", "", "")])
    pred = _claims([("a", 1, 100.0, False, "percent", "%", "均为100%", "办结率", ""),
                    ("a", 2, math.nan, True, "count", "项", "*项", "", ""),
                    ("a", 3, 5.0, False, "count", "项", "5项", "", ""),
                    ("a", 4, 7.0, False, "count", "件", "7件", "", ""),
                    ("b", 1, 1.0, False, "count", "件", "1件", "", "")])  # report b is not in gold
    scores = dict(zip(*[metrics.evaluate(pred, gold)[c] for c in ("measure", "value")], strict=True))
    assert scores["precision"] == 0.75 and scores["recall"] == 0.75
    assert scores["kind_agreement"] == 1.0 and scores["unit_agreement"] == pytest.approx(0.667)
    pairs = metrics.match(pred, gold)
    assert pairs["status"].value_counts().to_dict() == {"tp": 3, "fn": 1, "fp": 1}


# --------------------------------------------------------------------------- comparison helpers


def test_families_and_tables(seed_docs, seed_claims):
    claims = metrics.families(seed_claims, seed_docs)
    assert "family" in claims.columns and (claims["family"] != "").all()
    matrix = metrics.family_matrix(claims, seed_docs)
    assert len(matrix) and ((matrix > 0).sum(axis=1) >= 2).all()
    assert list(matrix.columns) == corpus.usable(seed_docs)["label"].tolist()
    compare = metrics.family_comparison(claims, seed_docs)
    assert len(compare) == int((matrix > 0).sum().sum())
    assert list(dict.fromkeys(compare["指标类别"])) == list(matrix.index)
    assert metrics.read_gold(GOLD, docs=seed_docs.iloc[:1])["doc_id"].nunique() == 1
    assert metrics.read_gold(ROOT / "no-such-file.csv").empty
    counts = metrics.claims_per_report(seed_claims, seed_docs)
    assert counts["合计"].sum() == len(seed_claims)
    assert metrics.full_rates(seed_claims, seed_docs)["原文"].str.contains("100").all()
    summary = metrics.summarize(claims, seed_docs)
    assert f"**{len(seed_claims)}**" in summary


@pytest.mark.parametrize(("indicator", "family"), [
    ("办理被复议案件", "行政复议"), ("办理行政应诉案件", "行政应诉与诉讼"),
    ("承办人大代表建议", "人大建议、政协提案"), ("政协委员提案", "人大建议、政协提案"),
    ("印发规范性文件", "规范性文件与合法性审查"), ("办理行政许可", "行政许可与审批"),
    ("办理信访案件", "信访"), ("申领执法证件", "行政执法与监管"), ("看不懂的指标", "其他"),
])
def test_family_rules(indicator, family):
    claims = pd.DataFrame({"doc_id": ["a"], "line": [1], "start": [0], "end": [1], "indicator": [indicator]})
    assert metrics.families(claims)["family"].tolist() == [family]


# --------------------------------------------------------------------------- CLI


run = run_cli


def test_cli_csv_has_exactly_the_columns(seed_copy):
    code, out, err = run("metrics", str(seed_copy), "--format", "csv")
    assert code == 0 and err == ""
    table = pd.read_csv(io.StringIO(out), dtype={"value": str})
    assert list(table.columns) == metrics.COLUMNS
    assert len(table) > 100


def test_cli_on_a_corpus_without_metrics(tmp_path):
    (tmp_path / "a.txt").write_text("没有数字的报告。\n", encoding="utf-8")
    code, out, _ = run("metrics", str(tmp_path), "--format", "csv")
    assert code == 0 and out.strip() == ",".join(metrics.COLUMNS)


def test_extract_on_empty_corpus(tmp_path):
    docs = corpus.load_corpus(tmp_path)
    table = metrics.extract(docs)
    assert table.empty and list(table.columns) == metrics.COLUMNS


# --------------------------------------------------------------------------- properties

_ALPHABET = st.sampled_from(list("0123456789０１２３ .,，。、；：%％*＊-—~至余多万亿元件项个家人次份年月日"
                                 "第一二两三四五六七八九十百千《》“”()（）〔〕超近达同比增长个百分点率满意\n \u3000"))


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=80).map("".join) | st.text(max_size=60))
def test_extraction_never_raises_and_spans_stay_in_their_line(text):
    table = metrics.extract_text(text)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for row in table.itertuples(index=False):
        line = lines[row.line - 1]
        assert 0 <= row.start < row.end <= len(line)
        assert line[row.start:row.end] == row.text
        assert row.kind in metrics.KINDS


def test_gold_file_exists():
    assert Path(GOLD).is_file()
