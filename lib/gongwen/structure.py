"""Structure of each report: outline, official-document elements, required annual-report content.

Four tables, all keyed by ``doc_id`` and 1-based line numbers of the file on disk:

* :func:`outline` — headings (``一、`` → ``（一）`` → ``1.`` → ``（1）``, level from the marker
  family) and inline enumerations (``一是……二是……``) with the heading chain of each.
* :func:`sections` — every paragraph of the analysis text with the heading chain it sits under.
* :func:`elements` — the GB/T 9704-2012 document elements (版头, 主体, 版记) and the fields web
  copies add, one row per report and element.
* :func:`compliance` — for annual reports, where each item the regulation requires is covered:
  in a heading, in a paragraph, or nowhere.

Plus a side-by-side structural :func:`profile`, display helpers and two figures
(:func:`plot_outlines`, :func:`plot_document_map`). Rules and patterns live in
``data/structure.yaml``; nothing here names a particular report.

Titles are read from the raw lines (internal spaces kept as written); markup debris (``**``),
injected spam and zero-width characters are dropped, and odd spaces (NBSP, ideographic space)
count as spaces. Lines the loader joined into one paragraph (:func:`gongwen.corpus.clean_text`)
let a title run over a line break; page chrome never becomes a heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from html import escape

import pandas as pd

from gongwen import corpus, metadata
from gongwen._data import load_yaml
from gongwen.cache import per_report

__all__ = [
    "COMPLIANCE_COLUMNS",
    "ELEMENTS",
    "ELEMENT_COLUMNS",
    "OUTLINE_COLUMNS",
    "PROFILE_COLUMNS",
    "SECTION_COLUMNS",
    "compliance",
    "compliance_matrix",
    "element_matrix",
    "elements",
    "outline",
    "outline_tree",
    "plot_document_map",
    "plot_outlines",
    "profile",
    "profile_table",
    "required_items",
    "section_lengths",
    "sections",
    "summarize",
]

OUTLINE_COLUMNS = ["doc_id", "line", "kind", "level", "marker", "title", "path"]
SECTION_COLUMNS = ["doc_id", "para_id", "line", "path", "top_title"]
ELEMENT_COLUMNS = ["doc_id", "element", "present", "text", "line"]
COMPLIANCE_COLUMNS = ["doc_id", "item", "name", "applicable", "how", "line", "path", "matched"]
PROFILE_COLUMNS = [
    "doc_id", "headings_l1", "headings_l2", "headings_l3", "headings_l4", "depth", "enums",
    "sections", "enums_per_section", "paragraphs", "para_chars_median", "para_chars_max",
    "marker_width", "level3_marker", "punct_halfwidth_share", "punct_width", "sentences",
    "sentence_chars_median",
]

_RULES = load_yaml("structure.yaml")
_O = _RULES["outline"]
_E = _RULES["elements"]

#: Element names, in the order of the elements table.
ELEMENTS: tuple[str, ...] = tuple(_E["order"])

_CN = (r"(?:[一二三四五六七八九]?百(?:零[一二三四五六七八九]|[一二三四五六七八九]?十[一二三四五六七八九]?)?"
       r"|[一二三四五六七八九]?十[一二三四五六七八九]?|[一二三四五六七八九])")
_DATE = (r"(?:(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
         r"|[〇○零O一二三四五六七八九]{4}\s*年\s*[一二三四五六七八九十]{1,3}\s*月\s*[一二三四五六七八九十]{1,3}\s*日)")


def _compile(pattern: str, flags: int = 0) -> re.Pattern:
    return re.compile(pattern.replace("{cn}", _CN).replace("{date}", _DATE), flags)


@dataclass(frozen=True)
class _Family:
    """A family of heading markers (一、, （一）, 第一章 …)."""

    rank: int  # place in the order of all families, statute families first
    level: int | None  # level in a report without statute families; None for a statute family
    path: str  # how its number is written in paths
    arabic: bool
    pattern: re.Pattern


_FAMILIES = [
    *(_Family(rank, None, f["path"], False, _compile(f["pattern"])) for rank, f in enumerate(_O["statute"])),
    *(_Family(len(_O["statute"]) + k, f["level"], f["path"], bool(f.get("arabic")), _compile(f["pattern"]))
      for k, f in enumerate(_O["headings"])),
]
_ENUM = _compile(_O["enum"])
_ENUM_AFTER = _compile(_O["enum_after"])
_TITLE_END = _O["title_end"]
_TITLE_TRIM = _O["title_trim"]
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_UNNUMBERED = re.compile(rf"[{_CJK}]{{2,{int(_O['unnumbered_max'])}}}")
_SENTENCE_END = "。；;！？!?：:"

_SPACES = re.compile(r"\s+")

_CN_DIGIT = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _cn_number(text: str) -> int:
    """一 … 九百九十九 as an int."""
    hundreds = 0
    if "百" in text:
        head, _, text = text.partition("百")
        hundreds = _CN_DIGIT.get(head, 1) * 100
        text = text.lstrip("零")
        if not text:
            return hundreds
        if "十" not in text:
            return hundreds + _CN_DIGIT[text]
    if "十" not in text:
        return hundreds + _CN_DIGIT[text]
    tens, _, ones = text.partition("十")
    return hundreds + (_CN_DIGIT[tens] if tens else 1) * 10 + (_CN_DIGIT[ones] if ones else 0)


# --------------------------------------------------------------------------- paragraphs


@lru_cache(maxsize=1024)
def _paragraph_segments(raw_text: str) -> tuple[tuple[tuple[int, str], ...], ...]:
    """Per paragraph of :func:`corpus.clean_text`, its raw lines as ``(line, light text)``.

    The i-th entry belongs to paragraph ``para_id = i + 1``. Page-chrome and blank lines inside a
    paragraph's span are left out.
    """
    cleaned = corpus.clean_text(raw_text)
    chrome = {line for line, kind, *_ in cleaned.changes if kind == "page_chrome"}
    light = corpus.light_lines(raw_text)
    out = []
    for first, last, _ in cleaned.paragraphs:
        segments = []
        for number in range(first, last + 1):
            if number in chrome:
                continue
            text = light[number - 1]
            if text:
                segments.append((number, text))
        out.append(tuple(segments))
    return tuple(out)


@dataclass(frozen=True)
class _Paragraph:
    segments: tuple[tuple[int, str], ...]

    @property
    def text(self) -> str:
        return "".join(text for _, text in self.segments)

    def starts(self) -> list[int]:
        out, at = [], 0
        for _, text in self.segments:
            out.append(at)
            at += len(text)
        return out

    def line_at(self, offset: int) -> int:
        line = self.segments[0][0]
        for start, (number, _) in zip(self.starts(), self.segments, strict=True):
            if start <= offset:
                line = number
        return line


# --------------------------------------------------------------------------- outline


@dataclass(frozen=True)
class _Heading:
    level: int
    number: int | None  # None for an unnumbered heading
    family: _Family | None  # None for an unnumbered heading
    numeral: str  # the number as written (一, 12); empty when unnumbered
    marker: str
    title: str
    title_end: int  # offset in the paragraph text where the title stops


@dataclass(frozen=True)
class _Analysis:
    rows: tuple[tuple, ...]  # (line, order, kind, level, marker, title, path)
    # Per paragraph: (path, top_title, top_line) of the heading chain it sits under.
    chains: tuple[tuple[str, str, int | None], ...]


def _match_marker(text: str) -> tuple[_Family, str, str, int] | None:
    """``(family, numeral, marker, end)`` when ``text`` opens with a heading marker."""
    for family in _FAMILIES:
        match = family.pattern.match(text)
        if match:
            marker = _SPACES.sub("", match.group(0))
            return family, match.group("num"), marker, match.end()
    return None


def _number(family: _Family, numeral: str) -> int:
    return int(numeral) if family.arabic else _cn_number(numeral)


def _path_element(heading: _Heading) -> str:
    if heading.family is None:
        return heading.title
    return heading.family.path.format(num=int(heading.numeral) if heading.family.arabic else heading.numeral)


def _levels(families: set[_Family]) -> dict[_Family, int]:
    """Level of each family a report uses: the GB/T 9704 levels, or, in a report with chapters
    or articles, the family's rank among those it uses."""
    if all(f.level is not None for f in families):
        return {f: f.level for f in families}
    return {f: k for k, f in enumerate(sorted(families, key=lambda f: f.rank), start=1)}


