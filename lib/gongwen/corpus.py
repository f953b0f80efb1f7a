"""Load a folder of reports into tidy tables, and say what was found in each file.

The loader is the one place that reads report files. It returns the ``docs`` table;
the other tables (``paragraphs``, ``changes``, ``quality``, ``lines``) are derived from
it by pure functions, so every analysis starts from the same decoded text.

Two texts are kept per report:

* ``raw_text``: the file decoded as it is on disk. Only line endings are unified to ``\\n``
  so that a CRLF or CR file gives the same line numbers as an LF file. Line numbers in
  every table are 1-based lines of this text, i.e. of the file on disk.
* ``text``: the analysis text, one paragraph per line. Page chrome, injected strings and
  markup debris are removed, lines broken mid-sentence are joined and whitespace is
  normalised. Every such change is a row of :func:`changes`.
"""

from __future__ import annotations

import codecs
import hashlib
import itertools
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from gongwen import metadata as _metadata
from gongwen._data import load_yaml
from gongwen.cache import per_report

__all__ = [
    "DOC_COLUMNS",
    "STATUSES",
    "changes",
    "clean_text",
    "corpus_files",
    "decode_bytes",
    "inventory",
    "is_furniture",
    "labels",
    "light_line",
    "light_lines",
    "lines",
    "load_corpus",
    "paragraphs",
    "punctuation_widths",
    "quality",
    "quality_matrix",
    "read_raw",
    "simplified",
    "summarize",
    "usable",
    "usable_texts",
]

#: Columns of the ``docs`` table, in order.
DOC_COLUMNS = [
    "doc_id",  # file stem; unique key, sort order of every table
    "file",  # file name inside the corpus folder
    "status",  # one of STATUSES
    "status_detail",  # a sentence saying why, for any status but ok
    "encoding",  # codec the bytes were decoded with (utf-8, utf-8-sig, utf-16, gb18030 ...)
    "newline",  # LF, CRLF, CR, mixed or none
    "bytes",  # size of the file on disk
    "lines",  # lines of the file on disk
    "chars",  # non-whitespace characters of the analysis text
    "paragraphs",  # paragraphs of the analysis text
    "sha256",  # of the decoded text with LF line endings (equal across encodings)
    "duplicate_of",  # doc_id of the report this one repeats, for status duplicate
    "title",
    "issuer",
    "doc_type",  # one of gongwen.metadata.DOC_TYPES: annual_report, work_report, plan_notice, regulation, other
    "year",  # the year reported on (Int64, may be missing)
    "published",  # ISO date the report was published or issued
    "doc_number",  # 发文字号
    "metadata_source",  # fields taken from metadata.csv instead of the text
    "label",  # short unique name for figures and tables
    "raw_text",  # Python str (object dtype), as decoded
    "text",  # Python str (object dtype): the analysis text
]

#: Values of ``docs.status``. Only ``ok`` reports are analysed.
STATUSES = ("ok", "duplicate", "empty", "undecodable", "too_large")

METADATA_FILE = "metadata.csv"
MAX_BYTES = 20_000_000

_RULES = load_yaml("cleaning.yaml")
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{_CJK}]")
# Full-width punctuation and brackets next to which spaces are layout, not content.
_FW_PUNCT = "，。、；：？！“”‘’（）《》〈〉【】〔〕—…·「」『』"
_SPACE_AROUND_CJK = re.compile(
    rf"(?<=[{_CJK}{_FW_PUNCT}])[ ]+|[ ]+(?=[{_CJK}{_FW_PUNCT}])"
)
_ODD_SPACES = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
_BULLETS = " \t\u00a0\u3000•·▪◆■□●○◇>-*|"
_CHROME = [re.compile(p) for p in _RULES["page_chrome"]]
_INJECTED = sorted(_RULES["injected"], key=len, reverse=True)
_INJECTED_RE = (
    re.compile("|".join(re.escape(s) for s in _INJECTED), re.IGNORECASE) if _INJECTED else None
)
_MARKDOWN = [re.compile(p, re.IGNORECASE) for p in _RULES["markdown"]]


def _caseless(text: str) -> bool:
    return all(ch.lower() == ch == ch.upper() for ch in text)


# What finds anything the line edits (zero-width, injected, markdown, odd spaces) would change: most
# lines have none, and when none of these finds anything, no edit can apply after the ones before it
# changed nothing. Injected strings without letters are searched without IGNORECASE, which lets the
# search skip to their first characters (one alternation ignoring case took three times as long).
_EDIT_CHECKS = [
    _ZERO_WIDTH,
    _ODD_SPACES,
    *[re.compile("|".join(re.escape(s) for s in group), flags)
      for group, flags in (([s for s in _INJECTED if _caseless(s)], 0),
                           ([s for s in _INJECTED if not _caseless(s)], re.IGNORECASE))
      if group],
    *_MARKDOWN,
]


def _needs_edit(line: str) -> bool:
    """Whether any line edit of :func:`light_line` would change ``line``."""
    return any(check.search(line) for check in _EDIT_CHECKS)


