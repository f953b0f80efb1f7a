"""How well the readers agree with hand-checked gold tables: metadata, genre, required content
and outlines.

Gold tables are written by reading the reports, never by running the readers (``tests/gold/``
says how each was made). The functions here only compare: each returns a tidy table of
measures with the counts they are ratios of, so a notebook can show them beside each other
(seeds and the real development corpus) and a test can hold them to a floor.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pandas as pd

from gongwen import corpus

__all__ = [
    "compliance_agreement",
    "development_scores",
    "gold_table",
    "labels_unique",
    "metadata_accuracy",
    "metadata_errors",
    "metric_scores",
    "outline_scores",
    "same_indicator",
    "side_by_side",
    "theme_agreement",
]

#: Metadata fields scored where the gold states them.
STATED_FIELDS = ("title", "issuer", "year", "published", "doc_number")

_MEASURE_COLUMNS = ["measure", "value", "count", "total"]


def gold_table(paths) -> pd.DataFrame:
    """Concatenate gold CSV files (one per hand-checked part of a corpus), as strings."""
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in paths]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _norm(value) -> str:
    """A field as compared: whitespace removed, missing values empty, years as whole numbers."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = str(value)
    if re.fullmatch(r"\d{4}\.0", text):
        text = text[:4]
    return re.sub(r"\s+", "", text)


