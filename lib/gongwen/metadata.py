"""Metadata read from a report's own text: title, issuer, type, year, dates, 发文字号.

Rules follow the conventions of official documents (GB/T 9704-2012) and of their web
copies; see ``../shared/DOMAIN.md``. An unfamiliar layout gives empty fields, never an
error. ``metadata.csv`` in the corpus folder overrides any field (see
:func:`gongwen.corpus.load_corpus`).
"""

from __future__ import annotations

import re

__all__ = ["FIELDS", "doc_number", "extract", "normalize_date"]

#: Fields :func:`extract` returns.
FIELDS = ("title", "issuer", "doc_type", "year", "published", "doc_number")

_HEAD_LINES = 15
_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ORG_SUFFIX = (
    r"(?:人民政府|人民代表大会常务委员会|委员会|办公室|办公厅|党组|党委|政府|"
    r"厅|局|委|办|院|部|署|中心|集团|公司|总队|支队)"
)
_ORG_LINE = re.compile(rf"^(?:中共)?[\u4e00-\u9fff（）()]{{2,30}}?{_ORG_SUFFIX}$")
_DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,12}\s*[〔\[［【(（]\s*(?:19|20)\d{2}\s*[〕\]］】)）]\s*\d{1,4}\s*号"
)
_TITLE_END = re.compile(
    r"(报告|通知|方案|意见|决定|办法|规定|细则|规划|要点|总结|请示|通报|公告|批复|函)$"
)
_CN_DAY = r"([一二三四五六七八九十]{1,3})"
_DATE_CN = re.compile(rf"([〇○零O一二三四五六七八九]{{4}})年{_CN_DAY}月{_CN_DAY}日")
_DATE_AR = re.compile(r"((?:19|20)\d{2})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?")
_PUBLISHED = re.compile(r"(?:发布|发表|成文|印发)(?:时间|日期)\s*[:：]\s*(.+)")
_SOURCE = re.compile(r"(?:信息)?来源\s*[:：]\s*([^\s:：]+)")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年(?!\s*\d{1,2}\s*月)")
_PERIOD = re.compile(r"(?:19|20)\d{2}\s*[-—–~至到]\s*(?:19|20)\d{2}\s*年?")
_BRACKETED = re.compile(r"《[^》]*》|〔[^〕]*〕")


def extract(raw_text: str) -> dict:
    """Extract :data:`FIELDS` from the raw text of one report.

    Returns:
        A dict with ``title``, ``issuer``, ``doc_type`` (``annual_report``,
        ``plan_notice`` or ``other``), ``year`` (the year reported on, or the year a plan
        is for; int or None), ``published`` (ISO date or None), ``doc_number``.
    """
    lines = _light_lines(raw_text)
    head = lines[:_HEAD_LINES]
    title, title_at = _title(head)
    body = " ".join(lines[title_at + 1 : title_at + 4] if title_at >= 0 else lines[:3])
    doc_type = _doc_type(title, body)
    published = _published(lines)
    return {
        "title": title,
        "issuer": _issuer(lines, title, title_at),
        "doc_type": doc_type,
        "year": _year(title, body, lines, doc_type, published),
        "published": published,
        "doc_number": doc_number(head),
    }


def _light_lines(raw_text: str) -> list[str]:
    # Local import: corpus imports this module.
    from gongwen.corpus import _is_chrome, light_lines

    out = []
    for line, light in zip(raw_text.split("\n"), light_lines(raw_text), strict=True):
        if _is_chrome(line):
            continue
        light = re.sub(r"\s+", " ", light).replace("*", "").strip()
        if light:
            out.append(light)
    return out


def _is_title(line: str) -> bool:
    if len(line) > 90 or "。" in line or line.endswith(("：", ":")):
        return False
    if re.search(r"文件$|签发人|^(发布|信息来源)|^[（(]?此件", line) or _DOC_NUMBER.fullmatch(line):
        return False
    core = re.sub(r"[》”\s]+$", "", line)
    return bool(re.search(r"关于.+的", line) or _TITLE_END.search(core))


def _title(head: list[str]) -> tuple[str | None, int]:
    for i, line in enumerate(head):
        candidate = line
        if line.count("《") > line.count("》") and i + 1 < len(head):
            candidate = line + head[i + 1]
        if not _is_title(candidate):
            continue
        # A web copy may put the issuer on the line above: 山东省某厅 / 2023年度……报告.
        if i > 0 and "关于" not in candidate and _ORG_LINE.match(head[i - 1].replace(" ", "")):
            candidate = head[i - 1] + candidate
        return _tidy_title(candidate), i + (candidate != line and "《" in line)
    return None, -1


