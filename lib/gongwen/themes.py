"""Themes: every report on the grid of the 法治政府建设实施纲要, and what the grid misses.

The grid is a codebook, ``data/themes.yaml``: the ten parts of 《法治政府建设实施纲要（2021—2025年）》
(ids :data:`GRID`) plus the themes the reports need beyond it, each with a Chinese label and
weighted phrases. :func:`load_codebook` validates it and compiles every phrase into one regular
expression shaped as a trie, so a text is scanned once, left to right, and at each place the
longest phrase wins (行政规范性文件 is not also counted as 规范性文件). Coding is linear in the
corpus size.

How a report is coded::

    docs ─ units ─► units[doc_id, para_id, line, unit, start, end, chars, theme, score, own, evidence]
           │          └─ dominant ─► paragraphs[doc_id, para_id, line, chars, theme, score, evidence]
           │          └─ shares ─► [doc_id, theme, label, grid, chars, share, paragraphs]
           └ code ─► scores[doc_id, para_id, line, theme, score, evidence]  (paragraph × theme)

* **Coding unit.** A paragraph of the analysis text (:func:`gongwen.corpus.paragraphs`) of at
  most ``max_chars`` characters is one unit. A longer one is cut before each inline enumeration
  (``一是``, ``（二）``, ``3.`` after a sentence end), and pieces still longer than ``max_chars``
  into groups of whole sentences of about ``unit_chars`` characters. Long paragraphs that walk
  through several themes (一是 trade, 二是 审批 …) are thus coded part by part.
* **Score.** A unit's score for a theme is the sum of the weights of the theme's phrases found in
  it, plus the heading evidence: the phrases of the headings it sits under
  (:func:`gongwen.structure.sections` and :func:`gongwen.structure.outline`), the nearest
  weighted ``heading_weight``, each level further up half as much (``decay``). A heading's own
  paragraph counts its title as text; the other units of that paragraph get the title as heading
  evidence. Paragraphs that are official-document elements (版头, 标题, 主送, 版记, web-copy
  fields: :func:`gongwen.structure.elements`) take the codebook's ``document_elements`` theme, and
  the lead-in before a report's first heading (at most :data:`PREAMBLE_PARAGRAPHS` paragraphs:
  2022年，某局坚持……现将有关情况报告如下) its ``preamble`` theme: it frames the report whatever it
  names in passing, so one 普法 in an opening does not make it a 普法 paragraph.
* **Genres.** The grid is for the genres the codebook names (``genres``: annual reports, plans and
  notices, rules); :func:`applicable` keeps those reports for shares and coverage, and
  :func:`applicability` says which reports are left out (a 政府工作报告 covers all of government
  work and is not placed on the 纲要's grid).
* **Dominant theme.** A unit's theme is the one with the highest score (ties: more evidence in
  its own text, then codebook order) if that score reaches ``min_score``; a unit below it takes
  its paragraph's best theme (all its units and headings together) if that reaches
  ``min_score``, else :data:`UNCLASSIFIED`. A paragraph's dominant theme is the one holding most
  of its characters (ties: higher paragraph score, then codebook order).
* **Shares.** A report's share of a theme is the share of its characters (non-whitespace, of the
  analysis text) in units whose theme it is; :data:`UNCLASSIFIED` takes the rest, so shares add
  up to 1 per report.

Against the hand-coded paragraphs of ``tests/gold/themes_gold.csv`` (89 seed paragraphs, 49 hard)
the defaults agree exactly on 83% and leniently (gold theme or a defensible alternative) on 98%,
in sample. On 429 paragraphs of real reports (``tests/gold/real_themes*.csv``) 81% and 87%; on the
held-out part, before the codebook was revised with it in view, 76% and 85%
(:func:`gongwen.accuracy.theme_agreement`; :func:`read_gold`, :func:`gold_comparison`,
:func:`agreement` measure it on any corpus).

Beyond the codebook: :func:`topics` (NMF over paragraph TF-IDF, fixed seed) with each topic's
closest codebook theme; :func:`similarity` and :func:`linkage` (cosine of report TF-IDF); and
:func:`reuse`, passages two reports share, found through a sorted index of hashed character
n-grams (never all pairs of characters).
"""

from __future__ import annotations

import bisect
import itertools
import re
import warnings
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from gongwen import corpus
from gongwen._data import data_path, load_yaml
from gongwen.cache import per_report

__all__ = [
    "ELEMENT_SCORE",
    "GRID",
    "PARAGRAPH_COLUMNS",
    "REUSE_COLUMNS",
    "SCORE_COLUMNS",
    "SHARE_COLUMNS",
    "TOPIC_THEME_COLUMNS",
    "UNCLASSIFIED",
    "UNIT_COLUMNS",
    "Codebook",
    "CodebookError",
    "Theme",
    "TopicModel",
    "agreement",
    "applicability",
    "applicable",
    "code",
    "codebook_summary",
    "codebook_table",
    "coverage",
    "coverage_matrix",
    "display_paragraphs",
    "display_reuse",
    "display_topics",
    "dominant",
    "genre_shares",
    "gold_comparison",
    "linkage",
    "load_codebook",
    "plot_dendrogram",
    "plot_heatmap",
    "plot_shares",
    "plot_similarity",
    "plot_topics",
    "read_gold",
    "representative",
    "representative_markdown",
    "reuse",
    "score_text",
    "share_matrix",
    "shares",
    "similar_pairs",
    "similarity",
    "summarize",
    "topics",
    "units",
]

#: The ten parts of the 纲要, in its order; the codebook must define exactly these ids.
GRID = ("xi_thought", "functions", "rules", "decisions", "enforcement", "emergencies", "disputes",
        "oversight", "digital", "party_leadership")
#: Theme of text no codebook theme reaches.
UNCLASSIFIED = "unclassified"
UNCLASSIFIED_LABEL = "未归类"
#: Score given to an official-document element for the codebook's ``document_elements`` theme.
ELEMENT_SCORE = 3.0
SCORE_COLUMNS = ["doc_id", "para_id", "line", "theme", "score", "evidence"]
UNIT_COLUMNS = ["doc_id", "para_id", "line", "unit", "start", "end", "chars", "theme", "score", "own",
                "evidence"]
PARAGRAPH_COLUMNS = ["doc_id", "para_id", "line", "chars", "theme", "score", "evidence"]
SHARE_COLUMNS = ["doc_id", "theme", "label", "grid", "chars", "share", "paragraphs"]
REUSE_COLUMNS = ["doc_a", "line_a", "doc_b", "line_b", "chars", "text"]
TOPIC_THEME_COLUMNS = ["topic", "name", "terms", "theme", "theme_label", "cosine", "coded_theme", "coded_share"]

_WEIGHTS = (1, 2, 3)
_ID = re.compile(r"[a-z][a-z0-9_]*")
_TOP_KEYS = {"version", "themes", "document_elements", "preamble", "genres"}
#: At most this many paragraphs before a report's first heading are its preamble.
PREAMBLE_PARAGRAPHS = 3
_THEME_KEYS = {"id", "label", "grid", "part", "terms"}
_WS = re.compile(r"\s+")


# --------------------------------------------------------------------------- codebook


class CodebookError(ValueError):
    """The codebook file is not valid; the message names the file, the theme and the problem."""


@dataclass(frozen=True)
class Theme:
    """One theme of the codebook: ``terms`` is a tuple of ``(phrase, weight)`` in file order."""

    id: str
    label: str
    grid: bool
    part: int | None
    terms: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Codebook:
    """A validated codebook. Build it with :func:`load_codebook`."""

    source: str
    themes: tuple[Theme, ...]
    document_elements: str | None = None
    preamble: str | None = None
    genres: tuple[str, ...] | None = None  # doc_types the grid is for; None: every report

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.themes]

    @property
    def labels(self) -> dict[str, str]:
        """Theme id → Chinese label, :data:`UNCLASSIFIED` included."""
        return {**{t.id: t.label for t in self.themes}, UNCLASSIFIED: UNCLASSIFIED_LABEL}

    @cached_property
    def lookup(self) -> dict[str, tuple[int, int]]:
        """Phrase → (theme index, weight)."""
        return {term: (i, weight) for i, t in enumerate(self.themes) for term, weight in t.terms}

    @cached_property
    def pattern(self) -> re.Pattern:
        """Every phrase in one trie-shaped expression: one scan, longest phrase first."""
        return re.compile(_trie_pattern(list(self.lookup)))


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key written twice in one mapping (PyYAML keeps the last)."""


def _construct_mapping(loader, node, deep=False):
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise CodebookError(f"line {key_node.start_mark.line + 1}: {key!r} is written twice in one mapping")
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Read and validate a codebook (default: the shipped ``data/themes.yaml``).

    Raises:
        CodebookError: naming the file, the theme and the problem: YAML errors, unknown keys,
            missing or extra grid ids, duplicate ids, ids not lowercase_with_underscores, empty
            labels, bad ``grid``/``part`` values, empty term lists, weights other than 1, 2, 3,
            a phrase written twice or listed under two themes, an unknown ``document_elements``.
    """
    file = Path(path) if path is not None else Path(str(data_path("themes.yaml")))
    source = file.name if path is None else str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise CodebookError(f"{source}: cannot be read ({error.strerror or error})") from error
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except CodebookError as error:
        raise CodebookError(f"{source}: {error}") from None
    except yaml.YAMLError as error:
        raise CodebookError(f"{source}: not valid YAML: {error}") from None
    return _validate(data, source)