def _measures(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    table = pd.DataFrame(
        [(name, round(count / total, 3) if total else float("nan"), count, total) for name, count, total in rows],
        columns=_MEASURE_COLUMNS,
    )
    table["count"] = table["count"].astype("int64")
    table["total"] = table["total"].astype("int64")
    return table


def metadata_accuracy(docs: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Share of the metadata fields the text states that the reader got right, and of genres.

    Args:
        docs: the ``docs`` table (:func:`gongwen.corpus.load_corpus`).
        gold: ``[doc_id, title, issuer, doc_type, year, published, doc_number]``; an empty
            field means the text does not state it.

    Returns:
        ``[measure, value, count, total]``: one row per field of :data:`STATED_FIELDS` (right
        / stated), ``stated_fields`` (all of them together), ``spurious`` (fields filled where
        the gold has none / fields the gold leaves empty) and ``doc_type`` (right / reports).
        Values are compared without whitespace.
    """
    got = docs.set_index("doc_id")
    gold = gold[gold["doc_id"].isin(got.index)]
    rows, right_all, stated_all, spurious, empty = [], 0, 0, 0, 0
    for field in STATED_FIELDS:
        right = stated = 0
        for doc_id, expected in zip(gold["doc_id"], gold[field], strict=True):
            value = _norm(got.at[doc_id, field])
            expected = _norm(expected)
            if expected:
                stated += 1
                right += value == expected
            else:
                empty += 1
                spurious += bool(value)
        rows.append((field, right, stated))
        right_all += right
        stated_all += stated
    rows.append(("stated_fields", right_all, stated_all))
    rows.append(("spurious", spurious, empty))
    genre = sum(_norm(got.at[d, "doc_type"]) == _norm(t) for d, t in zip(gold["doc_id"], gold["doc_type"], strict=True))
    rows.append(("doc_type", genre, len(gold)))
    return _measures(rows)


def metadata_errors(docs: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Every field where reader and gold differ: ``[doc_id, field, got, expected]``."""
    got = docs.set_index("doc_id")
    rows = []
    for record in gold[gold["doc_id"].isin(got.index)].itertuples(index=False):
        for field in (*STATED_FIELDS, "doc_type"):
            value, expected = _norm(got.at[record.doc_id, field]), _norm(getattr(record, field))
            if value != expected:
                rows.append((record.doc_id, field, value, expected))
    return pd.DataFrame(rows, columns=["doc_id", "field", "got", "expected"])


def compliance_agreement(compliance_table: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Agreement of required-content verdicts with a careful reader's.

    Args:
        compliance_table: :func:`gongwen.structure.compliance`.
        gold: ``[doc_id, item, present, line, …]`` for the reports the gold calls annual
            reports; ``present`` is ``true``/``false``.

    Returns:
        ``[measure, value, count, total]``: ``verdicts`` (report × item verdicts that agree),
        ``found`` (items present that were found: recall), ``right_when_found`` (items found
        that are present: precision), and ``evidence_line`` (found and present items whose
        evidence is on the gold's line).
    """
    found = {
        (d, int(i)): (how in ("heading", "paragraph"), line)
        for d, i, how, line in zip(compliance_table["doc_id"], compliance_table["item"],
                                   compliance_table["how"], compliance_table["line"], strict=True)
    }
    gold = gold[gold["doc_id"].isin(set(compliance_table["doc_id"]))]
    agree = present = hit = claimed = right = same_line = 0
    for doc_id, item, truth, line in zip(gold["doc_id"], gold["item"], gold["present"], gold["line"], strict=True):
        is_present = str(truth).strip().lower() == "true"
        got, got_line = found.get((doc_id, int(item)), (False, None))
        agree += got == is_present
        present += is_present
        hit += got and is_present
        claimed += got
        right += got and is_present
        if got and is_present and str(line).strip() and pd.notna(got_line):
            same_line += int(float(line)) == int(got_line)
    return _measures([
        ("verdicts", agree, len(gold)),
        ("found", hit, present),
        ("right_when_found", right, claimed),
        ("evidence_line", same_line, hit),
    ])


def outline_scores(outline_table: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Precision and recall of outline rows against a gold outline.

    A row matches a gold row of the same report, line, kind and marker (the n-th of each on a
    line matching the n-th). Of matched rows, the shares with the same level, title and path.

    Returns:
        ``[measure, value, count, total]``: ``precision``, ``recall``, ``level``, ``title``,
        ``path``.
    """
    docs = set(gold["doc_id"])
    pred = outline_table[outline_table["doc_id"].isin(docs)]

    def keyed(table):
        out = {}
        seen: dict = {}
        for row in table.itertuples(index=False):
            base = (row.doc_id, int(row.line), row.kind, _norm(row.marker))
            seen[base] = seen.get(base, 0) + 1
            out[(*base, seen[base])] = row
        return out

    got, want = keyed(pred), keyed(gold)
    both = got.keys() & want.keys()
    same = {name: sum(_field(name, getattr(got[k], name)) == _field(name, getattr(want[k], name)) for k in both)
            for name in ("level", "title", "path")}
    return _measures([
        ("precision", len(both), len(got)),
        ("recall", len(both), len(want)),
        *((name, same[name], len(both)) for name in ("level", "title", "path")),
    ])


_PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}\)")


def _field(name: str, value) -> str:
    # Titles compared without copy sites' pinyin glosses (优(yōu)化) and trailing list punctuation,
    # which gold tables written under different conventions keep or drop.
    text = _norm(value)
    if name == "title":
        text = _PINYIN.sub("", text).rstrip("，,;；、：:")
    return text


def labels_unique(docs: pd.DataFrame) -> bool:
    """Whether every report has its own label (figures draw one bar per label)."""
    return corpus.usable(docs)["label"].is_unique


def theme_agreement(docs: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Agreement of the dominant theme of paragraphs with hand-coded ones.

    Args:
        docs: the ``docs`` table.
        gold: ``[doc_id, line, theme, also_acceptable, hard, …]``: ``line`` is any line of the
            paragraph in the file on disk (a ``para_id`` column, if any, is not used).

    Returns:
        ``[measure, value, count, total]``: ``exact`` (the coder's theme is the reader's),
        ``lenient`` (or one the reader also accepts), and both on the ``hard`` cases.
    """
    from gongwen import themes

    gold = gold[gold["doc_id"].isin(set(corpus.usable(docs)["doc_id"]))].copy()
    ok = corpus.usable(docs)
    ok = ok[ok["doc_id"].isin(set(gold["doc_id"]))]
    paragraphs = themes.dominant(themes.units(ok))
    spans = corpus.paragraphs(ok)[["doc_id", "para_id", "line", "end_line"]]
    gold["line"] = gold["line"].astype("int64")
    located = gold.drop(columns=[c for c in ("para_id",) if c in gold]).merge(spans, on="doc_id", suffixes=("", "_p"))
    located = located[(located["line"] >= located["line_p"]) & (located["line"] <= located["end_line"])]
    located = located.assign(line=located["line_p"], hard=located["hard"].astype(str).str.lower().eq("true"))
    comparison = themes.gold_comparison(paragraphs, located.drop(columns=["line_p", "end_line"]))
    hard = comparison[comparison["hard"]]
    return _measures([
        ("exact", int(comparison["exact"].sum()), len(gold)),
        ("lenient", int(comparison["lenient"].sum()), len(gold)),
        ("hard_exact", int(hard["exact"].sum()), int(gold["hard"].astype(str).str.lower().eq("true").sum())),
        ("hard_lenient", int(hard["lenient"].sum()), int(gold["hard"].astype(str).str.lower().eq("true").sum())),
    ])


def same_indicator(got, expected) -> bool:
    """Whether an indicator names what the gold one names: equal (spaces and pinyin glosses
    aside), or one is whole words of the other ending in the same head word and at least half its
    length (a reader may add or drop a modifier or scope word: 全年签约项目 / 签约项目; 80% when
    the head differs), or else the two share 75% of their characters in order (difflib's ratio).
    A cut fragment (固定资产投资年 of 固定资产投资年均增速) or the wrong neighbour (a count's
    水源地 for the rate's 水源地水质达标率) fails."""
    from difflib import SequenceMatcher

    from gongwen import terms

    a, b = (_PINYIN.sub("", _norm(x)) for x in (got, expected))
    if not a or not b:
        return a == b
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    at = long_.rfind(short)
    if at >= 0:
        # a part of the other when it is made of whole words of it (年 of 年均 is not) and keeps
        # its head, the last word (签约项目 of 全年签约项目; not 水源地 of 水源地水质达标率), or most of it
        bounds = {0, *itertools.accumulate(len(w) for w in terms.segment(long_))}
        whole = at in bounds and at + len(short) in bounds
        head_kept = at + len(short) == len(long_)
        return whole and len(short) >= (0.5 if head_kept else 0.8) * len(long_)
    return SequenceMatcher(None, a, b).ratio() >= 0.75


def metric_scores(docs: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Claims of the gold's reports against the gold: :func:`gongwen.metrics.evaluate`'s
    precision, recall and agreements, and ``indicator`` (matched claims whose indicator names
    what the gold's does, :func:`same_indicator`)."""
    from gongwen import metrics

    ok = corpus.usable(docs)
    claims = metrics.extract(ok[ok["doc_id"].isin(set(gold["doc_id"]))])
    table = metrics.evaluate(claims, gold)
    pairs = metrics.match(claims, gold)
    matched = pairs[pairs["status"] == "tp"]
    right = sum(same_indicator(g, e) for g, e in zip(matched["indicator_pred"], matched["indicator_gold"], strict=True))
    extra = _measures([("indicator", right, len(matched))])
    keep = table[table["measure"].isin(["precision", "recall", "kind_agreement", "unit_agreement",
                                        "qualifier_agreement"])]
    return pd.concat([keep, extra], ignore_index=True)


def development_scores(tests: str | Path, part: str) -> pd.DataFrame:
    """The readers' accuracy on the seeds and on the real development corpus, side by side.

    Args:
        tests: the project's ``tests`` folder (gold tables in ``gold/``, the real corpus in
            ``data/real/``; the seeds in ``../seeds``).
        part: ``metadata`` (stated fields and genre), ``outline``, ``compliance``, ``themes`` or
            ``metrics``.

    Returns:
        ``[corpus, measure, value, count, total]``, corpora ``seeds`` and ``real``; a corpus
        without a gold table for ``part`` has no rows.
    """
    from gongwen import structure

    tests = Path(tests)
    folders = {"seeds": (tests.parent / "seeds", "seed"), "real": (tests / "data" / "real", "real")}
    frames = []
    for name, (folder, prefix) in folders.items():
        files = sorted((tests / "gold").glob(f"{prefix}_{part}*.csv"))
        if part == "outline" and name == "seeds":
            files = [tests / "gold" / "outline_gold.csv"]
        if part == "themes" and name == "seeds":
            files = [tests / "gold" / "themes_gold.csv"]
        if part == "metrics" and name == "seeds":
            files = [tests / "gold" / "metrics_gold.csv"]
        if not files or not folder.is_dir():
            continue
        docs = corpus.load_corpus(folder)
        gold = gold_table(files)
        if part == "metadata":
            table = metadata_accuracy(docs, gold)
        elif part == "outline":
            table = outline_scores(structure.outline(docs), gold)
        elif part == "themes":
            table = theme_agreement(docs, gold)
        elif part == "metrics":
            table = metric_scores(docs, pd.concat([pd.read_csv(f) for f in files], ignore_index=True))
        else:
            table = compliance_agreement(structure.compliance(docs), gold)
        frames.append(table.assign(corpus=name))
    columns = ["corpus", *_MEASURE_COLUMNS]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def side_by_side(scores: pd.DataFrame) -> pd.DataFrame:
    """:func:`development_scores` as measure × corpus cells ``0.914 (160/175)``."""
    cells = scores.assign(cell=[f"{v:.3f} ({c}/{t})" if t else "—" for v, c, t in
                                zip(scores["value"], scores["count"], scores["total"], strict=True)])
    order = list(dict.fromkeys(scores["measure"]))
    table = cells.pivot(index="measure", columns="corpus", values="cell").reindex(order)
    return table[[c for c in ("seeds", "real") if c in table.columns]].fillna("—").rename_axis(columns=None)
