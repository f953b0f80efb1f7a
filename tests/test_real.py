"""Real reports nobody here wrote: layouts as published, scored against hand-checked gold.

`tests/data/real/` holds real documents as their pages give them (`tests/data/real_sources_*.csv`
says where each came from); `tests/gold/real_*.csv` were written by reading them, before the
readers were changed for them (`tests/gold/real_gold.md`). The accuracy floors below are the
issue's targets where the readers meet them and the level reached where they do not yet: a
drop fails, and the figures are printed for the notes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT
from gongwen import accuracy, corpus, metadata, structure, themes

REAL = ROOT / "tests" / "data" / "real"
GOLD = ROOT / "tests" / "gold"


@pytest.fixture(scope="module")
def real_docs():
    return corpus.load_corpus(REAL)


def _gold(kind: str) -> pd.DataFrame:
    return accuracy.gold_table(sorted(GOLD.glob(f"real_{kind}_*.csv")))


def _show(name: str, table: pd.DataFrame, capsys) -> dict[str, float]:
    with capsys.disabled():
        print(f"\n{name}: " + ", ".join(f"{m} {v:.3f} ({c}/{t})" for m, v, c, t in table.itertuples(index=False)))
    return dict(zip(table["measure"], table["value"], strict=True))


# --------------------------------------------------------------------------- layouts, one case a convention

LAYOUTS = [
    # A breadcrumb leaf is not a title; a site tag leaves the title; a metadata table gives issuer and date.
    ("首页 > 政务公开 > 工作报告\n工作报告\n【法治建设报告】湖北省司法厅2022年法治政府建设年度报告\n"
     "索引号 | 011043/2023-04567 | 发布机构 | 湖北省司法厅 | 发文日期 | 2023-03-16\n"
     "2022年，省司法厅坚持以习近平法治思想为指导，现将有关情况报告如下。\n一、主要举措和成效\n",
     {"title": "湖北省司法厅2022年法治政府建设年度报告", "issuer": "湖北省司法厅",
      "doc_type": "annual_report", "year": 2022, "published": "2023-03-16"}),
    # A work report: the government of the place whose congress heard it; the day left open.
    ("政府工作报告\n——2026年1月XX日在湖北省第十四届人民代表大会第五次会议上\n湖北省省长  李殿勋\n各位代表：\n"
     "现在，我代表省人民政府向大会报告工作，请予审议。\n一、2025年工作回顾\n",
     {"title": "政府工作报告", "issuer": "湖北省人民政府", "doc_type": "work_report", "year": 2026,
      "published": "2026-01"}),
    # No title: the issuer is the body's subject, the genre the opening's.
    ("2022年，下洋镇人民政府坚持以习近平新时代中国特色社会主义思想为指导，深入推进法治政府建设，"
     "现将有关情况报告如下：\n一、主要举措\n",
     {"title": None, "issuer": "下洋镇人民政府", "doc_type": "annual_report", "year": 2022}),
    # Bracketed date labels; a 管委会 keeps its last character.
    ("[ 发布日期 ] 2026-02-12  [ 来源 ] 某某经济开发区管委会\n某某经济开发区管委会关于2025年法治政府建设情况的报告\n",
     {"title": "某某经济开发区管委会关于2025年法治政府建设情况的报告", "issuer": "某某经济开发区管委会",
      "published": "2026-02-12"}),
    ("发布于：2024-01-05\n潼关县司法局2023年度法治政府建设工作报告\n", {"published": "2024-01-05"}),
    ("日期:2023-02-01\n一、不断完善推进机制\n2022年，潼关县司法局在县委县政府的坚强领导下，全面推进法治政府建设。\n",
     {"title": None, "issuer": "潼关县司法局", "published": "2023-02-01"}),
    # An abbreviated issuer completed from the place the text names in full.
    ("省人民政府关于2020年度推进法治政府建设情况的报告\n湖北省人民政府向省人大常委会报告。\n",
     {"issuer": "湖北省人民政府"}),
    # A heading is never a title; measures and work points are plans.
    ("一、工作开展情况\n2021年，市人社局坚持依法行政。\n", {"title": None, "issuer": "市人社局"}),
    ("房县以控制成本为核心优化营商环境的具体措施\n为进一步优化营商环境，制定如下措施。\n", {"doc_type": "plan_notice"}),
    ("河池市2024年优化营商环境工作要点\n", {"doc_type": "plan_notice", "year": 2024}),
    # A regulation in chapters and articles.
    ("某某省优化营商环境条例\n第一章 总则\n第一条 为了持续优化营商环境，制定本条例。\n", {"doc_type": "regulation"}),
    # A table printed one cell a line.
    ("标题\n高青县人民政府关于印发高青县行政规范性文件管理办法的通知发文机关\n高青县人民政府办公室\n发文字号\n"
     "高政发〔2021〕1号\n成文日期\n2021-03-26\n",
     {"title": "高青县人民政府关于印发高青县行政规范性文件管理办法的通知", "doc_number": "高政发〔2021〕1号",
      "published": "2021-03-26"}),
]


@pytest.mark.parametrize(("text", "expected"), LAYOUTS, ids=[str(i) for i in range(len(LAYOUTS))])
def test_metadata_of_real_layouts(text, expected):
    got = metadata.extract(text)
    assert {k: got[k] for k in expected} == expected


FURNITURE = ["【 打印 】 【 扫一扫 】", "- 分享到", "下载 全屏 减小", "|---|---|", "| :--- | ---: |",
             "首页 > 政务公开 > 工作报告", "您当前的位置: 首页> 政务公开> 法治政府建设年度报告 > 2024年度",
             "今天是:2019年10月31日 星期三 农历十月初七", "jtw.lanzhou.gov.cn"]
NOT_FURNITURE = ["一、总体要求", "全年办理案件12件。", "-", "2023-03-10", "打印机采购项目完成验收"]


@pytest.mark.parametrize("line", FURNITURE)
def test_page_furniture_is_found(line):
    assert corpus.is_furniture(line)


@pytest.mark.parametrize("line", NOT_FURNITURE)
def test_report_text_is_not_furniture(line):
    assert not corpus.is_furniture(line)


def test_furniture_is_removed_and_counted():
    cleaned = corpus.clean_text("标题报告\n【 打印 】 【 扫一扫 】\n正文内容。\n|---|---|\n")
    assert cleaned.text == "标题报告\n正文内容。"
    assert [c[:2] for c in cleaned.changes] == [(2, "page_chrome"), (4, "page_chrome")]


def test_a_heading_line_is_not_joined_to_its_body():
    text = ("一、坚持党的领导，统筹推进全省法治建设引领法治建设\n"
            "深入学习贯彻习近平法治思想，全面落实各项工作任务要求。\n")
    assert len(corpus.clean_text(text).paragraphs) == 2


def _outline(tmp_path: Path, text: str) -> list[tuple]:
    (tmp_path / "r.txt").write_text(text, encoding="utf-8")
    table = structure.outline(corpus.load_corpus(tmp_path))
    return [(r.line, r.level, r.marker, r.path) for r in table.itertuples()]


def test_chapters_sections_and_articles_are_outline_levels(tmp_path):
    text = ("某某条例\n第一章 总则\n第一条 为了规范工作，制定本条例。\n第二章 管理\n第一节 一般规定\n"
            "第十条 各级人民政府应当：\n（一）依法履职；\n第一百零二条 本条例自公布之日起施行。\n")
    assert _outline(tmp_path, text) == [
        (2, 1, "第一章", "第一章"), (3, 3, "第一条", "第一章 > 第一条"), (4, 1, "第二章", "第二章"),
        (5, 2, "第一节", "第二章 > 第一节"), (6, 3, "第十条", "第二章 > 第一节 > 第十条"),
        (7, 4, "（一）", "第二章 > 第一节 > 第十条 > （一）"),
        (8, 3, "第一百零二条", "第二章 > 第一节 > 第一百零二条"),
    ]


def _verdicts(tmp_path: Path, text: str) -> dict[int, str]:
    (tmp_path / "r.txt").write_text(text, encoding="utf-8")
    table = structure.compliance(corpus.load_corpus(tmp_path))
    return dict(zip(table["item"], table["how"], strict=True))


def test_required_content_under_thematic_headings_and_other_wordings(tmp_path):
    text = ("某省人民政府关于2023年度法治政府建设情况的报告\n"
            "一、坚持党的领导，统筹推进全省法治建设\n二是严格落实第一责任。省委书记、省长主持召开会议研究法治工作。\n"
            "二、存在的问题和不足\n执法队伍能力有待提高。\n三、2024年工作安排\n继续推进法治政府建设。\n")
    got = _verdicts(tmp_path, text)
    assert (got[1], got[2], got[3], got[4]) == ("heading", "heading", "paragraph", "heading")


def test_labels_are_unique_whatever_metadata_is_missing(tmp_path):
    body = "正文内容，没有标题，也没有发文机关。\n"
    for name in ("2026_shandong", "2026_shanxi", "2026_jiangsu", "2026_jiangxi", "a"):
        (tmp_path / f"{name}.txt").write_text(body + name + "\n", encoding="utf-8")
    (tmp_path / "a.md").write_text(body + "另一份\n", encoding="utf-8")
    docs = corpus.load_corpus(tmp_path)
    assert accuracy.labels_unique(docs)
    same = tmp_path / "same"
    same.mkdir()
    for name in ("x1", "x2", "x3"):
        (same / f"{name}.txt").write_text(f"某某局2023年法治政府建设年度报告\n正文{name}。\n", encoding="utf-8")
    labels = corpus.load_corpus(same)["label"]
    assert labels.is_unique and all(label.startswith("某某局2023") for label in labels)


# --------------------------------------------------------------------------- the real development corpus


def test_every_real_document_is_read(real_docs):
    sources = accuracy.gold_table(sorted((ROOT / "tests" / "data").glob("real_sources_*.csv")))
    assert set(sources["file"]) == {p.name for p in REAL.iterdir()}
    assert len(real_docs) >= 60
    assert (real_docs["status"] == "ok").all()
    assert accuracy.labels_unique(real_docs)


def test_real_metadata_accuracy(real_docs, capsys):
    scores = _show("real metadata", accuracy.metadata_accuracy(real_docs, _gold("metadata")), capsys)
    # the targets are 0.95 for both; reached so far: genre 0.944, stated fields 0.855
    # (1.000 and 0.914 on the annual reports the readers were revised on, 0.83 and 0.69 on the
    # plans and regulations whose gold came after): floors hold what is reached
    assert scores["doc_type"] >= 0.94
    assert scores["stated_fields"] >= 0.85
    assert scores["spurious"] <= 0.02


def test_real_compliance_agreement(real_docs, capsys):
    table = structure.compliance(real_docs)
    scores = _show("real compliance", accuracy.compliance_agreement(table, _gold("compliance")), capsys)
    assert scores["verdicts"] >= 0.92  # target 0.95, not met yet (0.929)
    assert scores["found"] >= 0.90


def test_real_outline(real_docs, capsys):
    scores = _show("real outline", accuracy.outline_scores(structure.outline(real_docs), _gold("outline")), capsys)
    assert scores["precision"] >= 0.97
    assert scores["recall"] >= 0.97


@pytest.mark.slow
@pytest.mark.parametrize("case", ["real", "no_metadata"])
def test_report_runs_on_any_corpus(tmp_path, case):
    """`gongwen report` finishes on the real corpus and on one whose metadata is all missing."""
    if case == "real":
        folder = tmp_path / "real"
        shutil.copytree(REAL, folder)
    else:
        folder = tmp_path / "bare"
        folder.mkdir()
        for k, path in enumerate(sorted(REAL.glob("0*.txt"))[:12]):
            body = [line for line in path.read_text(encoding="utf-8").split("\n") if len(line) > 40]
            (folder / f"2026_s{k:02d}.txt").write_text("\n".join(body) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "gongwen", "report", "--corpus", str(folder), "--out", str(out)],
                            capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    docs = corpus.load_corpus(folder)
    assert accuracy.labels_unique(docs)
    for page in ("index", "00-corpus", "04-metrics"):
        assert (out / f"{page}.html").is_file()


def test_real_themes(capsys):
    table = accuracy.development_scores(ROOT / "tests", "themes")
    real = table[table["corpus"] == "real"].drop(columns="corpus")
    scores = _show("real themes", real, capsys)
    assert real["total"].iloc[0] >= 150
    # the target is 0.85 (lenient: the reader's theme or one it accepts); reached 0.837
    assert scores["lenient"] >= 0.83
    assert scores["exact"] >= 0.75


def test_the_grid_is_not_for_work_reports(tmp_path):
    (tmp_path / "a.txt").write_text("某局2023年法治政府建设年度报告\n一、主要成效\n推进依法行政。\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("政府工作报告\n——2026年1月25日在某省第十四届人民代表大会第五次会议上\n各位代表：\n"
                                    "现在，我代表省人民政府向大会报告工作。\n一、2025年工作回顾\n经济运行稳中有进。\n",
                                    encoding="utf-8")
    docs = corpus.load_corpus(tmp_path)
    assert list(themes.applicable(docs)["doc_id"]) == ["a"]
    note = themes.applicability(docs)
    shares = themes.shares(themes.units(docs), themes.applicable(docs))
    assert "work_report 1" in note and "b" not in shares["doc_id"].tolist()


def test_a_preamble_frames_the_report(tmp_path):
    # one keyword (普法) in a long lead-in does not make it a 普法 paragraph
    (tmp_path / "r.txt").write_text(
        "某局2023年法治政府建设年度报告\n2023年，某局坚持以习近平新时代中国特色社会主义思想为指导，加大普法力度，"
        "扎实推进法治政府建设各项工作。现将有关情况报告如下。\n一、主要成效\n（一）严格规范公正文明执法。开展行政执法案卷评查。\n",
        encoding="utf-8")
    paragraphs = themes.dominant(themes.units(corpus.load_corpus(tmp_path)))
    assert paragraphs.set_index("line").at[2, "theme"] == "report_frame"
    assert paragraphs.set_index("line").at[4, "theme"] == "enforcement"


# --------------------------------------------------------------------------- claims in real wordings

CLAIMS = [
    # the count counts the water sources; the rate is the next claim's (not the count's) indicator
    ("全市8个县级及以上饮用水水源地水质达标率100%。",
     [("8个", "县级及以上饮用水水源地", ""), ("100%", "县级及以上饮用水水源地水质达标率", "")]),
    # 年均 is part of what grows, not a cut-off 年 + qualifier 均
    ("固定资产投资年均增长5.2%。", [("增长5.2%", "固定资产投资年均", "")]),
    # a generic noun after the number takes the phrase that describes it, without its verb
    ("出台公安打造一流营商环境50项措施、服务保障稳住经济大盘25项措施。",
     [("50项", "公安打造一流营商环境措施", ""), ("25项", "服务保障稳住经济大盘措施", "")]),
    # ordinals and names are not claims: 二级指标, 二期工程, 十二条措施; a count of levels is
    ("设置二级指标20项，建设二期工程，出台稳经济十二条措施，建立三级审查机制。",
     [("20项", "设置二级指标", ""), ("三级", "审查机制", "")]),
    # time scopes and linking verbs are not qualifiers
    ("全年办理审批业务超1.2万件，办结率达到98.6%。",
     [("超1.2万件", "全年办理审批业务", "超"), ("98.6%", "办结率", "")]),
    # a bare generic noun takes its predicate; quote marks stay paired; 及时 is a word, not 及 + 时
    ("梳理32个事项列入证明事项通用清单，开展“法治流动课堂”18次，及时清理不一致的证明事项10项。",
     [("32个", "事项列入证明事项通用清单", ""), ("18次", "开展“法治流动课堂”", ""),
      ("10项", "及时清理不一致的证明事项", "")]),
]


@pytest.mark.parametrize(("text", "expected"), CLAIMS, ids=[str(i) for i in range(len(CLAIMS))])
def test_claims_in_real_wordings(text, expected):
    from gongwen import metrics

    table = metrics.extract_text(text)
    assert list(zip(table["text"], table["indicator"], table["qualifier"], strict=True)) == expected


def test_real_metrics(capsys):
    table = accuracy.development_scores(ROOT / "tests", "metrics")
    scores = _show("real metrics", table[table["corpus"] == "real"].drop(columns="corpus"), capsys)
    assert scores["precision"] >= 0.97
    assert scores["recall"] >= 0.95
    # the target for indicators is 0.90: 0.660 reached (0.563 before this issue), not met
    assert scores["indicator"] >= 0.66


def test_indicator_comparison():
    assert accuracy.same_indicator("公安打造一流营商环境措施", "公安打造一流营商环境措施")
    assert accuracy.same_indicator("全年签约项目", "签约项目")
    assert not accuracy.same_indicator("固定资产投资年", "固定资产投资年均增速")
    assert not accuracy.same_indicator("县级及以上饮用水水源地水质达标率", "县级及以上饮用水水源地")


def test_a_table_of_contents_is_not_the_outline(tmp_path):
    text = ("某某省优化营商环境条例\n2020年9月25日某某省第十三届人民代表大会常务委员会第二十三次会议通过\n目 录\n"
            "第一章 总则\n第二章 市场环境\n第三章 附则\n第一章 总则\n第一条 为了优化营商环境，制定本条例。\n"
            "第二章 市场环境\n第二条 各级人民政府应当依法履职。\n第三章 附则\n第三条 本条例自公布之日起施行。\n")
    assert [(line, marker) for line, _, marker, _ in _outline(tmp_path, text)] == [
        (7, "第一章"), (8, "第一条"), (9, "第二章"), (10, "第二条"), (11, "第三章"), (12, "第三条")]
