"""Reported metrics: every quantitative claim in the reports, extracted, normalised and compared.

A *claim* is a number with a unit that measures something the report did or found: ``办理行政许可
289件``, ``满意率100%``, ``同比增长8.8%``, ``六大专项任务``. :func:`extract` finds them line by line
in the text as it is on disk, so ``line``/``start``/``end`` point into the file and
``raw_line[start:end] == text`` (a report in traditional characters is read in simplified form,
line lengths kept: there ``text`` is the span in simplified characters). Dates, 发文字号, plan
periods, phone numbers, list numbering, numerals inside names and slogans (一网通办, 两个维护) and
inside 《》 titles are not claims.

Rules (units, scale words, qualifiers, exclusions) live in ``data/metrics.yaml``; the mapping of
indicator phrases to indicator families used for cross-report comparison lives in
``data/metric_families.yaml``.

How lines are read:

* Each raw line is searched on its own. Page-chrome lines are skipped. A claim whose number and
  unit are split by a PDF line break is not found (the number alone is not a claim); a claim
  whose indicator or scope word (全年, 累计) sits on the line above is found on its own line,
  and the text of the earlier lines of the same paragraph is used as context for
  ``indicator`` and ``qualifier`` (and for 《》 titles and quotes that span the break).
* ``section`` is the heading path of the enclosing section as :func:`gongwen.structure.outline`
  writes it (``一 > （二）``), empty before the first heading.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from html import escape
from pathlib import Path

import pandas as pd

from gongwen import corpus
from gongwen._data import load_yaml
from gongwen.cache import per_report

__all__ = [
    "COLUMNS",
    "KINDS",
    "by_section",
    "claims_per_report",
    "evaluate",
    "extract",
    "extract_text",
    "families",
    "family_comparison",
    "family_matrix",
    "full_rates",
    "growth",
    "match",
    "money",
    "plot_families",
    "plot_kinds",
    "read_gold",
    "summarize",
]

#: Columns of the claims table, in order.
COLUMNS = [
    "doc_id",
    "line",  # 1-based line of the file on disk
    "start",  # character offset of the span in that line
    "end",
    "text",  # the matched span: raw_line[start:end]
    "indicator",  # what is measured
    "value",  # the number as written, in Arabic digits (str); None when masked
    "unit",  # as written, with 万/亿 kept (亿元, 万件, %, 个百分点)
    "multiplier",  # 1, 10000 (万), 100000000 (亿) ...
    "normalized_value",  # value × multiplier in base_unit (float); NaN when masked
    "base_unit",  # yuan, USD, count, percent, pct_point, year, day, class_hour ...
    "kind",  # one of KINDS
    "qualifier",  # 超, 余, 近, 累计, 同比 ... as written, joined with | in text order
    "masked",  # the number is redacted (*项)
    "section",  # heading path of the enclosing section
]

#: Values of ``kind``.
KINDS = ("count", "money", "percent", "growth_rate", "pct_point_diff", "rank", "ratio", "duration",
         "named_set", "other")

#: Chinese names of the kinds, for tables and figures.
KIND_LABELS = {
    "count": "计数", "money": "金额", "percent": "百分比", "growth_rate": "增长率",
    "pct_point_diff": "百分点差", "rank": "排名", "ratio": "比例/倍数", "duration": "时长",
    "named_set": "数字概括", "other": "其他",
}

_RULES = load_yaml("metrics.yaml")
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{_CJK}]")
# Same-length replacements, so offsets in the normalised line are offsets in the raw line.
_WIDE = "０１２３４５６７８９％．＊　\u00a0\u2009\u202f"
_WIDTH = dict(zip(_WIDE, "0123456789%.*    ", strict=True))
_WIDE_RE = re.compile(f"[{_WIDE}]")  # a substitution touches only these (str.translate looks up every character)
_CLAUSE_END = "，；。！？,;!?：:"
_SENTENCE_END = "。；;！？!?"
_CN_DIGITS = "零〇一二两三四五六七八九十百千"
_CN_START = "一二两三四五六七八九十"


@dataclass(frozen=True)
class _Unit:
    unit: str
    kind: str
    base_unit: str
    scalable: bool = True
    chinese: bool = False
    set: bool = False
    arabic: bool = True
    not_before: re.Pattern | None = None


def _load_units() -> list[_Unit]:
    units = []
    for entry in _RULES["units"]:
        nb = entry.get("not_before")
        units.append(_Unit(
            unit=entry["unit"], kind=entry["kind"], base_unit=entry["base_unit"],
            scalable=entry.get("scalable", True), chinese=entry.get("chinese", False),
            set=entry.get("set", False), arabic=entry.get("arabic", True),
            not_before=re.compile(nb) if nb else None,
        ))
    return sorted(units, key=lambda u: (-len(u.unit), u.unit))


_UNITS = _load_units()
_UNIT_BY_NAME = {u.unit: u for u in _UNITS}
_SCALES = {k: int(v) for k, v in _RULES["scales"].items()}
_SCALE_ALT = "|".join(sorted(_SCALES, key=len, reverse=True))
_AFTER_Q = sorted(_RULES["qualifiers"]["after"], key=len, reverse=True)
_AFTER_Q_ALT = "|".join(map(re.escape, _AFTER_Q))
_ALT_UNIT = _RULES["alt_unit"]


def _unit_alt(units: Iterable[_Unit]) -> str:
    return "|".join(re.escape(u.unit) for u in units)


_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:[ ]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_NUMBER_RE = re.compile(
    rf"(?P<arabic>(?<![\dA-Za-z.])(?:{_ARABIC}))"
    rf"|(?P<masked>(?<=[{_CJK}])\*+)"
    rf"|(?P<pct>百分之(?:\d+(?:\.\d+)?|[{_CN_DIGITS}点]+))"
    rf"|(?P<chinese>(?<![{_CN_DIGITS}万亿第每这那哪某几其])[{_CN_START}][{_CN_DIGITS}]*)"
)
_RANGE_RE = re.compile(rf"\s*(?:-|—|–|~|～|至|到)\s*(?P<num>{_ARABIC})")
_ARABIC_TAIL = re.compile(
    rf"(?P<q1>\s*(?:余|多))?(?P<sp1>\s*)(?P<scale>{_SCALE_ALT})?(?P<q2>余|多)?\s*"
    rf"(?P<unit>{_unit_alt(u for u in _UNITS if u.arabic)})(?P<alt>{_ALT_UNIT})?(?P<after>{_AFTER_Q_ALT})?"
)
_CHINESE_TAIL = re.compile(
    rf"(?P<q1>余|多)?(?P<scale>万|亿)?(?P<q2>余|多)?"
    rf"(?P<unit>{_unit_alt(u for u in _UNITS if u.chinese)})(?P<after>{_AFTER_Q_ALT})?"
)
_MASKED_TAIL = re.compile(rf"(?P<unit>{_unit_alt(u for u in _UNITS if u.kind == 'count')})")

_Q = _RULES["qualifiers"]
_BEFORE_Q = sorted(_Q["before"], key=len, reverse=True)
_BEFORE_GUARDS = {"近": "(?<![最附临接将])", "达": "(?<![下到传表通发送转抵雷])", "共": "(?<!公)",
                  "约": "(?<![制预签公节])", "均": "(?<![平人])", "超": "(?<![高赶])"}
_BEFORE_ALT = "|".join(_BEFORE_GUARDS.get(q, "") + re.escape(q) for q in _BEFORE_Q)
_PREFIX_RE = re.compile(
    rf"(?:(?P<dir>{_Q['direction']})|(?P<cmp>{_Q['comparison']}))?\s*(?:(?P<q>{_BEFORE_ALT})\s*)?$"
)
_SCOPE_RE = re.compile("|".join(f"(?:{p})" for p in _Q["scope"]))
_PERIOD_RE = re.compile("|".join(sorted(map(re.escape, _Q["periods"]), key=len, reverse=True)))
_RANK_RE = re.compile(_RULES["rank"])
_RATIO_RE = re.compile(_RULES["ratio"])


def _needed(pattern: re.Pattern) -> tuple[frozenset[str], ...]:
    """Sets of characters every match of ``pattern`` holds one of each (read off the parsed pattern).

    Only what is certain counts: literals and small character classes the match must pass through
    (in sequence, in repeats of at least one, in groups and lookaheads; for an alternation, the
    union of what each branch needs first). Categories (\\d, \\s), negated classes, case-blind
    patterns and anything unknown add nothing, so the worst case is an empty tuple: no shortcut.
    """
    try:
        from re import _constants as sre
        from re import _parser

        parsed = _parser.parse(pattern.pattern, pattern.flags)
        if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
            return ()
    except Exception:  # another Python's private parser: no shortcut
        return ()

    def chars(items) -> frozenset[str] | None:
        found: set[str] = set()
        for op, value in items:
            if op is sre.LITERAL:
                found.add(chr(value))
            elif op is sre.RANGE and value[1] - value[0] < 64:
                found.update(map(chr, range(value[0], value[1] + 1)))
            else:
                return None
        return frozenset(found)

    def needs(items) -> list[frozenset[str]]:
        out: list[frozenset[str]] = []
        for op, value in items:
            if op is sre.LITERAL:
                out.append(frozenset(chr(value)))
            elif op is sre.IN:
                found = chars(value)
                if found:
                    out.append(found)
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and value[0] >= 1:
                out += needs(value[2])
            elif op is sre.SUBPATTERN and not value[1] & re.IGNORECASE:  # (?i:...) inside: nothing
                out += needs(value[3])
            elif op is sre.ASSERT and value[0] == 1:  # a lookahead must match too
                out += needs(value[1])
            elif op is sre.BRANCH:
                firsts = [needs(branch) for branch in value[1]]
                if all(firsts):
                    out.append(frozenset().union(*(first[0] for first in firsts)))
        return out

    try:
        return tuple(dict.fromkeys(needs(parsed)))
    except Exception:
        return ()


_EXCLUDE = [re.compile(p) for p in _RULES["exclude_patterns"]]
#: ``(pattern, needed)``: a pattern is only run over a line holding one character of each needed
#: set (sets holding digits are left out: every line with a number has one).
_EXCLUDE_NEEDS = [(p, tuple(s for s in _needed(p) if not any(c.isdigit() or c.isspace() for c in s)))
                  for p in _EXCLUDE]
_NEEDED_CHARS = sorted({c for _, sets in _EXCLUDE_NEEDS for s in sets for c in s})
_NEEDED_RE = re.compile("[" + "".join(map(re.escape, _NEEDED_CHARS)) + "]" if _NEEDED_CHARS else "(?!)")


def _can_match(text: str) -> list[re.Pattern]:
    """The exclusion patterns that may match in ``text`` (it holds what they need)."""
    present = set(_NEEDED_RE.findall(text))
    return [pattern for pattern, needed in _EXCLUDE_NEEDS if not any(map(present.isdisjoint, needed))]


_NOT_METRICS = sorted(set(_RULES["not_metrics"]) | set(_RULES["indefinite"]), key=len, reverse=True)
_NOT_METRICS_RE = re.compile("|".join(map(re.escape, _NOT_METRICS)))
_QUOTES = {"“": "”", "‘": "’", "「": "」", "『": "』"}
_QUOTE_MAX = 60

# Indicator phrases: what to strip around them.
_LEAD_STRIP = re.compile(
    r"^(?:[\s、，,；;：:（(）)\]】”’\"'.．]|其中|此外|同时|另外|以及|"
    r"和(?!谐)|及(?![时早其])|与(?!会)|并(?![联购轨])|有(?![效序关力机])|已(?!经)|共计|共|累计|总计|合计|"
    r"\d{4}\s*年度?(?!以来)|截至(?:目前|\d{4}\s*年底?)|目前|"
    r"全省|全市|全区|全县|全国(?=.{2})|我厅|我局|我委|我办|我市|我省|我区|本部门|本单位|依法|先后|新(?![增建签设开]))+"
)
_TRAIL_STRIP = re.compile(
    r"(?:[\s、，,：:（(“\"'‘]|(?:提高|提升|增长|增加|上升|下降|降低|减少|压缩|缩短|缩减)[到至]|实现了?|达到了?|分别达到|分别为|分别|达|为|是|共计|共|累计|总计|合计|超过|超|突破|"
    r"将近|接近|近|约|均为|均达|(?<![年月日人户亩])均|首次|已|计|有|等|和|及|了|的|逾|高达|同比|环比|全年)+$"
)
# A scope word inside a phrase separates the subject from what is counted (全省…共受理…问题).
_INNER_SCOPE = re.compile(r"(?<!公)共计?(?![享同建治性识产赢商担])|累计|总计|合计")
_AFTER_STOP = re.compile(r"^(?:的|中|以|左右|等|和|及|与|或|是|为|了|后|内|里|来|之|次|均|分别|也|都|，|,)")
_AFTER_CUT = re.compile(
    r"(?:进行|开展|实施|实现|完成|通过|列入|纳入|形成|获得|提供|转化为|参加|参与|推行|显著|不断|共|累计|"
    r"(?<![集其当])中(?![心央国华])|(?<![正所存现实])在|对|为|，|。|；|、|\(|（|”|\")"
)
_LEVELS = re.compile(r"(?P<levels>[省市县乡镇村区]{2,5})$")


@dataclass
class _Claim:
    start: int  # in the line
    end: int
    number_start: int
    value: str | None
    unit: str
    multiplier: int
    base_unit: str
    kind: str
    qualifiers: list[tuple[int, str]] = field(default_factory=list)
    masked: bool = False
    indicator: str = ""
    direction: bool = False
    after_end: int = 0  # end of the words after the claim that its indicator took (措施 of 50项措施)


# --------------------------------------------------------------------------- numbers


def _to_decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


@cache
def _chinese_value(numeral: str) -> int | None:
    import cn2an

    try:
        value = cn2an.cn2an(numeral.replace("两", "二"), "strict")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    return int(value)


def _pct_value(written: str) -> str | None:
    body = written[len("百分之"):]
    if re.fullmatch(r"\d+(?:\.\d+)?", body):
        return body
    import cn2an

    try:
        value = cn2an.cn2an(body.replace("两", "二"), "strict")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return _format_number(Decimal(str(value)))


def _format_number(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _clean_arabic(written: str) -> str:
    return written.replace(",", "").replace(" ", "")


# --------------------------------------------------------------------------- zones


_TITLE_MARKS = re.compile("[《》]")


def _bracket_zones(text: str) -> list[tuple[int, int]]:
    """《》 titles (nested, possibly unclosed at the line end or unopened at its start)."""
    if "《" not in text and "》" not in text:
        return []
    zones = []
    depth, opened = 0, None
    for mark in _TITLE_MARKS.finditer(text):
        i, ch = mark.start(), mark.group()
        if ch == "《":
            if depth == 0:
                opened = i
            depth += 1
        elif ch == "》":
            if depth == 0:
                zones.append((0, i + 1))  # a title opened on an earlier line
            else:
                depth -= 1
                if depth == 0:
                    zones.append((opened, i + 1))
    if depth > 0 and opened is not None:
        zones.append((opened, len(text)))
    return zones


def _quote_zones(text: str) -> list[tuple[int, int]]:
    zones = []
    for opener, closer in _QUOTES.items():
        at = 0
        while True:
            i = text.find(opener, at)
            if i < 0:
                break
            j = text.find(closer, i + 1)
            if 0 <= j - i <= _QUOTE_MAX:
                zones.append((i, j + 1))
                at = j + 1
            else:
                at = i + 1
    # Straight quotes in web copies pair up in order.
    positions = [m.start() for m in re.finditer('"', text)]
    for a, b in zip(positions[::2], positions[1::2], strict=False):
        if b - a <= _QUOTE_MAX:
            zones.append((a, b + 1))
    return zones


def _pattern_zones(text: str) -> list[tuple[int, int]]:
    zones = []
    for pattern in _can_match(text):
        zones.extend(m.span() for m in pattern.finditer(text) if m.end() > m.start())
    zones.extend(m.span() for m in _NOT_METRICS_RE.finditer(text))
    return zones


def _inside(pos: int, zones: list[tuple[int, int]]) -> tuple[int, int] | None:
    for a, b in zones:
        if a <= pos < b:
            return (a, b)
    return None


# --------------------------------------------------------------------------- one line


def _clause_start(full: str, pos: int, ends: str = _CLAUSE_END) -> int:
    """Where the clause holding ``pos`` starts: after the last clause end before ``pos`` (or 0)."""
    bounds = _bounds(full, ends)
    k = bisect.bisect_left(bounds, pos)
    return bounds[k - 1] + 1 if k else 0


def _clause_end(full: str, pos: int, ends: str = _CLAUSE_END) -> int:
    """Where the clause holding ``pos`` ends: the first clause end at or after ``pos`` (or the end)."""
    bounds = _bounds(full, ends)
    k = bisect.bisect_left(bounds, pos)
    return bounds[k] if k < len(bounds) else len(full)


@lru_cache(maxsize=64)
def _bounds(full: str, ends: str) -> list[int]:
    """Positions of the clause ends of ``full``, ascending; , and : between digits (1,000 and 3:1)
    end nothing. A line is asked for them once per claim, so they are kept for the last few lines."""
    found = []
    for m in re.finditer(f"[{re.escape(ends)}]", full):
        i = m.start()
        if full[i] in ",:" and 0 < i < len(full) - 1 and full[i - 1].isdigit() and full[i + 1].isdigit():
            continue
        found.append(i)
    return found


def _enumerated(full: str, quote_start: int, count: int) -> bool:
    """Whether a quoted numeral counts a list enumerated just before it (A、B、C等“三大任务”)."""
    start = _clause_start(full, quote_start)
    before = full[start:quote_start]
    at = before.rfind("等")
    if at < 0 or len(before) - at > 12:
        return False
    items = before[:at]
    simple = [p for p in items.split("、") if p.strip()]
    finer = [p for p in re.split(r"、|以及|及|和|与", items) if p.strip()]
    return count in (len(simple), len(finer))


def _parse_tail(tail_re: re.Pattern, full: str, pos: int, *, chinese: bool) -> tuple[re.Match, _Unit] | None:
    m = tail_re.match(full, pos)
    if not m:
        return None
    unit = _UNIT_BY_NAME[m.group("unit")]
    if m.group("scale") and not unit.scalable:
        return None
    if chinese and not unit.chinese:
        return None
    after_unit = m.end("unit")
    if unit.not_before is not None and unit.not_before.match(full, after_unit):
        # A shorter unit may still fit (个 in 个人 is blocked; nothing shorter than 个).
        return None
    return m, unit


def _line_claims(full: str, offset: int) -> list[_Claim]:
    """Claims whose number starts in ``full[offset:]`` (``full`` = paragraph context + line)."""
    if not (_NUMBER_RE.search(full, offset) or _RANK_RE.search(full, offset) or _RATIO_RE.search(full, offset)):
        return []  # no number at all: skip building the zones
    zones_title = _bracket_zones(full)
    zones_quote = _quote_zones(full)
    zones_other = _pattern_zones(full)
    claims: list[_Claim] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= x or a >= y for x, y in taken)

    # Ranks and ratios first: their 第 and : would be excluded otherwise.
    for m in _RANK_RE.finditer(full, offset):
        num = m.group("num")
        value = num if num.isdigit() else _chinese_value(num)
        if value is None or _inside(m.start(), zones_title):
            continue
        unit = m.group("unit") or ""
        claims.append(_Claim(m.start(), m.end(), m.start("num"), str(value), unit, 1, "rank", "rank"))
        taken.append(m.span())
    for m in _RATIO_RE.finditer(full, offset):
        if _inside(m.start("a"), zones_title) or not free(*m.span()):
            continue
        value = f"{_clean_arabic(m.group('a'))}:{_clean_arabic(m.group('b'))}"
        claims.append(_Claim(m.start("a"), m.end(), m.start("a"), value, "", 1, "ratio", "ratio"))
        taken.append(m.span())

    for m in _NUMBER_RE.finditer(full, offset):
        ns = m.start()
        if not free(ns, m.end()):
            continue
        kind_of_number = m.lastgroup
        if _inside(ns, zones_title) or _inside(ns, zones_other):
            continue
        quoted = _inside(ns, zones_quote)
        claim = None
        if kind_of_number == "arabic":
            if quoted:
                continue
            claim = _arabic_claim(full, m)
        elif kind_of_number == "masked":
            if quoted:
                continue
            t = _MASKED_TAIL.match(full, m.end())
            if t:
                unit = _UNIT_BY_NAME[t.group("unit")]
                if unit.not_before is None or not unit.not_before.match(full, t.end()):
                    claim = _Claim(ns, t.end(), ns, None, unit.unit, 1, unit.base_unit, unit.kind, masked=True)
        elif kind_of_number == "pct":
            if quoted:
                continue
            value = _pct_value(m.group())
            if value is not None:
                claim = _Claim(ns, m.end(), ns, value, "%", 1, "percent", "percent")
        else:
            claim = _chinese_claim(full, m, quoted)
        if claim is None:
            continue
        if not free(claim.start, claim.end):
            continue
        claims.append(claim)
        taken.append((claim.start, claim.end))
    claims.sort(key=lambda c: (c.start, c.end))
    for claim in claims:
        _add_prefix(full, claim, offset)
    _add_scope(full, claims, offset)
    return claims


def _arabic_claim(full: str, m: re.Match) -> _Claim | None:
    ns, ne = m.start(), m.end()
    written = _clean_arabic(m.group())
    value_text, is_range = written, False
    parsed = _parse_tail(_ARABIC_TAIL, full, ne, chinese=False)
    if parsed is None:
        r = _RANGE_RE.match(full, ne)
        if r:
            parsed = _parse_tail(_ARABIC_TAIL, full, r.end(), chinese=False)
            if parsed is not None:
                value_text, is_range = f"{written}-{_clean_arabic(r.group('num'))}", True
    if parsed is None:
        return None
    t, unit = parsed
    if unit.unit == "年":
        lows = [Decimal(v) for v in value_text.split("-")]
        if any(1900 <= v <= 2100 for v in lows):
            return None  # a year or a plan period, not a duration
    scale = t.group("scale") or ""
    multiplier = _SCALES.get(scale, 1)
    unit_text = scale + unit.unit + (t.group("alt") or "")
    claim = _Claim(ns, t.end(), ns, value_text, unit_text, multiplier, unit.base_unit, unit.kind)
    for name in ("q1", "q2", "after"):
        q = (t.group(name) or "").strip()
        if q:
            claim.qualifiers.append((t.start(name), q))
    if is_range:
        claim.qualifiers.append((ne, "区间"))
    return claim


def _chinese_claim(full: str, m: re.Match, quoted: tuple[int, int] | None) -> _Claim | None:
    ns = m.start()
    numeral = m.group()
    parsed = _parse_tail(_CHINESE_TAIL, full, m.end(), chinese=True)
    if parsed is None:
        return None
    t, unit = parsed
    value = _chinese_value(numeral)
    if value is None or value == 0:
        return None
    kind = unit.kind
    if unit.set or unit.kind == "named_set":
        kind = "named_set"
        if unit.unit == "大" and value > 10:
            return None  # 十九大, 二十大: party congresses
    scale = t.group("scale") or ""
    if scale:
        kind = unit.kind if unit.kind != "named_set" else "count"
    if numeral == "一" and not (unit.unit == "次" and _PERIOD_RE.search(full, _clause_start(full, ns), ns)):
        return None  # 一 is a number only in a frequency (每周一次); elsewhere it is a word
    if quoted and not (kind == "named_set" and _enumerated(full, quoted[0], value)):
        return None
    claim = _Claim(ns, t.end(), ns, str(value), scale + unit.unit, _SCALES.get(scale, 1), unit.base_unit, kind)
    for name in ("q1", "q2", "after"):
        q = t.group(name) or ""
        if q:
            claim.qualifiers.append((t.start(name), q))
    return claim


def _add_prefix(full: str, claim: _Claim, offset: int) -> None:
    """Extend the span leftwards over an adjacent qualifier, direction or comparison."""
    if claim.kind in ("rank", "ratio"):
        return
    lo = max(0, claim.number_start - 24)
    window = full[lo:claim.number_start]
    m = _PREFIX_RE.search(window)
    if not m or m.end() == m.start():
        return
    percent = claim.base_unit == "percent"
    direction, comparison = m.group("dir"), m.group("cmp")
    if direction and not (percent or claim.base_unit == "pct_point"):
        direction = None
    if comparison and claim.base_unit != "pct_point":
        comparison = None
    start = claim.number_start
    if m.group("q"):
        start = lo + m.start("q")
        claim.qualifiers.append((start, m.group("q")))
    if direction:
        start = lo + m.start("dir")
        claim.direction = True
        for word in ("同比", "环比"):
            if direction.startswith(word):
                claim.qualifiers.append((start, word))
    elif comparison:
        start = lo + m.start("cmp")
        claim.direction = True
    while start < claim.number_start and full[start].isspace():
        start += 1
    claim.start = max(start, offset) if start < claim.start else claim.start
    if claim.kind == "percent" and claim.direction:
        claim.kind = "growth_rate"


def _add_scope(full: str, claims: list[_Claim], offset: int) -> None:
    """Scope words earlier in the clause (全年, 累计, 同比 …) and frequency periods."""
    for claim in claims:
        if claim.kind in ("rank", "ratio"):
            continue
        begin = _clause_start(full, claim.start)
        for m in _SCOPE_RE.finditer(full, begin, claim.start):
            claim.qualifiers.append((m.start(), m.group()))
        if claim.unit.endswith("次") and claim.base_unit == "count":
            period = None
            for p in _PERIOD_RE.finditer(full, begin, claim.start):
                period = p
            if period is not None:
                claim.kind = "other"
                claim.qualifiers.append((period.start(), period.group()))


# --------------------------------------------------------------------------- indicators


_OMITTED = re.compile(r"[(（]\s*略\s*[)）]")  # （略）: a name left out


def _strip_phrase(text: str, *, limit: int | None = 24) -> str:
    if "略" in text:
        text = _OMITTED.sub("", text)
    inner = list(_INNER_SCOPE.finditer(text))
    if inner and len(text) - inner[-1].end() >= 2:
        text = text[inner[-1].end():]
    previous = None
    while previous != text:
        previous = text
        stripped = _LEAD_STRIP.sub("", text)
        if len(stripped) >= 2 or not stripped:
            text = stripped if len(stripped) >= 2 else text
        text = _TRAIL_STRIP.sub("", text)
    text = _trim_marks(text)
    return _whole_tail(text, limit) if limit and len(text) > limit else text


# a gloss, or the end of one where the phrase begins inside it: 营商(shāng)环境, xīn)增
_GLOSS = re.compile(r"(?:[(（]|^)(?=[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ])[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}[)）]")
_PAIRS = {"（": "）", "(": ")", "“": "”", "《": "》", "‘": "’", "【": "】"}
_TRIM = " 、，,；;：:\"'"


def _trim_marks(text: str) -> str:
    """Punctuation off both ends of a phrase, but a bracket or quote mark whose partner is inside it
    stays (培育标杆乡镇(街道), “一件事”); an unpaired one goes. Copy sites' pinyin glosses (新(xīn)增)
    go too: they are not the report's words."""
    text = _GLOSS.sub("", text)
    previous = None
    while previous != text:
        previous = text
        text = text.strip(_TRIM)
        if text and text[0] in _PAIRS and _PAIRS[text[0]] not in text[1:]:
            text = text[1:]
        if text and text[-1] in _PAIRS.values():
            opener = next(o for o, c in _PAIRS.items() if c == text[-1])
            if text[:-1].count(opener) <= text[:-1].count(text[-1]):
                text = text[:-1]
        if text and text[-1] in _PAIRS:
            text = text[:-1]
        if text and text[0] in _PAIRS.values():
            text = text[1:]
    return text