def _trim(title: str, extra: str = "") -> str:
    return title.strip().rstrip(_TITLE_TRIM + extra).strip()


def _heading_title(paragraph: _Paragraph, start: int) -> tuple[str, int]:
    """Title of a heading whose text starts at ``start``: to the first 。 or the end of its line.

    The title goes on over a line break the loader joined when the rest up to the next 。 is short
    (a PDF break inside the title, not a title joined to its body).
    """
    text, starts = paragraph.text, paragraph.starts()
    own_end = starts[1] if len(starts) > 1 else len(text)
    stop = text.find(_TITLE_END, start, own_end)
    if stop >= 0:
        return _trim(text[start:stop]), stop
    if len(starts) > 1:
        next_end = starts[2] if len(starts) > 2 else len(text)
        cont_stop = text.find(_TITLE_END, own_end, next_end)
        cont_stop = next_end if cont_stop < 0 else cont_stop
        if cont_stop - own_end <= int(_O["continuation_max"]):
            return _trim(text[start:cont_stop]), cont_stop
    return _trim(text[start:own_end]), own_end


def _enum_title(text: str, start: int, stop_before: int) -> str:
    stop = text.find(_TITLE_END, start, stop_before)
    if stop >= 0:
        return _trim(text[start:stop])
    # No 。 before the next enumeration: stop there, without the punctuation that separates them.
    return _trim(text[start:stop_before], "；;，,、")


def _find_headings(paragraphs: list[_Paragraph]) -> tuple[dict[int, _Heading], set[int]]:
    """Numbered headings by paragraph index, and paragraphs consumed as a title's second line."""
    headings: dict[int, _Heading] = {}
    consumed: set[int] = _table_of_contents(paragraphs)
    for i, paragraph in enumerate(paragraphs):
        if not paragraph.segments or i in consumed:
            continue
        found = _match_marker(paragraph.text)
        if found is None:
            continue
        family, numeral, marker, end = found
        start = end + (len(paragraph.text[end:]) - len(paragraph.text[end:].lstrip()))
        title, title_end = _heading_title(paragraph, start)
        # A title cut at its 。 is complete: the next short line (a signature, say) is not its second half.
        complete = title_end < len(paragraph.text)
        follower = _title_follower(paragraphs, i, title,
                                   single_line=len(paragraph.segments) == 1 and not complete)
        if follower is not None:
            title = _trim(title + follower)
            consumed.add(i + 1)
        headings[i] = _Heading(0, _number(family, numeral), family, numeral, marker, title, title_end)
    levels = _levels({h.family for h in headings.values()})
    return {i: replace(h, level=levels[h.family]) for i, h in headings.items()}, consumed


_CONTENTS = re.compile(r"^\s*目\s*录\s*$")


def _table_of_contents(paragraphs: list[_Paragraph]) -> set[int]:
    """The entries of a table of contents (目录, then 第一章 总则 / 第二章 … one a line, up to the
    line that repeats its first entry, where the text begins): navigation, not headings."""
    start = next((i for i, p in enumerate(paragraphs[:40]) if _CONTENTS.match(p.text)), None)
    if start is None:
        return set()
    entries: list[int] = []
    first = None
    for i in range(start + 1, min(len(paragraphs), start + 200)):
        found = _match_marker(paragraphs[i].text)
        if found is None:
            break
        if first is None:
            first = found[2]
        elif found[2] == first:
            break
        entries.append(i)
    return {start, *entries} if first is not None and i < len(paragraphs) and len(entries) >= 2 else set()


def _title_follower(paragraphs: list[_Paragraph], i: int, title: str, *, single_line: bool) -> str | None:
    """The second line of a title written over two lines, if the next paragraph is one."""
    if not single_line or i + 1 >= len(paragraphs) or _TITLE_END in title:
        return None
    own = paragraphs[i]
    if title and (len(title) < int(_O["split_title_min"]) or title[-1] in _SENTENCE_END):
        return None
    following = paragraphs[i + 1]
    if len(following.segments) != 1 or following.segments[0][0] - own.segments[-1][0] > 3:
        return None
    text = following.text
    if _match_marker(text) or _ENUM.match(text) or len(text) > int(_O["split_line_max"]):
        return None
    if _TITLE_END in text[:-1]:
        return None
    return text.rstrip(_TITLE_END)


def _find_unnumbered(paragraphs: list[_Paragraph], headings: dict[int, _Heading],
                     consumed: set[int]) -> dict[int, _Heading]:
    """Short standalone lines whose numeral was lost: the numbering of their level skips there."""
    found: dict[int, _Heading] = {}
    if not headings:
        return found
    first = min(headings)
    order = sorted(headings)
    lookahead = int(_O["unnumbered_lookahead"])
    for i, paragraph in enumerate(paragraphs):
        if i <= first or i in headings or i in consumed or len(paragraph.segments) != 1:
            continue
        text = paragraph.text
        if not _UNNUMBERED.fullmatch(text):
            continue
        child = next((j for j in range(i + 1, min(i + 1 + lookahead, len(paragraphs))) if j in headings), None)
        if child is None or headings[child].number != 1 or headings[child].level < 2:
            continue
        level = headings[child].level - 1
        before = [headings[j].number for j in order if j < i and headings[j].level == level]
        after = [headings[j].number for j in order if j > i and headings[j].level == level]
        if before and after and after[0] == before[-1] + 2:
            found[i] = _Heading(level, None, None, "", "", text, len(text))
    return found