def _validate(data, source: str) -> Codebook:
    def fail(problem: str, theme: str | None = None) -> CodebookError:
        where = f"{source}: theme {theme!r}: " if theme else f"{source}: "
        return CodebookError(where + problem)

    if not isinstance(data, dict):
        raise fail("the file must be a mapping with a 'themes' list")
    unknown = sorted(set(map(str, data)) - _TOP_KEYS)
    if unknown:
        raise fail(f"unknown top-level key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(_TOP_KEYS))})")
    raw_themes = data.get("themes")
    if not isinstance(raw_themes, list) or not raw_themes:
        raise fail("'themes' must be a non-empty list")
    themes: list[Theme] = []
    owner: dict[str, str] = {}
    for number, raw in enumerate(raw_themes, start=1):
        if not isinstance(raw, dict):
            raise fail(f"entry {number} of 'themes' is not a mapping")
        theme_id = raw.get("id")
        if not isinstance(theme_id, str) or not _ID.fullmatch(theme_id):
            raise fail(f"entry {number}: 'id' must be lowercase_with_underscores, got {theme_id!r}")
        if theme_id == UNCLASSIFIED:
            raise fail(f"{UNCLASSIFIED!r} is reserved for text no theme reaches", theme_id)
        if any(t.id == theme_id for t in themes):
            raise fail("duplicate id", theme_id)
        unknown = sorted(set(map(str, raw)) - _THEME_KEYS)
        if unknown:
            raise fail(f"unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(_THEME_KEYS))})", theme_id)
        label = raw.get("label")
        if not isinstance(label, str) or not label.strip():
            raise fail("empty or missing 'label'", theme_id)
        grid = raw.get("grid", theme_id in GRID)
        if not isinstance(grid, bool):
            raise fail(f"'grid' must be true or false, got {grid!r}", theme_id)
        if grid != (theme_id in GRID):
            raise fail(f"'grid' must be {str(theme_id in GRID).lower()}: the grid ids are {', '.join(GRID)}",
                       theme_id)
        part = raw.get("part")
        if grid and part != GRID.index(theme_id) + 1:
            raise fail(f"'part' must be {GRID.index(theme_id) + 1} (its place in the 纲要), got {part!r}", theme_id)
        if not grid and part is not None:
            raise fail("'part' is only for the ten grid themes", theme_id)
        terms = raw.get("terms")
        if not isinstance(terms, dict) or not terms:
            raise fail("'terms' must be a non-empty mapping of phrase: weight", theme_id)
        pairs = []
        for term, weight in terms.items():
            if isinstance(term, bool) or not isinstance(term, str | int):
                raise fail(f"phrase {term!r} must be text (quote it)", theme_id)
            phrase = str(term).strip()
            if not phrase:
                raise fail("empty phrase", theme_id)
            if isinstance(weight, bool) or weight not in _WEIGHTS:
                raise fail(f"weight of {phrase!r} must be 1, 2 or 3, got {weight!r}", theme_id)
            if phrase in owner:
                raise fail(f"phrase {phrase!r} is already listed under theme {owner[phrase]!r}", theme_id)
            owner[phrase] = theme_id
            pairs.append((phrase, int(weight)))
        themes.append(Theme(theme_id, label.strip(), grid, part if grid else None, tuple(pairs)))
    missing = [g for g in GRID if g not in {t.id for t in themes}]
    if missing:
        raise fail(f"missing grid theme(s) {', '.join(missing)}: the ten parts of the 纲要 are required")
    elements = data.get("document_elements")
    if elements is not None and elements not in {t.id for t in themes}:
        raise fail(f"'document_elements' names no theme of the codebook: {elements!r}")
    preamble = data.get("preamble")
    if preamble is not None and preamble not in {t.id for t in themes}:
        raise fail(f"'preamble' names no theme of the codebook: {preamble!r}")
    genres = data.get("genres")
    if genres is not None and (not isinstance(genres, list) or not all(isinstance(g, str) for g in genres)):
        raise fail(f"'genres' must be a list of doc_type names, got {genres!r}")
    return Codebook(source, tuple(themes), elements, preamble, tuple(genres) if genres is not None else None)


def _trie_pattern(words: list[str]) -> str:
    """A regular expression matching any of ``words``, longest first, built as a trie."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body  # greedy: the longer phrase is tried first

    return emit(trie) or "(?!)"


_DEFAULT: Codebook | None = None


def _codebook(codebook: Codebook | None) -> Codebook:
    global _DEFAULT
    if codebook is not None:
        return codebook
    if _DEFAULT is None:
        _DEFAULT = load_codebook()
    return _DEFAULT


def codebook_table(codebook: Codebook | None = None) -> pd.DataFrame:
    """The codebook as a table: ``[theme, label, grid, part, term, weight]`` in file order."""
    book = _codebook(codebook)
    rows = [(t.id, t.label, t.grid, t.part, term, weight) for t in book.themes for term, weight in t.terms]
    table = pd.DataFrame(rows, columns=["theme", "label", "grid", "part", "term", "weight"])
    table["part"] = table["part"].astype("Int64")
    return table


def score_text(text: str, *, codebook: Codebook | None = None) -> dict[str, float]:
    """Scores of one text against every theme (phrase weights summed; themes with none left out)."""
    book = _codebook(codebook)
    found = _matches(text, book)
    return {book.themes[i].id: float(sum(w * n for (_, w), n in terms.items()))
            for i, terms in sorted(found.items())}


def _matches(text: str, book: Codebook) -> dict[int, dict[tuple[str, int], int]]:
    """Theme index → {(phrase, weight): count} for every phrase occurrence in ``text``."""
    found: dict[int, dict[tuple[str, int], int]] = {}
    lookup = book.lookup
    for phrase in book.pattern.findall(text):
        index, weight = lookup[phrase]
        terms = found.get(index)
        if terms is None:
            terms = found[index] = {}
        key = (phrase, weight)
        terms[key] = terms.get(key, 0) + 1
    return found


# --------------------------------------------------------------------------- units

_CN = "一二三四五六七八九十"
# A new unit starts before an inline enumeration that follows a sentence or clause end.
_ENUM_START = re.compile(
    rf"(?<=[。；;！？!?：:])\s*(?=[{_CN}]+是|第[{_CN}]+[，,、]|[（(][{_CN}\d]{{1,3}}[）)]|\d{{1,2}}[.．、](?!\d))"
)
_SENTENCE_END = re.compile(r"(?<=[。；;！？!?])")


def _split(text: str, *, max_chars: int, unit_chars: int) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of the coding units of one paragraph."""
    if len(text) <= max_chars:
        return [(0, len(text))]
    cuts = [0, *(m.start() for m in _ENUM_START.finditer(text) if m.start() > 0), len(text)]
    spans = []
    for start, end in itertools.pairwise(cuts):
        if end - start <= max_chars:
            spans.append((start, end))
            continue
        ends = [start, *(m.start() for m in _SENTENCE_END.finditer(text, start, end) if start < m.start() < end),
                end]
        group = start
        for stop in ends[1:]:
            if stop - group >= unit_chars or stop == end:
                spans.append((group, stop))
                group = stop
    merged: list[tuple[int, int]] = []
    for start, end in spans:  # a stub of a few characters belongs to the unit before it
        if merged and len(text[start:end].strip()) < 8:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _chars(text: str) -> int:
    return len(_WS.sub("", text))


# --------------------------------------------------------------------------- coding


@dataclass(frozen=True)
class _Options:
    max_chars: int
    unit_chars: int
    heading_weight: float
    decay: float
    min_score: float


def _chain(path: str, heads: Mapping[str, list[tuple[int, str]]], first: int, last: int) -> list[tuple[str, bool]]:
    """Titles of the headings over a paragraph, nearest first, each with "is the paragraph's own"."""
    if not path:
        return []
    parts = path.split(" > ")
    chain = []
    for depth in range(len(parts), 0, -1):
        found = heads.get(" > ".join(parts[:depth]), [])
        k = bisect.bisect_right(found, (last, "\uffff")) - 1  # the last heading with that path up to here
        if k >= 0:
            line, title = found[k]
            chain.append((title, first <= line <= last))
    return chain


def _layout(raw: str) -> tuple[list[tuple[int, int, int, str]], list[str], dict[str, list[tuple[int, str]]], set[int]]:
    """What coding needs of one report's structure, from its per-report results (no tables).

    ``(paragraphs, paths, heads, element lines)``: ``(para_id, line, end_line, text)`` as in
    :func:`gongwen.corpus.paragraphs`; each paragraph's heading path as in
    :func:`gongwen.structure.sections`; heading path → ``[(line, title)]`` of the headings of
    :func:`gongwen.structure.outline` in its order; every line an element covers.
    """
    from gongwen import structure

    analysis = structure._analyse(raw)
    paragraphs = [(para_id, first, last, text)
                  for para_id, (first, last, text) in enumerate(corpus.clean_text(raw).paragraphs, start=1)]
    paths = [analysis.chains[para_id - 1][0] for para_id, *_ in paragraphs]
    heads: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for line, _, kind, _, _, title, path in sorted(analysis.rows, key=lambda row: (row[0], row[1])):
        if kind == "heading":
            heads[path].append((int(line), title))
    return paragraphs, paths, heads, structure._report_element_lines(raw)


def _coded(docs: pd.DataFrame, book: Codebook, options: _Options):
    """Per paragraph of every usable report, in doc_id order: what :func:`_coded_report` yields."""
    titles: dict[str, dict[int, dict[tuple[str, int], int]]] = {}
    for doc_id, raw in corpus.usable_texts(docs):
        yield from _coded_report(doc_id, raw, book, options, titles)


