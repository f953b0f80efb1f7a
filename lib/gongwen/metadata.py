"""Metadata read from a report's own text: title, issuer, genre, year, date, 发文字号.

Rules follow the conventions of official documents (GB/T 9704-2012) and of their web copies
(``../shared/DOMAIN.md``, "How real copies arrive"); their word lists are in
``data/metadata.yaml``. Evidence is read in this order of trust:

1. the 版头 of an official document (``XX文件``, 发文字号) and the title line;
2. labelled lines and metadata tables of web copies (``发布机构 | 湖北省司法厅 | 发文日期 |
   2023-03-16``, ``[ 发布日期 ] 2026-02-12``, ``来源：…``);
3. the opening of the body (``2022年，下洋镇人民政府坚持…``, ``…现将…报告如下``) and, for a
   政府工作报告, the meeting it was delivered to (``——2026年1月XX日在湖北省第十四届人民代表大会
   第五次会议上``);
4. the signature and date at the end.

Breadcrumbs (``首页 > 政务公开 > 工作报告``) and site tags (``【法治建设报告】``) are never a title.
An unfamiliar layout gives empty fields, never an error. ``metadata.csv`` in the corpus folder
overrides any field (see :func:`gongwen.corpus.load_corpus`).
"""

from __future__ import annotations

import re
from functools import cache

from gongwen._data import load_yaml

__all__ = ["DOC_TYPES", "FIELDS", "doc_number", "extract", "is_breadcrumb", "is_field_line", "is_title",
           "normalize_date"]

#: Fields :func:`extract` returns.
FIELDS = ("title", "issuer", "doc_type", "year", "published", "doc_number")

#: Values of ``doc_type``: the genres the readers tell apart.
DOC_TYPES = ("annual_report", "work_report", "plan_notice", "regulation", "other")

_RULES = load_yaml("metadata.yaml")
_HEAD_LINES = 20  # lines (furniture and breadcrumbs left out) where the title and labels stand
_OPENING_LINES = 30  # lines read for genre evidence and the body's subject
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "O": 0, "Ｏ": 0, "一": 1, "二": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_ORG_SUFFIX = f"(?:{_alternation(_RULES['org_suffixes'])})(?!{_RULES['not_org_after']})"
_ORG_LINE = re.compile(rf"^(?:中共)?[{_CJK}（）()]{{2,40}}?{_ORG_SUFFIX}$")
_ORG_START = re.compile(rf"^(?:中共)?[{_CJK}（）()]{{2,30}}?{_ORG_SUFFIX}")
_ORG_WHOLE = re.compile(rf"(?:中共)?[{_CJK}（）()]{{2,40}}{_ORG_SUFFIX}")
_DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,12}\s*[〔\[［【(（]\s*(?:19|20)\d{2}\s*[〕\]］】)）]\s*\d{1,4}\s*号"
)
_TITLE_END = re.compile(rf"(?:{_alternation(_RULES['title_endings'])})$")
_TITLE_TAGS = [re.compile(p) for p in _RULES["title_tags"]]
_CN_DAY = r"([一二三四五六七八九十]{1,3})"
_DATE_CN = re.compile(rf"([〇○零OＯ一二三四五六七八九]{{4}})\s*年\s*{_CN_DAY}\s*月\s*{_CN_DAY}\s*日")
_DATE_AR = re.compile(r"((?:19|20)\d{2})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?")
# A date whose day is masked or left open: 2026年1月XX日 (speeches are printed before the day is set).
_DATE_MONTH = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(?:[XＸx×*＊]{1,2}|[ 　]{1,3}|某)\s*日")
_YEAR_MONTH = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月")  # a month alone: 2023年7月
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年(?!\s*\d{1,2}\s*月)")
_PERIOD = re.compile(r"(?:19|20)\d{2}\s*[-—–~至到]\s*(?:19|20)\d{2}\s*年?")
_BRACKETED = re.compile(r"《[^》]*》|〔[^〕]*〕")
_SPEECH = re.compile(r"^[—\-－─]{0,4}\s*(.{4,20}?日)\s*在.{2,60}(?:会议|大会|会)上")
_CONGRESS = re.compile(_RULES["congress"])
_WEB_DATE = re.compile(r"^\s*(?P<date>(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
                       r"(?:\s*$|\s+(?:来源|信息来源|发布|作者|浏览|点击|【))")