@per_report("structure.analyse")
def _analyse(raw_text: str) -> _Analysis:
    paragraphs = [_Paragraph(s) for s in _paragraph_segments(raw_text)]
    headings, consumed = _find_headings(paragraphs)
    headings.update(_find_unnumbered(paragraphs, headings, consumed))

    rows: list[tuple] = []
    chains: list[tuple[str, str, int | None]] = []
    stack: list[tuple[_Heading, str, int]] = []  # (heading, path element, line)
    last_enum: int | None = None
    for i, paragraph in enumerate(paragraphs):
        if not paragraph.segments:
            chains.append(_chain(stack))
            continue
        text = paragraph.text
        search_from = 0
        heading = headings.get(i)
        if heading is not None:
            while stack and stack[-1][0].level >= heading.level:
                stack.pop()
            line = paragraph.segments[0][0]
            stack.append((heading, _path_element(heading), line))
            last_enum = None
            rows.append((line, (i, 0), "heading", heading.level, heading.marker, heading.title,
                         " > ".join(e for _, e, _ in stack)))
            search_from = heading.title_end
        chains.append(_chain(stack))
        enums = []
        for match in _ENUM.finditer(text, search_from):
            at = match.start()
            if at > 0 and not _ENUM_AFTER.match(text[at - 1]):
                continue
            n = _cn_number(match.group("num"))
            if not (n == 1 or (last_enum is not None and last_enum < n <= last_enum + 2)):
                continue
            last_enum = n
            enums.append(match)
        level = (stack[-1][0].level if stack else 0) + 1
        prefix = " > ".join(e for _, e, _ in stack)
        for k, match in enumerate(enums):
            stop_before = enums[k + 1].start() if k + 1 < len(enums) else len(text)
            marker = match.group(0)
            title = _enum_title(text, match.end(), stop_before)
            path = f"{prefix} > {marker}" if prefix else marker
            rows.append((paragraph.line_at(match.start()), (i, match.start() + 1), "enum", level, marker,
                         title, path))
    return _Analysis(tuple(rows), tuple(chains))


def _chain(stack) -> tuple[str, str, int | None]:
    if not stack:
        return "", "", None
    return " > ".join(e for _, e, _ in stack), stack[0][0].title, stack[0][2]


def outline(docs: pd.DataFrame) -> pd.DataFrame:
    """Headings and inline enumerations of every usable report.

    Returns:
        ``[doc_id, line, kind, level, marker, title, path]`` sorted by doc_id, line and position
        in the line. ``kind`` is ``heading`` or ``enum``. A heading's ``level`` comes from its
        marker family (``一、`` 1, ``（一）``/``(一)`` 2, ``1.``/``1、``/``1．`` 3, ``（1）``/``(1)`` 4);
        an enumeration (``一是``) is one level below its enclosing heading (1 outside any heading).
        ``marker`` is written as in the text (whitespace dropped; empty for an unnumbered heading
        whose numeral was lost). ``title`` runs to the first 。 or the end of the line (over a
        line break where the line was broken inside the title). ``path`` is the heading chain,
        e.g. ``一 > （三） > 2 > 一是`` (brackets always full-width). ``line`` is the line on disk.
    """
    rows = []
    for doc_id, raw in corpus.usable_texts(docs):
        for line, order, kind, level, marker, title, path in _analyse(raw).rows:
            rows.append((doc_id, line, order, kind, level, marker, title, path))
    table = pd.DataFrame(rows, columns=["doc_id", "line", "_order", "kind", "level", "marker", "title", "path"])
    table = table.sort_values(["doc_id", "line", "_order"], kind="stable").drop(columns="_order")
    return _typed(table.reset_index(drop=True), {"line": "int64", "level": "int64"})[OUTLINE_COLUMNS]


def sections(docs: pd.DataFrame) -> pd.DataFrame:
    """Every paragraph of the analysis text with the heading chain it sits under.

    Returns:
        ``[doc_id, para_id, line, path, top_title]``: ``para_id`` and ``line`` as in
        :func:`gongwen.corpus.paragraphs`; ``path`` is the chain of headings (as in :func:`outline`,
        enumerations left out) in force at the paragraph — a heading's own paragraph is under
        itself — and ``top_title`` is the title of the outermost heading of that chain. Both are
        empty strings before the first heading.
    """
    rows = []
    for doc_id, raw in corpus.usable_texts(docs):
        chains = _analyse(raw).chains
        for para_id, (first, _, _) in enumerate(corpus.clean_text(raw).paragraphs, start=1):
            path, top_title, _ = chains[para_id - 1]
            rows.append((doc_id, para_id, first, path, top_title))
    return _typed(pd.DataFrame(rows, columns=SECTION_COLUMNS), {"para_id": "int64", "line": "int64"})


def line_paths(raw_text: str) -> list[str]:
    """The heading path (as in :func:`outline`) in force at every line of one raw text.

    Element ``i`` is for line ``i + 1`` on disk; lines between paragraphs (blank lines, page
    chrome) carry the path of the paragraph above. Used to place other tables' rows
    (metrics, themes) in the report's sections.
    """
    lines = raw_text.split("\n")
    paths = [""] * len(lines)
    chains = _analyse(raw_text).chains
    for (first, last, _), (path, _, _) in zip(corpus.clean_text(raw_text).paragraphs, chains, strict=True):
        for number in range(first, last + 1):
            paths[number - 1] = path
    for i in range(1, len(paths)):
        if not paths[i] and not lines[i].strip():
            paths[i] = paths[i - 1]
    return paths


def section_lengths(docs: pd.DataFrame) -> pd.DataFrame:
    """Length of each top-level section of every usable report, for the document map.

    The top level is the highest heading level a report uses (usually ``一、``). Text before the
    first such heading is section 0 (``marker`` and ``title`` empty). Paragraphs that are document
    elements (版头, 版记, 附注: see :func:`elements`) belong to no section.

    Returns:
        ``[doc_id, section, marker, title, line, chars, share]``: ``section`` counts from 0,
        ``line`` is the first line, ``chars`` the non-whitespace characters of its paragraphs,
        ``share`` its share of the report's sectioned text (rounded to 4 places).
    """
    rows = []
    covered = element_lines(docs)
    for doc_id, raw in corpus.usable_texts(docs):
        analysis = _analyse(raw)
        heads = [r for r in analysis.rows if r[2] == "heading"]
        top_level = min((r[3] for r in heads), default=None)
        tops = [r for r in heads if r[3] == top_level]
        starts = [r[0] for r in tops]
        chars = [0] * (len(tops) + 1)
        first_line = [None] * (len(tops) + 1)
        skip = covered.get(doc_id, set())
        for first, last, text in corpus.clean_text(raw).paragraphs:
            if any(n in skip for n in range(first, last + 1)):
                continue
            k = sum(1 for s in starts if s <= first)
            chars[k] += len(re.sub(r"\s", "", text))
            first_line[k] = first if first_line[k] is None else first_line[k]
        total = sum(chars) or 1
        for k in range(len(tops) + 1):
            if k == 0 and chars[0] == 0:
                continue
            marker, title, line = ("", "", first_line[0]) if k == 0 else (tops[k - 1][4], tops[k - 1][5],
                                                                             tops[k - 1][0])
            rows.append((doc_id, k, marker, title, line, chars[k], round(chars[k] / total, 4)))
    table = pd.DataFrame(rows, columns=["doc_id", "section", "marker", "title", "line", "chars", "share"])
    return _typed(table, {"section": "int64", "line": "Int64", "chars": "int64", "share": "float64"})