_REDACTION = re.compile("|".join(_RULES["redaction"]))
_MASK = re.compile("|".join(_RULES["mask"]))

# A line that opens a heading or an enumeration never continues the previous line.
_MARKER_START = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[)）]"
    r"|\d{1,2}\s*[.．、](?!\d)|[（(]\d{1,2}[)）]|[一二三四五六七八九十]+是|第[一二三四五六七八九十]+[章条节部])"
)
_HEADING_START = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[)）]"
    r"|\d{1,2}\s*[.．、](?!\d)|[（(]\d{1,2}[)）]|第[一二三四五六七八九十百]+[章条节编]|第[一二三四五六七八九十]+部分)"
)
_OPENERS = {"《": "》", "（": "）", "(": ")", "“": "”", "〈": "〉", "【": "】", "〔": "〕"}
# A line ending in one of these may go on in the next line.
_CONTINUES = re.compile(rf"[{_CJK}A-Za-z0-9，、《（(“〈]$")
_BREAK_MIN_CHARS = 25
_SENTENCE_MARK = re.compile(r"[。；;！？!?]")
# a line that is a label of its own (目录, 附件, 正文) starts a paragraph, never goes on with one
_LABEL_LINE = re.compile(r"^\s*(?:目\s*录|附\s*件\s*\d*|正\s*文)\s*[:：]?\s*$")
_HEADING_TAIL_MAX = 12
# Header fields of web copies and official documents ("发布时间:…  信息来源:…") end a line.
_FIELD_LINE = re.compile(r"(发布|来源|签发人|索引号|分类|发文机关|成文日期|浏览|作者|责任编辑)\s*[:：]")
_TITLE_END = re.compile(r"(报告|通知|方案|意见|决定|办法|规定|细则|规划|要点|总结|请示|通报|公告)$")


# --------------------------------------------------------------------------- decoding


