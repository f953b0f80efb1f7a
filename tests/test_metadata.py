"""Metadata read from the text: a hand-checked table for the seeds, and unfamiliar layouts."""

from __future__ import annotations

import pandas as pd
import pytest
from gongwen import metadata

# Hand-checked against the seed files (see ../shared/DOMAIN.md for what each one is).
# year = the year reported on (for the plan: the year it is for); published = 发布时间 of a web
# copy, else 成文日期, else 印发日期.
SEED_METADATA = [
    ("000_a5158e3b2e20ce60",
     "中共辽宁省商务厅党组 辽宁省商务厅 关于2023年度法治政府建设工作情况的报告",
     "辽宁省商务厅", "annual_report", 2023, "2024-02-22", "辽商党组字〔2024〕26号"),
    ("001_13f415703db69b9b", "省营商局关于2022年法治政府建设情况的报告",
     "省营商局", "annual_report", 2022, "2023-03-17", None),
    # Redacted city report: no title, the issuer is (略); the body says 2023 and 报告如下.
    ("002_231ce229c0f12dc6", None, None, "annual_report", 2023, None, None),
    ("003_cb28285c92725077", "关于印发《辽宁省商务厅优化营商环境实施方案》的通知",
     "辽宁省商务厅", "plan_notice", 2022, "2022-05-07", "辽商审批〔2022〕26号"),
    ("004_6101391112afbf29", "山东省工业和信息化厅2023年度法治政府建设工作报告",
     "山东省工业和信息化厅", "annual_report", 2023, "2024-03-01", None),
]
FIELDS = ["title", "issuer", "doc_type", "year", "published", "doc_number"]


@pytest.mark.parametrize(("doc_id", *FIELDS), SEED_METADATA, ids=[r[0][:3] for r in SEED_METADATA])
def test_seed_metadata(seed_docs, doc_id, title, issuer, doc_type, year, published, doc_number):
    row = seed_docs.set_index("doc_id").loc[doc_id]
    got = {f: (None if pd.isna(row[f]) else row[f]) for f in FIELDS}
    expected = dict(zip(FIELDS, [title, issuer, doc_type, year, published, doc_number], strict=True))
    assert got == expected


UNFAMILIAR = [
    # A county report in official-document form with a date in Chinese numerals.
    ("某县人民政府文件\n某政发〔2025〕3号\n某县人民政府关于2024年度法治政府建设情况的报告\n"
     "市人民政府：\n现将我县2024年度法治政府建设情况报告如下。\n某县人民政府\n二〇二五年一月二十日\n",
     {"title": "某县人民政府关于2024年度法治政府建设情况的报告", "issuer": "某县人民政府",
      "doc_type": "annual_report", "year": 2024, "published": "2025-01-20",
      "doc_number": "某政发〔2025〕3号"}),
    # A web copy whose date line uses Chinese date words.
    ("市司法局2024年法治政府建设年度报告\n发布日期：2025年3月5日 来源：市司法局\n正文。\n",
     {"title": "市司法局2024年法治政府建设年度报告", "issuer": "市司法局",
      "doc_type": "annual_report", "year": 2024, "published": "2025-03-05", "doc_number": None}),
    # A plan without a title line: it says what it is (制定如下措施), nothing else is stated.
    ("为做好今年工作，制定如下措施。\n一、总体要求\n坚持问题导向。\n",
     {"title": None, "issuer": None, "doc_type": "plan_notice", "year": None, "published": None,
      "doc_number": None}),
    # A document number cited in the body is not the document's own.
    ("关于印发某某办法的通知\n根据《某规定》（国办发〔2019〕5号）要求，制定本办法。\n",
     {"title": "关于印发某某办法的通知", "doc_type": "plan_notice", "doc_number": None}),
]


@pytest.mark.parametrize(("text", "expected"), UNFAMILIAR)
def test_unfamiliar_layouts(text, expected):
    got = metadata.extract(text)
    assert {k: got[k] for k in expected} == expected


@pytest.mark.parametrize("text", ["", "\n\n", "x" * 5000, "发布时间:", "〔2024〕号", "《" * 50,
                                  "关于" * 100, "二〇二五年十三月四十日"])
def test_degenerate_text_never_raises(text):
    got = metadata.extract(text)
    assert set(got) == set(metadata.FIELDS)


@pytest.mark.parametrize(("parts", "expected"), [
    (("2024", "2", "22"), "2024-02-22"), (("2024", "13", "1"), None), (("2024", "1", "0"), None)])
def test_normalize_date(parts, expected):
    assert metadata.normalize_date(*parts) == expected