_TITLE_DATE = re.compile(r"[(（]\s*(?P<date>(?:19|20)\d{2}-\d{1,2}-\d{1,2})\s*[)）]\s*$")
_PROMULGATED = re.compile(
    r"^[（(]?\s*(?P<date>(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?).{0,60}?(?:通过|公布|发布|印发《)")
_ORDER = re.compile(
    rf"(?P<org>(?:(?![日在于经])[{_CJK}]){{2,20}}?(?:人民政府|政府|委员会))令\s*(?:（第\s*\d+\s*号）|第\s*\d+\s*号)")
_STANDING_COMMITTEE = re.compile(
    rf"(?P<place>(?:(?![日在于经])[{_CJK}]){{2,12}}?(?:省|自治区|市|州|县|区))第[一二三四五六七八九十]+届人民代表大会常务委员会第[一二三四五六七八九十]+次会议.{{0,20}}?通过")
# 2022年，… / 2019年，在省委、省政府的正确领导下，…
_SUBJECT_START = (r"^(?:(?:19|20)\d{2}\s*年(?:度|以来|来)?|一年来)\s*[，,、]?\s*"
                  r"(?:在[^，,。]{2,40}(?:领导|指导|关心|支持|部署)下\s*[，,]\s*)?")
_SUBJECT = re.compile(
    rf"{_SUBJECT_START}(?P<org>(?:中共)?[{_CJK}（）()]{{2,30}}?{_ORG_SUFFIX})(?={_RULES['subject_followers']})"
)
# …or a place standing for its government or office: 2021年，虹桥街道坚持…
_PLACE_SUBJECT = re.compile(
    rf"{_SUBJECT_START}(?P<org>[{_CJK}（）()]{{0,20}}?{_RULES['place_suffix']})(?={_RULES['subject_followers']})"
)
# …现将县人民政府2022年法治政府建设工作情况报告如下 / 现将市人社局2021年…报告予以公开
_REPORTING = re.compile(rf"现将(?P<org>[{_CJK}（）()]{{2,30}}?{_ORG_SUFFIX})(?:(?:19|20)\d{{2}}|[{_CJK}]{{0,8}}年度?)")
_TITLE_PLACE = re.compile(rf"^(?P<place>[{_CJK}]{{2,12}}?{_RULES['place_suffix']})(?=(?:19|20)\d{{2}}\s*年)")
# a joint subject, the party committee and the government of a place: 宁夏回族自治区党委和政府
_PARTY_AND_GOVERNMENT = re.compile(rf"^(?P<place>[{_CJK}]{{2,12}}?)(?:党委|党工委)(?:和|、|与)(?:人民)?政府$")
_REPORT_OF = re.compile(rf"(?P<org>(?:中共)?[{_CJK}]{{2,30}}?{_ORG_SUFFIX})关于.{{2,60}}的(?:报告|情况)")
_GENRES = {
    genre: {"title": [re.compile(p) for p in rules.get("title", [])],
            "opening": [[re.compile(p) for p in rule] for rule in rules.get("opening", [])]}
    for genre, rules in _RULES["genres"].items()
}
_ISSUED_BY_NOTICE = re.compile(_RULES["issued_by_notice"])
_TOP_HEADING = re.compile(r"^[一二三四五六七八九十]{1,2}、")
# A heading's marker: a line opening with one is a section of the text, never its title.
_HEADING_MARKER = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}\s*[、.．]"
                             r"|[（(]\s*[一二三四五六七八九十\d]{1,3}\s*[)）]"
                             r"|\d{1,2}\s*[、．]|第[一二三四五六七八九十百]+[章节条编])")
_LEVEL_WORDS = tuple(_RULES["abbreviated_levels"])
_NOT_ORG = re.compile(_RULES["not_org"])