#: Most characters an indicator phrase keeps: a longer one is cut at a phrase boundary.
PHRASE_MAX = 40
_PHRASE_BOUNDARY = "、，,；;：:（(）)“”《》"


def _whole_tail(text: str, limit: int) -> str:
    """The end of a long phrase, never starting inside a word: the whole phrase up to
    :data:`PHRASE_MAX` characters, else from the first boundary (、，（…) that leaves at most that
    many, else the last ``limit`` characters."""
    if len(text) <= PHRASE_MAX:
        return text
    for i, ch in enumerate(text):
        if ch in _PHRASE_BOUNDARY and len(text) - i - 1 <= PHRASE_MAX:
            tail = text[i + 1 :].strip(" 、，,；;：:（(）)“”\"'")
            return tail if len(tail) >= 2 else text[-limit:]
    return text[-limit:]


def _before_phrase(full: str, claim: _Claim, previous_end: int) -> str:
    begin = max(_clause_start(full, claim.start), previous_end)
    return _strip_phrase(full[begin:claim.start])


def _after_phrase(full: str, claim: _Claim, next_start: int) -> str:
    end = min(_clause_end(full, claim.end), next_start)
    text = full[claim.end:end]
    if not text or (not _CJK_RE.match(text[0]) and not (text[0] in "“《\"" and len(text) > 1)):
        return ""
    if _AFTER_STOP.match(text):
        return ""
    opening = text[0] if text[0] in "“《\"" else ""
    body = text[1:] if opening else text
    cut = _AFTER_CUT.search(body, 1)
    if opening == "《":
        close = body.find("》")
        return text[: close + 2] if close >= 0 else ""
    if opening:
        close = body.find("”" if opening == "“" else '"')
        if close >= 0:
            rest = body[close + 1:]
            rest_cut = _AFTER_CUT.search(rest) if rest else None
            rest = rest[: rest_cut.start()] if rest_cut else rest
            return (opening + body[: close + 1] + rest)[:24]
    if cut:
        head = body[: cut.start()]
        # a bare generic noun (事项, 材料) is what its predicate says: 32个事项列入证明事项通用清单
        if _GENERIC_NOUN.fullmatch(head) and _CJK_RE.match(cut.group(0)):
            rest = _AFTER_CUT.search(body, cut.end())
            while rest is not None and _CJK_RE.match(rest.group(0)):
                rest = _AFTER_CUT.search(body, rest.end())
            body = body[: rest.start() if rest else len(body)]
        else:
            body = head
    return _trim_marks((opening + body).strip())[:PHRASE_MAX]