def _coded_report(doc_id: str, raw: str, book: Codebook, options: _Options,
                  titles: dict[str, dict[int, dict[tuple[str, int], int]]]):
    """Per paragraph of one report: ``(doc_id, para_id, line, text, units, paragraph scores,
    phrases found, heading phrases, is an element)``; each unit is ``(k, start, end, chars, theme
    index or None, score, own score, phrases found)``. ``titles`` remembers the phrases of headings
    (they repeat over every paragraph of their section).

    Scores are sparse, ``{theme index: score}`` for the themes above 0 (a paragraph names a few of
    the grid's themes): sums over the themes present are the sums of the full vectors, as adding
    0.0 changes no number.
    """
    paragraphs, paths, heads, elements = _layout(raw)
    n_themes = len(book.themes)
    frame = book.ids.index(book.document_elements) if book.document_elements else None
    preamble = _preamble(paragraphs, paths, heads, elements) if book.preamble else set()
    opening = book.ids.index(book.preamble) if book.preamble else None
    for (para_id, first, last, text), path in zip(paragraphs, paths, strict=True):
        spans = _split(text, max_chars=options.max_chars, unit_chars=options.unit_chars)
        chain = _chain(path, heads, first, last)
        # heading evidence: nearest heading weighted heading_weight, then ×decay per level
        external: dict[int, float] = {}
        own_title: dict[int, float] = {}
        heading_terms: dict[tuple[str, int], float] = defaultdict(float)
        level = 0
        for title, own in chain:
            in_title = titles.get(title)
            if in_title is None:
                in_title = titles[title] = _matches(title, book)
            scores = _vector(in_title)
            if own:
                _add(own_title, scores, options.heading_weight)
                continue
            _add(external, scores, options.heading_weight * options.decay**level)
            for terms in in_title.values():
                for key, count in terms.items():
                    heading_terms[key] += count
            level += 1
        # a fixed theme: "公文要素" for an official-document element, "开头" for the preamble
        fixed = "公文要素" if frame is not None and any(n in elements for n in range(first, last + 1)) \
            else "开头" if para_id in preamble else ""
        fixed_theme = frame if fixed == "公文要素" else opening
        unit_rows = []
        para_found: dict[int, dict[tuple[str, int], int]] = defaultdict(lambda: defaultdict(int))
        with_title = _sum(external, own_title)
        for k, (start, end) in enumerate(spans):
            found = _matches(text[start:end], book)
            for index, terms in found.items():
                for key, count in terms.items():
                    para_found[index][key] += count
            own = _vector(found)
            context = with_title if k > 0 else external  # unit 0 holds the title itself
            unit_rows.append((k, start, end, _chars(text[start:end]), own, _sum(own, context), found))
        para_text = _vector(para_found)
        para_score = _sum(para_text, external)
        if fixed:
            best_para = fixed_theme
        else:
            best_para = _best(para_score, para_text, n_themes)
            if para_score.get(best_para, 0.0) < options.min_score:
                best_para = None
        units_out = []
        for k, start, end, chars, own, total, found in unit_rows:
            if fixed:
                theme, score, own_score = fixed_theme, ELEMENT_SCORE, ELEMENT_SCORE
            else:
                best = _best(total, own, n_themes)
                if total.get(best, 0.0) >= options.min_score:
                    theme, score = best, total.get(best, 0.0)
                elif best_para is not None:
                    theme, score = best_para, total.get(best_para, 0.0)
                else:
                    theme, score = None, 0.0
                own_score = own.get(theme, 0.0) if theme is not None else 0.0
            units_out.append((k, start, end, chars, theme, score, own_score, found))
        yield doc_id, para_id, first, text, units_out, para_score, para_found, heading_terms, fixed


def _preamble(paragraphs, paths, heads, elements) -> set[int]:
    """The paragraphs between a report's document elements and its first heading (at most
    :data:`PREAMBLE_PARAGRAPHS`): the lead-in (2022年，某局坚持……现将有关情况报告如下), which frames the
    report whatever themes it names in passing. A report without headings has none."""
    if not heads:
        return set()
    first_heading = min(line for rows in heads.values() for line, _ in rows)
    found = []
    for (para_id, first, last, _), path in zip(paragraphs, paths, strict=True):
        if first >= first_heading or len(found) == PREAMBLE_PARAGRAPHS:
            break
        if not path and not any(n in elements for n in range(first, last + 1)):
            found.append(para_id)
    return set(found)


def _vector(found: Mapping[int, Mapping[tuple[str, int], int]]) -> dict[int, float]:
    """Theme index → score (phrase weights × counts) of the phrases found."""
    return {index: float(sum(w * c for (_, w), c in terms.items())) for index, terms in found.items()}


def _add(total: dict[int, float], scores: Mapping[int, float], factor: float) -> None:
    """``total += factor * scores``, in place."""
    for index, score in scores.items():
        total[index] = total.get(index, 0.0) + factor * score


def _sum(a: Mapping[int, float], b: Mapping[int, float]) -> dict[int, float]:
    """``a + b``."""
    if not b:
        return dict(a)
    out = dict(a)
    for index, score in b.items():
        out[index] = out.get(index, 0.0) + score
    return out


def _best(score: Mapping[int, float], tiebreak: Mapping[int, float], n: int) -> int:
    """Index of the highest of ``n`` scores (themes not in ``score`` have 0); ties by ``tiebreak``
    (higher), then codebook order."""
    top = max(score.values(), default=0.0)
    if top <= 0.0 and len(score) < n:  # the themes left out, at 0, may be the highest too
        top = 0.0
        tied = [index for index in range(n) if score.get(index, 0.0) == top]
    else:
        tied = [index for index, value in score.items() if value == top]
    if len(tied) == 1:  # most units: no need to sort
        return tied[0]
    return min(tied, key=lambda index: (-tiebreak.get(index, 0.0), index))


def _evidence(terms: Mapping[tuple[str, int], float], prefix: str = "") -> list[str]:
    items = sorted(terms.items(), key=lambda kv: (-kv[0][1] * kv[1], kv[0][0]))
    return [f"{prefix}{term}" + (f"×{_num(count)}" if count != 1 else "") for (term, _), count in items]


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _options(max_chars, unit_chars, heading_weight, decay, min_score) -> _Options:
    if max_chars < 1 or unit_chars < 1:
        raise ValueError("max_chars and unit_chars must be positive")
    return _Options(int(max_chars), int(unit_chars), float(heading_weight), float(decay), float(min_score))


def code(
    docs: pd.DataFrame,
    *,
    codebook: Codebook | None = None,
    heading_weight: float = 1.0,
    decay: float = 0.5,
    max_chars: int = 200,
    unit_chars: int = 100,
    min_score: float = 2.0,
) -> pd.DataFrame:
    """Every paragraph of every usable report scored against every theme, with the evidence.

    Args:
        docs: the ``docs`` table.
        codebook: a :func:`load_codebook` result (default: the shipped codebook).
        heading_weight: weight of the nearest enclosing heading's phrases (each level further up
            counts ``decay`` times the one below).
        max_chars, unit_chars, min_score: as in :func:`units` (they do not change the scores here).

    Returns:
        ``[doc_id, para_id, line, theme, score, evidence]``, one row per paragraph and theme with a
        score above 0 (a missing row means 0). ``score`` = phrase weights found in the paragraph +
        weighted phrases of the headings above it (rounded to 2 places); ``evidence`` lists the
        phrases, ``×n`` for repeats, heading phrases as ``标题:…``. Official-document elements get
        one row for the codebook's ``document_elements`` theme, score :data:`ELEMENT_SCORE`, evidence
        ``公文要素``. Sorted by
        doc_id, para_id, score (descending), codebook order.
    """
    book = _codebook(codebook)
    options = _options(max_chars, unit_chars, heading_weight, decay, min_score)
    rows = []
    for doc_id, para_id, line, _, _, para_score, para_found, heading_terms, fixed in _coded(docs, book, options):
        if fixed:
            theme = book.document_elements if fixed == "公文要素" else book.preamble
            rows.append((doc_id, para_id, line, theme, 0, ELEMENT_SCORE, fixed))
            continue
        for index in sorted(i for i, value in para_score.items() if value > 0):
            theme = book.themes[index]
            evidence = _evidence(para_found.get(index, {}))
            evidence += _evidence({k: v for k, v in heading_terms.items() if book.lookup[k[0]][0] == index}, "标题:")
            rows.append((doc_id, para_id, line, theme.id, int(index), round(float(para_score[index]), 2),
                         "、".join(evidence)))
    table = pd.DataFrame(rows, columns=["doc_id", "para_id", "line", "theme", "_order", "score", "evidence"])
    table = table.sort_values(["doc_id", "para_id", "score", "_order"], ascending=[True, True, False, True],
                              kind="stable")
    return _typed(table.drop(columns="_order").reset_index(drop=True), SCORE_COLUMNS)


def units(
    docs: pd.DataFrame,
    *,
    codebook: Codebook | None = None,
    heading_weight: float = 1.0,
    decay: float = 0.5,
    max_chars: int = 200,
    unit_chars: int = 100,
    min_score: float = 2.0,
) -> pd.DataFrame:
    """The coding units of every usable report, each with its theme.

    Args:
        docs: the ``docs`` table.
        codebook: a :func:`load_codebook` result (default: the shipped codebook).
        heading_weight, decay: weight of heading evidence (see :func:`code`).
        max_chars: paragraphs up to this many characters are one unit; longer ones are cut at
            inline enumerations, then into sentence groups.
        unit_chars: target length of a sentence group.
        min_score: the least score that settles a unit's theme on its own.

    Returns:
        ``[doc_id, para_id, line, unit, start, end, chars, theme, score, own, evidence]``:
        ``unit`` counts from 0 in its paragraph, ``start``/``end`` are offsets in the paragraph's
        analysis text, ``chars`` its non-whitespace characters; ``theme`` (an id or
        :data:`UNCLASSIFIED`), ``score`` (with heading evidence) and ``own`` (its text alone) are
        for that theme; ``evidence`` the unit's own phrases of that theme. Sorted by doc_id,
        para_id, unit.
    """
    book = _codebook(codebook)
    options = _options(max_chars, unit_chars, heading_weight, decay, min_score)
    titles: dict = {}
    cached = codebook is None and options == _options(**DEFAULT_OPTIONS)  # each report's units are cached
    rows = [(doc_id, *row) for doc_id, raw in corpus.usable_texts(docs)
            for row in (_default_unit_rows(raw) if cached else _unit_rows(raw, book, options, titles))]
    return _typed(pd.DataFrame(rows, columns=UNIT_COLUMNS), UNIT_COLUMNS)


#: The options :func:`units` and :func:`code` take by default (the units of each report computed with
#: them and the shipped codebook are cached, :mod:`gongwen.cache`).
DEFAULT_OPTIONS = {"heading_weight": 1.0, "decay": 0.5, "max_chars": 200, "unit_chars": 100, "min_score": 2.0}


@per_report("themes.units")
def _default_unit_rows(raw: str) -> tuple[tuple, ...]:
    """:func:`_unit_rows` of one report with the shipped codebook and :data:`DEFAULT_OPTIONS` (cached)."""
    return tuple(_unit_rows(raw))


def _unit_rows(raw: str, book: Codebook | None = None, options: _Options | None = None,
               titles: dict | None = None) -> list[tuple]:
    """The rows of :func:`units` for one report, without ``doc_id`` (default codebook and options
    when not given)."""
    book = _codebook(book)
    options = options if options is not None else _options(**DEFAULT_OPTIONS)
    rows = []
    for _, para_id, line, _, unit_rows, *_, fixed in _coded_report("", raw, book, options,
                                                                    {} if titles is None else titles):
        for k, start, end, chars, theme, score, own, found in unit_rows:
            if theme is None:
                theme_id, evidence = UNCLASSIFIED, ""
            else:
                theme_id = book.themes[theme].id
                evidence = fixed or "、".join(_evidence(found.get(theme, {})))
            rows.append((para_id, line, k, start, end, chars, theme_id, round(score, 2), round(own, 2), evidence))
    return rows