def extract(raw_text: str) -> dict:
    """Extract :data:`FIELDS` from the text of one report (simplified characters).

    Returns:
        A dict with ``title`` (as the document gives it, without site tags), ``issuer`` (the
        body that issued it; a government for a 政府工作报告), ``doc_type`` (one of
        :data:`DOC_TYPES`), ``year`` (the year reported on; the year a plan is for; the year a
        work report is delivered; int or None), ``published`` (ISO date the text gives for
        publication, issue or delivery, ``YYYY-MM`` when the day is masked; or None),
        ``doc_number`` (发文字号).
    """
    lines, crumbs = _content_lines(raw_text)
    labelled = _labelled(lines[:_HEAD_LINES])
    head = [line for line in lines[:_HEAD_LINES] if not is_field_line(line)]
    title, title_at = _title(head)
    if is_title(_untagged(labelled.get("title", ""))):
        title = _tidy_title(_untagged(labelled["title"]))
    # the breadcrumb names the site's section (…> 法治政府建设年度报告 > 2024年度): genre evidence
    opening = crumbs + lines[:_OPENING_LINES] + [line for line in lines[_OPENING_LINES:]
                                                 if _TOP_HEADING.match(line) and len(line) <= 60]
    doc_type = _doc_type(title, opening)
    published = _published(lines, labelled)
    issuer = _issuer(lines, head, title, title_at, labelled, doc_type)
    number = (doc_number([labelled.get("doc_number", "")]) or doc_number(lines[:_HEAD_LINES])
              or _order_number(lines[:_OPENING_LINES]))
    year = _year(title, head, lines, doc_type, published)
    if year is None and number and doc_type in ("plan_notice", "regulation"):
        issued = re.search(r"[〔\[［【(（]\s*((?:19|20)\d{2})\s*[〕\]］】)）]", number)
        year = int(issued.group(1)) if issued else None  # 鄂政发〔2018〕26号: issued in 2018
    return {"title": title, "issuer": issuer, "doc_type": doc_type, "year": year,
            "published": published, "doc_number": number}


# --------------------------------------------------------------------------- lines


def _content_lines(raw_text: str) -> tuple[list[str], list[str]]:
    """Non-empty lines, spaces made single, page furniture and breadcrumbs left out; and the
    breadcrumbs."""
    # Local import: corpus imports this module (its loader calls extract).
    from gongwen.corpus import is_furniture, light_lines

    out, crumbs = [], []
    gap = False
    for light in light_lines(raw_text):
        if not light:
            gap = True
            continue
        if is_breadcrumb(light):
            crumbs.append(light)
            gap = True
            continue
        if is_furniture(light):
            gap = True
            continue
        light = re.sub(r"\s+", " ", light).replace("*", "").strip()
        if light:
            out.append(_Line(light, gap, len(out)))
            gap = False
    return out, crumbs


class _Line(str):
    """A content line that knows whether a blank or furniture line stood above it."""

    after_gap: bool
    index: int  # place among the content lines

    def __new__(cls, text: str, after_gap: bool, index: int):
        line = super().__new__(cls, text)
        line.after_gap, line.index = after_gap, index
        return line


def _right_above(line: str, above: str) -> bool:
    """Whether ``above`` stands directly above ``line`` in the text, with no blank line between."""
    return (isinstance(line, _Line) and isinstance(above, _Line) and not line.after_gap
            and line.index == above.index + 1)


@cache
def _breadcrumb_re() -> re.Pattern:
    return re.compile(rf"^\s*{_RULES['breadcrumb_start']}\s*(?:[:：>＞»›→/]|$)")


def is_breadcrumb(line: str) -> bool:
    """Whether ``line`` is a web page's breadcrumb (``首页 > 政务公开 > 工作报告``): it starts
    with 首页/当前位置…, or is short parts joined by two or more separators (> » / …)."""
    if _breadcrumb_re().match(line):
        return True
    parts = re.split("|".join(re.escape(s) for s in _RULES["breadcrumb_separators"]), line)
    parts = [p.strip() for p in parts]
    return len(parts) >= 3 and all(0 < len(p) <= 15 and "。" not in p for p in parts)


def _spaced(word: str) -> str:
    # 索 引 号, 文    号: metadata tables pad their labels with spaces
    return r"\s*".join(re.escape(ch) for ch in word)