# list separators; 及以上/及以下 and 及其 are not (县级及以上饮用水水源地)
_LIST_SPLIT = re.compile(r"、|以及|及(?!以上|以下|其)|和|与")


def _split_rates(phrase: str) -> list[str]:
    """审批办结率、服务满意率 → two rates; 企业和群众满意率 → 企业满意率, 群众满意率."""
    parts = [p for p in _LIST_SPLIT.split(phrase) if p]
    if len(parts) < 2 or not parts[-1].endswith("率"):
        return [phrase]
    rate_word = parts[-1][-3:]
    first = parts[0]
    prefix = first[: -3] if first.endswith("率") and len(first) > 3 else ""
    out = []
    for i, part in enumerate(parts):
        if not part.endswith("率"):
            part = part + rate_word
        elif i > 0 and len(part) <= 3 and prefix:
            part = prefix + part
        out.append(part)
    return out


def _assign_indicators(full: str, claims: list[_Claim]) -> list[tuple[_Claim, str]]:
    """Indicator of each claim; a claim shared by several rates is repeated once per rate."""
    out: list[tuple[_Claim, str]] = []
    for i, claim in enumerate(claims):
        previous = claims[i - 1] if i else None
        same_clause_prev = previous if previous and _clause_start(full, claim.start) <= previous.start else None
        previous_end = max(same_clause_prev.end, same_clause_prev.after_end) if same_clause_prev else 0
        next_start = claims[i + 1].start if i + 1 < len(claims) else len(full)
        before = _before_phrase(full, claim, previous_end)
        sentence_prev = previous if previous and _clause_start(full, claim.start, _SENTENCE_END) <= previous.start \
            else None
        inherited = ""
        if sentence_prev is not None:
            inherited = getattr(sentence_prev, "indicator", "")
        if claim.base_unit in ("percent", "pct_point", "yuan", "USD", "EUR", "HKD", "JPY", "permille"):
            indicator = before
            if not indicator:
                indicator = inherited
                if claim.kind == "pct_point_diff" and sentence_prev is not None \
                        and sentence_prev.kind == "growth_rate" and indicator:
                    indicator += "增速"
            claim.indicator = indicator
            if claim.base_unit == "percent" and indicator:
                for rate in _split_rates(indicator):
                    out.append((claim, rate))
                continue
            out.append((claim, indicator))
            continue
        after = _after_phrase(full, claim, next_start)
        if claim.kind == "named_set":
            levels = _LEVELS.search(full[max(0, claim.start - 5):claim.start])
            indicator = (levels.group("levels") if levels and claim.unit == "级" else "") + after
            indicator = indicator or before
        else:
            indicator = _counted(full, claim, after, before, claims[i + 1] if i + 1 < len(claims) else None) \
                or inherited
            if after and indicator.endswith(after):
                claim.after_end = claim.end + len(after)
        claim.indicator = indicator
        out.append((claim, indicator))
    _distribute(full, claims, out)
    return out