def dominant(unit_table: pd.DataFrame, scores: pd.DataFrame | None = None, *,
             codebook: Codebook | None = None) -> pd.DataFrame:
    """Each paragraph's dominant theme: the theme holding most of its characters.

    Args:
        unit_table: a :func:`units` table.
        scores: the matching :func:`code` table; it breaks ties between themes holding equal
            characters and gives ``score`` and ``evidence``. Without it ties go by unit score.
        codebook: the codebook used (for the order of themes in ties).

    Returns:
        ``[doc_id, para_id, line, chars, theme, score, evidence]`` one row per paragraph, sorted by
        doc_id, para_id. ``score``/``evidence`` are the paragraph's for that theme (from ``scores``;
        else the sum over its units).
    """
    book = _codebook(codebook)
    rank = {theme: i for i, theme in enumerate([*book.ids, UNCLASSIFIED])}
    per = unit_table.groupby(["doc_id", "para_id", "line", "theme"], sort=False).agg(
        held=("chars", "sum"), unit_score=("score", "sum")).reset_index()
    if scores is not None and len(scores):
        per = per.merge(scores[["doc_id", "para_id", "theme", "score", "evidence"]],
                        on=["doc_id", "para_id", "theme"], how="left")
    else:
        per["score"], per["evidence"] = per["unit_score"], ""
    per["score"] = per["score"].fillna(0.0)
    per["evidence"] = per["evidence"].fillna("")
    per["_rank"] = per["theme"].map(rank).fillna(len(rank)).astype(int)
    per = per.sort_values(["doc_id", "para_id", "held", "score", "_rank"],
                          ascending=[True, True, False, False, True], kind="stable")
    best = per.drop_duplicates(["doc_id", "para_id"]).copy()
    chars = unit_table.groupby(["doc_id", "para_id"])["chars"].sum().to_dict()  # a dict: no pandas per lookup
    best["chars"] = [int(chars[(d, p)]) for d, p in zip(best["doc_id"], best["para_id"], strict=True)]
    best.loc[best["theme"] == UNCLASSIFIED, ["score", "evidence"]] = [0.0, ""]
    return _typed(best[PARAGRAPH_COLUMNS].reset_index(drop=True), PARAGRAPH_COLUMNS)


def applicable(docs: pd.DataFrame, *, codebook: Codebook | None = None) -> pd.DataFrame:
    """The usable reports of the genres the codebook's grid is for (its ``genres``; every
    report when it names none): a 政府工作报告 is not placed on the 纲要's grid."""
    book = _codebook(codebook)
    ok = corpus.usable(docs)
    if book.genres is None:
        return ok
    return ok[ok["doc_type"].isin(book.genres)].reset_index(drop=True)


def applicability(docs: pd.DataFrame, *, codebook: Codebook | None = None) -> str:
    """A Markdown sentence naming the reports of genres the grid is not for (empty when none)."""
    book = _codebook(codebook)
    ok = corpus.usable(docs)
    left = ok[~ok["doc_id"].isin(set(applicable(docs, codebook=book)["doc_id"]))]
    if left.empty:
        return f"Every report is of a genre the grid is for ({len(ok)} reports)."
    counts = left["doc_type"].fillna("other").value_counts().sort_index()
    kinds = ", ".join(f"{genre} {n}" for genre, n in counts.items())
    names = "、".join(_md(label) for label in left.sort_values("doc_id")["label"].head(_LISTED))
    more = f" and {len(left) - _LISTED} more" if len(left) > _LISTED else ""
    return (f"The grid does not apply to {len(left)} of {len(ok)} reports ({kinds}): {names}{more}. "
            "They are left out of the shares, figures and coverage below; the grid is for "
            + ", ".join(f"`{g}`" for g in book.genres) + " (`genres` in the codebook).")


_LISTED = 8


def _md(text: str) -> str:
    # report text shown in Markdown: HTML escaped, Markdown's own marks made literal
    return re.sub(r"([\\`*_\[\]{}()#+!|<>$~-])", r"\\\1", escape(str(text), quote=False))


def shares(unit_table: pd.DataFrame, docs: pd.DataFrame, *, codebook: Codebook | None = None) -> pd.DataFrame:
    """Each report's theme shares: the share of its characters whose unit has each theme.

    Returns:
        ``[doc_id, theme, label, grid, chars, share, paragraphs]``: one row per usable report and
        theme (codebook order, then :data:`UNCLASSIFIED`), zeros included. ``share`` is rounded to 4
        places by largest remainders, so each report's shares add up to exactly 1 (all 0 for a
        report without text); ``paragraphs`` counts the paragraphs whose dominant theme it is.
    """
    book = _codebook(codebook)
    ids = [*book.ids, UNCLASSIFIED]
    labels = book.labels
    grid = {t.id: t.grid for t in book.themes}
    # dicts, not Series: one pandas lookup per report and theme costs more than the rest together
    held = unit_table.groupby(["doc_id", "theme"])["chars"].sum().to_dict()
    para = dominant(unit_table, codebook=book).groupby(["doc_id", "theme"]).size().to_dict()
    rows = []
    for doc_id in corpus.usable(docs)["doc_id"]:
        counts = [int(held.get((doc_id, t), 0)) for t in ids]
        for theme, chars, share in zip(ids, counts, _largest_remainder(counts, 10_000), strict=True):
            rows.append((doc_id, theme, labels[theme], grid.get(theme, False), chars, share,
                         int(para.get((doc_id, theme), 0))))
    return _typed(pd.DataFrame(rows, columns=SHARE_COLUMNS), SHARE_COLUMNS)


def _largest_remainder(counts: list[int], scale: int) -> list[float]:
    total = sum(counts)
    if total == 0:
        return [0.0] * len(counts)
    exact = [c * scale / total for c in counts]
    floor = [int(x) for x in exact]
    left = scale - sum(floor)
    order = sorted(range(len(counts)), key=lambda i: (-(exact[i] - floor[i]), i))
    for i in order[:left]:
        floor[i] += 1
    return [f / scale for f in floor]