@cache
def _label_re() -> re.Pattern:
    kinds = _RULES["labels"]
    words = sorted((w for kind in kinds.values() for w in kind), key=len, reverse=True)
    label = "|".join(_spaced(w) for w in words)
    # [ 发布日期 ] 2026-02-12 · 【来源】… · 发布时间：… · 发布机构 | 湖北省司法厅 | … · in a table
    # row flattened to one line, label and value apart by spaces: 发布机构 湖北省司法厅 发文日期 …
    return re.compile(
        rf"(?:^|(?<=[\s|｜\]】)）]))(?:[•·▪◆■●\-]\s*)?[\[【(（]?\s*(?P<label>{label})\s*"
        rf"(?:[\]】)）]\s*[:：]?|[:：]|(?=\s*[|｜])|(?P<bare>\s(?=\S))|(?=\s*$))\s*[|｜]?\s*"
    )


@cache
def _trailing_label_re() -> re.Pattern:
    words = sorted((w for kind in _RULES["labels"].values() for w in kind), key=len, reverse=True)
    return re.compile(rf"(?:{'|'.join(_spaced(w) for w in words)})\s*$")


_KIND_OF = {word: kind for kind, words in _RULES["labels"].items() for word in words}


def _labelled(lines: list[str]) -> dict[str, str]:
    """Values of the labelled fields of a web copy's head: the first value of each kind."""
    found: dict[str, str] = {}
    for i, line in enumerate(lines):
        alone = _label_re().fullmatch(line.strip() + " ")
        if alone and i + 1 < len(lines):
            # a table printed one cell a line: 标题 / 高青县人民政府关于…的通知 / 发文字号 / 高政发〔2021〕1号
            value = _trailing_label_re().sub("", lines[i + 1]).strip()
            if not _label_re().fullmatch(lines[i + 1].strip() + " "):
                _keep(found, alone.group("label"), value)
            continue
        matches = list(_label_re().finditer(line))
        if len(matches) == 1 and matches[0].group("bare") is not None:
            continue  # one word and a space is prose (日期 …), not a table row: a row has several labels
        for match, after in zip(matches, [*matches[1:], None], strict=False):
            value = line[match.end() : after.start() if after else len(line)]
            value = re.split(r"\s*[|｜]\s*|\s{2,}", value.strip())[0].strip(" ：:")
            _keep(found, match.group("label"), value)
    return found


_DATE_RANK = {re.sub(r"\s+", "", w): k for k, w in enumerate(_RULES["labels"]["date"])}


def _keep(found: dict[str, str], label: str, value: str) -> None:
    """Keep the first value of each kind; of dates, the one whose label comes first in the list."""
    label = re.sub(r"\s+", "", label)
    kind = _KIND_OF[label]
    if not value:
        return
    if kind == "date":
        if "date" not in found or _DATE_RANK[label] < found["_date_rank"]:
            found["date"], found["_date_rank"] = value, _DATE_RANK[label]
    elif kind not in found:
        found[kind] = value


def is_field_line(line: str) -> bool:
    """Whether ``line`` is a line of labelled fields of a web copy or a row of its metadata table
    (``发布时间：…  来源：…``, ``索引号 | … | 发布机构 | …``), not a title or body line."""
    matches = list(_label_re().finditer(line))
    if not matches or "。" in line:
        return False
    if len(matches) == 1 and matches[0].group("bare") is not None:
        return False
    if matches[-1].end() == len(line) and matches[-1].start() > 0 and len(matches) == 1:
        return False  # 高青县人民政府关于…的通知发文机关: a value glued to the next cell's label
    return matches[0].start() == 0 or "|" in line or "｜" in line


# --------------------------------------------------------------------------- title


def _untagged(line: str) -> str:
    for pattern in _TITLE_TAGS:
        line = pattern.sub("", line)
    return line.strip()