_RATE_TAIL = re.compile(_RULES["indicators"]["rate_tail"])
_GENERIC_NOUN = re.compile(_RULES["indicators"]["generic_noun"])
_LEADING_VERB = re.compile(_RULES["indicators"]["leading_verb"])


def _counted(full: str, claim: _Claim, after: str, before: str, following: _Claim | None) -> str:
    """What a count (or amount, duration …) counts: the phrase after it, else the one before.

    The phrase after it stops before the attribute of a rate stated next (8个县级及以上饮用水水源地
    + 水质达标率100%: the 8 counts 水源地); a generic noun after it (措施, 事项) takes the phrase that
    describes it before the number (出台公安打造一流营商环境50项措施: 公安打造一流营商环境措施).
    """
    if after and following is not None and following.base_unit == "percent":
        gap = full[claim.end + len(after) : following.start]
        rate = _RATE_TAIL.search(after)
        if rate and rate.start() >= 2 and not gap.strip():
            after = after[: rate.start()]
    # the describing phrase runs into the number
    if after and before and _GENERIC_NOUN.fullmatch(after) and full[: claim.number_start].rstrip().endswith(before):
        described = _LEADING_VERB.sub("", before, count=1)
        return (described if len(described) >= 2 else before) + after
    return after or before


def _distribute(full: str, claims: list[_Claim], out: list[tuple[_Claim, str]]) -> None:
    """分别: A、B、C…分别达到 x、y、z gives A to x, B to y, C to z."""
    for i, claim in enumerate(claims):
        begin = _clause_start(full, claim.start)
        head = full[begin:claim.start]
        at = head.rfind("分别")
        if at < 0:
            continue
        group = [claim]
        for nxt in claims[i + 1:]:
            gap = full[group[-1].end:nxt.start]
            if re.fullmatch(r"\s*(?:、|和|及|与|以及|,|，)\s*", gap):
                group.append(nxt)
            else:
                break
        if len(group) < 2:
            continue
        earlier = [c.end for c in claims if begin <= c.start and c.end <= begin + at]
        subject = _strip_phrase(full[max(earlier, default=begin):begin + at], limit=None)
        parts = [p for p in _LIST_SPLIT.split(subject) if p]
        if len(parts) != len(group):
            continue
        suffix = ""
        last = parts[-1]
        if "占" in last:
            suffix = last[last.index("占"):]
        for member, part in zip(group, parts, strict=True):
            if suffix and not part.endswith(suffix):
                part = part + suffix
            member.indicator = part
            for j, (c, _) in enumerate(out):
                if c is member:
                    out[j] = (c, part)