def outline_tree(outline_table: pd.DataFrame, docs: pd.DataFrame, *, title_chars: int = 30) -> pd.DataFrame:
    """The outline for reading: one row per heading or enumeration, indented by level.

    Returns:
        ``[报告, 行, 类型, 层级, 提纲]`` with the report label, the line on disk, 标题 or 列举,
        the level, and marker plus title (cut to ``title_chars`` characters) indented by level.
    """
    labels = corpus.labels(docs)
    rows = []
    for r in outline_table.itertuples(index=False):
        title = r.title if len(r.title) <= title_chars else r.title[:title_chars] + "…"
        rows.append((labels.get(r.doc_id, r.doc_id), r.line, "标题" if r.kind == "heading" else "列举",
                     r.level, "\u3000" * (r.level - 1) + r.marker + title))
    return pd.DataFrame(rows, columns=["报告", "行", "类型", "层级", "提纲"])


# --------------------------------------------------------------------------- profile

_MIXED = 0.05  # a minority style above this share makes a report "mixed"


def profile(docs: pd.DataFrame) -> pd.DataFrame:
    """Structural profile of every usable report, one row each.

    Returns:
        ``[doc_id, headings_l1 … headings_l4, depth, enums, sections, enums_per_section, paragraphs,
        para_chars_median, para_chars_max, marker_width, level3_marker, punct_halfwidth_share,
        punct_width, sentences, sentence_chars_median]``. ``depth`` is the deepest heading level
        (0 without headings); ``sections`` counts top-level headings (the highest level used) and
        ``enums_per_section`` is enumerations per top-level section (all enumerations when there
        are none). ``marker_width`` says whether bracketed markers ``（一）`` are ``full``, ``half``,
        ``mixed`` or absent (``none``); ``level3_marker`` lists the ``1.`` styles used. Punctuation
        width counts ``,;:?!()`` next to Chinese characters against their full-width forms;
        ``punct_width`` is ``full``, ``half`` or ``mixed`` (minority over 5%). Lengths count
        non-whitespace characters of the analysis text; sentences end with 。！？!?.
    """
    rows = [(doc_id, *_profile_row(raw)) for doc_id, raw in corpus.usable_texts(docs)]
    return pd.DataFrame(rows, columns=PROFILE_COLUMNS)


@per_report("structure.profile")
def _profile_row(raw: str) -> tuple:
    """The :func:`profile` of one report, without its doc_id."""
    from statistics import median

    found = _analyse(raw).rows  # (line, order, kind, level, marker, title, path)
    heads = [r for r in found if r[2] == "heading"]
    counts = [sum(1 for r in heads if r[3] == level) for level in (1, 2, 3, 4)]
    top_level = min((r[3] for r in heads), default=None)
    n_sections = sum(1 for r in heads if r[3] == top_level) if top_level else 0
    enums = sum(1 for r in found if r[2] == "enum")
    cleaned = corpus.clean_text(raw)
    lengths = [len(re.sub(r"\s", "", text)) for _, _, text in cleaned.paragraphs]
    bracketed = [r[4] for r in heads if r[3] in (2, 4)]
    full = sum(1 for m in bracketed if m.startswith("（"))
    half = sum(1 for m in bracketed if m.startswith("("))
    level3 = sorted({r[4][-1] for r in heads if r[3] == 3})
    half_p, full_p = corpus.punctuation_widths(raw)
    share = round(half_p / (half_p + full_p), 3) if half_p + full_p else None
    sentences = [len(re.sub(r"\s", "", s)) for s in re.split(r"[。！？!?]", cleaned.text)]
    sentences = [n for n in sentences if n >= 2]
    return (
        *counts, max((lv for lv, n in zip((1, 2, 3, 4), counts, strict=True) if n), default=0),
        enums, n_sections, round(enums / max(n_sections, 1), 1), len(lengths),
        int(median(lengths)) if lengths else 0, max(lengths) if lengths else 0,
        _width(half, full), " ".join("1" + m for m in level3),
        share, _width(half_p, full_p) if share is not None else "none",
        len(sentences), int(median(sentences)) if sentences else 0,
    )


def _width(half: int, full: int) -> str:
    total = half + full
    if not total:
        return "none"
    if half / total > 1 - _MIXED:
        return "half"
    if half / total < _MIXED:
        return "full"
    return "mixed"


_PROFILE_NAMES = {
    "headings_l1": "一级标题（一、）",
    "headings_l2": "二级标题（（一））",
    "headings_l3": "三级标题（1.）",
    "headings_l4": "四级标题（（1））",
    "depth": "标题层级深度",
    "enums": "列举项（一是……）",
    "sections": "顶层部分",
    "enums_per_section": "每个顶层部分的列举项",
    "paragraphs": "段落数",
    "para_chars_median": "段落长度中位数（字）",
    "para_chars_max": "最长段落（字）",
    "marker_width": "序号括号宽度",
    "level3_marker": "三级序号样式",
    "punct_halfwidth_share": "半角标点占比",
    "punct_width": "标点宽度",
    "sentences": "句子数",
    "sentence_chars_median": "句长中位数（字）",
}
_WIDTH_NAMES = {"full": "全角", "half": "半角", "mixed": "混用", "none": "—"}


def profile_table(profile_table_: pd.DataFrame, docs: pd.DataFrame) -> pd.DataFrame:
    """The profile side by side: one column per report (its label), one row per measure (Chinese)."""
    labels = corpus.labels(docs)
    shown = profile_table_.copy()
    for column in ("marker_width", "punct_width"):
        shown[column] = shown[column].map(_WIDTH_NAMES)
    shown["level3_marker"] = shown["level3_marker"].replace("", "—")
    shown["punct_halfwidth_share"] = shown["punct_halfwidth_share"].map(
        lambda v: "—" if v is None or pd.isna(v) else f"{v:.0%}")
    shown.index = [labels.get(d, d) for d in shown["doc_id"]]
    shown = shown.drop(columns="doc_id").rename(columns=_PROFILE_NAMES).astype(object).T
    shown.index.name = "指标"
    return shown


# --------------------------------------------------------------------------- elements

_ORG = re.compile(rf"^(?:中共)?[{_CJK}（）() ]{{2,40}}?{_E['org_suffix']}$")
_ISSUER_MARK = _compile(_E["issuer_mark"])
_DOC_NUMBER = _compile(_E["doc_number"])
_SIGNER = _compile(_E["signer"])
_TITLE = _compile(_E["title"])
_ADDRESSEE = _compile(_E["addressee"])
_ADDRESSEE_NOT = _compile(_E["addressee_not"])
_DATE_LINE = _compile(_E["date_line"])
_NOTE = _compile(_E["note"])
_COPY_TO = _compile(_E["copy_to"])
_PRINTED = _compile(_E["printed"])
_CONTACT = _compile(_E["contact"])
_PUBLISHED = _compile(_E["published"])
_SOURCE = _compile(_E["source"])
_FIELD = re.compile(r"(?:发布|发表|信息来源|来源|签发人)\s*[:：]")