def _typed(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    ints = {"para_id", "line", "unit", "start", "end", "chars", "paragraphs", "line_a", "line_b"}
    floats = {"score", "own", "share"}
    for column in columns:
        if column in ints:
            table[column] = table[column].astype("int64")
        elif column in floats:
            table[column] = table[column].astype("float64")
    return table[columns]


# --------------------------------------------------------------------------- gold and agreement


def read_gold(path: str | Path, *, docs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read a hand-coded gold table (``tests/gold/themes_gold.csv``).

    Args:
        docs: when given, keep only the rows of usable reports in ``docs``.

    Returns:
        ``[doc_id, para_id, line, theme, also_acceptable, hard, rationale]`` with ``para_id``/``line``
        as int, ``hard`` as bool and ``also_acceptable`` as a string of ``|``-separated ids ("" when
        none); an empty table with these columns when the file does not exist.
    """
    columns = ["doc_id", "para_id", "line", "theme", "also_acceptable", "hard", "rationale"]
    path = Path(path)
    if not path.is_file():
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table["para_id"] = table["para_id"].astype("int64")
    table["line"] = table["line"].astype("int64")
    table["hard"] = table["hard"].str.lower().eq("true")
    if docs is not None:
        table = table[table["doc_id"].isin(set(corpus.usable(docs)["doc_id"]))]
    return table[columns].reset_index(drop=True)


def gold_comparison(paragraph_table: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Each gold paragraph with the coder's dominant theme.

    Returns:
        ``[doc_id, para_id, line, gold, also_acceptable, hard, predicted, exact, lenient]``:
        ``exact`` when the dominant theme is the gold theme, ``lenient`` when it is the gold theme
        or one of ``also_acceptable``; a gold row whose paragraph is missing or whose ``line``
        differs counts as wrong (``predicted`` empty). Sorted by doc_id, para_id.
    """
    merged = gold.merge(paragraph_table[["doc_id", "para_id", "line", "theme"]], on=["doc_id", "para_id"],
                        how="left", suffixes=("", "_coded"))
    same_line = merged["line"] == merged["line_coded"]
    predicted = merged["theme_coded"].where(same_line, "").fillna("")
    accept = [{g, *filter(None, a.split("|"))} for g, a in zip(merged["theme"], merged["also_acceptable"], strict=True)]
    table = pd.DataFrame({
        "doc_id": merged["doc_id"],
        "para_id": merged["para_id"].astype("int64"),
        "line": merged["line"].astype("int64"),
        "gold": merged["theme"],
        "also_acceptable": merged["also_acceptable"],
        "hard": merged["hard"].astype(bool),
        "predicted": predicted,
        "exact": predicted == merged["theme"],
        "lenient": [p in ok for p, ok in zip(predicted, accept, strict=True)],
    })
    return table.sort_values(["doc_id", "para_id"], kind="stable").reset_index(drop=True)


def agreement(comparison: pd.DataFrame) -> pd.DataFrame:
    """Agreement with the gold table, for all rows and for the hard cases.

    Args:
        comparison: a :func:`gold_comparison` table.

    Returns:
        ``[subset, paragraphs, exact, lenient]`` with rows ``all`` and ``hard``; ``exact`` and
        ``lenient`` are shares (rounded to 3 places; NaN for an empty subset).
    """
    rows = []
    for subset, part in (("all", comparison), ("hard", comparison[comparison["hard"]])):
        n = len(part)
        rows.append((subset, n, round(float(part["exact"].mean()), 3) if n else float("nan"),
                     round(float(part["lenient"].mean()), 3) if n else float("nan")))
    return pd.DataFrame(rows, columns=["subset", "paragraphs", "exact", "lenient"])


# --------------------------------------------------------------------------- report-level views


def _shown(docs: pd.DataFrame, top: int) -> tuple[pd.DataFrame, str]:
    """Usable reports to draw (the longest ``top`` when there are more) and a note for titles."""
    ok = corpus.usable(docs)
    if len(ok) <= top:
        return ok, ""
    shown = ok.sort_values(["chars", "doc_id"], ascending=[False, True]).head(top)
    return shown.sort_values("doc_id").reset_index(drop=True), f"（篇幅最长的 {top} 篇，共 {len(ok)} 篇）"


def share_matrix(share_table: pd.DataFrame, docs: pd.DataFrame, *, codebook: Codebook | None = None,
                 top: int | None = None) -> pd.DataFrame:
    """Report × theme shares: rows are report labels (doc_id order), columns theme labels.

    Columns follow the codebook (grid first as in the file) with 未归类 last; values are shares
    rounded to 3 places. ``top`` keeps the longest reports only.
    """
    book = _codebook(codebook)
    ids = [*book.ids, UNCLASSIFIED]
    shown = corpus.usable(docs) if top is None else _shown(docs, top)[0]
    part = share_table[share_table["doc_id"].isin(set(shown["doc_id"]))]
    matrix = part.pivot(index="doc_id", columns="theme", values="share").reindex(
        index=shown["doc_id"], columns=ids).fillna(0.0)
    matrix.index = [corpus.labels(docs)[d] for d in matrix.index]
    matrix.columns = [book.labels[t] for t in ids]
    matrix.index.name = "报告"
    return matrix.round(3)


def coverage(share_table: pd.DataFrame, scores: pd.DataFrame, docs: pd.DataFrame, *,
             codebook: Codebook | None = None) -> pd.DataFrame:
    """How each report covers each grid part of the 纲要.

    Returns:
        ``[doc_id, theme, label, status, share, mentions]`` for every usable report and grid theme:
        ``status`` is ``dominant`` (some text has it as its theme), ``mentioned`` (its phrases occur
        in the report's own text, but never dominate) or ``absent`` (never touched, headings
        included); ``mentions`` counts paragraphs whose own text holds its phrases. Sorted by
        doc_id, then 纲要 order.
    """
    book = _codebook(codebook)
    grid = [t for t in book.themes if t.grid]
    mentioned = [any(x and not x.startswith("标题:") for x in e.split("、")) for e in scores["evidence"]]
    own = scores[np.array(mentioned, dtype=bool)]
    mentions = own.groupby(["doc_id", "theme"]).size()
    share = share_table.set_index(["doc_id", "theme"])["share"]
    rows = []
    for doc_id in corpus.usable(docs)["doc_id"]:
        for theme in grid:
            s = float(share.get((doc_id, theme.id), 0.0))
            n = int(mentions.get((doc_id, theme.id), 0))
            status = "dominant" if s > 0 else "mentioned" if n else "absent"
            rows.append((doc_id, theme.id, theme.label, status, s, n))
    return pd.DataFrame(rows, columns=["doc_id", "theme", "label", "status", "share", "mentions"])


_STATUS = {"dominant": "●", "mentioned": "○", "absent": "—"}


def coverage_matrix(coverage_table: pd.DataFrame, docs: pd.DataFrame) -> pd.DataFrame:
    """Report × grid part: ● dominant somewhere, ○ mentioned only, — never touched; a last column
    counts the parts a report never touches."""
    labels = corpus.labels(docs)
    order = list(dict.fromkeys(coverage_table["label"]))
    matrix = coverage_table.pivot(index="doc_id", columns="label", values="status")
    matrix = matrix.reindex(columns=order)
    absent = (matrix == "absent").sum(axis=1).astype(int)
    shown = matrix.map(_STATUS.get)
    shown["未涉及"] = absent
    shown.index = [labels.get(d, d) for d in shown.index]
    shown.index.name = "报告"
    shown.columns.name = None
    return shown


def genre_shares(share_table: pd.DataFrame, docs: pd.DataFrame, *, by: str = "doc_type",
                 codebook: Codebook | None = None) -> pd.DataFrame:
    """Mean theme shares per group of reports (default: per ``doc_type``).

    Returns:
        Theme labels as rows (codebook order, 未归类 last), one column per group (``group (n)``,
        groups sorted), values the mean share over the group's reports rounded to 3, and a last
        column ``差值`` (largest minus smallest group mean) when there are two groups or more.
    """
    book = _codebook(codebook)
    ids = [*book.ids, UNCLASSIFIED]
    groups = corpus.usable(docs).set_index("doc_id")[by].fillna("—").astype(str)
    table = share_table.assign(group=share_table["doc_id"].map(groups))
    means = table.pivot_table(index="theme", columns="group", values="share", aggfunc="mean").reindex(ids)
    sizes = groups.value_counts()
    means.columns = [f"{g} ({int(sizes[g])})" for g in means.columns]
    means.index = [book.labels[t] for t in ids]
    means.index.name = "主题"
    if means.shape[1] > 1:
        means["差值"] = means.max(axis=1) - means.min(axis=1)
    return means.fillna(0.0).round(3)


def representative(paragraph_table: pd.DataFrame, docs: pd.DataFrame, *,
                   codebook: Codebook | None = None) -> pd.DataFrame:
    """For each report and theme, its most representative paragraph.

    The paragraph whose dominant theme it is with the highest score for it (ties: longer, then
    earlier). Official-document elements and :data:`UNCLASSIFIED` are left out.

    Returns:
        ``[doc_id, theme, label, para_id, line, score, text]`` sorted by codebook order, then doc_id;
        ``text`` is the paragraph's analysis text (not escaped: escape it before writing HTML).
    """
    book = _codebook(codebook)
    rank = {t: i for i, t in enumerate(book.ids)}
    texts = corpus.paragraphs(docs).set_index(["doc_id", "para_id"])["text"]
    table = paragraph_table[(paragraph_table["theme"] != UNCLASSIFIED) & (paragraph_table["evidence"] != "公文要素")
                            & paragraph_table["doc_id"].isin(set(corpus.usable(docs)["doc_id"]))]
    table = table.sort_values(["doc_id", "theme", "score", "chars", "para_id"],
                              ascending=[True, True, False, False, True], kind="stable")
    best = table.drop_duplicates(["doc_id", "theme"]).copy()
    best["label"] = best["theme"].map(book.labels)
    best["text"] = [texts[(d, p)] for d, p in zip(best["doc_id"], best["para_id"], strict=True)]
    best["_rank"] = best["theme"].map(rank)
    best = best.sort_values(["_rank", "doc_id"], kind="stable")
    return best[["doc_id", "theme", "label", "para_id", "line", "score", "text"]].reset_index(drop=True)


def representative_markdown(table: pd.DataFrame, docs: pd.DataFrame, *, per_theme: int = 6,
                            max_chars: int = 160) -> str:
    """The representative paragraphs as Markdown: one block per theme, one quote per report.

    With more than ``per_theme`` reports for a theme, those with the highest scores are quoted and
    the rest counted. Report text is escaped with :func:`html.escape` and cut at ``max_chars``.
    """
    labels = corpus.labels(docs)
    out: list[str] = []
    for theme, part in table.groupby("theme", sort=False):
        part = part.sort_values(["score", "doc_id"], ascending=[False, True], kind="stable")
        out.append(f"**{escape(part['label'].iloc[0])}** (`{theme}`)\n")
        for row in part.head(per_theme).itertuples(index=False):
            text = row.text if len(row.text) <= max_chars else row.text[:max_chars] + "……"
            out.append(f"- {escape(labels[row.doc_id])}, line {row.line} (score {_num(row.score)}):\n"
                       f"  > {escape(text)}")
        if len(part) > per_theme:
            out.append(f"- … and {len(part) - per_theme} more reports.")
        out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------- topics beyond the codebook


@dataclass(frozen=True)
class TopicModel:
    """An NMF topic model over paragraphs (see :func:`topics`); every table is sorted and rounded."""

    terms: pd.DataFrame  # [topic, rank, term, weight]
    paragraphs: pd.DataFrame  # [doc_id, para_id, line, topic, weight]
    shares: pd.DataFrame  # [doc_id, topic, share]
    themes: pd.DataFrame  # [topic, name, terms, theme, theme_label, cosine, coded_theme, coded_share]


def _paragraph_tokens(docs: pd.DataFrame, tokens: pd.DataFrame | None) -> pd.DataFrame:
    from gongwen import terms

    if tokens is None:
        tokens = terms.tokenize(docs, stopwords="function+boilerplate")
    return tokens[~tokens["term"].str.fullmatch(r"[A-Za-z]")]  # single letters are debris


def topics(
    docs: pd.DataFrame,
    *,
    paragraph_table: pd.DataFrame | None = None,
    tokens: pd.DataFrame | None = None,
    n_topics: int = 10,
    min_tokens: int = 5,
    min_paragraphs: int = 2,
    top_terms: int = 10,
    random_state: int = 0,
    codebook: Codebook | None = None,
) -> TopicModel:
    """NMF topics over paragraphs, to see what the codebook misses.

    Each paragraph with at least ``min_tokens`` words (function words and the genre's boilerplate
    removed: :func:`gongwen.terms.tokenize`) is a document, official-document elements (版头, 版记,
    web-copy fields) excepted; terms used in fewer than
    ``min_paragraphs`` paragraphs are dropped; weights are sublinear TF-IDF, L2-normalised.
    scikit-learn's NMF (``init="nndsvda"``, fixed ``random_state``) finds
    ``min(n_topics, paragraphs, terms)`` topics.

    Each topic's closest codebook theme is the one whose phrase vector has the highest cosine with
    the topic's term weights: a term scores, for a theme, the weights of the theme's phrases found
    in it plus half the highest weight of its phrases that contain it (营商 → 营商环境). A cosine
    of 0 leaves the theme empty: the topic is outside the codebook. ``coded_theme`` is, for
    comparison, the dominant theme (``paragraph_table``, :func:`dominant`) holding most of the
    topic's paragraph weight.

    Returns:
        A :class:`TopicModel`: ``terms`` the ``top_terms`` heaviest terms per topic; ``paragraphs``
        each modelled paragraph's main topic and its share of the paragraph's topic weight;
        ``shares`` topic × report, each paragraph's topic weights (normalised to 1) weighted by its
        characters, over the report's modelled characters; ``themes`` one row per topic:
        ``[topic, name, terms, theme, theme_label, cosine, coded_theme, coded_share]`` with ``name``
        its three heaviest terms and ``terms`` its ``top_terms``. Topics count from 1; weights rounded to 4 places.
    """
    from scipy.sparse import csr_matrix
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfTransformer

    book = _codebook(codebook)
    empty = TopicModel(
        pd.DataFrame(columns=["topic", "rank", "term", "weight"]),
        pd.DataFrame(columns=["doc_id", "para_id", "line", "topic", "weight"]),
        pd.DataFrame(columns=["doc_id", "topic", "share"]),
        pd.DataFrame(columns=TOPIC_THEME_COLUMNS),
    )
    from gongwen import structure

    toks = _paragraph_tokens(docs, tokens)
    elements = structure.element_lines(docs)  # every line an element covers (multi-line titles too)
    spans = corpus.paragraphs(docs).set_index(["doc_id", "para_id"])
    skip = {k for k, first, last in zip(spans.index, spans["line"], spans["end_line"], strict=True)
            if any(n in elements.get(k[0], ()) for n in range(first, last + 1))}
    toks = toks[np.array([k not in skip for k in zip(toks["doc_id"], toks["para_id"], strict=True)], dtype=bool)]
    sizes = toks.groupby(["doc_id", "para_id"]).size()
    keep = sizes[sizes >= min_tokens].index
    toks = toks.set_index(["doc_id", "para_id"]).loc[keep].reset_index() if len(keep) else toks.iloc[0:0]
    para_freq = toks.drop_duplicates(["doc_id", "para_id", "term"]).groupby("term").size()
    toks = toks[toks["term"].map(para_freq).fillna(0) >= min_paragraphs]
    if toks.empty:
        return empty
    keys = toks[["doc_id", "para_id"]].drop_duplicates().sort_values(["doc_id", "para_id"]).reset_index(drop=True)
    key_index = {k: i for i, k in enumerate(zip(keys["doc_id"], keys["para_id"], strict=True))}
    vocab = sorted(toks["term"].unique())
    term_index = {t: i for i, t in enumerate(vocab)}
    rows = [key_index[k] for k in zip(toks["doc_id"], toks["para_id"], strict=True)]
    cols = toks["term"].map(term_index).to_numpy()
    counts = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(keys), len(vocab)))
    counts.sum_duplicates()
    weights = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
    n = max(1, min(n_topics, weights.shape[0], weights.shape[1]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = NMF(n_components=n, init="nndsvda", random_state=random_state, max_iter=1000)
        w = model.fit_transform(weights)
    h = model.components_

    term_rows = []
    for topic in range(n):
        order = np.lexsort((np.arange(len(vocab)), -np.round(h[topic], 10)))[:top_terms]
        term_rows += [(topic + 1, r + 1, vocab[j], round(float(h[topic, j]), 4)) for r, j in enumerate(order)
                      if h[topic, j] > 0]
    term_table = pd.DataFrame(term_rows, columns=["topic", "rank", "term", "weight"])

    totals = w.sum(axis=1, keepdims=True)
    norm = np.divide(w, totals, out=np.zeros_like(w), where=totals > 0)
    main = np.argmax(np.round(norm, 10), axis=1)  # ties: the lower topic number
    lines = corpus.paragraphs(docs).set_index(["doc_id", "para_id"])
    para_rows = pd.DataFrame({
        "doc_id": keys["doc_id"], "para_id": keys["para_id"].astype("int64"),
        "line": [int(lines.at[k, "line"]) for k in zip(keys["doc_id"], keys["para_id"], strict=True)],
        "topic": (main + 1).astype("int64"),
        "weight": np.round(norm[np.arange(len(w)), main], 4),
    })
    chars = np.array([_chars(lines.at[k, "text"]) for k in zip(keys["doc_id"], keys["para_id"], strict=True)])
    share_rows = []
    for doc_id in sorted(keys["doc_id"].unique()):
        mask = (keys["doc_id"] == doc_id).to_numpy()
        mass = (norm[mask] * chars[mask, None]).sum(axis=0)
        total = chars[mask][totals[mask, 0] > 0].sum()
        for topic in range(n):
            share_rows.append((doc_id, topic + 1, round(float(mass[topic] / total), 4) if total else 0.0))
    share_table = pd.DataFrame(share_rows, columns=["doc_id", "topic", "share"])

    vectors = _theme_vectors(vocab, book)
    h_norm = h / np.maximum(np.linalg.norm(h, axis=1, keepdims=True), 1e-12)
    v_norm = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    cosine = np.round(h_norm @ v_norm.T, 4)
    coded = None
    if paragraph_table is not None:
        coded = keys.merge(paragraph_table[["doc_id", "para_id", "theme"]], on=["doc_id", "para_id"], how="left")
        coded = coded["theme"].fillna(UNCLASSIFIED).to_numpy()
    theme_rows = []
    for topic in range(n):
        name = "·".join(term_table[term_table["topic"] == topic + 1]["term"].head(3))
        best = int(np.lexsort((np.arange(len(book.themes)), -cosine[topic]))[0])
        theme, label, cos = ("", "", 0.0) if cosine[topic, best] <= 0 else (
            book.themes[best].id, book.themes[best].label, float(cosine[topic, best]))
        coded_theme, coded_share = "", 0.0
        if coded is not None and norm[:, topic].sum() > 0:
            mass = pd.Series(norm[:, topic]).groupby(coded).sum()
            mass = mass.sort_index().sort_values(ascending=False, kind="stable")
            coded_theme, coded_share = str(mass.index[0]), round(float(mass.iloc[0] / mass.sum()), 3)
        top = "、".join(term_table[term_table["topic"] == topic + 1]["term"])
        theme_rows.append((topic + 1, name, top, theme, label, cos, coded_theme, coded_share))
    theme_table = pd.DataFrame(theme_rows, columns=TOPIC_THEME_COLUMNS)
    return TopicModel(term_table, para_rows, share_table, theme_table)


def _theme_vectors(vocab: list[str], book: Codebook) -> np.ndarray:
    """Theme × term weights of the codebook over a vocabulary (see :func:`topics`)."""
    vectors = np.zeros((len(book.themes), len(vocab)))
    phrases = list(book.lookup.items())
    for j, term in enumerate(vocab):
        for index, terms in _matches(term, book).items():
            vectors[index, j] += sum(w * c for (_, w), c in terms.items())
        if len(term) >= 2:
            best: dict[int, int] = {}
            for phrase, (index, weight) in phrases:
                if term in phrase and term != phrase:
                    best[index] = max(best.get(index, 0), weight)
            for index, weight in best.items():
                vectors[index, j] += weight / 2
    return vectors


# --------------------------------------------------------------------------- similarity


def similarity(docs: pd.DataFrame, *, tokens: pd.DataFrame | None = None) -> pd.DataFrame:
    """Cosine similarity between reports over their TF-IDF vectors.

    Vectors are :func:`gongwen.terms.tfidf` (sublinear tf, L2-normalised) over words without
    function words and the genre's boilerplate, so the cosine is their dot product.

    Returns:
        A square table indexed and labelled by doc_id (sorted), values rounded to 4 places, 1 on
        the diagonal.
    """
    from gongwen import terms

    toks = _paragraph_tokens(docs, tokens)
    ids = corpus.usable(docs)["doc_id"].tolist()
    if toks.empty:
        return pd.DataFrame(np.eye(len(ids)), index=ids, columns=ids)
    weights = terms.tfidf(toks, sublinear=True)
    matrix = weights.pivot(index="doc_id", columns="term", values="tfidf").reindex(ids).fillna(0.0)
    values = matrix.to_numpy()
    sim = values @ values.T
    np.fill_diagonal(sim, 1.0)
    table = pd.DataFrame(np.round(np.clip(sim, 0.0, 1.0), 4), index=ids, columns=ids)
    table.index.name = "doc_id"
    return table


def linkage(sim: pd.DataFrame):
    """Average-linkage clustering of reports on ``1 - cosine`` (scipy); None for fewer than 2."""
    if len(sim) < 2:
        return None
    from scipy.cluster.hierarchy import linkage as scipy_linkage
    from scipy.spatial.distance import squareform

    distance = np.clip(1.0 - sim.to_numpy(), 0.0, None)
    np.fill_diagonal(distance, 0.0)
    distance = (distance + distance.T) / 2
    return scipy_linkage(squareform(distance, checks=False), method="average")


def similar_pairs(sim: pd.DataFrame, docs: pd.DataFrame, *, top: int = 10) -> pd.DataFrame:
    """The ``top`` most similar pairs of reports: ``[doc_a, doc_b, 报告甲, 报告乙, cosine]``."""
    labels = corpus.labels(docs)
    ids = list(sim.index)
    rows = [(a, b, labels.get(a, a), labels.get(b, b), float(sim.iat[i, j]))
            for i, a in enumerate(ids) for j, b in enumerate(ids) if i < j]
    table = pd.DataFrame(rows, columns=["doc_a", "doc_b", "报告甲", "报告乙", "cosine"])
    return table.sort_values(["cosine", "doc_a", "doc_b"], ascending=[False, True, True],
                             kind="stable").head(top).reset_index(drop=True)


# --------------------------------------------------------------------------- text reuse

_KEEP = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z0-9]")
_BREAKS = re.compile("|".join([*load_yaml("cleaning.yaml")["redaction"], *load_yaml("cleaning.yaml")["mask"]]))
_HASH_BASE = 1_000_003


def _normalize(text: str) -> tuple[str, list[int]]:
    """Letters, digits and CJK of ``text`` (NFKC, lower case) with each one's offset in ``text``.

    Redaction markers and masks become ``\\x00``, which no passage may cross.
    """
    import unicodedata

    broken = _BREAKS.sub(lambda m: "\x00" * len(m.group(0)), text)
    chars, offsets = [], []
    for i, char in enumerate(broken):
        if char == "\x00":
            if chars and chars[-1] != "\x00":
                chars.append("\x00")
                offsets.append(i)
            continue
        folded = unicodedata.normalize("NFKC", char).lower()
        if len(folded) == 1 and _KEEP.match(folded):
            chars.append(folded)
            offsets.append(i)
    return "".join(chars), offsets


def _line_of(raw_lines: list[str], first: int, last: int, normalized: str) -> list[int]:
    """The line on disk of each character of a paragraph's normalised text."""
    if first == last:
        return [first] * len(normalized)
    out: list[int] = []
    j = 0
    for number in range(first, last + 1):
        # The paragraph text lost spam and markup the same way (corpus.clean_text).
        piece = _normalize(corpus.light_line(raw_lines[number - 1]))[0]
        if piece and normalized.startswith(piece, j):
            out += [number] * len(piece)
            j += len(piece)
    out += [out[-1] if out else first] * (len(normalized) - len(out))
    return out


def reuse(docs: pd.DataFrame, *, min_chars: int = 16, max_reports: int = 50) -> pd.DataFrame:
    """Passages two reports share: maximal common strings of at least ``min_chars`` characters.

    Texts are compared on letters, digits and CJK characters only (NFKC, lower case), so
    punctuation, spaces, full/half width and line breaks do not hide a copy; a passage never
    crosses a paragraph boundary, a redaction marker or a mask. Every ``min_chars``-gram is
    hashed (polynomial hash, vectorised) and the hashes sorted, so the cost grows with the corpus
    size (n log n), not with pairs of characters. A gram shared by more than ``max_reports``
    reports is the genre's common stock, not reuse, and is skipped (None: keep all). Shared grams
    on the same diagonal of two paragraphs are joined into one maximal passage and checked
    character by character.

    Returns:
        ``[doc_a, line_a, doc_b, line_b, chars, text]``: one row per passage and pair of places
        (doc_a < doc_b), ``line_*`` the line on disk where the passage starts, ``chars`` its length
        in compared characters, ``text`` the passage as written in ``doc_a``'s analysis text.
        Sorted by chars (descending), doc_a, line_a, doc_b, line_b.
    """
    if min_chars < 2:
        raise ValueError("min_chars must be at least 2")
    streams: list[str] = []
    owners: list[tuple[int, int, list[int], list[int], str]] = []  # doc index, para start, offsets, lines, text
    ok = corpus.usable(docs)
    doc_ids = ok["doc_id"].tolist()
    position = 0
    for d, raw in enumerate(ok["raw_text"]):
        raw_lines = raw.split("\n")
        for first, last, text in corpus.clean_text(raw).paragraphs:
            normalized, offsets = _normalize(text)
            if len(normalized) < min_chars:
                continue
            owners.append((d, position, offsets, _line_of(raw_lines, first, last, normalized), text))
            streams.append(normalized + "\x00")
            position += len(normalized) + 1
    if not streams:
        return pd.DataFrame(columns=REUSE_COLUMNS)
    joined = "".join(streams)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n_grams = len(codes) - min_chars + 1
    if n_grams <= 0:
        return pd.DataFrame(columns=REUSE_COLUMNS)
    hashes = np.zeros(n_grams, dtype=np.uint64)
    for j in range(min_chars):  # Σ c[i+j]·B^(k-1-j) mod 2^64, overflow wraps
        power = np.uint64(pow(_HASH_BASE, min_chars - 1 - j, 2**64))
        hashes += codes[j : j + n_grams] * power
    breaks = np.concatenate([[0], np.cumsum(codes == 0)])
    valid = (breaks[min_chars : min_chars + n_grams] - breaks[:n_grams]) == 0
    starts = np.array([o[1] for o in owners])
    para_of = np.searchsorted(starts, np.arange(n_grams), side="right") - 1
    doc_of = np.array([o[0] for o in owners])[para_of]
    index = np.flatnonzero(valid)
    order = index[np.argsort(hashes[index], kind="stable")]
    sorted_hashes = hashes[order]
    bounds = np.flatnonzero(np.diff(sorted_hashes)) + 1
    pairs: list[tuple[int, int, int]] = []  # (pos_a, pos_b, diagonal) with doc_a < doc_b
    for group in np.split(order, bounds):
        if len(group) < 2:
            continue
        docs_in = doc_of[group]
        distinct = np.unique(docs_in)
        if len(distinct) < 2 or (max_reports is not None and len(distinct) > max_reports):
            continue
        group = group[np.lexsort((group, docs_in))]
        for x in range(len(group)):
            for y in range(x + 1, len(group)):
                a, b = int(group[x]), int(group[y])
                if doc_of[a] != doc_of[b]:
                    pairs.append((a, b, b - a))
    if not pairs:
        return pd.DataFrame(columns=REUSE_COLUMNS)
    pairs.sort(key=lambda p: (para_of[p[0]], para_of[p[1]], p[2], p[0]))
    rows = []
    run_start = pairs[0]
    previous = pairs[0]
    for pair in [*pairs[1:], None]:
        if pair is not None and pair[2] == previous[2] and pair[0] == previous[0] + 1 \
                and para_of[pair[0]] == para_of[previous[0]]:
            previous = pair
            continue
        a, b = run_start[0], run_start[1]
        length = previous[0] - run_start[0] + min_chars
        if joined[a : a + length] == joined[b : b + length]:  # a hash collision would differ here
            rows.append(_passage(owners, para_of, a, b, length, doc_ids))
        if pair is not None:
            run_start = previous = pair
    table = pd.DataFrame(rows, columns=REUSE_COLUMNS).drop_duplicates()
    table = table.sort_values(["chars", "doc_a", "line_a", "doc_b", "line_b"],
                              ascending=[False, True, True, True, True], kind="stable")
    return _typed(table.reset_index(drop=True), REUSE_COLUMNS)


def _passage(owners, para_of, a: int, b: int, length: int, doc_ids: list[str]) -> tuple:
    doc_a, start_a, offsets_a, lines_a, text_a = owners[para_of[a]]
    doc_b, start_b, _, lines_b, _ = owners[para_of[b]]
    i, j = a - start_a, b - start_b
    text = text_a[offsets_a[i] : offsets_a[i + length - 1] + 1]
    return doc_ids[doc_a], lines_a[i], doc_ids[doc_b], lines_b[j], length, text


# --------------------------------------------------------------------------- display tables


def codebook_summary(codebook: Codebook | None = None, *, examples: int = 6) -> pd.DataFrame:
    """One row per theme: ``[主题, 名称, 纲要部分, 词语数, 权重3的词语]`` (the first ``examples``
    phrases of weight 3, in file order)."""
    book = _codebook(codebook)
    rows = []
    for theme in book.themes:
        strong = [term for term, weight in theme.terms if weight == 3]
        rows.append((theme.id, theme.label, str(theme.part) if theme.grid else "—", len(theme.terms),
                     "、".join(strong[:examples]) + ("……" if len(strong) > examples else "")))
    return pd.DataFrame(rows, columns=["主题", "名称", "纲要部分", "词语数", "权重3的词语"])


def display_paragraphs(paragraph_table: pd.DataFrame, docs: pd.DataFrame, *, codebook: Codebook | None = None,
                       evidence_chars: int = 60) -> pd.DataFrame:
    """A :func:`dominant` table for reading: report label, line, characters, theme label, score,
    evidence (cut at ``evidence_chars``); no paragraph text."""
    book = _codebook(codebook)
    labels = corpus.labels(docs)
    evidence = paragraph_table["evidence"].map(lambda e: e if len(e) <= evidence_chars else e[:evidence_chars] + "…")
    return pd.DataFrame({
        "报告": paragraph_table["doc_id"].map(labels),
        "段": paragraph_table["para_id"],
        "行": paragraph_table["line"],
        "字数": paragraph_table["chars"],
        "主题": paragraph_table["theme"].map(book.labels),
        "得分": paragraph_table["score"],
        "证据": evidence,
    })


def display_reuse(reuse_table: pd.DataFrame, docs: pd.DataFrame, *, text_chars: int = 60) -> pd.DataFrame:
    """A :func:`reuse` table for reading: both reports by label with their lines, the length and the
    passage (cut at ``text_chars``)."""
    labels = corpus.labels(docs)
    return pd.DataFrame({
        "报告甲": reuse_table["doc_a"].map(labels),
        "行甲": reuse_table["line_a"],
        "报告乙": reuse_table["doc_b"].map(labels),
        "行乙": reuse_table["line_b"],
        "字数": reuse_table["chars"],
        "共享文字": reuse_table["text"].map(lambda t: t if len(t) <= text_chars else t[:text_chars] + "…"),
    })


def display_topics(model: TopicModel, *, codebook: Codebook | None = None) -> pd.DataFrame:
    """The topics for reading: number, top terms, closest codebook theme with its cosine, and the
    coded theme holding most of the topic's paragraphs with its share."""
    book = _codebook(codebook)
    table = model.themes
    return pd.DataFrame({
        "主题": table["topic"],
        "主要词语": table["terms"],
        "最接近的码本主题": table["theme_label"].replace("", "（码本外）"),
        "余弦": table["cosine"],
        "段落编码主题": table["coded_theme"].map(lambda t: book.labels.get(t, t)),
        "占比": table["coded_share"],
    })


# --------------------------------------------------------------------------- figures


def _theme_colors(ids: list[str]) -> dict[str, tuple]:
    import matplotlib.pyplot as plt

    palette = list(plt.get_cmap("tab20").colors)
    colors = {theme: palette[i % len(palette)] for i, theme in enumerate(t for t in ids if t != UNCLASSIFIED)}
    colors[UNCLASSIFIED] = (0.85, 0.85, 0.85)
    return colors


def _message(title: str, message: str):
    """A figure that says why there is nothing to draw."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 2.5))
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12)
    fig.suptitle(title)
    return fig


def _title(fig, title: str) -> None:
    fig.tight_layout()
    fig.suptitle(title, y=1 + 0.08 / fig.get_figheight(), va="bottom")


def plot_heatmap(share_table: pd.DataFrame, docs: pd.DataFrame, *, top: int = 30,
                 codebook: Codebook | None = None):
    """Heatmap report × theme of theme shares (percent in the cells); the longest ``top`` reports."""
    import matplotlib.pyplot as plt

    from gongwen import plotting

    plotting.use_cjk_font()
    _, note = _shown(docs, top)
    matrix = share_matrix(share_table, docs, codebook=codebook, top=top)
    if matrix.empty:
        return _message("各报告的主题构成", "没有主题表适用的报告")
    rows, cols = matrix.shape
    fig, ax = plt.subplots(figsize=(max(6.0, 0.62 * cols + 3), max(2.5, 0.42 * rows + 2.2)))
    image = ax.imshow(matrix.to_numpy(), cmap="Blues", vmin=0, vmax=max(0.01, float(matrix.to_numpy().max())),
                      aspect="auto")
    ax.set_xticks(range(cols), matrix.columns, rotation=60, ha="right", fontsize=9)
    ax.set_yticks(range(rows), matrix.index, fontsize=9)
    if rows <= 40:
        high = float(matrix.to_numpy().max()) or 1.0
        for i in range(rows):
            for j in range(cols):
                value = matrix.iat[i, j]
                if value >= 0.005:
                    ax.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=7,
                            color="white" if value > 0.6 * high else "black")
    fig.colorbar(image, ax=ax, fraction=0.025, pad=0.02, label="字数占比")
    _title(fig, f"各报告的主题构成（按字数）{note}")
    return fig


def plot_shares(share_table: pd.DataFrame, docs: pd.DataFrame, *, top: int = 30,
                codebook: Codebook | None = None):
    """Stacked bars: each report's characters split by theme (the longest ``top`` reports)."""
    import matplotlib.pyplot as plt

    from gongwen import plotting

    plotting.use_cjk_font()
    book = _codebook(codebook)
    ids = [*book.ids, UNCLASSIFIED]
    shown, note = _shown(docs, top)
    if shown.empty:
        return _message("各报告的主题份额", "没有主题表适用的报告")
    colors = _theme_colors(ids)
    labels = corpus.labels(docs)
    fig, ax = plt.subplots(figsize=(11, max(2.5, 0.4 * len(shown) + 1.8)))
    names = [labels[d] for d in shown["doc_id"]][::-1]
    left = np.zeros(len(shown))
    table = share_table.set_index(["doc_id", "theme"])["share"]
    for theme in ids:
        values = np.array([float(table.get((d, theme), 0.0)) for d in shown["doc_id"]][::-1])
        if not values.any():
            continue
        ax.barh(names, values, left=left, color=colors[theme], label=book.labels[theme], edgecolor="white",
                linewidth=0.4)
        left += values
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel("占报告字数的比例")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.6 / fig.get_figheight()), ncol=4, frameon=False,
              fontsize=8)
    _title(fig, f"各报告的主题份额{note}")
    return fig