def decode_bytes(data: bytes) -> tuple[str | None, str | None, str]:
    """Decode a report file.

    Returns ``(text, encoding, problem)``: ``text`` is None when the bytes are not text,
    ``problem`` is an empty string or a sentence for the quality table.

    Byte-order marks are trusted first; then strict UTF-8; then GB18030 (a superset of
    GBK and GB2312, the usual legacy encoding of Chinese government sites) when it decodes
    to mostly Chinese text; then charset-normalizer's best guess for anything else.
    """
    if data.startswith(codecs.BOM_UTF8):
        return _checked(data[3:].decode("utf-8", errors="replace"), "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _checked(data.decode("utf-16", errors="replace"), "utf-16")
    if b"\x00" not in data:
        try:
            return _checked(data.decode("utf-8"), "utf-8")
        except UnicodeDecodeError:
            pass
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            text = None
        if text is not None and _looks_like_chinese(text):
            return text, "gb18030", ""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or _control_share(str(best)) > 0.01:
        return None, None, "the file is not text in any encoding the loader knows"
    text = str(best)
    encoding = best.encoding.replace("_", "-")
    if encoding in {"gb2312", "gbk", "hz", "gb18030"}:
        encoding = "gb18030"
    return _checked(text, encoding)


def _checked(text: str, encoding: str) -> tuple[str | None, str | None, str]:
    if _control_share(text) > 0.01:
        return None, None, f"decodes as {encoding} but holds control characters: binary data"
    bad = text.count("\ufffd")
    return text, encoding, (f"{bad} undecodable byte sequences replaced by �" if bad else "")


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    return len(_CONTROL.findall(text)) / len(text)


def _looks_like_chinese(text: str) -> bool:
    letters = [c for c in text if not c.isspace()]
    if not letters:
        return False
    cjk = len(_CJK_RE.findall(text))
    return cjk / len(letters) > 0.3 and _control_share(text) == 0


def _newline_style(text: str) -> str:
    crlf = text.count("\r\n")
    cr = text.count("\r") - crlf
    lf = text.count("\n") - crlf
    kinds = [name for name, n in (("CRLF", crlf), ("CR", cr), ("LF", lf)) if n]
    if not kinds:
        return "none"
    return kinds[0] if len(kinds) == 1 else "mixed"


def _unify_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --------------------------------------------------------------------------- cleaning


@dataclass(frozen=True)
class Cleaned:
    """The analysis text of one report and how it was derived from the raw text."""

    paragraphs: tuple[tuple[int, int, str], ...]  # (first line, last line, text)
    changes: tuple[tuple[int, str, str, str], ...]  # (line, change, before, after)

    @property
    def text(self) -> str:
        return "\n".join(p[2] for p in self.paragraphs)


@per_report("corpus.clean_text")
def clean_text(raw_text: str) -> Cleaned:
    """Derive the analysis text of one report from its raw text (LF line endings).

    Rules come from ``data/cleaning.yaml``. Changes, each with the 1-based line it
    concerns: ``traditional`` (traditional characters written in simplified form, see
    :func:`simplified`), ``page_chrome`` (line removed), ``injected`` (string removed),
    ``markdown`` (debris removed), ``whitespace`` (spaces normalised), ``line_join``
    (line joined to the paragraph above because that one broke mid-sentence).
    Results are cached (:mod:`gongwen.cache`).
    """
    changes: list[tuple[int, str, str, str]] = []
    kept: list[tuple[int, str]] = []
    source = simplified(raw_text)
    raw_lines = raw_text.split("\n") if source != raw_text else None
    for number, line in enumerate(source.split("\n"), start=1):
        if raw_lines is not None and raw_lines[number - 1] != line:
            changes.append((number, "traditional", raw_lines[number - 1].strip(), line.strip()))
        if " " not in line and not _needs_edit(line):  # nothing to remove or normalise
            if is_furniture(line):
                changes.append((number, "page_chrome", line.strip(), ""))
            else:
                kept.append((number, line.strip()))
            continue
        text = _ZERO_WIDTH.sub("", line)
        if is_furniture(text):
            changes.append((number, "page_chrome", line.strip(), ""))
            continue
        if _INJECTED_RE is not None:
            for match in _INJECTED_RE.finditer(text):
                changes.append((number, "injected", match.group(0), ""))
            text = _INJECTED_RE.sub("", text)
        for pattern in _MARKDOWN:
            for match in pattern.finditer(text):
                changes.append((number, "markdown", match.group(0), ""))
            text = pattern.sub("", text)
        spaced = _ODD_SPACES.sub(" ", text)
        normal = _SPACE_AROUND_CJK.sub("", re.sub(r" {2,}", " ", spaced)).strip()
        if normal != text.strip() or (normal and spaced != text):
            changes.append((number, "whitespace", text, normal))
        kept.append((number, normal))

    paragraphs: list[list] = []
    blank_run = 0
    for number, text in kept:
        if not text:
            blank_run += 1
            continue
        if paragraphs and blank_run <= 2 and _continues(paragraphs[-1][2], text):
            paragraphs[-1][1] = number
            paragraphs[-1][2] += text
            changes.append((number, "line_join", text, ""))
        else:
            paragraphs.append([number, number, text])
        blank_run = 0

    return Cleaned(tuple(tuple(p) for p in paragraphs), tuple(changes))


#: Share of Chinese characters OpenCC's t2s changes above which a report counts as traditional.
TRADITIONAL_SHARE = 0.05
_TRADITIONAL_MIN = 5  # ... and at least this many characters


@cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@per_report("corpus.simplified")
def simplified(raw_text: str) -> str:
    """The raw text in simplified characters when it is written in traditional ones.

    A report is traditional when OpenCC's t2s conversion changes at least
    :data:`TRADITIONAL_SHARE` of its Chinese characters; otherwise ``raw_text`` itself is
    returned. Conversion is line by line and keeps every line's length, so line numbers and
    character offsets of the simplified text are those of the file. Every reader of report text
    (cleaning, metadata, outline, elements, metrics) reads this text; ``raw_text`` stays as given.
    """
    converter = _t2s()
    converted = converter.convert(raw_text)
    if converted == raw_text:  # nothing to convert (most reports): no character to count
        return raw_text
    if len(converted) != len(raw_text):
        converted = "".join(_same_length(converter, line) for line in raw_text.split("\n"))
    cjk = len(_CJK_RE.findall(raw_text))
    changed = sum(1 for a, b in zip(raw_text, converted, strict=False) if a != b)
    if changed < _TRADITIONAL_MIN or changed < TRADITIONAL_SHARE * cjk:
        return raw_text
    lines = raw_text.split("\n")
    out = []
    for line in lines:
        new = converter.convert(line)
        out.append(new if len(new) == len(line) else _same_length(converter, line))
    return "\n".join(out)


def _same_length(converter, line: str) -> str:
    # Character by character: a phrase rule may change a word's length; a character never.
    out = []
    for ch in line:
        new = converter.convert(ch)
        out.append(new if len(new) == 1 else ch)
    return "".join(out)


def light_line(line: str) -> str:
    """A raw line without zero-width characters, injected strings and markup debris, odd
    spaces made plain and the ends stripped; unlike the analysis text, internal spaces stay.

    For readers that need a line nearly as written (metadata, outline titles).
    """
    if not _needs_edit(line):
        return line.strip()
    text = _ZERO_WIDTH.sub("", line)
    if _INJECTED_RE is not None:
        text = _INJECTED_RE.sub("", text)
    for pattern in _MARKDOWN:
        text = pattern.sub("", text)
    return _ODD_SPACES.sub(" ", text).strip()


@lru_cache(maxsize=64)
def light_lines(raw_text: str) -> tuple[str, ...]:
    """:func:`light_line` of every line of :func:`simplified` ``(raw_text)``, in order.

    Metadata, elements and the paragraphs' line segments each read every line lightly cleaned;
    kept for the last reports (a chunk of reports runs one analysis after another over all).
    """
    return tuple(map(light_line, simplified(raw_text).split("\n")))


def punctuation_widths(text: str) -> tuple[int, int]:
    """``(half, full)``: half-width marks next to Chinese characters, and full-width marks."""
    return len(_HALF_NEAR_CJK.findall(text)), len(_FULL_RE.findall(text))


def is_furniture(line: str) -> bool:
    """Whether a raw line is web-page furniture, not report text: a ``page_chrome`` rule of
    ``data/cleaning.yaml`` matches it whole, or it is made only of furniture words
    (``【 打印 】 【 扫一扫 】``, ``- 分享到``, ``下载 全屏 减小``), a markdown table rule
    (``|---|---|``) or a breadcrumb (``首页 > 政务公开 > 工作报告``)."""
    if _TABLE_RULE.fullmatch(line.strip()):
        return True
    core = line.strip(_BULLETS)
    if not core:
        return False
    if any(p.fullmatch(core) for p in _CHROME):
        return True
    if len(core) > _FURNITURE_MAX_CHARS or "。" in core:  # body text: the common case, decided at once
        return False
    words = [w for w in _FURNITURE_SPLIT.split(core) if w]
    if words and all(w in _FURNITURE_WORDS for w in words):
        return True
    return _metadata.is_breadcrumb(core)


_FURNITURE_MAX_CHARS = 80
_FURNITURE_WORDS = frozenset(_RULES["furniture_words"])
_FURNITURE_SPLIT = re.compile(r"[\s【】\[\]|｜/\-—·•:：()（）<>＜＞]+")
_TABLE_RULE = re.compile(r"\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?")


def _continues(previous: str, line: str) -> bool:
    """Whether ``line`` goes on with the sentence ``previous`` broke off."""
    if _MARKER_START.match(line) or not _CONTINUES.search(previous) or _LABEL_LINE.match(line):
        return False
    if _FIELD_LINE.search(previous):
        return False
    if _unbalanced(previous):
        return True
    if _HEADING_START.match(previous) and not _SENTENCE_MARK.search(previous):
        # A heading line (一、…, （一）…, 第一章 …) with no sentence in it goes on in the next line
        # only when that line starts with the title's last few characters (…全面落实第一责任 /
        # 人职责。正文…); a line that opens with a whole clause is the heading's body.
        tail = _SENTENCE_MARK.search(line)
        if tail is None or tail.start() > _HEADING_TAIL_MAX:
            return False
    if len(previous) < _BREAK_MIN_CHARS or _TITLE_END.search(previous):
        return False
    return bool(re.match(rf"[{_CJK}A-Za-z0-9，。、；：）)》”]", line))


def _unbalanced(text: str) -> bool:
    for opener, closer in (("《", "》"), ("（", "）"), ("“", "”"), ("(", ")")):
        if text.count(opener) > text.count(closer):
            return True
    return False


def _masks(text: str) -> list[str]:
    # A * only masks text when it stands next to a character or digit (队*, *项).
    out = []
    for match in _MASK.finditer(text):
        before = text[match.start() - 1 : match.start()]
        after = text[match.end() : match.end() + 1]
        if _CJK_RE.match(before or " ") or _CJK_RE.match(after or " ") or after.isdigit():
            out.append(match.group(0))
    return out


# --------------------------------------------------------------------------- loading


def load_corpus(folder: str | Path, *, max_bytes: int = MAX_BYTES) -> pd.DataFrame:
    """Read every file of ``folder`` into the ``docs`` table.

    Every regular, non-hidden file except ``metadata.csv`` is a row, whether or not it
    could be read; ``status`` says which rows the analyses use (``ok``). The folder is
    only read, never written. Metadata is extracted from the text and overridden by
    ``metadata.csv`` (``doc_id`` plus any of ``title, issuer, doc_type, year, published,
    doc_number``) where that file gives a value.

    Args:
        folder: the corpus folder (not searched recursively).
        max_bytes: larger files are listed with status ``too_large`` and not read.

    Returns:
        The ``docs`` table with columns :data:`DOC_COLUMNS`, sorted by ``doc_id``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {folder}")
    rows = [_read_one(path, max_bytes=max_bytes) for path in corpus_files(folder)]
    docs = pd.DataFrame(rows, columns=[c for c in DOC_COLUMNS if c not in ("label", "raw_text", "text")])
    for column in ("raw_text", "text"):
        # plain Python strings: every per-report reader loops over these, and the very objects
        # key the per-report caches (Arrow-backed strings would be copied out at every loop)
        docs[column] = pd.Series([row[column] for row in rows], index=docs.index, dtype=object)
    docs = _mark_duplicates(docs)
    docs = _apply_metadata_file(docs, folder / METADATA_FILE)
    docs["year"] = docs["year"].astype("Int64")
    for column in ("bytes", "lines", "chars", "paragraphs"):
        docs[column] = docs[column].astype("int64")
    docs["label"] = _labels(docs)
    return docs[DOC_COLUMNS].sort_values("doc_id", kind="stable").reset_index(drop=True)


def corpus_files(folder: Path) -> list[Path]:
    """The files of a corpus folder that are reports (rows of ``docs``), sorted: every regular,
    non-hidden file but ``metadata.csv``."""
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".") and p.name != METADATA_FILE)


def read_raw(path: Path, *, max_bytes: int = MAX_BYTES) -> str | None:
    """The raw text of a report file as ``load_corpus`` reads it (LF line ends), or None when it is
    too large or cannot be decoded."""
    if path.stat().st_size > max_bytes:
        return None
    raw, _, _ = decode_bytes(path.read_bytes())
    return _unify_newlines(raw) if raw is not None else None


def _read_one(path: Path, *, max_bytes: int) -> dict:
    size = path.stat().st_size
    row = dict.fromkeys(DOC_COLUMNS, None)
    row.update(doc_id=path.stem, file=path.name, bytes=size, lines=0, chars=0, paragraphs=0)
    row.update(status="ok", status_detail="", raw_text="", text="", metadata_source="")
    if size > max_bytes:
        row.update(status="too_large", status_detail=f"{size:,} bytes, over the {max_bytes:,} limit")
        return row
    data = path.read_bytes()
    raw, encoding, problem = decode_bytes(data)
    if raw is None:
        row.update(status="undecodable", status_detail=problem)
        return row
    row.update(encoding=encoding, newline=_newline_style(raw), status_detail=problem)
    raw = _unify_newlines(raw)
    cleaned = clean_text(raw)
    text = cleaned.text
    row.update(raw_text=raw, text=text, lines=len(raw.splitlines()))
    row.update(paragraphs=len(cleaned.paragraphs), chars=len(re.sub(r"\s", "", text)))
    row["sha256"] = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    if not text.strip():
        row.update(status="empty", status_detail="the file holds no text" if not data.strip()
                   else "the file holds only whitespace or page furniture")
        return row
    row.update(_metadata_fields(raw))
    return row


@per_report("corpus.metadata")
def _metadata_fields(raw_text: str) -> tuple[tuple[str, object], ...]:
    return tuple(_metadata.extract(simplified(raw_text)).items())


def _core(text: str) -> str:
    """The word characters of ``text`` after NFKC normalisation (full-width forms made plain...)."""
    # Full-width forms first replaced by their compatibility decomposition: NFKC(x) is NFC(NFKD(x)),
    # and NFKD gives the same sequence whether a character or its full decomposition stands there,
    # so the result is the same; but a text left with no full-width punctuation is usually
    # normalised already, which NFKC checks quickly (0.55 → 0.15 ms per report).
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", _WIDE_FORM_RE.sub(_decomposed, text)))


_WIDE_FORM_RE = re.compile("[\u3000\uff01-\uff5e]")  # the ideographic space and the full-width ASCII forms


def _decomposed(match: re.Match) -> str:
    return unicodedata.normalize("NFKD", match.group())


def _shingle_hashes(core: str, k: int = 8) -> np.ndarray:
    """A 32-bit hash of every ``k``-character shingle of ``core`` (one shingle when it is shorter).

    A polynomial rolling hash over the code points, computed for all shingles at once with numpy
    (a hash per shingle in Python cost more than cleaning the text), folded to 32 bits. Not
    Python's ``hash()``: that changes between processes, and signatures are cached on disk.
    """
    codes = np.frombuffer(core.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    width = min(k, len(codes))
    count = max(1, len(codes) - k + 1)
    hashes = np.zeros(count, dtype=np.uint64)
    for j in range(width):  # arithmetic modulo 2**64: overflow is the point
        hashes = hashes * np.uint64(1_000_003) + codes[j : j + count]
    return (hashes ^ (hashes >> np.uint64(29))).astype(np.uint32)


def _shingles(text: str, k: int = 8) -> set[int]:
    return set(_shingle_hashes(_core(text), k).tolist())


@per_report("corpus.duplicate_signature")
def _duplicate_signature(raw_text: str) -> tuple[str, bytes]:
    """The fingerprint of a report's analysis text and its sampled shingles (sorted, as uint32 bytes:
    a set of Python ints would take ten times the memory for thousands of reports)."""
    core = _core(clean_text(raw_text).text)
    hashes = _shingle_hashes(core)
    sample = hashes[hashes % _SAMPLE == 0]
    sample = np.unique(sample if len(sample) else hashes)
    return hashlib.sha256(core.encode("utf-8")).hexdigest(), sample.astype("=u4").tobytes()


def _unpack(packed: bytes) -> list[int]:
    from array import array

    values = array("I")
    values.frombytes(packed)
    return values.tolist()


_SAMPLE = 8  # index one shingle in eight (chosen by content, so near-copies pick the same ones)
_COMMON = 50  # shingles shared by more reports than this are boilerplate, not evidence


def _mark_duplicates(docs: pd.DataFrame, *, threshold: float = 0.9) -> pd.DataFrame:
    """Mark reports that repeat an earlier one (by doc_id) as ``duplicate``.

    Same text after whitespace and punctuation are ignored, or near-identical text:
    a Jaccard similarity of 8-character shingles of at least ``threshold``. Candidates
    come from an index of sampled shingles, so the cost grows with the corpus, not its square.
    """
    seen: dict[str, str] = {}
    kept: dict[str, str] = {}  # doc_id → text; full shingle sets are built only for candidates
    index: dict[int, list[str]] = defaultdict(list)
    found: dict[int, tuple[str, str]] = {}
    full: dict[str, set[int]] = {}

    def shingles_of(doc_id: str, text: str) -> set[int]:
        if doc_id not in full:
            full[doc_id] = _shingles(text)
        return full[doc_id]

    ok = docs[docs["status"] == "ok"].sort_values("doc_id")
    for i, doc_id, text, raw in zip(ok.index, ok["doc_id"], ok["text"], ok["raw_text"], strict=True):
        key, packed = _duplicate_signature(raw)
        sample = _unpack(packed)
        if key in seen:
            found[i] = (seen[key], f"same text as {seen[key]}")
            continue
        seen[key] = doc_id
        postings = [index.get(h) for h in sample]  # one Counter over them all: counting runs in C
        votes = Counter(itertools.chain.from_iterable(p for p in postings if p and len(p) <= _COMMON))
        for other_id, shared in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0])):
            if shared < 0.5 * threshold * len(sample):
                break
            shingles, other = shingles_of(doc_id, text), shingles_of(other_id, kept[other_id])
            similarity = len(shingles & other) / len(shingles | other)
            if similarity >= threshold:
                found[i] = (other_id, f"near-identical to {other_id} "
                                      f"({similarity:.0%} of 8-character shingles shared)")
                break
        else:
            kept[doc_id] = text
            for h in sample:
                index[h].append(doc_id)
    docs = docs.copy()
    for i, (original, detail) in found.items():
        docs.loc[i, ["status", "duplicate_of", "status_detail"]] = ["duplicate", original, detail]
    return docs


_OVERRIDABLE = ("title", "issuer", "doc_type", "year", "published", "doc_number")


def _apply_metadata_file(docs: pd.DataFrame, path: Path) -> pd.DataFrame:
    if not path.is_file():
        return docs
    raw, _, _ = decode_bytes(path.read_bytes())
    if raw is None:
        return docs
    from io import StringIO

    table = pd.read_csv(StringIO(raw), dtype=str, keep_default_na=False)
    if "doc_id" not in table.columns:
        return docs
    docs = docs.copy()
    for _, override in table.iterrows():
        hits = docs.index[docs["doc_id"] == override["doc_id"].strip()]
        for i in hits:
            used = []
            for column in _OVERRIDABLE:
                value = str(override.get(column, "") or "").strip()
                if value:
                    docs.at[i, column] = int(value) if column == "year" else value
                    used.append(column)
            docs.at[i, "metadata_source"] = ",".join(used)
    return docs


_TYPE_SHORT = {"annual_report": "年度报告", "work_report": "工作报告", "plan_notice": "方案通知",
               "regulation": "规章制度", "other": "其他"}


def _labels(docs: pd.DataFrame) -> list[str]:
    """Short names, unique whatever metadata is missing or shared.

    ``{issuer}{year}{type}`` when the issuer is known, else ``{doc_id}·{year}{type}`` (the file's
    own name says more than "issuer unknown"); reports sharing a name get their ``doc_id``
    after it, and any name still shared (files ``a.txt`` and ``a.md``) a running number.
    """
    names = []
    columns = [docs[c].tolist() for c in ("status", "doc_id", "issuer", "year", "doc_type")]
    for status, doc_id, issuer, year, doc_type in zip(*columns, strict=True):  # not iterrows: 0.1 ms a row
        if status != "ok":
            names.append((doc_id, doc_id))
            continue
        has_issuer = isinstance(issuer, str) and issuer.strip()
        year = f"{int(year)}" if pd.notna(year) else ""
        kind = f"{year}{_TYPE_SHORT.get(doc_type, '')}"
        base = f"{issuer.strip()}{kind}" if has_issuer else f"{doc_id}·{kind}" if kind else doc_id
        names.append((base, base if has_issuer else None))
    counts = Counter(base for base, _ in names)
    labels = [
        f"{base}·{doc_id}" if counts[base] > 1 and own is not None and own != doc_id else base
        for (base, own), doc_id in zip(names, docs["doc_id"], strict=True)
    ]
    seen: Counter = Counter()
    total = Counter(labels)
    unique = []
    for label in labels:
        seen[label] += 1
        unique.append(f"{label}·{seen[label]}" if total[label] > 1 else label)
    return unique


# --------------------------------------------------------------------------- derived tables


def usable(docs: pd.DataFrame) -> pd.DataFrame:
    """The reports the analyses use: status ``ok``, sorted by ``doc_id``."""
    return docs[docs["status"] == "ok"].sort_values("doc_id").reset_index(drop=True)


def paragraphs(docs: pd.DataFrame) -> pd.DataFrame:
    """Paragraphs of the analysis text of every usable report.

    Returns:
        ``[doc_id, para_id, line, end_line, text]``: ``para_id`` counts from 1 within a
        report; ``line``/``end_line`` are the first and last line on disk it comes from.
    """
    rows = [
        (doc_id, para_id, first, last, text)
        for doc_id, raw in usable_texts(docs)
        for para_id, (first, last, text) in enumerate(clean_text(raw).paragraphs, start=1)
    ]
    return pd.DataFrame(rows, columns=["doc_id", "para_id", "line", "end_line", "text"])


def lines(docs: pd.DataFrame) -> pd.DataFrame:
    """Lines of the raw text of every usable report: ``[doc_id, line, text]``."""
    rows = [
        (doc_id, number, text)
        for doc_id, raw in usable_texts(docs)
        for number, text in enumerate(raw.split("\n"), start=1)
    ]
    return pd.DataFrame(rows, columns=["doc_id", "line", "text"])


def changes(docs: pd.DataFrame) -> pd.DataFrame:
    """Every change made to derive the analysis text: ``[doc_id, line, change, before, after]``."""
    rows = [
        (doc_id, *change)
        for doc_id, raw in usable_texts(docs)
        for change in clean_text(raw).changes
    ]
    table = pd.DataFrame(rows, columns=["doc_id", "line", "change", "before", "after"])
    return table.sort_values(["doc_id", "line", "change"], kind="stable").reset_index(drop=True)


def usable_texts(docs: pd.DataFrame) -> list[tuple[str, str]]:
    """``(doc_id, raw_text)`` of every usable report, in doc_id order: what per-report readers loop over."""
    ok = usable(docs)
    return list(zip(ok["doc_id"], ok["raw_text"], strict=True))


def labels(docs: pd.DataFrame) -> dict[str, str]:
    """``doc_id`` → ``label`` for every row of ``docs``: the names figures and tables show."""
    return dict(zip(docs["doc_id"], docs["label"], strict=True))


_HALF = ",;:?!()"
_FULL = "，；：？！（）"
# a half-width mark after or before a Chinese character (the mark first: the search skips to marks)
_HALF_NEAR_CJK = re.compile(rf"[{re.escape(_HALF)}](?:(?<=[{_CJK}][{re.escape(_HALF)}])|(?=[{_CJK}]))")
_FULL_RE = re.compile(f"[{_FULL}]")
_LATIN_WORD = re.compile(r"(?<![A-Za-z])[A-Za-z]{2,}(?![A-Za-z])")

#: Checks of the quality table, in display order, with what the loader does about each.
QUALITY_CHECKS = {
    "file": "skipped",  # empty, undecodable, too large or duplicate files
    "decoding": "replaced",
    "traditional": "converted",  # traditional characters analysed in simplified form
    "page_chrome": "removed",
    "injected": "removed",
    "markdown": "removed",
    "line_join": "joined",
    "whitespace": "normalised",
    "redaction": "kept",
    "mask": "kept",
    "punctuation_mix": "kept",
    "latin_words": "kept",
}


def quality(docs: pd.DataFrame) -> pd.DataFrame:
    """What the loader found in each file and what it did about it.

    Returns:
        ``[doc_id, check, count, action, detail]`` with one row per report and check in
        :data:`QUALITY_CHECKS` (``count`` 0 where nothing was found). ``action`` says
        whether the finding was repaired in the analysis text (removed, joined,
        normalised), left as it is (kept) or made the loader skip the file (skipped).
        ``detail`` gives lines and examples.
    """
    rows = []
    for _, doc in docs.sort_values("doc_id").iterrows():
        doc_id = doc["doc_id"]
        found: dict[str, tuple[int, str]] = dict.fromkeys(QUALITY_CHECKS, (0, ""))
        if doc["status"] != "ok":
            found["file"] = (1, f"{doc['status']}: {doc['status_detail']}")
        if doc["status_detail"] and doc["status"] == "ok":
            found["decoding"] = (1, doc["status_detail"])
        raw = doc["raw_text"] or ""
        if raw and doc["status"] in ("ok", "duplicate"):
            found.update(_text_findings(raw))
        for check, action in QUALITY_CHECKS.items():
            count, detail = found[check]
            rows.append((doc_id, check, int(count), action if count else "", detail if count else ""))
    return pd.DataFrame(rows, columns=["doc_id", "check", "count", "action", "detail"])


@per_report("corpus.findings")
def _text_findings(raw: str) -> tuple[tuple[str, tuple[int, str]], ...]:
    """The checks of :func:`quality` that depend on a report's text alone: ``(check, (count, detail))``."""
    found: dict[str, tuple[int, str]] = {}
    cleaned = clean_text(raw)
    by_kind: dict[str, list] = {}
    for line, kind, before, _ in cleaned.changes:
        by_kind.setdefault(kind, []).append((line, before))
    for kind, items in by_kind.items():
        found[kind] = (len(items), _describe(items, quote=kind != "whitespace"))
    redactions = _REDACTION.findall(raw)
    found["redaction"] = (len(redactions), "、".join(sorted(set(redactions))))
    masks = _masks(cleaned.text)
    found["mask"] = (len(masks), "characters masked with *" if masks else "")
    found["punctuation_mix"] = _punctuation_mix(raw)
    words = _LATIN_WORD.findall(cleaned.text)
    found["latin_words"] = (len(words), "、".join(sorted(set(words))[:10]))
    return tuple(found.items())


