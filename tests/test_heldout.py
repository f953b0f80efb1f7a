"""Held-out accuracy: metrics and outline on the five reports in tests/data/extra.

The extractors were written while looking at the five seeds; these reports were not seen. The gold
tables (tests/gold/extra_metrics_gold.csv, extra_outline_gold.csv; conventions and hard cases in
extra_gold.md) were typed by hand before either extractor was run on them.

Thresholds sit just below the figures measured when the tests were written, so that one more miss
or one more false hit makes a test fail. The measured figures are in the comments; when an
extractor improves, raise the threshold rather than leave it slack.

Measured before any fix (the honest held-out figures): metrics precision 1.000, recall 0.951
(39/41: the unit 卷 was unknown), qualifier agreement 0.974 (不少于 unknown); outline P = R = 0.980
(a signature line was appended to a heading title already ended by 。). Those three were then fixed
(metrics.yaml, structure._find_headings), so these reports are no longer held out for them: the
next held-out check needs new reports.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest
from conftest import ROOT, metric_scores
from gongwen import corpus, metrics, structure

EXTRA = ROOT / "tests" / "data" / "extra"
GOLD = ROOT / "tests" / "gold"
OUTLINE_KEY = ["doc_id", "line", "kind", "level", "marker", "title"]


@pytest.fixture(scope="module")
def extra_docs():
    return corpus.load_corpus(EXTRA)


@pytest.fixture(scope="module")
def metrics_gold():
    return metrics.read_gold(GOLD / "extra_metrics_gold.csv")


@pytest.fixture(scope="module")
def outline_gold():
    return pd.read_csv(GOLD / "extra_outline_gold.csv", dtype=str, keep_default_na=False)


def test_extra_corpus_is_the_one_annotated(extra_docs, metrics_gold, outline_gold):
    """Five usable reports, among them one GB18030 file and one in traditional script."""
    assert sorted(corpus.usable(extra_docs)["doc_id"]) == [
        "101_county_report", "102_city_bureau_web", "103_plan_notice", "104_traditional", "105_gb18030"]
    assert "gb18030" in set(extra_docs["encoding"])
    assert set(metrics_gold["doc_id"]) == set(outline_gold["doc_id"]) == set(extra_docs["doc_id"])
    assert (len(metrics_gold), len(outline_gold)) == (41, 49)


def test_gold_rows_point_into_the_analysed_lines(extra_docs, metrics_gold, outline_gold):
    """Every gold `text` is in its line of the simplified text; every heading line starts with its marker."""
    lines = {}
    for doc_id, raw in zip(extra_docs["doc_id"], extra_docs["raw_text"], strict=True):
        for number, line in enumerate(corpus.simplified(raw).split("\n"), start=1):
            lines[(doc_id, number)] = line
    for row in metrics_gold.itertuples(index=False):
        assert row.text in lines[(row.doc_id, row.line)], (row.doc_id, row.line, row.text)
    for row in outline_gold.itertuples(index=False):
        line = lines[(row.doc_id, int(row.line))]
        assert row.marker in line and row.title in line, (row.doc_id, row.line, row.title)
        if row.kind == "heading":
            assert line.startswith(row.marker), (row.doc_id, row.line)


def test_heldout_metrics(extra_docs, metrics_gold, capsys):
    """metrics.extract vs the held-out gold: match on (doc_id, line, normalized value), as metrics.evaluate does."""
    values = metric_scores(metrics.extract(extra_docs), metrics_gold, "held-out metrics", capsys)
    # Measured: precision 1.000 (39/39), recall 0.951 (39/41), f1 0.975, kind agreement 1.000 (39/39),
    # unit 1.000, qualifier 0.974 (38/39), text 0.974 (38/39).
    # The two misses use the classifier 卷 (101 L9 `156卷`, 103 L16 `不少于200卷`), which the unit list
    # lacks; the qualifier/text miss is 不少于 (103 L18 `不少于1500条`), which the qualifier list lacks.
    # All 1.000 since the fixes (held out: recall 0.951, qualifier 0.974); any new error fails.
    assert values["precision"] >= 0.99
    assert values["recall"] >= 0.99
    assert values["kind_agreement"] >= 0.99
    assert values["unit_agreement"] >= 0.99
    assert values["qualifier_agreement"] >= 0.99


def test_heldout_outline(extra_docs, outline_gold, capsys):
    """structure.outline vs the held-out gold: exact match on doc_id, line, kind, level, marker, title."""
    table = structure.outline(extra_docs)
    pred = Counter(tuple(str(v) for v in row) for row in table[OUTLINE_KEY].itertuples(index=False))
    gold = Counter(tuple(row) for row in outline_gold[OUTLINE_KEY].itertuples(index=False))
    tp = sum((pred & gold).values())
    n_pred, n_gold = sum(pred.values()), sum(gold.values())
    precision, recall = tp / n_pred, tp / n_gold
    with capsys.disabled():
        print(f"\nheld-out outline: precision {precision:.3f} ({tp}/{n_pred}), recall {recall:.3f} ({tp}/{n_gold})")
        for key in sorted((pred - gold).elements()):
            print("  extractor only:", key)
        for key in sorted((gold - pred).elements()):
            print("  gold only:     ", key)
    # Measured: precision 0.980 (48/49), recall 0.980 (48/49). The one error: the heading-only line
    # 101 L21 `（三）加强普法宣传，落实“谁执法谁普法”责任制。` gets the signature `青山县人民政府` (L23)
    # appended to its title, although the title already ended at its 。.
    # 1.000 since the fix (held out: 0.980); any new error fails.
    assert precision >= 0.99
    assert recall >= 0.99