def plot_topics(model: TopicModel, docs: pd.DataFrame, *, top: int = 30):
    """Heatmap topic × report of topic shares; topic names carry their closest codebook theme."""
    import matplotlib.pyplot as plt

    from gongwen import plotting

    plotting.use_cjk_font()
    if model.themes.empty:
        return _message("NMF 主题", "段落太少，无法建立主题模型")
    shown, note = _shown(docs, top)
    shown = shown[shown["doc_id"].isin(set(model.shares["doc_id"]))]
    labels = corpus.labels(docs)
    matrix = model.shares.pivot(index="topic", columns="doc_id", values="share").reindex(columns=shown["doc_id"])
    names = [f"T{t} {n} → {lab or '（码本外）'}" for t, n, lab in
             zip(model.themes["topic"], model.themes["name"], model.themes["theme_label"], strict=True)]
    rows, cols = matrix.shape
    fig, ax = plt.subplots(figsize=(max(6.0, 0.7 * cols + 5), max(2.5, 0.4 * rows + 2.5)))
    image = ax.imshow(matrix.fillna(0).to_numpy(), cmap="Purples", vmin=0, aspect="auto")
    ax.set_yticks(range(rows), names, fontsize=8)
    ax.set_xticks(range(cols), [labels[d] for d in matrix.columns], rotation=60, ha="right", fontsize=8)
    if rows * cols <= 600:
        high = float(np.nanmax(matrix.to_numpy())) or 1.0
        for i in range(rows):
            for j in range(cols):
                value = matrix.iat[i, j]
                if value >= 0.005:
                    ax.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=7,
                            color="white" if value > 0.6 * high else "black")
    fig.colorbar(image, ax=ax, fraction=0.025, pad=0.02, label="字数占比")
    _title(fig, f"NMF 主题在各报告中的份额（→ 最接近的码本主题）{note}")
    return fig