# --------------------------------------------------------------------------- documents


def _document_claims(raw: str, *, skip_lines: set[int], paragraphs) -> list[dict]:
    from gongwen import structure

    simple = corpus.simplified(raw)
    raw_lines = simple.split("\n")
    # one character for one: the same lines, half width
    wide_lines = _WIDE_RE.sub(lambda m: _WIDTH[m.group()], simple).split("\n")
    sections = structure.line_paths(raw)
    # Context: earlier lines of the same paragraph (a sentence broken by the PDF).
    context_of: dict[int, str] = {}
    for first, last, _ in paragraphs:
        acc = ""
        for number in range(first, last + 1):
            context_of[number] = acc
            if number not in skip_lines:
                acc += wide_lines[number - 1].strip()
        acc = acc[-400:]
    rows = []
    for number, line in enumerate(raw_lines, start=1):
        if number in skip_lines or not line.strip():
            continue
        context = context_of.get(number, "")[-400:]
        full = context + wide_lines[number - 1]
        offset = len(context)
        claims = _line_claims(full, offset)
        if not claims:
            continue
        for order, (claim, indicator) in enumerate(_assign_indicators(full, claims)):
            start, end = claim.start - offset, claim.end - offset
            qualifiers = []
            for _, word in sorted(claim.qualifiers):
                if word not in qualifiers:
                    qualifiers.append(word)
            value = claim.value
            normalized = math.nan
            if value is not None:
                low = _to_decimal(value.split("-")[0])
                if low is not None:
                    normalized = float(low * claim.multiplier)
            rows.append({
                "line": number, "start": start, "end": end, "text": line[start:end],
                "indicator": indicator, "value": value, "unit": claim.unit, "multiplier": claim.multiplier,
                "normalized_value": normalized, "base_unit": claim.base_unit, "kind": claim.kind,
                "qualifier": "|".join(qualifiers), "masked": claim.masked, "section": sections[number - 1],
                "_order": order,
            })
    return rows


def _empty() -> pd.DataFrame:
    return _typed(pd.DataFrame(columns=COLUMNS))


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    table = table.astype({"line": "int64", "start": "int64", "end": "int64", "multiplier": "int64",
                          "normalized_value": "float64", "masked": "bool"})
    table["value"] = table["value"].astype(object).where(table["value"].notna(), None)
    return table[COLUMNS]


def extract(docs: pd.DataFrame) -> pd.DataFrame:
    """Every quantitative claim in the usable reports.

    Args:
        docs: the ``docs`` table of :func:`gongwen.corpus.load_corpus`; only status ``ok`` rows
            are read.

    Returns:
        One row per claim with columns :data:`COLUMNS`: ``doc_id, line, start, end, text,
        indicator, value, unit, multiplier, normalized_value, base_unit, kind, qualifier,
        masked, section``. ``raw_line[start:end] == text`` for the line on disk (in simplified
        characters for a report written in traditional ones). Several rates sharing one number
        (审批办结率、服务满意率均为100%) give one row each with the same span.
        Sorted by ``doc_id, line, start`` and then by the order of the rates in the text.
    """
    return _claim_table([(*values, doc_id) for doc_id, raw in corpus.usable_texts(docs)
                         for values in _claim_items(raw)])


def _claim_table(rows: list[tuple]) -> pd.DataFrame:
    """The table of :func:`extract` from claim tuples (:data:`_CLAIM_KEYS` then ``doc_id``)."""
    if not rows:
        return _empty()
    table = pd.DataFrame(rows, columns=[*_CLAIM_KEYS, "doc_id"])
    table = table.sort_values(["doc_id", "line", "start", "_order"], kind="stable").reset_index(drop=True)
    return _typed(table)


#: Keys of a claim row of :func:`_document_claims`, in order.
_CLAIM_KEYS = ("line", "start", "end", "text", "indicator", "value", "unit", "multiplier", "normalized_value",
               "base_unit", "kind", "qualifier", "masked", "section", "_order")


@per_report("metrics.claims")
def _claim_items(raw: str) -> tuple[tuple, ...]:
    """The claims of one raw text as value tuples in :data:`_CLAIM_KEYS` order (compact in memory)."""
    cleaned = corpus.clean_text(raw)
    chrome = {line for line, change, _, _ in cleaned.changes if change == "page_chrome"}
    rows = _document_claims(raw, skip_lines=chrome, paragraphs=cleaned.paragraphs)
    return tuple(tuple(row[k] for k in _CLAIM_KEYS) for row in rows)