def is_title(line: str) -> bool:
    """Whether ``line`` (site tags removed) can be a document's title: it says 关于……的 or ends in a
    genre word, has no 。, is neither a heading, a breadcrumb leaf (shorter than ``title_min_chars``),
    a 发文字号 nor a speech line."""
    if len(line) > 90 or len(line) < _RULES["title_min_chars"] or "。" in line:
        return False
    if line.endswith(("：", ":", "，")) or re.search(r"文件$|签发人|^[（(]?此件|^[—\-－]", line):
        return False
    if _DOC_NUMBER.fullmatch(line) or _SPEECH.match(line) or _HEADING_MARKER.match(line):
        return False
    core = re.sub(r"[》”\s]+$", "", line)
    return bool(re.search(r"关于.+的", line) or _TITLE_END.search(core))


def _title(head: list[str]) -> tuple[str | None, int]:
    for i, line in enumerate(head):
        line = _untagged(line)
        candidate = line
        following = head[i + 1] if i + 1 < len(head) else None
        unclosed = line.count("《") > line.count("》")
        if following is not None and (unclosed or (not is_title(line) and _split_title(line, following))):
            candidate = line + following
        if not is_title(candidate):
            continue
        # The issuer may stand on the line right above: 山东省某厅 / 2023年度……报告, 某某委员会 /
        # 关于……的报告 (not a site's banner with a gap below it).
        if i > 0 and _ORG_LINE.match(head[i - 1].replace(" ", "")) and not _org_prefix(candidate) \
                and _right_above(head[i], head[i - 1]):
            candidate = head[i - 1] + candidate
        return _tidy_title(candidate), i + (candidate.endswith(head[i + 1]) if i + 1 < len(head) else 0)
    return None, -1


def _split_title(line: str, following: str) -> bool:
    # A long title printed over two lines: the first has no sentence mark and ends mid-phrase.
    if line.endswith("关于") and len(following) <= 60 and not is_field_line(following):
        return True  # 省人民政府关于 / 进一步优化营商环境的若干意见
    if _DOC_NUMBER.search(line) or _ORG_LINE.match(line.replace(" ", "")) or line.endswith("文件"):
        return False
    if (is_title(_untagged(following)) and "关于" not in line) or _HEADING_MARKER.match(line) or _date_in(line):
        return False
    return (8 <= len(line) <= 40 and not re.search(r"[。：:，,；;、]", line + following)
            and len(following) <= 30 and not is_field_line(following) and not _SPEECH.match(following))


def _tidy_title(title: str) -> str:
    # Spaces inside a title are layout, except between two issuers of a joint document.
    parts = title.split(" ")
    out = parts[0]
    for part in parts[1:]:
        out += (" " if re.search(f"{_ORG_SUFFIX}$", out) else "") + part
    return out.strip()


# --------------------------------------------------------------------------- genre


def _doc_type(title: str | None, opening: list[str]) -> str:
    text = "\n".join(opening)
    if title:
        for genre, rules in _GENRES.items():
            if any(p.search(title) for p in rules["title"]):
                if genre == "regulation" and _ISSUED_BY_NOTICE.search(text):
                    return "plan_notice"  # a rule sent out by a notice (现印发给你们): the notice
                return genre
    for genre, rules in _GENRES.items():
        if any(all(p.search(text) for p in rule) for rule in rules["opening"]) and _opening_decides(genre, title):
            return genre
    return "other"


def _opening_decides(genre: str, title: str | None) -> bool:
    # The opening decides when there is no title, or the title names no other genre: a
    # 政府工作报告 or an annual report may sit under a page title of its own.
    if not title:
        return True
    return not any(p.search(title) for g, rules in _GENRES.items() if g != genre for p in rules["title"])


# --------------------------------------------------------------------------- issuer