def _leaf_order(sim: pd.DataFrame) -> list[int]:
    from scipy.cluster.hierarchy import leaves_list

    tree = linkage(sim)
    return list(range(len(sim))) if tree is None else [int(i) for i in leaves_list(tree)]


def plot_similarity(sim: pd.DataFrame, docs: pd.DataFrame, *, top: int = 30):
    """Heatmap of report × report cosine similarity, ordered as the dendrogram's leaves."""
    import matplotlib.pyplot as plt

    from gongwen import plotting

    plotting.use_cjk_font()
    shown, note = _shown(docs, top)
    if shown.empty:
        return _message("报告之间的相似度", "没有可分析的报告")
    part = sim.loc[shown["doc_id"], shown["doc_id"]]
    order = _leaf_order(part)
    part = part.iloc[order, order]
    labels = [corpus.labels(docs)[d] for d in part.index]
    n = len(part)
    fig, ax = plt.subplots(figsize=(max(4.5, 0.5 * n + 3), max(3.5, 0.45 * n + 2)))
    image = ax.imshow(part.to_numpy(), cmap="viridis", vmin=0, vmax=1)
    ax.set_xticks(range(n), labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(n), labels, fontsize=8)
    if n <= 15:
        for i in range(n):
            for j in range(n):
                value = part.iat[i, j]
                ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                        color="black" if value > 0.6 else "white")
    fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02, label="余弦相似度")
    _title(fig, f"报告之间的 TF-IDF 余弦相似度{note}")
    return fig