def _tidy_title(title: str) -> str:
    # Spaces inside a title are layout, except between two issuers of a joint document.
    parts = title.split(" ")
    out = parts[0]
    for part in parts[1:]:
        out += (" " if re.search(f"{_ORG_SUFFIX}$", out) else "") + part
    return out.strip()


def _doc_type(title: str | None, body: str) -> str:
    text = title or ""
    if title and re.search(r"法治(政府)?建设.*(报告|情况)", title):
        return "annual_report"
    if not title and "法治政府建设" in body and re.search(r"报告如下|报告如下", body):
        return "annual_report"
    if re.search(r"印发|方案|通知|意见|规划|要点|办法|细则|计划", text):
        return "plan_notice"
    return "other"


def _issuer(lines: list[str], title: str | None, title_at: int) -> str | None:
    candidates: list[str] = []
    for i, line in enumerate(lines[:6]):
        # 发文机关标志: "XX文件", possibly with a joint issuer on the next line.
        match = re.fullmatch(r"(.+?)\s*文件", line)
        if match:
            candidates = [match.group(1).replace(" ", "")]
            if i + 1 < len(lines) and _ORG_LINE.match(lines[i + 1].replace(" ", "")):
                candidates.append(lines[i + 1].replace(" ", ""))
            break
    if not candidates and title:
        prefix = title.split("关于")[0] if "关于" in title else title
        candidates = [p for p in re.split(r"[ 、]", prefix) if p]
        candidates = [_org_prefix(p) for p in candidates]
        candidates = [c for c in candidates if c]
    if not candidates:
        for line in lines[: max(title_at, 0) + 1][:3]:
            if _ORG_LINE.match(line.replace(" ", "")):
                candidates = [line.replace(" ", "")]
                break
    if not candidates:
        sources = [m.group(1) for line in lines[:8] for m in _SOURCE.finditer(line)]
        candidates = [s for s in sources if _ORG_LINE.match(s)][-1:]
    if not candidates:
        candidates = _signature(lines)
    # A party group signs with its department: the department is the issuer analysts compare.
    government = [c for c in candidates if not re.search(r"^中共|党组$|党委$", c)]
    chosen = (government or candidates or [None])[0]
    return chosen


def _org_prefix(text: str) -> str | None:
    match = re.match(rf"^(?:中共)?[\u4e00-\u9fff]{{2,30}}?{_ORG_SUFFIX}", text)
    if not match:
        return None
    org = match.group(0)
    # Take the longest organisation name the prefix holds (工业和信息化厅, not 工业和信息化厅...).
    longer = re.match(rf"^(?:中共)?[\u4e00-\u9fff]{{2,30}}{_ORG_SUFFIX}", text)
    if longer and not re.search(r"\d|年", longer.group(0)):
        org = longer.group(0)
    return org


def _signature(lines: list[str]) -> list[str]:
    # 发文机关署名: an organisation line directly above the date at the end of the document.
    for i in range(len(lines) - 1, 0, -1):
        if _date_in(lines[i]) and _ORG_LINE.match(lines[i - 1].replace(" ", "")):
            return [lines[i - 1].replace(" ", "")]
    return []


def _published(lines: list[str]) -> str | None:
    for line in lines[:10]:
        match = _PUBLISHED.search(line)
        if match:
            date = _date_in(match.group(1))
            if date:
                return date
    # 成文日期: a line that is a date and nothing else; then 印发日期 in the 版记.
    for line in lines:
        date = _date_in(line)
        if date and re.fullmatch(r"[\d〇○零一二三四五六七八九十年月日./\-\s]+", line):
            return date
    for line in reversed(lines):
        if line.endswith("印发"):
            date = _date_in(line)
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
        if match and not _inside_parentheses(line, match.start()):
            return re.sub(r"\s+", "", match.group(0))
    return None


def _inside_parentheses(line: str, at: int) -> bool:
    before = line[:at]
    return before.count("（") > before.count("）") or before.count("(") > before.count(")")


def _year(title, body, lines, doc_type, published) -> int | None:
    for text in (title or "", body):
        text = _PERIOD.sub("", _BRACKETED.sub("", text))
        match = _YEAR.search(text)
        if match:
            return int(match.group(1))
    for line in lines:
        text = _PERIOD.sub("", _BRACKETED.sub("", line))
        match = _YEAR.search(text)
        if match:
            return int(match.group(1))
    if published:
        year = int(published[:4])
        # An annual report is published in the year after the one it reports on.
        return year - 1 if doc_type == "annual_report" else year
    return None