def _issuer(lines, head, title, title_at, labelled, doc_type) -> str | None:
    candidates = _issuer_mark(lines[:6])
    if not candidates and doc_type == "work_report":
        candidates = _government_of_meeting(lines[:_OPENING_LINES])
    if not candidates and doc_type == "regulation":
        candidates = _lawmaker(lines[:_OPENING_LINES])
    if not candidates and title:
        prefix = title.split("关于")[0] if "关于" in title else title
        candidates = [c for c in (_org_prefix(p) for p in re.split(r"[ 、]", prefix) if p) if c]
        if not candidates and "关于" in title and re.fullmatch(rf"[{_CJK}（）()]{{2,30}}", prefix):
            # 发文机关 + 关于 + 事由 + 文种: what stands before 关于 is the issuer, however short (泰州)
            candidates = [prefix]
    if not candidates and _org_value(labelled.get("issuer")):
        candidates = [_org_value(labelled["issuer"])]
    if not candidates:
        for line in head[: max(title_at, 0) + 1][:3]:
            if _ORG_LINE.match(line.replace(" ", "")):
                candidates = _orgs_of(line)
                break
    opening = lines[max(title_at, 0) : _OPENING_LINES]
    if not candidates:
        candidates = _body_subject(opening, finders=(_SUBJECT.match, _REPORT_OF.search, _REPORTING.search))
    if not candidates and _org_value(labelled.get("source")):
        candidates = [_org_value(labelled["source"])]
    if not candidates:
        candidates = _signature(lines)
    if not candidates:
        # a place standing for its government: 福建省2021年度法治政府建设情况 / 2021年，虹桥街道坚持…;
        # the fuller of the two names when one ends the other (经济开发区 / 宁河经济开发区)
        place = _TITLE_PLACE.match(title or "")
        in_title = [_place(place.group("place"))] if place and not title.startswith("关于") else []
        in_body = _body_subject(opening, finders=(_PLACE_SUBJECT.match,))
        candidates = in_body if in_title and in_body and in_body[0].endswith(in_title[0]) else in_title or in_body
    # A party group signs with its department: the department is the issuer analysts compare.
    government = [c for c in candidates if not re.search(r"^中共|党组$|党委$", c)]
    chosen = (government or candidates or [None])[0]
    return _completed(chosen, lines[:_OPENING_LINES]) if chosen else None


def _issuer_mark(lines: list[str]) -> list[str]:
    # 发文机关标志: "XX文件", possibly with a joint issuer on the next line.
    for i, line in enumerate(lines):
        match = re.fullmatch(r"(.+?)\s*文件", line)
        if match and len(match.group(1)) >= 3 and not re.search(r"[:：|\d]", match.group(1)):
            parts = [p for p in re.split(r"\s+", match.group(1)) if p]
            found = parts if len(parts) > 1 and all(_ORG_LINE.match(p) for p in parts) \
                else [match.group(1).replace(" ", "")]
            if i + 1 < len(lines) and _ORG_LINE.match(lines[i + 1].replace(" ", "")):
                found.append(lines[i + 1].replace(" ", ""))
            return found
    return []


# characters a place name does not hold (年度, 现将, 我, 全…): where a search for one stops
_NOT_NAME = "[年度月日现将我本全该各在对向与和及的了为把关于经]"
_NOT_PLACE = re.compile(r"^(?:已经|已由|由|经(?=[^济营])|在|于|关于|中共|根据|按照|依照)+")


def _place(text: str) -> str:
    """A place name found after a preposition or party prefix, without it (已由黑龙江省 → 黑龙江省)."""
    return _NOT_PLACE.sub("", text)


def _orgs_of(line: str) -> list[str]:
    """The organisations of a line naming one or several (中共湘阴县委 湘阴县人民政府)."""
    parts = [p for p in re.split(r"[\s、]+", line) if p]
    return parts if len(parts) > 1 and all(_ORG_LINE.match(p) for p in parts) else [line.replace(" ", "")]


def _government_of_meeting(lines: list[str]) -> list[str]:
    """A 政府工作报告 is the report of the government of the place whose congress heard it."""
    # the meeting line may be printed over two lines (——2026年1月26日在广东省第十四届 / 人民代表大会…)
    match = _CONGRESS.search("".join(lines))
    if match:
        return [f"{_place(match.group('place'))}人民政府"]
    for line in lines:
        match = re.search(rf"我代表(?P<org>[{_CJK}]{{0,15}}?人民政府)", line)
        if match:
            return [match.group("org")]
    return []


def _lawmaker(lines: list[str]) -> list[str]:
    """Who made a law or rule: the standing committee that passed it, the government whose order
    promulgated it."""
    for line in lines:
        match = _STANDING_COMMITTEE.search(line)
        if match:
            return [f"{_place(match.group('place'))}人民代表大会常务委员会"]
        match = _ORDER.search(line)
        if match and "公布" in line:
            return [match.group("org")]
    return []