def extract_text(text: str, *, doc_id: str = "text") -> pd.DataFrame:
    """The claims of one text given as a string (as if it were a report file).

    Returns:
        The same columns as :func:`extract`; ``line`` counts lines of ``text`` from 1.
    """
    raw = text.replace("\r\n", "\n").replace("\r", "\n")
    return _claim_table([(*values, doc_id) for values in _claim_items.uncached(raw)])


# --------------------------------------------------------------------------- accuracy

_GOLD_COLUMNS = ["doc_id", "line", "text", "indicator", "value", "unit", "multiplier", "normalized_value",
                 "base_unit", "kind", "qualifier", "masked"]


def read_gold(path: str | Path, *, docs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read a hand-checked gold table (``tests/gold/metrics_gold.csv``).

    Args:
        docs: when given, keep only the rows of usable reports in ``docs``.

    Returns:
        Its rows with ``line`` as int, ``normalized_value`` as float (NaN when masked),
        ``masked`` as bool and the text columns as strings ("" when empty); an empty table
        with the gold columns when the file does not exist.
    """
    path = Path(path)
    if not path.is_file():
        return pd.DataFrame({c: pd.Series(dtype=object) for c in _GOLD_COLUMNS})
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table["line"] = table["line"].astype("int64")
    table["normalized_value"] = pd.to_numeric(table["normalized_value"].replace("", None), errors="coerce")
    table["masked"] = table["masked"].str.lower().eq("true")
    if docs is not None:
        table = table[table["doc_id"].isin(set(corpus.usable(docs)["doc_id"]))].reset_index(drop=True)
    return table


def _match_key(masked: bool, normalized: float) -> str:
    if masked or normalized is None or (isinstance(normalized, float) and math.isnan(normalized)):
        return "masked"
    return f"{round(float(normalized), 4):.4f}"


def match(pred: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Pair predicted claims with gold claims on report, line and normalised value.

    Only reports that appear in ``gold`` are compared. Within one (report, line, value) the
    claims pair up in text order; the rest are false positives or false negatives.

    Returns:
        ``[doc_id, line, key, status, text_pred, text_gold, indicator_pred, indicator_gold,
        kind_pred, kind_gold, unit_pred, unit_gold, qualifier_pred, qualifier_gold]`` where
        ``status`` is ``tp``, ``fp`` or ``fn``; sorted by ``doc_id, line, key, status``.
    """
    fields = ["text", "indicator", "kind", "unit", "qualifier"]
    pred = pred[pred["doc_id"].isin(set(gold["doc_id"]))]
    groups: dict[tuple, dict[str, list]] = {}
    for side, table in (("pred", pred), ("gold", gold)):
        for row in table.itertuples(index=False):
            key = (row.doc_id, int(row.line), _match_key(bool(row.masked), row.normalized_value))
            groups.setdefault(key, {"pred": [], "gold": []})[side].append(row)
    rows = []
    for (doc_id, line, key), sides in groups.items():
        p, g = sides["pred"], sides["gold"]
        for i in range(max(len(p), len(g))):
            a = p[i] if i < len(p) else None
            b = g[i] if i < len(g) else None
            status = "tp" if a is not None and b is not None else ("fp" if a is not None else "fn")
            row = {"doc_id": doc_id, "line": line, "key": key, "status": status}
            for name in fields:
                row[f"{name}_pred"] = "" if a is None else _text(getattr(a, name))
                row[f"{name}_gold"] = "" if b is None else _text(getattr(b, name))
            rows.append(row)
    columns = ["doc_id", "line", "key", "status"] + [f"{n}_{s}" for n in ("text", "indicator", "kind", "unit",
                                                                           "qualifier") for s in ("pred", "gold")]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values(["doc_id", "line", "key", "status"], kind="stable").reset_index(drop=True)


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def evaluate(pred: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Precision, recall and agreement of predicted claims against a gold table.

    A predicted claim is correct when a gold claim has the same report, line and normalised
    value (:func:`match`). Agreement measures are the shares of matched claims whose field
    equals the gold one.

    Returns:
        ``[measure, value, count, total]`` for ``precision, recall, f1, kind_agreement,
        unit_agreement, qualifier_agreement, text_agreement``; ``value`` rounded to 3 places,
        ``count``/``total`` the numbers it is the ratio of.
    """
    pairs = match(pred, gold)
    tp = int((pairs["status"] == "tp").sum())
    n_pred = int((pairs["status"] != "fn").sum())
    n_gold = int((pairs["status"] != "fp").sum())
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    matched = pairs[pairs["status"] == "tp"]
    rows = [("precision", precision, tp, n_pred), ("recall", recall, tp, n_gold), ("f1", f1, tp, tp)]
    for name in ("kind", "unit", "qualifier", "text"):
        same = int((matched[f"{name}_pred"] == matched[f"{name}_gold"]).sum())
        rows.append((f"{name}_agreement", same / tp if tp else 0.0, same, tp))
    table = pd.DataFrame(rows, columns=["measure", "value", "count", "total"])
    table["value"] = table["value"].round(3)
    return table


# --------------------------------------------------------------------------- comparison


@cache
def _family_rules() -> list[tuple[str, list[re.Pattern]]]:
    rules = load_yaml("metric_families.yaml")["families"]
    return [(entry["family"], [re.compile(p) for p in entry["patterns"]]) for entry in rules]


@cache
def _family_of(text: str) -> str:
    for family, patterns in _family_rules():
        if any(p.search(text) for p in patterns):
            return family
    return ""


def _sentence_of(line: str, start: int, end: int) -> str:
    a = _clause_start(line, start, _SENTENCE_END)
    b = _clause_end(line, end, _SENTENCE_END)
    return line[a:b]


def families(claims: pd.DataFrame, docs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Claims with the indicator family each belongs to (``data/metric_families.yaml``).

    The family is the first rule matching the ``indicator``; when none does and ``docs`` is
    given, the first rule matching the sentence around the claim. Claims matching no rule get
    ``其他``.

    Returns:
        ``claims`` with an extra column ``family``.
    """
    raws: dict[str, str] = {}
    if docs is not None:
        raws = dict(corpus.usable_texts(docs))
    lines: dict[str, list[str]] = {}  # a report's simplified lines, split only when a claim needs them
    out = []
    columns = [claims[c].tolist() for c in ("indicator", "doc_id", "line", "start", "end")]
    for indicator, doc_id, line, start, end in zip(*columns, strict=True):
        family = _family_of(indicator or "")
        if not family and doc_id in raws:
            if doc_id not in lines:
                lines[doc_id] = corpus.simplified(raws[doc_id]).split("\n")
            text = lines[doc_id]
            if 1 <= line <= len(text):
                family = _family_of(_sentence_of(text[line - 1], start, end))
        out.append(family or "其他")
    table = claims.copy()
    table["family"] = out
    return table


def _chars(docs: pd.DataFrame) -> dict[str, int]:
    return dict(zip(docs["doc_id"], docs["chars"], strict=True))


def claims_per_report(claims: pd.DataFrame, docs: pd.DataFrame, *, per: int = 1000,
                      measure: str = "claims") -> pd.DataFrame:
    """Claims of each kind in each usable report, counted or per ``per`` characters.

    Args:
        measure: ``claims`` (counts) or ``density`` (claims per ``per`` non-whitespace
            characters of the analysis text, rounded to 2 places).

    Returns:
        One row per usable report (index ``报告``, its label), one column per kind that
        occurs (Chinese names, in :data:`KINDS` order) and ``合计``; sorted by ``合计``
        descending, then label.
    """
    ok = corpus.usable(docs)
    present = [k for k in KINDS if k in set(claims["kind"])]
    counts = (claims.groupby(["doc_id", "kind"]).size().unstack(fill_value=0)
              .reindex(index=ok["doc_id"], columns=present, fill_value=0))
    counts["合计"] = counts.sum(axis=1)
    if measure == "density":
        chars = ok.set_index("doc_id")["chars"].clip(lower=1)
        counts = (counts.div(chars, axis=0) * per).round(2)
    elif measure != "claims":
        raise ValueError(f"measure must be 'claims' or 'density', not {measure!r}")
    counts.index = [corpus.labels(ok)[d] for d in counts.index]
    counts.index.name = "报告"
    counts = counts.rename(columns=KIND_LABELS)
    counts.columns.name = None
    order = counts.reset_index().sort_values(["合计", "报告"], ascending=[False, True], kind="stable")
    return counts.loc[order["报告"]]


def _display(claims: pd.DataFrame, docs: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    table = claims.copy()
    table["label"] = table["doc_id"].map(corpus.labels(docs))
    table["kind"] = table["kind"].map(KIND_LABELS)
    names = {"label": "报告", "line": "行号", **columns}
    return table[list(names)].rename(columns=names).reset_index(drop=True)


def full_rates(claims: pd.DataFrame, docs: pd.DataFrame) -> pd.DataFrame:
    """Every claim of exactly 100 percent: ``[报告, 行号, 指标, 原文, 限定词, 章节]``,
    in report and line order."""
    hits = claims[(claims["base_unit"] == "percent") & (claims["normalized_value"] == 100)
                  & (claims["kind"] == "percent")]
    return _display(hits, docs, {"indicator": "指标", "text": "原文", "qualifier": "限定词", "section": "章节"})


def growth(claims: pd.DataFrame, docs: pd.DataFrame) -> pd.DataFrame:
    """Growth rates and percentage-point differences: ``[报告, 行号, 指标, 原文, 数值, 单位, 类别]``."""
    hits = claims[claims["kind"].isin(["growth_rate", "pct_point_diff"])]
    return _display(hits, docs, {"indicator": "指标", "text": "原文", "value": "数值", "unit": "单位",
                                 "kind": "类别"})


def money(claims: pd.DataFrame, docs: pd.DataFrame) -> pd.DataFrame:
    """Money amounts, largest first: ``[报告, 行号, 指标, 原文, 金额（亿）, 币种]``.

    ``金额（亿）`` is normalized_value / 10⁸ in the currency of ``币种`` (yuan, USD …),
    rounded to 2 places; ties keep report and line order.
    """
    hits = claims[claims["kind"] == "money"].copy()
    hits["amount"] = (hits["normalized_value"] / 1e8).round(2)
    hits = hits.sort_values(["base_unit", "amount", "doc_id", "line", "start"],
                            ascending=[False, False, True, True, True], kind="stable")
    return _display(hits, docs, {"indicator": "指标", "text": "原文", "amount": "金额（亿）", "base_unit": "币种"})


def by_section(claims: pd.DataFrame, docs: pd.DataFrame, *, level: int = 2, top: int | None = None) -> pd.DataFrame:
    """Claims per section: the heading path cut to ``level`` levels.

    Returns:
        ``[报告, 章节, 条数, 主要类别]`` (``主要类别``: the most frequent kind, ties by
        :data:`KINDS` order), sorted by 条数 descending, then report and section; the first
        ``top`` rows when given. Claims before the first heading count under ``（无标题）``.
    """
    from gongwen import structure

    titles = structure.outline(corpus.usable(docs))
    titles = titles[titles["kind"] == "heading"]
    title_of = {(d, p): t for d, p, t in zip(titles["doc_id"], titles["path"], titles["title"], strict=True)}
    table = claims.copy()
    cut = table["section"].map(lambda s: " > ".join(s.split(" > ")[:level]) if s else "")
    table["sec"] = [
        f"{sec} {title_of.get((doc_id, sec), '')}".strip() if sec else "（无标题）"
        for doc_id, sec in zip(table["doc_id"], cut, strict=True)
    ]
    order = {k: i for i, k in enumerate(KINDS)}
    rows = []
    for (doc_id, sec), group in table.groupby(["doc_id", "sec"], sort=True):
        kinds = group["kind"].value_counts()
        main = sorted(kinds.items(), key=lambda kv: (-kv[1], order[kv[0]]))[0][0]
        rows.append((corpus.labels(docs)[doc_id], sec, len(group), KIND_LABELS[main]))
    out = pd.DataFrame(rows, columns=["报告", "章节", "条数", "主要类别"])
    out = out.sort_values(["条数", "报告", "章节"], ascending=[False, True, True], kind="stable")
    out = out.reset_index(drop=True)
    return out.head(top) if top else out


def family_matrix(claims: pd.DataFrame, docs: pd.DataFrame, *, min_reports: int = 2,
                  max_reports: int | None = None) -> pd.DataFrame:
    """Claims per indicator family and report, for families found in at least ``min_reports``.

    Args:
        claims: the output of :func:`families`.
        max_reports: keep the columns of at most this many reports, those with most claims in
            these families (ties by doc_id), still in doc_id order; rows are chosen and ordered
            on all reports.

    Returns:
        Index ``指标类别`` (families, most reports first, then most claims, then name), one
        column per usable report (label, in doc_id order); cells are claim counts.
    """
    ok = corpus.usable(docs)
    known = claims[claims["family"] != "其他"]
    counts = known.groupby(["family", "doc_id"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=ok["doc_id"], fill_value=0)
    reports = (counts > 0).sum(axis=1)
    counts = counts[reports >= min_reports]
    keys = pd.DataFrame({"reports": (counts > 0).sum(axis=1), "claims": counts.sum(axis=1)})
    keys = keys.reset_index().sort_values(["reports", "claims", "family"], ascending=[False, False, True])
    counts = counts.loc[keys["family"]]
    if max_reports is not None and len(counts.columns) > max_reports:
        totals = counts.sum(axis=0)
        keep = set(sorted(counts.columns, key=lambda d: (-totals[d], d))[:max_reports])
        counts = counts[[d for d in counts.columns if d in keep]]
    counts.columns = [corpus.labels(ok)[d] for d in counts.columns]
    counts.index.name = "指标类别"
    return counts


def family_comparison(claims: pd.DataFrame, docs: pd.DataFrame, *, min_reports: int = 2,
                      per_cell: int = 4) -> pd.DataFrame:
    """What each report states for each shared indicator family, family by family.

    Args:
        claims: the output of :func:`families`.
        per_cell: at most this many claims per report and family, in text order;
            ``（另n条）`` says how many more there are.

    Returns:
        ``[指标类别, 报告, 条数, 表述]``: one row per family of :func:`family_matrix` and
        report that gives figures for it; ``表述`` lists ``indicator text`` joined with ``；``.
        Families in :func:`family_matrix` order, reports in doc_id order.
    """
    matrix = family_matrix(claims, docs, min_reports=min_reports)
    labels = corpus.labels(docs)
    rows = []
    for family in matrix.index:
        subset = claims[claims["family"] == family]
        for doc_id, group in subset.groupby("doc_id", sort=True):
            group = group.sort_values(["line", "start"], kind="stable")
            items = [f"{ind} {txt}".strip() for ind, txt in zip(group["indicator"], group["text"], strict=True)]
            text = "；".join(items[:per_cell])
            if len(items) > per_cell:
                text += f"（另{len(items) - per_cell}条）"
            rows.append((family, labels[doc_id], len(items), text))
    return pd.DataFrame(rows, columns=["指标类别", "报告", "条数", "表述"])


# --------------------------------------------------------------------------- figures


def plot_kinds(claims: pd.DataFrame, docs: pd.DataFrame, *, top: int = 30, per: int = 1000):
    """Two bar charts per report: claims by kind, and claims per ``per`` characters.

    With more than ``top`` usable reports the ``top`` with most claims are drawn and the
    title says so.
    """
    import matplotlib.pyplot as plt

    from gongwen import plotting

    plotting.use_cjk_font()
    counts = claims_per_report(claims, docs, measure="claims")
    density = claims_per_report(claims, docs, measure="density", per=per)
    shown = counts.head(top)
    density = density.loc[shown.index]
    kinds = [c for c in shown.columns if c != "合计"]
    height = max(2.8, 0.4 * len(shown) + 1.5)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, height), sharey=True)
    colors = plt.get_cmap("tab10").colors
    labels = list(shown.index)[::-1]
    for ax, table, xlabel in ((left, shown, "条数"), (right, density, "每千字条数")):
        base = [0.0] * len(labels)
        for i, kind in enumerate(kinds):
            values = table[kind].tolist()[::-1]
            ax.barh(labels, values, left=base, color=colors[i % len(colors)], label=kind)
            base = [a + b for a, b in zip(base, values, strict=True)]
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
    handles, names = left.get_legend_handles_labels()
    if not handles:
        left.text(0.5, 0.5, "没有量化表述", ha="center", va="center", transform=left.transAxes)
    else:
        fig.legend(handles, names, loc="lower center", ncol=min(len(kinds), 10), fontsize=9, frameon=False,
                   bbox_to_anchor=(0.5, 0.0))
    total = len(counts)
    note = f"（量化表述最多的 {top} 篇，共 {total} 篇）" if total > top else ""
    fig.suptitle(f"各报告的量化表述：按类别{note}")
    fig.tight_layout(rect=(0, 0.08 if height < 5 else 0.04, 1, 1))
    return fig


def plot_families(matrix: pd.DataFrame, *, top: int = 25, max_reports: int = 30):
    """Heatmap of claims per indicator family (rows, at most ``top``) and report (columns).

    With more than ``max_reports`` reports, the ``max_reports`` with most claims in the families
    shown are drawn (in their matrix order) and the title says so.
    """
    import matplotlib.pyplot as plt

    from gongwen import plotting

    plotting.use_cjk_font()
    shown = matrix.head(top)
    n_reports = len(shown.columns)
    if n_reports > max_reports:
        totals = shown.sum(axis=0)
        keep = sorted(range(n_reports), key=lambda j: (-totals.iloc[j], j))[:max_reports]
        shown = shown.iloc[:, sorted(keep)]
    # Many reports: reports down the side (labels stay horizontal), families across the top.
    sideways = len(shown.columns) > _SIDEWAYS
    grid = shown.T if sideways else shown
    n_rows, n_cols = max(1, len(grid)), max(1, len(grid.columns))
    if sideways:
        size = (max(6.0, 0.75 * n_cols + 4.5), max(3.0, 0.32 * n_rows + 2.2))
    else:
        size = (max(5.0, 1.1 * n_cols + 3), max(2.5, 0.42 * n_rows + 1.8))
    fig, ax = plt.subplots(figsize=size)
    if shown.empty:
        ax.set_axis_off()
        ax.set_title("没有在多篇报告中出现的指标类别")
        return fig
    image = ax.imshow(grid.to_numpy(), cmap="Blues", aspect="auto", vmin=0)
    if sideways:
        ax.set_xticks(range(n_cols), grid.columns, fontsize=8, rotation=45, ha="left", rotation_mode="anchor")
        ax.xaxis.tick_top()
    else:
        ax.set_xticks(range(n_cols), [_wrap(c) for c in grid.columns], fontsize=8)
    ax.set_yticks(range(n_rows), grid.index, fontsize=8 if sideways else 9)
    peak = grid.to_numpy().max() or 1
    for i in range(n_rows):
        for j in range(n_cols):
            value = int(grid.iat[i, j])
            if value:
                ax.text(j, i, str(value), ha="center", va="center", fontsize=7 if sideways else 8,
                        color="white" if value > peak / 2 else "black")
    fig.colorbar(image, ax=ax, shrink=0.6, label="条数")
    notes = [f"前 {top} 类" if len(matrix) > top else "",
             f"条数最多的 {max_reports} 篇，共 {n_reports} 篇" if n_reports > max_reports else ""]
    note = "；".join(n for n in notes if n)
    ax.set_title(f"多篇报告共有的指标类别：各报告的量化表述条数{f'（{note}）' if note else ''}")
    fig.tight_layout()
    return fig


_SIDEWAYS = 12  # more report columns than this: reports become the rows of the heatmap


def _listed(items: list[str], limit: int = 8) -> str:
    """Items joined with commas, the first ``limit`` of them, then how many more."""
    return ", ".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _wrap(label: str, width: int = 8) -> str:
    return "\n".join(label[i:i + width] for i in range(0, len(label), width))


# --------------------------------------------------------------------------- summary


def summarize(claims: pd.DataFrame, docs: pd.DataFrame, *, evaluation: pd.DataFrame | None = None,
              min_reports: int = 2) -> str:
    """Findings about the reported metrics as Markdown bullet points, every figure from the data.

    Args:
        claims: the output of :func:`families` (or :func:`extract`; family findings are then
            left out).
        evaluation: the output of :func:`evaluate`, if a gold table was available.

    Report text in the result (labels, indicators, spans) is HTML-escaped.
    """
    ok = corpus.usable(docs)
    labels = corpus.labels(ok)
    out: list[str] = []
    if not len(ok):
        return "- The corpus holds no usable report."
    out.append(f"- **{len(claims)}** quantitative claims in **{len(ok)}** report(s) "
               f"({claims['masked'].sum()} masked).")
    if not len(claims):
        return "\n".join(out)
    density = claims_per_report(claims, docs, measure="density")["合计"].sort_values(ascending=False,
                                                                                     kind="stable")
    counts = claims_per_report(claims, docs, measure="claims")["合计"]
    top_label, low_label = density.index[0], density.index[-1]
    if len(density) > 1:
        out.append(f"- Densest: {escape(top_label)} ({counts[top_label]} claims, {density[top_label]:.2f} per "
                   f"1,000 characters); sparsest: {escape(low_label)} ({counts[low_label]}, "
                   f"{density[low_label]:.2f}).")
    else:
        out.append(f"- {density[top_label]:.2f} claims per 1,000 characters.")
    kinds = claims["kind"].value_counts()
    out.append("- By kind: " + ", ".join(f"{KIND_LABELS[k]} {kinds[k]}" for k in KINDS if k in kinds) + ".")
    full = full_rates(claims, docs)
    if len(full):
        who = _listed([f"{escape(label)} ({n})" for label, n in full["报告"].value_counts().sort_index().items()])
        out.append(f"- **{len(full)}** claims of exactly 100% (满意率, 办结率 …): {who}. "
                   "A rate of 100% says little without its base; check whether the report gives one.")
    rates = growth(claims, docs)
    if len(rates):
        who = sorted(set(rates["报告"]))
        out.append(f"- Growth figures and percentage-point differences: **{len(rates)}**, in "
                   f"{len(who)} report(s): {_listed([escape(w) for w in who])}.")
    else:
        out.append("- No report states a growth rate.")
    amounts = money(claims, docs)
    if len(amounts):
        first = amounts.iloc[0]
        out.append(f"- Money amounts: **{len(amounts)}**; the largest is {escape(first['指标'])} "
                   f"{escape(first['原文'])} ({escape(first['报告'])}).")
    none = [labels[d] for d in ok["doc_id"] if d not in set(claims["doc_id"])]
    if none:
        out.append(f"- No quantitative claim at all: {_listed([escape(x) for x in none])}.")
    if "family" in claims.columns:
        matrix = family_matrix(claims, docs, min_reports=min_reports)
        if len(matrix):
            shared = (matrix > 0).sum(axis=1)
            items = ", ".join(f"{escape(f)} ({shared[f]})" for f in matrix.index[:6])
            out.append(f"- Indicator families reported by at least {min_reports} reports: **{len(matrix)}**; "
                       f"the most widely reported (reports): {items}.")
            for family in matrix.index[:3]:
                silent = [c for c in matrix.columns if matrix.loc[family, c] == 0]
                if silent:
                    named = ", ".join(escape(s) for s in silent[:8])
                    more = f" and {len(silent) - 8} more" if len(silent) > 8 else ""
                    out.append(f"- {escape(family)}: no figure from {named}{more}.")
    if evaluation is not None and len(evaluation):
        values = dict(zip(evaluation["measure"], evaluation["value"], strict=True))
        out.append(f"- Against the hand-checked gold table: precision {values['precision']:.3f}, recall "
                   f"{values['recall']:.3f}, kind agreement {values['kind_agreement']:.3f}, unit agreement "
                   f"{values['unit_agreement']:.3f}.")
    return "\n".join(out)