def _describe(items: list[tuple[int, str]], *, quote: bool, limit: int = 4) -> str:
    lines_ = sorted({line for line, _ in items})
    where = "lines " + ", ".join(str(n) for n in lines_[:8]) + (" …" if len(lines_) > 8 else "")
    if not quote:
        return where
    examples = list(dict.fromkeys(before[:12] for _, before in items if before))[:limit]
    return where + (": " + " | ".join(examples) if examples else "")


def _punctuation_mix(raw: str) -> tuple[int, str]:
    half, full = punctuation_widths(raw)
    total = half + full
    if not total:
        return 0, ""
    minority = min(half, full)
    detail = f"{half} half-width and {full} full-width marks ({half / total:.0%} half-width)"
    return minority, detail


def quality_matrix(quality_table: pd.DataFrame) -> pd.DataFrame:
    """The quality table as report × check counts (checks in :data:`QUALITY_CHECKS` order)."""
    matrix = quality_table.pivot(index="doc_id", columns="check", values="count")
    return matrix[list(QUALITY_CHECKS)].sort_index()


_INVENTORY_COLUMNS = {
    "doc_id": "文档编号",
    "label": "简称",
    "title": "标题",
    "issuer": "发文机关",
    "doc_type": "类型",
    "year": "报告年度",
    "published": "发布日期",
    "doc_number": "发文字号",
    "chars": "字数",
    "paragraphs": "段落",
    "encoding": "编码",
    "status": "状态",
    "status_detail": "说明",
}