def _org_value(value: str | None) -> str | None:
    if not value:
        return None
    value = value.replace(" ", "")
    return value if _ORG_LINE.match(value) and not re.search(r"网$|报$|日报|新闻|本站|本网", value) else None


def _org_prefix(text: str) -> str | None:
    # The whole prefix when it is one name (…开发区管委会, not …管委), else the shortest name it
    # starts with (山东省工业和信息化厅 of 山东省工业和信息化厅2023年度…).
    whole = _ORG_WHOLE.fullmatch(re.split(r"\d|关于|[〇○零]{1}[一二〇○零]{3}年", text)[0])
    if whole:
        return whole.group(0)
    match = _ORG_START.match(text)
    return match.group(0) if match and not _NOT_ORG.search(match.group(0)) else None


def _body_subject(lines: list[str], *, finders) -> list[str]:
    """The issuer named in the body's first sentences by ``finders``: as their subject (a body's
    own name, or a place standing for its government), or in ``…关于…的报告``."""
    sentences = [sentence for line in lines[:12] if not is_field_line(line)
                 for sentence in re.split(r"(?<=[。；！？])", line)[:2]]
    for sentence in sentences:
        for find in finders:
            match = find(sentence.strip())
            if match and not re.search(r"\d|年|我|本|全|^(?:现将|根据|按照|为|在|对|经|关于)", match.group("org")):
                joint = _PARTY_AND_GOVERNMENT.match(match.group("org"))
                return [joint.group("place") if joint else match.group("org")]
    return []


def _signature(lines: list[str]) -> list[str]:
    # 发文机关署名: an organisation line directly above the date at the end of the document.
    for i in range(len(lines) - 1, max(len(lines) - 15, 0), -1):
        if _date_in(lines[i]) and _ORG_LINE.match(lines[i - 1].replace(" ", "")):
            return _orgs_of(lines[i - 1])
    return []


def _completed(issuer: str, opening: list[str]) -> str:
    """An issuer the text abbreviates (省人民政府) with its place, when the opening names it
    once in full (湖北省人民政府, 湖北省第十四届人民代表大会)."""
    text = "\n".join(opening)
    longer = re.search(rf"(?<![{_CJK}])((?:(?!{_NOT_NAME})[{_CJK}]){{2,8}}?"
                       rf"(?:省|市|县|区|州)){re.escape(issuer)}", text)
    if longer and len(_place(longer.group(1))) >= 2:  # 小龙门乡 named once in full: 辰溪县小龙门乡
        return _place(longer.group(1)) + issuer
    if not issuer.startswith(_LEVEL_WORDS) or issuer.startswith(("省委", "市委", "县委")):
        return issuer
    level, rest = issuer[0], issuer[1:]
    full = re.search(rf"(?<![{_CJK}])((?:(?!{_NOT_NAME})[{_CJK}]){{2,6}}?{level})"
                     rf"{re.escape(rest)}", text)
    if full and len(_place(full.group(1))) >= 2:
        return _place(full.group(1)) + rest
    return issuer


# --------------------------------------------------------------------------- dates and year


def _published(lines: list[str], labelled: dict[str, str]) -> str | None:
    if labelled.get("date"):
        date = _date_in(labelled["date"])
        if date:
            return date
    for line in lines[:_HEAD_LINES]:
        # a web copy's date without a label: 2023-03-27 17:05 来源：… / …情况报告 (2024-02-26)
        web = _WEB_DATE.match(line) or _TITLE_DATE.search(line)
        if web:
            date = _date_in(web.group("date"))
            if date:
                return date
    date = _speech_date(lines)
    if date:
        return date
    # 成文日期: a line that is a date and nothing else; then 印发日期 in the 版记.
    for line in lines:
        date = _date_in(line)
        if date and re.fullmatch(r"[\d〇○零OＯ一二三四五六七八九十年月日./\-\s]+", line):
            return date
    for line in lines[:_OPENING_LINES]:
        # a law or rule: 2020年9月25日山东省…常务委员会第二十三次会议通过 / …人民政府令第4号公布
        promulgated = _PROMULGATED.match(line)
        if promulgated:
            date = _date_in(promulgated.group("date"))
            if date:
                return date
    for line in reversed(lines):
        if line.endswith("印发"):
            date = _date_in(line)
            if date:
                return date
    return None