def _one_space(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _unbalanced(text: str) -> bool:
    return any(text.count(a) > text.count(b) for a, b in (("《", "》"), ("（", "）"), ("(", ")"), ("“", "”")))


def _is_title(text: str) -> bool:
    # the metadata reader's rule (one rule for what a title is), on the text as written
    return not _unbalanced(text) and metadata.is_title(_SPACES.sub("", text))


@per_report("structure.elements")
def _elements_one(raw_text: str) -> tuple[tuple[str, str, int, tuple[int, ...]], ...]:
    """``(element, text, first line, all lines)`` for each element found in one report."""
    cleaned = corpus.clean_text(raw_text)
    chrome = {line for line, kind, *_ in cleaned.changes if kind == "page_chrome"}
    lines = [(n, t) for n, t in enumerate(corpus.light_lines(raw_text), start=1) if n not in chrome and t]
    body_at = next((k for k, (_, t) in enumerate(lines) if _TITLE_END in t or _match_marker(t)), len(lines))
    header = lines[:body_at]
    found: dict[str, tuple] = {}
    used: set[int] = set()

    # 发文字号 and 签发人 (often on one line in upward documents).
    for k, (n, t) in enumerate(header):
        match = _DOC_NUMBER.search(t)
        if match and not _unbalanced(t[: match.start()]) and "发文字号" not in found:
            found["发文字号"] = (_SPACES.sub("", match.group(0)), n, (n,))
            used.add(k)
        signer = _SIGNER.search(t)
        if signer and "签发人" not in found:
            found["签发人"] = (_one_space(signer.group("text")), n, (n,))
            used.add(k)
    number_at = next((k for k in sorted(used) if header[k][0] == found.get("发文字号", ("", -1))[1]), None)

    # 发文机关标志: "XX文件", with the organisation lines of a joint mark around it; without a
    # 文件 line, the organisation lines above the 发文字号 (函 format).
    block: list[int] = []
    limit = number_at if number_at is not None else len(header)
    mark = next((k for k in range(limit) if _ISSUER_MARK.match(header[k][1])), None)
    if mark is not None:
        start = mark
        while start > 0 and _ORG.match(header[start - 1][1]):
            start -= 1
        end = mark
        while end + 1 < limit and _ORG.match(header[end + 1][1]):
            end += 1
        block = list(range(start, end + 1))
    elif number_at is not None:
        end = number_at - 1
        while end >= 0 and _ORG.match(header[end][1]):
            block.insert(0, end)
            end -= 1
    if block:
        found["发文机关标志"] = (_one_space(" ".join(header[k][1] for k in block)), header[block[0]][0],
                             tuple(header[k][0] for k in block))
        used.update(block)

    # 标题: one to three header lines (joined without the break) that make a title.
    title_last = -1
    def field(text: str) -> bool:  # a web copy's labelled fields or metadata table, not a title
        return bool(_FIELD.search(text)) or metadata.is_field_line(text) or text.endswith(("：", ":"))

    for k, (n, t) in enumerate(header):
        if k in used or field(t):
            continue
        text, j = t, k
        while (not _is_title(text)) and j + 1 < len(header) and j + 1 - k < int(_E["title_lines"]):
            following = header[j + 1][1]
            if j + 1 in used or field(following) or (_is_title(following) and "关于" not in text
                                                      and not _ORG.match(text)):
                break  # a line that is a title of its own starts it (unless an issuer stands above)
            text, j = text + following, j + 1
        if _is_title(text):
            found["标题"] = (_one_space(text), n, tuple(header[m][0] for m in range(k, j + 1)))
            title_last = j
            break

    # 主送机关: the first header line after the title that ends with a colon.
    for n, t in header[title_last + 1:]:
        match = _ADDRESSEE.match(t)
        parts = re.split(r"[、，,；;]", match.group("text")) if match else []
        if match and not _ADDRESSEE_NOT.search(t) and max(map(len, parts)) <= int(_E["addressee_part_max"]):
            found["主送机关"] = (_one_space(match.group("text")), n, (n,))
            break

    body = lines[body_at:]
    for k, (n, t) in enumerate(body):
        if "成文日期" not in found and _DATE_LINE.match(t):
            found["成文日期"] = (_one_space(t), n, (n,))
        if "附注" not in found and _NOTE.match(t):
            found["附注"] = (_one_space(t), n, (n,))
        match = _COPY_TO.match(t)
        if match and "抄送" not in found:
            text, j = match.group("text"), k
            while text.endswith(("，", "、", ",")) and j + 1 < len(body):
                j += 1
                text += body[j][1]
            found["抄送"] = (_one_space(text.rstrip("。")), n, tuple(body[m][0] for m in range(k, j + 1)))
        match = _PRINTED.match(t)
        if match and "印发机关和印发日期" not in found:
            if not match.group("org") and k > 0 and _ORG.match(body[k - 1][1]):
                found["印发机关和印发日期"] = (_one_space(f"{body[k - 1][1]} {t}"), body[k - 1][0],
                                          (body[k - 1][0], n))
            else:
                found["印发机关和印发日期"] = (_one_space(t), n, (n,))
    for n, t in lines:
        match = _CONTACT.search(t)
        if match and "联系人" not in found and match.group("text").strip():
            found["联系人"] = (_one_space(match.group("text")), n, (n,))
        match = _PUBLISHED.search(t)
        if match and "发布时间" not in found:
            found["发布时间"] = (_one_space(match.group("text")), n, (n,))
        sources = [m.group("text") for m in _SOURCE.finditer(t)]
        if sources and "信息来源" not in found:
            found["信息来源"] = ("|".join(sources), n, (n,))
    return tuple((name, *found[name]) for name in ELEMENTS if name in found)


def elements(docs: pd.DataFrame) -> pd.DataFrame:
    """Official-document elements (GB/T 9704-2012) and web-copy fields of every usable report.

    One row per report and element of :data:`ELEMENTS`: 发文机关标志, 发文字号, 签发人, 标题,
    主送机关, 成文日期, 附注, 抄送, 印发机关和印发日期, 联系人, 发布时间, 信息来源.

    Returns:
        ``[doc_id, element, present, text, line]``: ``present`` is a bool; ``text`` is the
        element as written (parts on several lines joined: the title without a break, other
        elements with one space; runs of whitespace as one space; labels such as ``抄送：`` and
        the colon after 主送机关 dropped; several 信息来源 joined with ``|``), empty when absent;
        ``line`` is the element's first line on disk (``<NA>`` when absent).
    """
    rows = []
    for doc_id, raw in corpus.usable_texts(docs):
        found = {name: (text, line) for name, text, line, _ in _elements_one(raw)}
        for name in ELEMENTS:
            text, line = found.get(name, ("", None))
            rows.append((doc_id, name, name in found, text, line))
    return _typed(pd.DataFrame(rows, columns=ELEMENT_COLUMNS), {"present": "bool", "line": "Int64"})


def element_lines(docs: pd.DataFrame) -> dict[str, set[int]]:
    """Every line on disk an official-document element covers (multi-line titles too), per report.

    Other readers use it to keep 版头, 标题, 主送 and 版记 out of the body (section lengths, themes).
    """
    return {doc_id: _report_element_lines(raw) for doc_id, raw in corpus.usable_texts(docs)}


def _report_element_lines(raw: str) -> set[int]:
    """:func:`element_lines` of one report."""
    return {n for *_, lines in _elements_one(raw) for n in lines}


def element_matrix(elements_table: pd.DataFrame, docs: pd.DataFrame) -> pd.DataFrame:
    """Report × element: ``✓`` where present, ``—`` where absent; a last column counts them."""
    labels = corpus.labels(docs)
    matrix = elements_table.pivot(index="doc_id", columns="element", values="present")[list(ELEMENTS)]
    counts = matrix.sum(axis=1).astype(int)
    shown = matrix.map(lambda v: "✓" if v else "—")
    shown["合计"] = [f"{n}/{len(ELEMENTS)}" for n in counts]
    shown.index = [labels.get(d, d) for d in shown.index]
    shown.index.name = "报告"
    shown.columns.name = None
    return shown


# --------------------------------------------------------------------------- required content

_REQUIRED = _RULES["required_content"]


def required_items() -> pd.DataFrame:
    """The items an annual report must contain: ``[item, name, requirement, optional]``."""
    rows = [(i["item"], i["name"], i["requirement"], bool(i.get("optional", False))) for i in _REQUIRED["items"]]
    return pd.DataFrame(rows, columns=["item", "name", "requirement", "optional"])


def _patterns(patterns: list[str], next_year: int | None) -> list[re.Pattern]:
    out = []
    for pattern in patterns:
        if "{next_year}" in pattern:
            if next_year is None:
                continue
            pattern = pattern.replace("{next_year}", str(next_year))
        out.append(_compile(pattern))
    return out


def compliance(docs: pd.DataFrame) -> pd.DataFrame:
    """Where each annual report covers each item the regulation requires.

    Headings are searched first (the highest level wins, then the earliest line), then
    paragraphs (the earliest match). Patterns are in ``data/structure.yaml``; ``{next_year}``
    stands for the year after the one the report covers.

    Returns:
        ``[doc_id, item, name, applicable, how, line, path, matched]``: one row per usable report
        and item of :func:`required_items`. ``applicable`` is False for reports of another genre
        (their ``how`` is ``not_applicable``); otherwise ``how`` is ``heading``, ``paragraph`` or
        ``none``. ``line`` is the line on disk of the heading or of the matching words, ``path``
        the heading chain there, ``matched`` the heading (marker and title) or the sentence.
    """
    rows = []
    ok = corpus.usable(docs)
    for doc_id, raw, doc_type, year in zip(ok["doc_id"], ok["raw_text"], ok["doc_type"], ok["year"], strict=True):
        rows.extend((doc_id, *row) for row in _report_compliance(raw, doc_type, year))
    table = pd.DataFrame(rows, columns=COMPLIANCE_COLUMNS)
    table = table.sort_values(["doc_id", "item"], kind="stable").reset_index(drop=True)
    return _typed(table, {"item": "int64", "applicable": "bool", "line": "Int64"})


def _report_compliance(raw: str, doc_type, year) -> tuple[tuple, ...]:
    """The compliance rows of one report of this type (required items apply to annual reports) and
    year (``{next_year}`` in the patterns), without doc_id."""
    next_year = int(year) + 1 if pd.notna(year) else None
    return _compliance_rows(raw, doc_type in _APPLIES_TO, next_year)


_APPLIES_TO = frozenset(_REQUIRED["applies_to"])


@per_report("structure.compliance")
def _compliance_rows(raw: str, applicable: bool, next_year: int | None) -> tuple[tuple, ...]:
    """``(item, name, applicable, how, line, path, matched)`` for each required item of one report."""
    rows = []
    covers = {}
    for item in _REQUIRED["items"]:
        if applicable:
            covers[int(item["item"])] = _cover(raw, item, next_year)
    for item in _REQUIRED["items"]:
        number = int(item["item"])
        base = (number, item["name"], applicable)
        if not applicable:
            rows.append((*base, "not_applicable", None, "", ""))
            continue
        cover = covers[number]
        if item.get("any_first_heading") and cover[0] != "heading":
            cover = _first_unclaimed_heading(raw, covers) or cover
        rows.append((*base, *cover))
    return tuple(rows)


def _first_unclaimed_heading(raw: str, covers: dict) -> tuple[str, int, str, str] | None:
    """The first top-level heading that no other item's heading claims, before those headings."""
    claimed = {c[1] for c in covers.values() if c[0] == "heading"}
    headings = [r for r in _analyse(raw).rows if r[2] == "heading"]
    if not headings:
        return None
    top = min(r[3] for r in headings)
    first_claimed = min(claimed, default=None)
    for line, _, _, _, marker, title, path in (r for r in headings if r[3] == top):
        if line in claimed or (first_claimed is not None and line > first_claimed):
            return None
        return "heading", line, path, marker + title
    return None


def _cover(raw: str, item: dict, next_year: int | None) -> tuple[str, int | None, str, str]:
    analysis = _analyse(raw)
    headings = _patterns(item.get("headings", []), next_year)
    exclude = _patterns(item.get("exclude", []), next_year)
    hits = [r for r in analysis.rows if r[2] == "heading"
            and any(p.search(r[5]) for p in headings) and not any(p.search(r[5]) for p in exclude)]
    if hits:
        line, _, _, _, marker, title, path = min(hits, key=lambda r: (r[3], r[0], r[1]))
        return "heading", line, path, marker + title
    paragraphs = [_Paragraph(s) for s in _paragraph_segments(raw)]
    wanted = _patterns(item.get("paragraphs", []), next_year)
    best = None
    for i, paragraph in enumerate(paragraphs):
        if not paragraph.segments:
            continue
        text = paragraph.text
        for pattern in wanted:
            for match in pattern.finditer(text):
                if _SENTENCE_EXCLUDE.search(_sentence_at(text, match.start(), match.end())):
                    continue
                if best is None or (i, match.start()) < best[:2]:
                    best = (i, match.start(), match.end())
                break
        if best is not None and best[0] == i:
            break
    if best is None:
        return "none", None, "", ""
    i, start, end = best
    paragraph = paragraphs[i]
    sentence = _sentence_at(paragraph.text, start, end)
    return "paragraph", paragraph.line_at(start), analysis.chains[i][0], sentence


_SENTENCE_EXCLUDE = re.compile("|".join(_REQUIRED.get("sentence_exclude", [])) or r"(?!)")


def _sentence_at(text: str, start: int, end: int) -> str:
    """The sentence of ``text`` holding ``text[start:end]``."""
    left = max((text.rfind(c, 0, start) for c in "。；;！？!?"), default=-1) + 1
    right = min((p for p in (text.find(c, end) for c in "。；;！？!?") if p >= 0), default=len(text))
    return text[left:right].strip()


_HOW = {"heading": "标题", "paragraph": "段落", "none": "缺", "not_applicable": "不适用"}


def compliance_matrix(compliance_table: pd.DataFrame, docs: pd.DataFrame) -> pd.DataFrame:
    """Report × required item: ``标题 L17`` (a heading on line 17), ``段落 L23``, ``缺`` or ``不适用``.

    A last column counts the required (non-optional) items covered, or says 不适用.
    """
    labels = corpus.labels(docs)
    items = required_items()
    optional = set(items.loc[items["optional"], "item"])
    names = {r.item: f"{r.item}. {r.name}" for r in items.itertuples()}
    cells = compliance_table.assign(
        cell=[_HOW[h] + (f" L{int(n)}" if pd.notna(n) else "") for h, n in
              zip(compliance_table["how"], compliance_table["line"], strict=True)],
        column=compliance_table["item"].map(names),
    )
    matrix = cells.pivot(index="doc_id", columns="column", values="cell")[[names[i] for i in items["item"]]]
    totals = []
    for doc_id in matrix.index:
        mine = compliance_table[(compliance_table["doc_id"] == doc_id) & ~compliance_table["item"].isin(optional)]
        if not mine["applicable"].any():
            totals.append("不适用")
        else:
            totals.append(f"{int(mine['how'].isin(['heading', 'paragraph']).sum())}/{len(mine)}")
    matrix["必备项覆盖"] = totals
    matrix.index = [labels.get(d, d) for d in matrix.index]
    matrix.index.name = "报告"
    matrix.columns.name = None
    return matrix


# --------------------------------------------------------------------------- summary

_LISTED = 8  # reports named in one finding before "and n more"
_PER_REPORT = 12  # up to this many reports, one finding each


def summarize(docs: pd.DataFrame, outline_table: pd.DataFrame, elements_table: pd.DataFrame,
              compliance_table: pd.DataFrame, profile_: pd.DataFrame) -> str:
    """Findings about structure as Markdown bullet points, every figure from the data (escaped)."""
    labels = corpus.labels(docs)
    ok = corpus.usable(docs)

    def who(ids) -> str:
        ids = list(ids)
        named = "、".join(escape(labels.get(d, d)) for d in ids[:_LISTED])
        return named + (f" and {len(ids) - _LISTED} more" if len(ids) > _LISTED else "")

    out: list[str] = []
    heads = outline_table[outline_table["kind"] == "heading"]
    enums = outline_table[outline_table["kind"] == "enum"]
    out.append(f"- The outline holds **{len(heads)}** headings and **{len(enums)}** inline enumerations "
               f"over **{len(ok)}** reports.")
    if len(profile_):
        depth = profile_.set_index("doc_id")["depth"]
        out.append(f"- Heading depth ranges from {int(depth.min())} to {int(depth.max())} levels; "
                   f"deepest: {who(depth[depth == depth.max()].index)}.")
        flat = depth[depth == 0].index
        if len(flat):
            out.append(f"- No numbered headings at all: {who(flat)}.")
        half = profile_.loc[profile_["marker_width"].isin(["half", "mixed"]), "doc_id"]
        if len(half):
            out.append(f"- Half-width bracketed markers `(一)` instead of `（一）`: {who(half)}.")
        punct = profile_.loc[profile_["punct_width"].isin(["half", "mixed"]), "doc_id"]
        if len(punct):
            out.append(f"- Half-width or mixed punctuation in Chinese text: {who(punct)}.")
    unnumbered = heads[heads["marker"] == ""]
    for r in unnumbered.itertuples():
        out.append(f"- {who([r.doc_id])}: line {r.line} `{escape(r.title)}` is a heading whose numeral "
                   f"was lost (the numbering of its level skips a number there).")
    if len(elements_table):
        present = elements_table[elements_table["present"]]
        counts = present.groupby("doc_id").size().reindex(ok["doc_id"], fill_value=0)
        header = {"发文机关标志", "发文字号"}
        formal = sorted(present.loc[present["element"].isin(header), "doc_id"].unique())
        web = sorted(present.loc[present["element"].isin({"发布时间", "信息来源"}), "doc_id"].unique())
        if formal:
            out.append(f"- Official-document header (发文机关标志 or 发文字号): {who(formal)}.")
        if web:
            out.append(f"- Web-copy fields (发布时间, 信息来源): {who(web)}.")
        none = list(counts[counts == 0].index)
        if none:
            out.append(f"- No document element found at all: {who(none)}.")
    applicable = compliance_table[compliance_table["applicable"]]
    items = required_items().set_index("item")
    reports = applicable["doc_id"].nunique()
    if reports > _PER_REPORT:  # many reports: the pattern, not one line each
        required = applicable[~applicable["item"].map(items["optional"])]
        covered = required["how"].isin(["heading", "paragraph"]).groupby(required["doc_id"]).all()
        out.append(f"- {int(covered.sum())} of {reports} annual reports cover every required item.")
        gaps = required[required["how"] == "none"].groupby(["item", "name"]).size()
        gaps = gaps.reset_index(name="n").sort_values(["n", "item"], ascending=[False, True])
        if len(gaps):
            out.append("- Required items most often missing: " + "; ".join(
                f"{i}. {escape(n)} ({k} reports)" for i, n, k in zip(gaps["item"], gaps["name"], gaps["n"],
                                                                     strict=True)) + ".")
    for doc_id, group in applicable.groupby("doc_id", sort=True):
        if reports > _PER_REPORT:
            break
        missing = group[(group["how"] == "none") & ~group["item"].map(items["optional"])]
        weak = group[group["how"] == "paragraph"]
        required = group[~group["item"].map(items["optional"])]
        covered = int(required["how"].isin(["heading", "paragraph"]).sum())
        text = f"- {who([doc_id])}: {covered} of {len(required)} required items covered"
        if len(missing):
            text += "; **missing**: " + "; ".join(f"{i}. {escape(n)}" for i, n in
                                                  zip(missing["item"], missing["name"], strict=True))
        if len(weak):
            text += "; only in a paragraph, not a heading: " + "; ".join(
                f"{i}. {escape(n)} (line {int(ln)})" for i, n, ln in
                zip(weak["item"], weak["name"], weak["line"], strict=True))
        out.append(text + ".")
    optional = items[items["optional"]]
    for item, row in optional.iterrows():
        found = applicable[(applicable["item"] == item) & (applicable["how"] != "none")]
        if not len(found):
            out.append(f"- No annual report has a part for item {item} ({escape(row['name'])}); the "
                       f"regulation asks for it only when there is something else to report.")
    other = sorted(compliance_table.loc[~compliance_table["applicable"], "doc_id"].unique())
    if other:
        out.append(f"- Not annual reports, so the required-content check does not apply: {who(other)}.")
    return "\n".join(out)


# --------------------------------------------------------------------------- figures

_LEVEL_COLORS = {1: "#1f3b73", 2: "#2f6fb0", 3: "#4f9a5c", 4: "#8a6d3b"}


def plot_outlines(outline_table: pd.DataFrame, docs: pd.DataFrame, *, per_figure: int = 6,
                  max_rows: int = 50, title_chars: int = 18, max_reports: int = 12) -> list:
    """Outlines side by side as indented trees, ``per_figure`` reports per figure.

    With more than ``max_reports`` usable reports, the ``max_reports`` longest are drawn (in doc_id
    order) and every title says so; the outline table has them all.

    Each panel lists a report's headings indented by level (marker and title, cut to
    ``title_chars`` characters), with the number of enumerations under a heading after it
    (``·3``); at most ``max_rows`` rows, then a line saying how many more. A report without
    headings says so. Panels sit three to a row; each row is as tall as its longest outline.
    Returns a list of figures (one per page of reports, in doc_id order).
    """
    import matplotlib.pyplot as plt

    from gongwen import plotting

    plotting.use_cjk_font()
    ok = corpus.usable(docs)
    shown = ok.sort_values(["chars", "doc_id"], ascending=[False, True]).head(max_reports)
    ids = sorted(shown["doc_id"])
    subset = f"篇幅最长的 {len(ids)} 篇，共 {len(ok)} 篇；" if len(ok) > len(ids) else ""
    labels = corpus.labels(docs)
    pages = -(-len(ids) // per_figure)
    figures = []
    for page in range(pages):
        chunk = ids[page * per_figure: (page + 1) * per_figure]
        panels = [_tree_rows(outline_table[outline_table["doc_id"] == d], title_chars) for d in chunk]
        ncols = min(3, len(chunk))
        grid_rows = [panels[i: i + ncols] for i in range(0, len(panels), ncols)]
        heights = [min(max_rows + 1, max(max(len(p), 1) for p in row)) + 2 for row in grid_rows]
        height = 0.19 * sum(heights) + 0.6
        fig = plt.figure(figsize=(4.8 * ncols, height))
        spec = fig.add_gridspec(len(grid_rows), ncols, height_ratios=heights, hspace=0.05, wspace=0.05,
                                left=0.01, right=0.99, bottom=0.01, top=1 - 0.5 / height)
        for k, (doc_id, lines) in enumerate(zip(chunk, panels, strict=True)):
            row, col = divmod(k, ncols)
            ax = fig.add_subplot(spec[row, col])
            ax.set_axis_off()
            ax.set_xlim(0, 1)
            ax.set_ylim(heights[row] - 0.5, -2)
            ax.text(0, -1.2, _wrap(labels.get(doc_id, doc_id), 24), fontsize=10, va="center")
            if not lines:
                n_enum = int(((outline_table["doc_id"] == doc_id) & (outline_table["kind"] == "enum")).sum())
                ax.text(0, 0, f"（无编号标题；列举项 {n_enum} 个）", fontsize=9, color="#666666", va="center")
                continue
            shown = lines[:max_rows] if len(lines) > max_rows + 1 else lines
            for y, (level, text) in enumerate(shown):
                ax.text(0.05 * (level - 1), y, text, fontsize=8.5 if level == 1 else 8, va="center",
                        color=_LEVEL_COLORS.get(level, "#333333"))
            if len(shown) < len(lines):
                ax.text(0, len(shown), f"……另有 {len(lines) - len(shown)} 个标题", fontsize=8,
                        color="#666666", va="center")
        page_note = f"第 {page + 1} 页，共 {pages} 页" if pages > 1 else ""
        note = f"（{subset}{page_note}）".replace("；）", "）") if subset or page_note else ""
        fig.suptitle(f"各报告提纲：标题按层级缩进，·n 为该标题下的列举项数{note}", fontsize=11, x=0.01,
                     ha="left")
        figures.append(fig)
    return figures


def _tree_rows(mine: pd.DataFrame, title_chars: int) -> list[tuple[int, str]]:
    heads = mine[mine["kind"] == "heading"]
    enums = mine[mine["kind"] == "enum"]
    out = []
    for r in heads.itertuples(index=False):
        title = r.title if len(r.title) <= title_chars else r.title[:title_chars] + "…"
        n = int(((enums["level"] == r.level + 1) & (enums["path"].str.rsplit(" > ", n=1).str[0] == r.path)).sum())
        out.append((r.level, f"{r.marker}{title}" + (f" ·{n}" if n else "")))
    return out


def _wrap(text: str, width: int) -> str:
    return "\n".join(text[i: i + width] for i in range(0, len(text), width)) or text


def plot_document_map(lengths: pd.DataFrame, docs: pd.DataFrame, *, top: int = 30, label_chars: int = 16):
    """Each report as a bar split into its top-level sections in proportion to their length.

    ``lengths`` is :func:`section_lengths`. Segments are labelled with marker and title (cut to
    what fits, at most ``label_chars``), else with the marker alone; the text before the first
    heading is grey. With more than ``top`` reports the longest ``top`` are drawn and the title
    says so.
    """
    import matplotlib.pyplot as plt

    from gongwen import plotting

    plotting.use_cjk_font()
    labels = corpus.labels(docs)
    totals = lengths.groupby("doc_id")["chars"].sum()
    order = sorted(totals.index, key=lambda d: (-totals[d], d))
    shown = order[:top]
    fig, ax = plt.subplots(figsize=(12, 0.62 * max(len(shown), 1) + 1.3))
    tab20 = plt.get_cmap("tab20").colors
    palette = tab20[0::2] + tab20[1::2]  # strong colours first, neighbours never alike
    for y, doc_id in enumerate(shown):
        mine = lengths[lengths["doc_id"] == doc_id].sort_values("section")
        left = 0.0
        for r in mine.itertuples(index=False):
            color = "#d0d0d0" if r.section == 0 else palette[(r.section - 1) % len(palette)]
            ax.barh(y, r.share, left=left, color=color, edgecolor="white", height=0.7)
            name = "开头" if r.section == 0 else f"{r.marker}{r.title}"
            fits = min(int(r.share * 70) - 1, label_chars)  # roughly how many characters fit across it
            text = name if len(name) <= fits else name[: fits - 1] + "…" if fits > len(r.marker) + 2 else (
                r.marker if fits >= len(r.marker) else "")
            if text:
                red, green, blue = color[:3] if isinstance(color, tuple) else (0.8, 0.8, 0.8)
                dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.6
                ax.text(left + r.share / 2, y, text, ha="center", va="center", fontsize=7.5,
                        color="white" if dark else "#222222", clip_on=True)
            left += r.share
    ax.set_yticks(range(len(shown)))
    ax.set_yticklabels([f"{labels.get(d, d)}（{int(totals[d]):,}字）" for d in shown], fontsize=9)
    ax.set_ylim(len(shown) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel("占全文比例（按字数，不含版头版记）")
    ax.spines[["top", "right"]].set_visible(False)
    note = f"（字数最多的 {top} 篇，共 {len(order)} 篇）" if len(order) > top else ""
    ax.set_title(f"文档结构图：各顶层部分所占篇幅{note}", loc="left")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- helpers


def _typed(table: pd.DataFrame, types: dict[str, str]) -> pd.DataFrame:
    return table.astype(types)