def plot_dendrogram(sim: pd.DataFrame, docs: pd.DataFrame, *, top: int = 60):
    """Average-linkage dendrogram of reports on 1 − cosine; more than ``top`` reports are cut to
    ``top`` clusters (leaf labels then give cluster sizes)."""
    import matplotlib.pyplot as plt
    from scipy.cluster.hierarchy import dendrogram

    from gongwen import plotting

    plotting.use_cjk_font()
    tree = linkage(sim)
    n = len(sim)
    if tree is None:
        return _message("报告聚类", "聚类需要至少两篇报告")
    fig, ax = plt.subplots(figsize=(9, max(2.5, 0.35 * min(n, top) + 1.5)))
    labels = [corpus.labels(docs)[d] for d in sim.index]
    kwargs = {"truncate_mode": "lastp", "p": top} if n > top else {}
    dendrogram(tree, labels=labels, orientation="right", ax=ax, color_threshold=0, above_threshold_color="#4C72B0",
               leaf_font_size=9, **kwargs)
    ax.set_xlabel("距离（1 − 余弦相似度，平均连接）")
    ax.spines[["top", "right", "left"]].set_visible(False)
    note = f"（{n} 篇报告合并为 {top} 个分支）" if n > top else ""
    _title(fig, f"报告聚类{note}")
    return fig


# --------------------------------------------------------------------------- summary


def summarize(
    docs: pd.DataFrame,
    share_table: pd.DataFrame,
    coverage_table: pd.DataFrame,
    model: TopicModel,
    sim: pd.DataFrame,
    reuse_table: pd.DataFrame,
    *,
    max_reports: int = 12,
) -> str:
    """Findings as Markdown bullet points, every figure from the tables given (text escaped)."""
    labels = corpus.labels(docs)
    ok = corpus.usable(docs)
    out: list[str] = []
    if ok.empty:
        return "- No usable report."
    chars = share_table.groupby("theme")["chars"].sum()
    total = int(chars.sum())
    if total:
        grid_share = chars[[t for t in chars.index if t in GRID]].sum() / total
        out.append(f"- Across the corpus, {grid_share:.1%} of the characters fall on the ten parts of the 纲要, "
                   f"{chars.get(UNCLASSIFIED, 0) / total:.1%} are unclassified.")
    shown = ok.sort_values(["chars", "doc_id"], ascending=[False, True]).head(max_reports).sort_values("doc_id")
    for doc_id in shown["doc_id"]:
        part = share_table[(share_table["doc_id"] == doc_id) & (share_table["share"] > 0)
                           & (share_table["theme"] != UNCLASSIFIED)]
        part = part.sort_values(["share", "theme"], ascending=[False, True], kind="stable").head(3)
        if len(part):
            top = "、".join(f"{escape(lab)} {s:.0%}" for lab, s in zip(part["label"], part["share"], strict=True))
            out.append(f"- {escape(labels[doc_id])}: {top}.")
    if len(ok) > max_reports:
        out.append(f"- (Themes listed for the {max_reports} longest of {len(ok)} reports.)")
    absent = coverage_table[coverage_table["status"] == "absent"]
    if len(absent):
        often = absent.groupby("label").size().sort_index().sort_values(ascending=False, kind="stable")
        out.append("- Grid parts never touched: " + "、".join(
            f"{escape(lab)} ({n} of {len(ok)} reports)" for lab, n in often.head(5).items()) + ".")
    else:
        out.append("- Every report touches every grid part of the 纲要 at least once.")
    outside = model.themes[(model.themes["theme"] == "") | (model.themes["cosine"] < 0.1)]
    if len(model.themes):
        if len(outside):
            out.append(f"- {len(outside)} of {len(model.themes)} NMF topics lie (almost) outside the codebook "
                       "(cosine < 0.1): " + "；".join(escape(n) for n in outside["name"]) + ".")
        else:
            out.append(f"- Every one of the {len(model.themes)} NMF topics is close to a codebook theme.")
    if len(sim) > 1:
        values = sim.to_numpy().copy()
        np.fill_diagonal(values, -1)
        i, j = np.unravel_index(int(np.argmax(values)), values.shape)
        out.append(f"- Most similar reports (TF-IDF cosine {values[i, j]:.2f}): {escape(labels[sim.index[i]])} and "
                   f"{escape(labels[sim.index[j]])}.")
    if len(reuse_table):
        first = reuse_table.iloc[0]
        pairs = reuse_table[["doc_a", "doc_b"]].drop_duplicates()
        out.append(f"- {len(reuse_table)} shared passages between {len(pairs)} pairs of reports; the longest "
                   f"({first['chars']} characters), {escape(labels[first['doc_a']])} line {first['line_a']} and "
                   f"{escape(labels[first['doc_b']])} line {first['line_b']}: “{escape(first['text'])}”.")
    else:
        out.append("- No passage is shared between reports.")
    return "\n".join(out)