def _speech_date(lines: list[str]) -> str | None:
    """The day a speech was delivered: ——2026年1月26日在…会议上, also over two lines or in brackets."""
    for i, line in enumerate(lines[:_OPENING_LINES]):
        text = line + (lines[i + 1] if i + 1 < len(lines) and "会议上" not in line else "")
        speech = _SPEECH.match(text) or _SPEECH.match(re.sub(r"^.*?[(（]", "", text))
        if speech:
            date = _date_in(speech.group(1))
            if date:
                return date
    return None


def _date_in(text: str) -> str | None:
    match = _DATE_AR.search(text)
    if match:
        return normalize_date(*match.groups())
    match = _DATE_CN.search(text)
    if match:
        year = "".join(str(_CN_DIGITS[c]) for c in match.group(1))
        return normalize_date(year, _cn_small(match.group(2)), _cn_small(match.group(3)))
    match = _DATE_MONTH.search(text) or _YEAR_MONTH.fullmatch(text.strip())
    if match and 1 <= int(match.group(2)) <= 12:
        return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"
    return None


def _cn_small(text: str) -> str:
    # 一 … 三十一 for months and days.
    if text == "十":
        return "10"
    if "十" in text:
        tens, _, ones = text.partition("十")
        return str(_CN_DIGITS.get(tens, 1) * 10 + _CN_DIGITS.get(ones, 0))
    return str(_CN_DIGITS[text])


def normalize_date(year: str, month: str, day: str) -> str | None:
    """``YYYY-MM-DD`` for a valid date, else None."""
    y, m, d = int(year), int(month), int(day)
    if 1 <= m <= 12 and 1 <= d <= 31:
        return f"{y:04d}-{m:02d}-{d:02d}"
    return None


def doc_number(lines: list[str]) -> str | None:
    """The document's own 发文字号: a line that is one, else the first in the header."""
    for line in lines:
        if _DOC_NUMBER.fullmatch(line.strip()):
            return re.sub(r"\s+", "", line.strip())
    for line in lines[:6]:
        match = _DOC_NUMBER.search(line)
        if match and not _inside_parentheses(line, match.start()) and "关于" not in line[: match.end()]:
            return re.sub(r"\s+", "", match.group(0))
    return None


def _order_number(lines: list[str]) -> str | None:
    """The number of a government rule (黑龙江省人民政府令第4号), stated where it is promulgated."""
    for line in lines:
        match = _ORDER.search(line)
        if (match and "公布" in line[match.end() : match.end() + 8] + line[: match.start()][-4:]) \
                or (match and match.start() == 0):
            return re.sub(r"\s+", "", match.group(0))
    return None


def _inside_parentheses(line: str, at: int) -> bool:
    before = line[:at]
    return before.count("（") > before.count("）") or before.count("(") > before.count(")")


def _year(title, head, lines, doc_type, published) -> int | None:
    published_year = int(published[:4]) if published else None
    title_year = _first_year(title or "")
    if doc_type == "work_report":
        # Delivered in the year it plans for; its body opens on the year before (2025年工作回顾); a
        # page may publish it years later (a 地方志 site), so the speech date comes first.
        speech = _speech_date(lines)
        return (int(speech[:4]) if speech else None) or title_year or published_year or _first_year(" ".join(head))
    if title_year:
        return title_year
    if doc_type in ("plan_notice", "regulation") and published_year:
        return published_year
    for line in lines[:_OPENING_LINES]:
        if _SPEECH.match(line) or is_field_line(line):
            continue
        year = _first_year(line)
        if year:
            return year
    if published_year:
        # An annual report is published in the year after the one it reports on.
        return published_year - 1 if doc_type == "annual_report" else published_year
    return None


def _first_year(text: str) -> int | None:
    match = _YEAR.search(_PERIOD.sub("", _BRACKETED.sub("", text)))
    return int(match.group(1)) if match else None