def inventory(docs: pd.DataFrame) -> pd.DataFrame:
    """The corpus inventory for readers: one row per file, Chinese column names, no text."""
    table = docs[list(_INVENTORY_COLUMNS)].rename(columns=_INVENTORY_COLUMNS)
    return table.astype(object).where(table.notna(), "")


def summarize(docs: pd.DataFrame, quality_table: pd.DataFrame) -> str:
    """Findings about the corpus as Markdown bullet points, every figure from the data.

    Report text in the result (titles, labels) is HTML-escaped.
    """
    from html import escape

    ok = usable(docs)
    lines_: list[str] = []
    lines_.append(
        f"- The folder holds **{len(docs)}** files; **{len(ok)}** are analysed."
    )
    skipped = docs[docs["status"] != "ok"]
    for _, row in skipped.head(_LISTED).iterrows():
        lines_.append(f"- `{escape(row['file'])}` is skipped ({row['status']}): "
                      f"{escape(str(row['status_detail']))}.")
    if len(skipped) > _LISTED:
        lines_.append(f"- … and {len(skipped) - _LISTED} more skipped files (the inventory lists them all).")
    if len(ok):
        types = ok["doc_type"].value_counts().sort_index()
        lines_.append("- Types: " + ", ".join(f"{t} {n}" for t, n in types.items()) + ".")
        years = ok["year"].dropna().astype(int)
        if len(years):
            lines_.append(f"- Years reported on: {years.min()}–{years.max()}.")
        longest = ok.sort_values(["chars", "doc_id"], ascending=[False, True]).iloc[0]
        shortest = ok.sort_values(["chars", "doc_id"]).iloc[0]
        lines_.append(
            f"- Longest: {escape(longest['label'])} ({longest['chars']:,} characters); "
            f"shortest: {escape(shortest['label'])} ({shortest['chars']:,}); "
            f"median {int(ok['chars'].median()):,}."
        )
        missing = [c for c in ("title", "issuer", "year", "published") if ok[c].isna().any()]
        for column in missing:
            lacking = ok.loc[ok[column].isna(), "label"]
            lines_.append(f"- No {column} could be read from {len(lacking)} of {len(ok)} reports: "
                          f"{_some(escape(x) for x in lacking)}.")
    names = labels(docs)
    found = quality_table[(quality_table["count"] > 0) & quality_table["doc_id"].isin(ok["doc_id"])
                          & (quality_table["check"] != "file")]
    for check, group in found.groupby("check", sort=False):
        if check in ("whitespace", "punctuation_mix"):
            continue
        group = group.sort_values(["count", "doc_id"], ascending=[False, True])
        who = _some(f"{escape(names[d])} ({n})" for d, n in zip(group["doc_id"], group["count"], strict=True))
        lines_.append(f"- {check} ({QUALITY_CHECKS[check]}) in {len(group)} reports: {who}.")
    return "\n".join(lines_)


_LISTED = 8  # reports named in one finding before "and n more"


def _some(names) -> str:
    """The first :data:`_LISTED` names, then how many more (findings stay short at any size)."""
    names = list(names)
    shown = ", ".join(names[:_LISTED])
    return shown + (f" and {len(names) - _LISTED} more" if len(names) > _LISTED else "")
