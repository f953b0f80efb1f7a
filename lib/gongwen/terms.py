"""Terms: segmentation, frequencies, distinctive vocabulary and the genre's formulations.

Every analysis starts from one long table of tokens::

    docs ─ tokenize ─► tokens[doc_id, para_id, line, position, term]
                        ├─ frequencies ─► [doc_id, term, count, per_10k, rank, doc_freq]
                        ├─ keyness / key_terms ─► G² and Log Ratio, each report against the rest
                        ├─ tfidf, term_matrix ─► second view, and the input of later modules
                        └─ collocations ─► bigrams ranked by G² or PMI

and the formulations are read from the analysis text directly (:func:`formulations`,
:func:`citations`, :func:`quotations`, :func:`numbered_formulations`, :func:`kwic`).

Segmentation is jieba with a private :class:`jieba.Tokenizer` loaded with the domain user
dictionary ``data/userdict.txt``; jieba's own log lines are silenced so nothing reaches stderr.
Only words are tokens: a piece is kept when it holds a Chinese character or a Latin letter and
is not a number written in characters (十项, 两个, 第一批, 余条), so punctuation, whitespace and
numbers (2023, 8.8%, 12345, 三年) never enter ``tokens``; their
places still count in ``position``, so two tokens are adjacent only when their positions differ
by one. Redaction markers such as ``(略)`` are blanked before segmentation.

Stopwords are data files: general function words (``stopwords_function.txt``) and, separately,
the genre's boilerplate (``stopwords_boilerplate.txt``). ``tokenize`` removes function words by
default; whether to remove boilerplate is the caller's choice.

Segmentation is cached per report with the other per-report results (:mod:`gongwen.cache`:
in memory, and on disk in ``GONGWEN_CACHE_DIR``, default ``.cache/gongwen`` in the project,
keyed by the report's text and a hash of the code, the user dictionary and jieba's version).
A cached run returns exactly what a cold run does. The segmenter is jieba's algorithm
computed by jieba-rs (rjieba) for speed, with jieba's own HMM for unknown runs (:func:`_fast_cut`),
with the same output.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import pickle
import re
import sys
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from gongwen import corpus
from gongwen._data import data_path, load_yaml
from gongwen.cache import per_report

__all__ = [
    "CACHE_VERSION",
    "FREQUENCY_COLUMNS",
    "TOKEN_COLUMNS",
    "USER_FREQ",
    "TermMatrix",
    "cache_dir",
    "citation_variants",
    "citations",
    "collocations",
    "comparison_terms",
    "formulation_matrix",
    "formulations",
    "frequencies",
    "key_terms",
    "keyness",
    "kwic",
    "lexical_profile",
    "normalize_title",
    "numbered_formulations",
    "plot_comparison_cloud",
    "plot_keyness",
    "plot_top_terms",
    "plot_wordclouds",
    "quotations",
    "segment",
    "stopwords",
    "summarize",
    "term_matrix",
    "tfidf",
    "tokenize",
    "top_table",
    "top_terms",
    "user_dictionary",
]

#: Bump when a change to this module changes segmentation, so old cache files are not used.
CACHE_VERSION = "1"
#: Frequency given to user-dictionary terms that state none (jieba's suggestion if higher).
USER_FREQ = 20_000
#: Columns of the ``tokens`` table.
TOKEN_COLUMNS = ["doc_id", "para_id", "line", "position", "term"]
#: Columns of the ``frequencies`` table.
FREQUENCY_COLUMNS = ["doc_id", "term", "count", "per_10k", "rank", "doc_freq"]

Stopwords = Literal["function", "boilerplate", "function+boilerplate", "none"]

_HMM = True  # jieba's HMM joins unknown words (堵点, 纠治); part of the cache key
_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z]")
# Numbers written in characters, with the measure word jieba attaches (十项, 两个, 第一批, 余条).
_NUMBER = re.compile(
    r"第?[〇零一二三四五六七八九十百千万亿两几半]+(?:[个项件条次家人份场篇批类种名位年月日号级届轮期]|[万亿]?美?元)?"
    r"|[余多][个项件条次家人份场篇批类种名位年]"
)
_JIEBA_BLOCK = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+")  # what jieba keeps in one block
_REDACTION = re.compile("|".join(load_yaml("cleaning.yaml")["redaction"]))
_FORMS = load_yaml("formulations.yaml")
_CJK = re.compile(r"[\u3400-\u9fff]")


# --------------------------------------------------------------------------- word lists


@cache
def _wordlist(name: str) -> tuple[tuple[str, str], ...]:
    """Non-comment lines of a word-list file as ``(line, source section)``."""
    rows: list[tuple[str, str]] = []
    source = ""
    with data_path(name).open(encoding="utf-8") as handle:
        for raw in handle:
            line = raw.strip()
            if line.startswith("# @source"):
                source = line.split()[-1]
            if line and not line.startswith("#"):
                rows.append((line, source))
    return tuple(dict.fromkeys(rows))


def user_dictionary() -> pd.DataFrame:
    """The domain user dictionary: ``[term, freq, source]``, in file order.

    ``freq`` is the frequency stated in the file (0 when none is given: the segmenter then
    uses ``max(jieba's suggestion, USER_FREQ)``); ``source`` is ``seeds`` or ``outline``.
    """
    rows = []
    for line, source in _wordlist("userdict.txt"):
        parts = line.split()
        rows.append((parts[0], int(parts[1]) if len(parts) > 1 else 0, source))
    table = pd.DataFrame(rows, columns=["term", "freq", "source"])
    return table.drop_duplicates("term").reset_index(drop=True)


def stopwords(kind: Stopwords = "function") -> frozenset[str]:
    """A stopword list: ``function`` words, the genre's ``boilerplate``, both, or ``none``."""
    if kind == "none":
        return frozenset()
    words: set[str] = set()
    for part in kind.split("+"):
        if part not in ("function", "boilerplate"):
            raise ValueError(f"unknown stopword list: {part!r} (function, boilerplate, none)")
        words.update(line for line, _ in _wordlist(f"stopwords_{part}.txt"))
    return frozenset(words)


def _resolve_stopwords(choice: Stopwords | Collection[str]) -> frozenset[str]:
    if isinstance(choice, str):
        return stopwords(choice)  # type: ignore[arg-type]
    return frozenset(choice)


# --------------------------------------------------------------------------- segmentation


@cache
def _segmenter():
    """The private jieba tokenizer with the user dictionary, and the phrase pattern.

    Terms holding characters jieba splits at (punctuation: 双随机、一公开) cannot be jieba
    words; they are matched by a regular expression before jieba runs.
    """
    import jieba

    jieba.setLogLevel(logging.WARNING)  # before the first cut: no timing lines on stderr
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()  # jieba's cached prefix dictionary (read only to build the segmenter's dictionary)
    for term, freq in zip(*_dictionary_terms(), strict=True):
        if _JIEBA_BLOCK.fullmatch(term):
            tokenizer.add_word(term, freq or max(tokenizer.suggest_freq(term), USER_FREQ))
    return tokenizer, _phrases()


@cache
def _phrases() -> re.Pattern | None:
    """The user-dictionary terms jieba cannot hold (they contain punctuation), longest first."""
    phrases = [term for term in _dictionary_terms()[0] if not _JIEBA_BLOCK.fullmatch(term)]
    phrases.sort(key=lambda p: (-len(p), p))
    return re.compile("|".join(map(re.escape, phrases))) if phrases else None


def _dictionary_terms() -> tuple[list[str], list[int]]:
    table = user_dictionary()
    return table["term"].tolist(), table["freq"].tolist()


def _pieces(text: str) -> list[str]:
    """Every piece of ``text`` as segmented: words, punctuation, spaces, numbers."""
    phrases = _phrases()
    cut = _fast_cut()
    text = _REDACTION.sub(" ", text)
    out: list[str] = []
    start = 0
    if phrases is not None:
        for match in phrases.finditer(text):
            cut(text[start : match.start()], out)
            out.append(match.group(0))
            start = match.end()
    cut(text[start:], out)
    return out


@cache
def _fast_cut():
    """``tokenizer.cut(text, HMM=True)`` of the private tokenizer, computed by jieba-rs.

    jieba looks up every prefix of the text at every character in a Python dict and scores the
    routes in Python. Here rjieba (jieba-rs, jieba's algorithm in Rust) loaded with the private
    tokenizer's dictionary finds the best route through each text in route-only mode (no HMM),
    and the pieces are then put together as jieba does with the HMM on: runs of one-character
    pieces inside a block are gathered and handed to jieba's own HMM (``finalseg``, remembered
    per run) unless the run is itself a word. The output is exactly jieba's: ``tests/test_terms.py``
    compares the two on every seed and extra report, on ties and totals built on purpose, and on
    the characters the two libraries count differently.

    Returns ``cut(text, out)``, which appends the pieces of ``text`` to the list ``out``.
    """
    return _cutter(*_dictionary())


# jieba-rs in route-only mode joins neighbouring one-character pieces that are ASCII letters or
# digits ("2","0","2","3" → "2023"), which would hide where the route put single characters (jieba
# gives those runs to the HMM with the characters around them). So letters and digits are mapped
# onto 62 characters of CJK Extension A, which jieba-rs keeps in a block and treats like any
# other, and which can never occur in a jieba block (jieba's blocks hold U+4E00–U+9FD5 only).
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_MAPPED = str.maketrans({c: chr(0x3400 + i) for i, c in enumerate(_ALNUM)})
_HAS_ALNUM = re.compile("[A-Za-z0-9]")
_PAD = "。。"  # a word that can never occur in a block: it carries jieba's total frequency's remainder
_ALNUM_RUN = re.compile("[A-Za-z0-9]+")  # mapped run by run: str.translate is slow on Chinese text
# The characters of jieba's blocks (re_han_default), letters and digits as mapped.
_BLOCK_CHARS = frozenset(itertools.chain(map(chr, range(0x4E00, 0x9FD6)), _MAPPED.values(), "+#&._%-"))
# Characters jieba-rs puts in its blocks and jieba does not: where one occurs, the blocks are jieba's.
_RS_ONLY = re.compile("[\u3400-\u4DBF\u9FD6-\u9FFF\uF900-\uFAFF\U00020000-\U0002FA1F]")


def _map_run(match: re.Match) -> str:
    return match.group().translate(_MAPPED)


def _cutter(words: str, freqs: bytes, total: int):
    """The cut function of :func:`_fast_cut` over any dictionary made by :func:`_build_dictionary`.

    A text goes to jieba-rs whole: its blocks are jieba's (the same characters, the same split at
    whitespace and one piece per other character), except where it holds a character jieba-rs
    alone counts as Chinese (CJK Extension A, compatibility ideographs...); such a text is split
    into jieba's blocks first.
    """
    import jieba
    import rjieba
    from jieba import finalseg

    segmenter = rjieba.Jieba.empty()
    listed = words.split("\n") if words else []
    counts = np.frombuffer(freqs, dtype=np.int64).tolist()
    list(map(segmenter.add_word, listed, counts, itertools.repeat(None)))
    # jieba scores a word by log(freq) - log(total), with its own running total (which counts a
    # word added twice twice): the remainder goes to a word no block holds, so the totals agree.
    remainder = total - sum(counts)
    if remainder < 0:
        raise ValueError("the dictionary's frequencies add up to more than its total")
    if remainder:
        segmenter.add_word(_PAD, remainder, None)
    route, is_word = segmenter.cut, segmenter.has_word
    has_alnum, map_alnum, mapped, rs_only = _HAS_ALNUM.search, _ALNUM_RUN.sub, _MAPPED, _RS_ONLY.search
    in_block = _BLOCK_CHARS.__contains__
    han_split, han_match = jieba.re_han_default.split, jieba.re_han_default.match
    skip_split, skip_match = jieba.re_skip_default.split, jieba.re_skip_default.match
    hmm: dict[str, list[str]] = {}  # unknown run → its pieces (finalseg is a pure function of the run)

    def unknown(buf: str, out: list[str]) -> None:
        if len(buf) == 1:
            out.append(buf)
        elif is_word(buf.translate(mapped)):
            out.extend(buf)
        else:
            pieces = hmm.get(buf)
            if pieces is None:
                pieces = hmm[buf] = list(finalseg.cut(buf))
            out.extend(pieces)

    def cut_text(text: str, out: list[str]) -> None:
        # One-character pieces inside a block are gathered for the HMM, as jieba does.
        translated = has_alnum(text) is not None
        x, buf = 0, -1
        for piece in route(map_alnum(_map_run, text) if translated else text, False):
            n = len(piece)
            if n == 1 and in_block(piece):
                if buf < 0:
                    buf = x
            else:
                if buf >= 0:
                    unknown(text[buf:x], out)
                    buf = -1
                out.append(text[x : x + n] if translated else piece)
            x += n
        if buf >= 0:
            unknown(text[buf:], out)

    def cut(text: str, out: list[str]) -> None:
        if rs_only(text) is None:
            cut_text(text, out)
            return
        for block in han_split(text):
            if not block:
                continue
            if han_match(block):
                cut_text(block, out)
            else:
                for piece in skip_split(block):
                    if skip_match(piece):
                        out.append(piece)
                    else:
                        out.extend(piece)

    return cut


@cache
def _dictionary() -> tuple[str, bytes, int]:
    """The private tokenizer's dictionary as the fast segmenter reads it (:func:`_build_dictionary`).

    Read from a copy in the cache folder (under 0.1 s) when there is one, named by
    :func:`gongwen.cache.version` (which covers jieba's version and the user dictionary);
    building it loads jieba's dictionary and the user dictionary (1–2 s).
    """
    from gongwen import cache as cache_

    path = cache_.cache_dir() / "jieba" / f"{cache_.version()}-dictionary.pkl"
    if cache_.enabled():
        try:
            with open(path, "rb") as handle:
                words, freqs, total = cache_._Unpickler(handle, set()).load()
            return str(words), bytes(freqs), int(total)
        except Exception:  # missing or damaged: build it again
            pass
    built = _build_dictionary(_segmenter()[0])
    if cache_.enabled():
        cache_.write_file(path, pickle.dumps(built, protocol=pickle.HIGHEST_PROTOCOL))
    return built


def _build_dictionary(tokenizer) -> tuple[str, bytes, int]:
    """``(words, freqs, total)`` for :func:`_cutter` from an initialised jieba tokenizer.

    Every word jieba can use inside a block (frequency above 0, only characters of jieba's
    blocks), letters and digits mapped as the cutter maps them, one per line; their frequencies
    as int64; jieba's total frequency.
    """
    words = [w for w, freq in tokenizer.FREQ.items() if freq and _JIEBA_BLOCK.fullmatch(w)]
    freqs = np.asarray([tokenizer.FREQ[w] for w in words], dtype=np.int64)
    return "\n".join(words).translate(_MAPPED), freqs.tobytes(), int(tokenizer.total)


def _is_word(piece: str) -> bool:
    known = _WORDS.get(piece)
    if known is None:
        known = _WORDS[piece] = bool(_WORD.search(piece)) and not _NUMBER.fullmatch(piece)
    return known


_WORDS: dict[str, bool] = {}  # piece → whether it is a word: pieces repeat, and the test takes two regexes


def segment(text: str) -> list[str]:
    """The words of ``text`` in order (no punctuation, whitespace or numbers)."""
    return [piece for piece in _pieces(text) if _is_word(piece)]


def cache_dir() -> Path:
    """The cache folder: ``$GONGWEN_CACHE_DIR`` or ``.cache/gongwen`` in the project (see :mod:`gongwen.cache`)."""
    from gongwen import cache

    return cache.cache_dir()


def _shared_vocabulary(packed: tuple) -> tuple:
    # Words read back from the disk cache are new strings per report; one object per word instead.
    return (tuple(map(sys.intern, packed[0])), *packed[1:])


@per_report("terms.segments", on_load=_shared_vocabulary)
def _segments(raw_text: str) -> tuple[tuple[str, ...], bytes, bytes, bytes, bytes]:
    """One report's words, compactly: ``(vocabulary, term codes, para_id, line, position)``.

    The four columns are native int32 arrays as bytes; term code i is ``vocabulary[i]``.
    """
    return _pack_report(raw_text)


def _pack_report(raw_text: str) -> tuple[tuple[str, ...], bytes, bytes, bytes, bytes]:
    """:func:`_segments`, not cached: the words of every paragraph, numbered as they come."""
    vocabulary: dict[str, int] = {}
    codes: list[int] = []
    positions: list[int] = []
    para_ids, first_lines, counts = [], [], []
    number = vocabulary.setdefault
    for para_id, (line, _, text) in enumerate(corpus.clean_text(raw_text).paragraphs, start=1):
        before = len(codes)
        for position, piece in enumerate(_pieces(text)):
            if _is_word(piece):
                codes.append(number(piece, len(vocabulary)))
                positions.append(position)
        para_ids.append(para_id)
        first_lines.append(line)
        counts.append(len(codes) - before)

    def column(values: list[int]) -> bytes:
        return np.repeat(np.asarray(values, dtype=np.int32), counts).tobytes()

    return (tuple(vocabulary), np.asarray(codes, dtype=np.int32).tobytes(), column(para_ids), column(first_lines),
            np.asarray(positions, dtype=np.int32).tobytes())


def _token_codes(doc_ids: list[str], packed: list[tuple], drop: frozenset[str]) -> tuple[pd.DataFrame, tuple]:
    """The tokens table from packed segments, built column by column (fast for millions of words),
    and ``(doc, term, ids, vocabulary)``: each row's report and term as numbers into the arrays
    ``ids`` and ``vocabulary`` (what :func:`_code_pairs` counts without strings)."""
    # every report's vocabulary numbered at once, in order of first appearance across reports
    words = [t for vocabulary, *_ in packed for t in vocabulary]
    numbers, distinct = pd.factorize(pd.Series(words, dtype=object), sort=False)
    kept = ~pd.Index(distinct).isin(list(drop)) if len(distinct) else np.zeros(0, dtype=bool)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("doc", "para", "line", "position", "term")}
    offset = 0
    for n, (vocabulary, codes, para, line, position) in enumerate(packed):
        local = numbers[offset : offset + len(vocabulary)].astype(np.int64)
        keep = kept[local]
        offset += len(vocabulary)
        code = np.frombuffer(codes, dtype=np.int32)
        mask = keep[code] if len(code) else np.zeros(0, dtype=bool)
        parts["term"].append(local[code[mask]] if len(code) else np.zeros(0, dtype=np.int64))
        parts["para"].append(np.frombuffer(para, dtype=np.int32)[mask])
        parts["line"].append(np.frombuffer(line, dtype=np.int32)[mask])
        parts["position"].append(np.frombuffer(position, dtype=np.int32)[mask])
        parts["doc"].append(np.full(int(mask.sum()), n, dtype=np.int64))
    vocabulary = pd.array(np.asarray(distinct, dtype=object), dtype="str")
    ids = pd.array(np.asarray(doc_ids, dtype=object), dtype="str")

    def joined(key: str, dtype) -> np.ndarray:
        return np.concatenate(parts[key]).astype(dtype) if parts[key] else np.zeros(0, dtype=dtype)

    doc, term = joined("doc", np.int64), joined("term", np.int64)
    table = pd.DataFrame({
        "doc_id": ids.take(doc),
        "para_id": joined("para", np.int64),
        "line": joined("line", np.int64),
        "position": joined("position", np.int64),
        "term": vocabulary.take(term),
    }, columns=TOKEN_COLUMNS)
    return table, (doc, term, ids, vocabulary)


def tokenize(
    docs: pd.DataFrame,
    *,
    stopwords: Stopwords | Collection[str] = "function",
    cache: bool = True,
) -> pd.DataFrame:
    """Segment the analysis text of every usable report.

    Args:
        docs: the ``docs`` table; only usable reports (status ok) are segmented.
        stopwords: terms to leave out: the name of a list (``function``, ``boilerplate``,
            ``function+boilerplate``, ``none``) or any collection of terms.
        cache: use the per-report cache (:mod:`gongwen.cache`): results computed once per
            report text, kept in memory and on disk in :func:`cache_dir`, computed in parallel
            when many reports are new (:func:`gongwen.pipeline.prepare`).

    Returns:
        ``[doc_id, para_id, line, position, term]``, one row per word, in text order.
        ``para_id`` counts paragraphs of the analysis text from 1; ``line`` is the
        paragraph's first line on disk; ``position`` is the 0-based place of the piece in
        the paragraph counting punctuation, numbers and removed stopwords, so gaps show
        where something was left out.
    """
    return _tokenize_codes(docs, stopwords=stopwords, cache=cache)[0]


def _tokenize_codes(docs: pd.DataFrame, *, stopwords: Stopwords | Collection[str] = "function",
                    cache: bool = True) -> tuple[pd.DataFrame, tuple]:
    """:func:`tokenize` and the codes of :func:`_token_codes`."""
    drop = _resolve_stopwords(stopwords)
    ok = corpus.usable(docs)
    raws = ok["raw_text"].tolist()
    if cache:
        from gongwen import pipeline

        pipeline.prepare(raws)
        packed = [_segments(raw) for raw in raws]
    else:
        packed = [_pack_report(raw) for raw in raws]
    return _token_codes(ok["doc_id"].tolist(), packed, drop)


# --------------------------------------------------------------------------- frequencies


def frequencies(tokens: pd.DataFrame) -> pd.DataFrame:
    """Term counts per report.

    Returns:
        ``[doc_id, term, count, per_10k, rank, doc_freq]`` sorted by doc_id, rank, term.
        ``per_10k`` is per 10,000 tokens of that report in ``tokens`` (so it depends on the
        stopwords removed), rounded to 2 decimals; ``rank`` ranks counts within the report
        (ties share the lowest rank, ``min``); ``doc_freq`` is the number of reports using the term.
    """
    return _frequency_table(*_pair_counts(tokens)[:3])


def _frequency_table(counts: pd.DataFrame, doc: np.ndarray, term: np.ndarray) -> pd.DataFrame:
    """:func:`frequencies` from pair counts (:func:`_pair_counts` or :func:`_code_pairs`)."""
    totals = counts.groupby(doc)["count"].transform("sum")
    counts["per_10k"] = (counts["count"] / totals * 10_000).round(2)
    counts["rank"] = counts.groupby(doc)["count"].rank(method="min", ascending=False)
    counts["rank"] = counts["rank"].astype("int64")
    counts["doc_freq"] = np.bincount(term, minlength=1)[term].astype("int64") if len(term) else term
    counts["count"] = counts["count"].astype("int64")
    return _by_rank(counts, doc, term)[FREQUENCY_COLUMNS]


def _pair_counts(tokens: pd.DataFrame) -> tuple:
    """``tokens.groupby(["doc_id", "term"], sort=True).size()`` as ``[doc_id, term, count]``, computed
    on integer codes (grouping millions of strings costs seconds), with each row's doc and term codes
    (codes follow the sorted order of doc_ids and terms, so grouping by them groups as by the strings)
    and the sorted doc_ids and terms they number, as :func:`_code_pairs` gives them."""
    rows, doc_ids = pd.factorize(tokens["doc_id"], sort=True)
    cols, terms = pd.factorize(tokens["term"], sort=True)
    width = max(len(terms), 1)
    key = rows.astype(np.int64, copy=False) * width
    key += cols
    pairs, count = np.unique(key, return_counts=True)
    del key
    doc, term = pairs // width, pairs % width
    counts = pd.DataFrame({
        "doc_id": doc_ids.take(doc).array,
        "term": terms.take(term).array,
        "count": count.astype("int64"),
    })
    return counts, doc, term, doc_ids, terms


def _code_pairs(doc: np.ndarray, term: np.ndarray, ids, vocabulary) -> tuple:
    """:func:`_pair_counts` of a tokens table from the codes :func:`_token_codes` gives with it (the
    same table, without hashing millions of strings again), and the sorted doc_ids and terms the
    codes number."""
    # the reports and terms that occur, numbered in order (ids are in doc_id order already; terms are
    # sorted by code point, as factorize(sort=True)): lookup tables, no sort of millions of codes
    present_docs = np.flatnonzero(np.bincount(doc, minlength=len(ids)))
    doc_rank = np.zeros(len(ids), dtype=np.int64)
    doc_rank[present_docs] = np.arange(len(present_docs))
    present_terms = np.flatnonzero(np.bincount(term, minlength=len(vocabulary)))
    words = np.asarray(vocabulary, dtype=object)[present_terms]
    order = np.argsort(words, kind="stable")
    term_rank = np.zeros(len(vocabulary), dtype=np.int64)
    term_rank[present_terms[order]] = np.arange(len(order))
    width = max(len(present_terms), 1)
    key = doc_rank[doc] * width + term_rank[term]
    pairs, count = np.unique(key, return_counts=True)
    del key
    d, t = pairs // width, pairs % width
    doc_ids = pd.array(np.asarray(ids, dtype=object)[present_docs], dtype="str")
    terms = pd.array(words[order], dtype="str")
    counts = pd.DataFrame({"doc_id": doc_ids.take(d), "term": terms.take(t), "count": count.astype("int64")})
    return counts, d, t, doc_ids, terms


def _pairs_without(doc: np.ndarray, term: np.ndarray, count: np.ndarray, doc_ids, terms,
                   drop: Collection[str]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Pair counts (codes into the sorted ``doc_ids`` and ``terms``, as :func:`_code_pairs` gives)
    less the terms ``drop``: what :func:`_pair_counts` gives for the tokens less those terms, but for
    the numbering, which need not be dense (codes keep their order)."""
    keep = ~pd.Index(np.asarray(terms, dtype=object)).isin(list(drop))[term] if len(term) else np.ones(0, bool)
    doc, term = doc[keep], term[keep]
    counts = pd.DataFrame({"doc_id": doc_ids.take(doc), "term": terms.take(term), "count": count[keep]})
    return counts, doc, term


def _by_rank(counts: pd.DataFrame, doc: np.ndarray, term: np.ndarray) -> pd.DataFrame:
    """``counts.sort_values(["doc_id", "rank", "term"])`` with a fresh index, sorted on the codes."""
    rank = counts["rank"].to_numpy().astype(np.int64)
    width, ranks = int(term.max(initial=0)) + 1, int(rank.max(initial=0)) + 1
    order = np.argsort((doc * ranks + rank) * width + term)  # one integer key: (doc, rank, term) pairs are unique
    return counts.take(order).reset_index(drop=True)


def top_terms(freq: pd.DataFrame, *, n: int = 20) -> pd.DataFrame:
    """The first ``n`` rows per report of a ``frequencies`` table (by rank, then term); 0 = all."""
    ordered = freq.sort_values(["doc_id", "rank", "term"], kind="stable")
    if n > 0:
        ordered = ordered.groupby("doc_id", sort=False).head(n)
    return ordered.reset_index(drop=True)


def top_table(
    table: pd.DataFrame,
    docs: pd.DataFrame,
    *,
    n: int = 20,
    value: str = "count",
    digits: int = 1,
    max_reports: int = 12,
) -> pd.DataFrame:
    """Reports side by side: row r holds each report's term of rank r with its ``value``.

    Args:
        table: any table with ``doc_id, term, rank`` and the ``value`` column
            (:func:`frequencies`, :func:`tfidf`, or :func:`key_terms` filtered to one direction).
        docs: the ``docs`` table; report labels name the columns.
        n: rows (terms per report, by rank then term).
        value: column shown after each term; floats are rounded to ``digits``.
        max_reports: with more reports, the longest are shown.

    Returns:
        Index 1…n (名次), one column per report label, cells "term value".
    """
    shown, _ = _shown(docs, table["doc_id"].unique(), max_reports)
    columns = {}
    for doc_id, label in zip(shown["doc_id"], shown["label"], strict=True):
        part = table[table["doc_id"] == doc_id].sort_values(["rank", "term"], kind="stable").head(n)
        floats = part[value].dtype.kind == "f"
        columns[label] = [f"{t} {v:.{digits}f}" if floats else f"{t} {v}"
                          for t, v in zip(part["term"], part[value], strict=True)]
    out = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()})
    out.index = pd.RangeIndex(1, len(out) + 1, name="名次")
    return out.fillna("")


def citation_variants(forms: pd.DataFrame) -> pd.DataFrame:
    """Cited titles written in more than one way: ``[form, spellings, citations, reports]``.

    ``spellings`` lists the distinct ways of writing it (joined by " | "), ``citations`` counts
    every citation and ``reports`` the reports citing it. Sorted by spellings, then form.
    """
    cited = forms[forms["kind"] == "cited"]
    grouped = cited.groupby("form", sort=True)
    table = pd.DataFrame({
        "spellings": grouped["text"].agg(lambda s: " | ".join(sorted(set(s)))),
        "n_spellings": grouped["text"].nunique(),
        "citations": grouped.size(),
        "reports": grouped["doc_id"].nunique(),
    }).reset_index()
    table = table[table["n_spellings"] > 1]
    table = table.sort_values(["n_spellings", "form"], ascending=[False, True], kind="stable")
    return table[["form", "spellings", "citations", "reports"]].reset_index(drop=True)


# --------------------------------------------------------------------------- keyness


def _g2(a: np.ndarray, b: np.ndarray, target_total: float, reference_total: float) -> np.ndarray:
    """Signed log-likelihood G² of a 2×2 table per term, without Yates' correction.

    ``a``/``b`` are the term's counts in target and reference; the table is
    ``[[a, b], [T - a, R - b]]``. G² = 2 Σ O ln(O/E) with 0·ln 0 = 0, signed + when the term
    is over-represented in the target (a > E), as quanteda's ``textstat_keyness(measure =
    "lr", correction = "none")`` (which adds 1e-9 inside the logarithm instead).
    """
    from scipy.special import xlogy

    total = target_total + reference_total
    c = target_total - a
    d = reference_total - b
    e_a = (a + b) * target_total / total
    e_b = (a + b) * reference_total / total
    e_c = (c + d) * target_total / total
    e_d = (c + d) * reference_total / total
    with np.errstate(divide="ignore", invalid="ignore"):
        g2 = 2 * (xlogy(a, a / e_a) + xlogy(b, b / e_b) + xlogy(c, c / e_c) + xlogy(d, d / e_d))
    return np.where(a > e_a, 1.0, -1.0) * g2


def _log_ratio(a: np.ndarray, b: np.ndarray, target_total: float, reference_total: float) -> np.ndarray:
    """Hardie's Log Ratio: log2 of the ratio of relative frequencies, 0.5 added to both counts.

    The 0.5 keeps terms absent from one side finite; totals are not changed. +1 means twice
    as frequent in the target, −1 half as frequent.
    """
    return np.log2(((a + 0.5) / target_total) / ((b + 0.5) / reference_total))


def _keyness_table(terms, a, b, target_total, reference_total, *, sort: bool = True) -> pd.DataFrame:
    from scipy.special import chdtrc  # chi2.sf(x, df) is chdtrc(df, x); scipy.stats takes a second to import

    g2 = _g2(a, b, target_total, reference_total)
    table = pd.DataFrame({
        "term": terms,
        "n_target": a.astype("int64"),
        "n_reference": b.astype("int64"),
        "g2": g2,
        "p": chdtrc(1, np.abs(g2)),
        "log_ratio": _log_ratio(a, b, target_total, reference_total),
    })
    if not sort:
        return table
    return table.sort_values(["g2", "term"], ascending=[False, True], kind="stable").reset_index(drop=True)


def keyness(tokens: pd.DataFrame, *, target: str | Collection[str]) -> pd.DataFrame:
    """Keyness of every term in the target report(s) against all other reports in ``tokens``.

    Args:
        tokens: a ``tokens`` table.
        target: a doc_id, or several; the reference is every other report.

    Returns:
        ``[term, n_target, n_reference, g2, p, log_ratio]`` sorted by g2 descending, then term
        (as quanteda). ``g2`` is the signed log-likelihood (negative: under-represented in the
        target), ``p`` its chi-squared p-value (1 df), ``log_ratio`` the effect size.
    """
    targets = {target} if isinstance(target, str) else set(target)
    in_target = tokens["doc_id"].isin(targets)
    if not in_target.any():
        raise ValueError(f"no tokens for target {sorted(targets)}")
    if in_target.all():
        raise ValueError("keyness needs a reference: every token belongs to the target")
    counts = pd.crosstab(tokens["term"], in_target).reindex(columns=[True, False], fill_value=0)
    a = counts[True].to_numpy(dtype=float)
    b = counts[False].to_numpy(dtype=float)
    return _keyness_table(counts.index.to_numpy(), a, b, a.sum(), b.sum())


def key_terms(tokens: pd.DataFrame, *, n: int = 10, min_count: int = 1) -> pd.DataFrame:
    """The ``n`` most over- and under-represented terms of each report against the rest.

    Args:
        tokens: a ``tokens`` table with at least two reports (otherwise the result is empty).
        n: terms per report and direction.
        min_count: positive keywords must occur at least this often in the report.

    Returns:
        ``[doc_id, direction, rank, term, n_target, n_reference, g2, p, log_ratio]`` where
        ``direction`` is ``positive`` (g2 > 0, ranked by g2 descending) or ``negative``
        (g2 < 0, ranked by g2 ascending); ties by term. One pass per report over the
        vocabulary: the cost grows with reports × vocabulary, never reports².
    """
    if tokens["doc_id"].nunique() < 2:
        return pd.DataFrame(columns=_KEY_COLUMNS)
    return _key_terms(term_matrix(tokens), n=n, min_count=min_count)


_KEY_COLUMNS = ["doc_id", "direction", "rank", "term", "n_target", "n_reference", "g2", "p", "log_ratio"]


def _pair_matrix(doc: np.ndarray, term: np.ndarray, count: np.ndarray, doc_ids, terms) -> TermMatrix:
    """:func:`term_matrix` from pair counts with dense codes into the sorted ``doc_ids`` and ``terms``
    (:func:`_code_pairs` of the tokens)."""
    from scipy.sparse import csr_matrix

    doc_ids, terms = [str(d) for d in doc_ids], [str(t) for t in terms]
    matrix = csr_matrix((np.asarray(count, dtype=np.int64), (doc, term)), shape=(len(doc_ids), len(terms)))
    matrix.sum_duplicates()
    return TermMatrix(matrix, doc_ids, terms)


def _key_terms(counts: TermMatrix, *, n: int = 10, min_count: int = 1) -> pd.DataFrame:
    """:func:`key_terms` of a report × term count matrix."""
    columns = _KEY_COLUMNS
    if len(counts.doc_ids) < 2:
        return pd.DataFrame(columns=columns)
    from scipy.special import chdtrc  # chi2.sf(x, df) is chdtrc(df, x); scipy.stats takes a second to import

    terms = np.asarray(counts.terms, dtype=object)
    matrix = counts.matrix.tocsr()
    total = np.asarray(matrix.sum(axis=0), dtype=float).ravel()
    parts: dict[str, list] = {k: [] for k in ("doc", "direction", "rank", "term", "a", "b", "t", "r")}
    for row, doc_id in enumerate(counts.doc_ids):  # one report at a time: its arrays stay in the cache
        a = np.zeros(len(terms))
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        a[matrix.indices[start:end]] = matrix.data[start:end]
        b = total - a
        g2 = _g2(a, b, a.sum(), b.sum())
        # terms are sorted, so a term's column number orders ties by term
        up = _first(np.flatnonzero((g2 > 0) & (a >= min_count)), -g2, n)
        down = _first(np.flatnonzero(g2 < 0), g2, n)
        for direction, chosen in (("positive", up), ("negative", down)):
            parts["doc"] += [doc_id] * len(chosen)
            parts["direction"] += [direction] * len(chosen)
            parts["rank"].append(np.arange(1, len(chosen) + 1))
            parts["term"].append(chosen)
            parts["a"].append(a[chosen])
            parts["b"].append(b[chosen])
            parts["t"].append(np.full(len(chosen), a.sum()))
            parts["r"].append(np.full(len(chosen), b.sum()))
    a, b, t, r = (np.concatenate(parts[k]) for k in ("a", "b", "t", "r"))
    g2 = _g2(a, b, t, r)
    return pd.DataFrame({
        "doc_id": parts["doc"],
        "direction": parts["direction"],
        "rank": np.concatenate(parts["rank"]).astype("int64"),
        "term": terms[np.concatenate(parts["term"]).astype(int)],
        "n_target": a.astype("int64"),
        "n_reference": b.astype("int64"),
        "g2": g2,
        "p": chdtrc(1, np.abs(g2)),
        "log_ratio": _log_ratio(a, b, t, r),
    })[columns]


def _first(candidates: np.ndarray, key: np.ndarray, n: int) -> np.ndarray:
    """The ``n`` candidates (ascending indices) with the lowest ``key``, ties by index, in that order.

    Sorting only the candidates at or below the n-th lowest key gives what sorting them all gives:
    nearly every term of the vocabulary is a candidate for the negative keywords of a report.
    """
    values = key[candidates]
    if len(candidates) > 4 * n > 0:
        keep = values <= np.partition(values, n - 1)[n - 1]
        candidates, values = candidates[keep], values[keep]
    return candidates[np.lexsort((candidates, values))][:n]


# --------------------------------------------------------------------------- matrices, tf-idf


@dataclass(frozen=True)
class TermMatrix:
    """A sparse report × term count matrix with its row and column names (both sorted)."""

    matrix: object  # scipy.sparse.csr_matrix
    doc_ids: list[str]
    terms: list[str]


def term_matrix(tokens: pd.DataFrame) -> TermMatrix:
    """Counts as a sparse report × term matrix (rows by doc_id, columns by term)."""
    counts, doc, term, doc_ids, terms = _pair_counts(tokens)
    return _pair_matrix(doc, term, counts["count"].to_numpy(), doc_ids, terms)


def tfidf(tokens: pd.DataFrame, *, sublinear: bool = False) -> pd.DataFrame:
    """TF-IDF weights per report, as scikit-learn's ``TfidfTransformer`` defaults compute them.

    tf is the raw count (``1 + ln count`` when ``sublinear``), idf = ln((1 + n) / (1 + df)) + 1
    with n reports and df the reports using the term, and each report's vector is scaled to
    unit length (L2).

    Returns:
        ``[doc_id, term, count, idf, tfidf, rank]`` sorted by doc_id, rank, term; ``rank``
        ranks tfidf within the report (``min``).
    """
    return _tfidf(*_pair_counts(tokens)[:3], sublinear=sublinear)


def _tfidf(counts: pd.DataFrame, doc: np.ndarray, term: np.ndarray, *, sublinear: bool = False) -> pd.DataFrame:
    """:func:`tfidf` from pair counts (:func:`_pair_counts` or :func:`_pairs_without`)."""
    n_docs = len(np.unique(doc))
    df = pd.Series(np.bincount(term, minlength=1)[term] if len(term) else term, index=counts.index)
    counts["idf"] = np.log((1 + n_docs) / (1 + df)) + 1
    tf = 1 + np.log(counts["count"]) if sublinear else counts["count"].astype(float)
    weight = tf * counts["idf"]
    norm = np.sqrt((weight**2).groupby(doc).transform("sum"))
    counts["tfidf"] = weight / norm
    counts["rank"] = counts.groupby(doc)["tfidf"].rank(method="min", ascending=False).astype("int64")
    counts["count"] = counts["count"].astype("int64")
    return _by_rank(counts, doc, term)[["doc_id", "term", "count", "idf", "tfidf", "rank"]]


# --------------------------------------------------------------------------- collocations


def collocations(
    tokens: pd.DataFrame,
    *,
    measure: Literal["g2", "pmi"] = "g2",
    min_count: int = 3,
) -> pd.DataFrame:
    """Pairs of adjacent terms that occur together more than chance predicts.

    Two tokens form a bigram when they are in the same paragraph and their positions differ
    by one, so bigrams never span punctuation, numbers or removed stopwords. For each bigram
    (w1, w2) the 2×2 table counts bigrams with w1 first and/or w2 second among all N bigrams.

    Returns:
        ``[first, second, bigram, count, doc_freq, g2, pmi]`` for bigrams seen at least
        ``min_count`` times, sorted by ``measure`` descending, then bigram. ``g2`` is the
        signed log-likelihood, ``pmi`` = log2(count·N / (f(w1 first)·f(w2 second))).
    """
    ordered = tokens.sort_values(["doc_id", "para_id", "position"], kind="stable")
    nxt = ordered.shift(-1)
    adjacent = (
        (nxt["doc_id"] == ordered["doc_id"])
        & (nxt["para_id"] == ordered["para_id"])
        & (nxt["position"] == ordered["position"] + 1)
    )
    pairs = pd.DataFrame({
        "doc_id": ordered.loc[adjacent, "doc_id"].to_numpy(),
        "first": ordered.loc[adjacent, "term"].to_numpy(),
        "second": nxt.loc[adjacent, "term"].to_numpy(),
    })
    columns = ["first", "second", "bigram", "count", "doc_freq", "g2", "pmi"]
    if pairs.empty:
        return pd.DataFrame(columns=columns)
    total = float(len(pairs))
    grouped = pairs.groupby(["first", "second"], sort=True)
    table = grouped.size().rename("count").reset_index()
    table["doc_freq"] = grouped["doc_id"].nunique().to_numpy()
    f1 = table["first"].map(pairs["first"].value_counts()).to_numpy(dtype=float)
    f2 = table["second"].map(pairs["second"].value_counts()).to_numpy(dtype=float)
    a = table["count"].to_numpy(dtype=float)
    # a = w1 w2, b = w1 followed by another term; the reference column is "second is not w2".
    table["g2"] = _g2(a, f1 - a, f2, total - f2)
    table["pmi"] = np.log2(a * total / (f1 * f2))
    table["bigram"] = table["first"] + table["second"]
    table = table[table["count"] >= min_count]
    table = table.sort_values([measure, "bigram"], ascending=[False, True], kind="stable")
    return table[columns].reset_index(drop=True)


# --------------------------------------------------------------------------- text and lines


def _paragraph_lines(raw_text: str) -> list[tuple[str, list[int], list[int]]]:
    """Per paragraph: its text, the offsets where each raw line starts, and those lines."""
    cleaned = corpus.clean_text(raw_text)
    joins = [(line, before) for line, kind, before, _ in cleaned.changes if kind == "line_join"]
    joins.sort(key=lambda item: item[0])
    out = []
    j = 0
    for first, last, text in cleaned.paragraphs:
        while j < len(joins) and joins[j][0] <= first:
            j += 1
        pieces = []
        while j < len(joins) and joins[j][0] <= last:
            pieces.append(joins[j])
            j += 1
        offset = len(text) - sum(len(piece) for _, piece in pieces)
        offsets, lines_ = [0], [first]
        for line, piece in pieces:
            offsets.append(offset)
            lines_.append(line)
            offset += len(piece)
        out.append((text, offsets, lines_))
    return out


def _line_at(offsets: list[int], lines_: list[int], offset: int) -> int:
    return lines_[bisect.bisect_right(offsets, offset) - 1]


def kwic(docs: pd.DataFrame, pattern: str, *, window: int = 15, regex: bool = False) -> pd.DataFrame:
    """Keyword in context: every occurrence of ``pattern`` in the analysis text.

    Args:
        docs: the ``docs`` table (usable reports are searched).
        pattern: a literal string, or a regular expression when ``regex``.
        window: characters shown on each side, within the paragraph.

    Returns:
        ``[doc_id, line, left, match, right]`` in text order; ``line`` is the line on disk
        where the match starts (a paragraph joined from broken lines maps back to its lines).
    """
    compiled = re.compile(pattern if regex else re.escape(pattern))
    rows = []
    for doc_id, raw in corpus.usable_texts(docs):
        for text, offsets, lines_ in _paragraph_lines(raw):
            for match in compiled.finditer(text):
                if match.end() == match.start():
                    continue
                rows.append((
                    doc_id,
                    _line_at(offsets, lines_, match.start()),
                    text[max(0, match.start() - window) : match.start()],
                    match.group(0),
                    text[match.end() : match.end() + window],
                ))
    return pd.DataFrame(rows, columns=["doc_id", "line", "left", "match", "right"])


# --------------------------------------------------------------------------- formulations


_NORMALISE = dict(_FORMS["normalise"])
_NORMALISE_RE = re.compile("|".join(map(re.escape, sorted(_NORMALISE, key=len, reverse=True))))
_FORM_COLUMNS = ["doc_id", "line", "kind", "text", "form"]


def normalize_title(title: str) -> str:
    """The canonical spelling of a cited title, so that spelling variants count as one.

    Outer 《》 are dropped; full-width letters and digits become half-width (NFKC); brackets
    become full-width （）, nested titles 〈〉 (from <>, ＜＞ or an inner 《》); dashes of every
    kind become —; spaces go. ``《法治政府建设实施纲要(2021-2025年)》`` and
    ``法治政府建设实施纲要（2021—2025年）`` give the same result.
    """
    text = title.strip()
    if text.startswith("《") and text.endswith("》"):
        text = text[1:-1]
    text = "".join(
        unicodedata.normalize("NFKC", ch) if ch not in "“”‘’—…〈〉" else ch for ch in text
    )
    text = re.sub(r"\s+", "", text)
    text = _NORMALISE_RE.sub(lambda m: _NORMALISE[m.group(0)], text)
    return re.sub("—+", "—", text)


def _quote_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the content of each quotation in a paragraph."""
    spans = []
    for (opener, closer), pattern in zip(_FORMS["quote_pairs"], _QUOTE_PATTERNS, strict=True):
        if opener not in text:
            continue
        if opener == closer:
            positions = [m.start() for m in pattern.finditer(text)]
            spans += [(positions[i] + 1, positions[i + 1]) for i in range(0, len(positions) - 1, 2)]
        else:
            spans += [(m.start() + 1, m.end() - 1) for m in pattern.finditer(text)]
    return sorted(spans)


# per quote pair: the mark itself (straight quotes pair up in order), or a whole quotation
_QUOTE_PATTERNS = [
    re.compile(re.escape(opener)) if opener == closer
    else re.compile(f"{re.escape(opener)}[^{re.escape(opener + closer)}]*{re.escape(closer)}")
    for opener, closer in _FORMS["quote_pairs"]
]


_TITLE_MARKS = re.compile("[《》]")


def _title_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each outermost 《…》, including the brackets; nesting allowed."""
    spans, depth, start = [], 0, 0
    if "《" not in text:
        return spans
    for match in _TITLE_MARKS.finditer(text):
        i, ch = match.start(), match.group()
        if ch == "《":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "》" and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, i + 1))
    return spans


def citations(docs: pd.DataFrame) -> pd.DataFrame:
    """Documents cited in 《》: ``[doc_id, line, kind, text, form]``.

    ``text`` is the citation as written, ``form`` the normalised title (:func:`normalize_title`);
    ``kind`` is ``cited``. Titles longer than ``citation_max_chars`` (a missing 》) are skipped.
    """
    rows = [(doc_id, *row) for doc_id, raw in corpus.usable_texts(docs) for row in _citation_rows(raw)]
    return pd.DataFrame(rows, columns=_FORM_COLUMNS)


@per_report("terms.citations")
def _citation_rows(raw: str) -> tuple[tuple[int, str, str, str], ...]:
    limit = _FORMS["citation_max_chars"]
    rows = []
    for text, offsets, lines_ in _paragraph_lines(raw):
        for start, end in _title_spans(text):
            cited = text[start:end]
            form = normalize_title(cited)
            if form and len(form) <= limit:
                rows.append((_line_at(offsets, lines_, start), "cited", cited, form))
    return tuple(rows)


def quotations(docs: pd.DataFrame) -> pd.DataFrame:
    """Expressions in quotation marks (“” or half-width ""): ``[doc_id, line, kind, text, form]``.

    ``kind`` is ``quoted``; ``form`` is the content without spaces. Quotations longer than
    ``quote_max_chars`` are sentences, not expressions, and are skipped.
    """
    rows = [(doc_id, *row) for doc_id, raw in corpus.usable_texts(docs) for row in _quotation_rows(raw)]
    return pd.DataFrame(rows, columns=_FORM_COLUMNS)


@per_report("terms.quotations")
def _quotation_rows(raw: str) -> tuple[tuple[int, str, str, str], ...]:
    limit = _FORMS["quote_max_chars"]
    rows = []
    for text, offsets, lines_ in _paragraph_lines(raw):
        for start, end in _quote_spans(text):
            content = text[start:end]
            form = re.sub(r"\s+", "", content)
            if form and len(form) <= limit:
                rows.append((_line_at(offsets, lines_, start - 1), "quoted", text[start - 1 : end + 1], form))
    return tuple(rows)


@cache
def _numbered_patterns() -> tuple[re.Pattern, dict[str, tuple[str, bool]], re.Pattern]:
    lookup: dict[str, tuple[str, bool]] = {}
    for entry in _FORMS["numbered"]:
        for spelling in [entry["form"], *entry.get("variants", [])]:
            lookup[str(spelling)] = (str(entry["form"]), bool(entry.get("quoted_only", False)))
    listed = re.compile("|".join(map(re.escape, sorted(lookup, key=lambda s: (-len(s), s)))))
    return listed, lookup, re.compile(_FORMS["pattern"])


def numbered_formulations(docs: pd.DataFrame) -> pd.DataFrame:
    """Numbered formulations (两个确立, 三项制度, 一件事一次办 …): ``[doc_id, line, kind, text, form]``.

    Two sources: the list in ``data/formulations.yaml`` (found anywhere, or only in quotes for
    entries marked ``quoted_only``; variants map to the canonical ``form``), and any quotation
    whose whole content matches the general pattern numeral + classifier + noun (“六大专项任务”).
    ``kind`` is ``numbered``.
    """
    rows = [(doc_id, *row) for doc_id, raw in corpus.usable_texts(docs) for row in _numbered_rows(raw)]
    table = pd.DataFrame(rows, columns=_FORM_COLUMNS)
    return table.sort_values(["doc_id", "line"], kind="stable").reset_index(drop=True)


@per_report("terms.numbered")
def _numbered_rows(raw: str) -> tuple[tuple[int, str, str, str], ...]:
    listed, lookup, general = _numbered_patterns()
    rows = []
    for text, offsets, lines_ in _paragraph_lines(raw):
        spans = _quote_spans(text)
        taken = []
        for match in listed.finditer(text):
            form, quoted_only = lookup[match.group(0)]
            if quoted_only and not any(s <= match.start() and match.end() <= e for s, e in spans):
                continue
            taken.append((match.start(), match.end()))
            rows.append((_line_at(offsets, lines_, match.start()), "numbered", match.group(0), form))
        for start, end in spans:
            content = text[start:end]
            if general.fullmatch(content) and not any(s < end and start < e for s, e in taken):
                rows.append((_line_at(offsets, lines_, start), "numbered", content, content))
    return tuple(rows)


def formulations(docs: pd.DataFrame) -> pd.DataFrame:
    """Numbered formulations, quotations and citations in one table.

    Returns:
        ``[doc_id, line, kind, text, form]`` with ``kind`` one of ``numbered``, ``quoted``,
        ``cited``, sorted by doc_id, line, kind, form. A quoted numbered formulation appears
        twice, once per kind.
    """
    table = pd.concat([numbered_formulations(docs), quotations(docs), citations(docs)], ignore_index=True)
    table["line"] = table["line"].astype("int64")
    return table.sort_values(["doc_id", "line", "kind", "form"], kind="stable").reset_index(drop=True)


def formulation_matrix(
    table: pd.DataFrame,
    docs: pd.DataFrame,
    *,
    kind: str | None = None,
    min_reports: int = 1,
    max_reports: int | None = None,
) -> pd.DataFrame:
    """Which report uses which formulation: form × report counts.

    Args:
        table: a :func:`formulations` table (or one of its parts).
        docs: the ``docs`` table; its labels name the columns.
        kind: keep only this kind (``numbered``, ``quoted``, ``cited``).
        min_reports: keep forms used by at least this many reports.
        max_reports: show the columns of at most this many reports, those using the most of the
            forms kept (ties by doc_id), in doc_id order; ``报告数`` still counts every report.

    Returns:
        One row per form (index ``form``), a ``报告数`` column (reports using it), then one
        column per usable report (its label, in doc_id order) with counts. Rows sorted by
        reports, total uses (both descending), then form.
    """
    if kind is not None:
        table = table[table["kind"] == kind]
    ok = corpus.usable(docs)
    counts = pd.crosstab(table["form"], table["doc_id"]).reindex(columns=ok["doc_id"], fill_value=0)
    counts.columns = ok["label"].tolist()
    reports = (counts > 0).sum(axis=1)
    order = pd.DataFrame({"reports": reports.to_numpy(), "total": counts.sum(axis=1).to_numpy(),
                          "form": counts.index.to_numpy()})
    order = order.sort_values(["reports", "total", "form"], ascending=[False, False, True], kind="stable")
    result = counts.loc[order["form"]]
    result.insert(0, "报告数", reports.loc[order["form"]].to_numpy())
    result = result[result["报告数"] >= min_reports]
    if max_reports is not None and len(result.columns) - 1 > max_reports:
        labels = list(result.columns[1:])
        totals = result[labels].sum(axis=0)
        keep = set(sorted(range(len(labels)), key=lambda j: (-totals.iloc[j], j))[:max_reports])
        result = result[["报告数"] + [label for j, label in enumerate(labels) if j in keep]]
    result.index.name = "form"
    result.columns.name = None
    return result


# --------------------------------------------------------------------------- lexical profile

_SENTENCE_END = re.compile(r"[。！？!?]+")
_SPACE = re.compile(r"\s")


def _mattr(terms: list[str], window: int) -> float:
    """Moving-average type-token ratio (Covington & McFall); plain TTR for shorter texts."""
    numbers: dict[str, int] = {}
    return _mattr_codes(np.asarray([numbers.setdefault(t, len(numbers)) for t in terms], dtype=np.int64), window)


def _mattr_codes(codes: np.ndarray, window: int) -> float:
    """:func:`_mattr` of terms given as numbers (equal numbers, equal terms).

    The sum over all windows of their distinct terms counts each token once for every window in
    which it is the first of its term: the windows that start after the term's previous
    occurrence and still hold the token. Whole numbers throughout, so the result is exactly the
    ratio a window-by-window count gives.
    """
    n = len(codes)
    if n == 0:
        return float("nan")
    if n <= window:
        return len(np.unique(codes)) / n
    place = np.arange(n)
    order = np.lexsort((place, codes))  # by term, then by place
    previous = np.full(n, -1)
    same = codes[order[1:]] == codes[order[:-1]]
    previous[order[1:][same]] = order[:-1][same]
    first = np.maximum(previous + 1, place - window + 1)  # first and last window start counting it
    last = np.minimum(place, n - window)
    total = int(np.clip(last - first + 1, 0, None).sum())
    return total / ((n - window + 1) * window)


def lexical_profile(docs: pd.DataFrame, *, window: int = 500, cache: bool = True) -> pd.DataFrame:
    """Size, variety and style of each report's vocabulary.

    Counts use every word (no stopwords removed).

    Returns:
        ``[doc_id, chars, tokens, types, mattr, sentences, sentence_chars, boilerplate_share,
        function_share]``: non-whitespace characters of the analysis text; words; distinct
        words; moving-average type-token ratio over ``window`` words (comparable across
        lengths, unlike plain TTR); sentences (ended by 。！？ or a paragraph end, so headings
        count); mean non-whitespace characters per sentence (1 decimal); the share of words
        on the boilerplate and the function-word lists (3 decimals).
    """
    ok = corpus.usable(docs)
    raws = ok["raw_text"].tolist()
    if cache:
        from gongwen import pipeline

        pipeline.prepare(raws)
        values = [_lexical_row(raw, window) for raw in raws]
    else:
        values = [_lexical_of(raw, window, _pack_report(raw)) for raw in raws]
    rows = [(doc_id, int(chars), *v) for doc_id, chars, v in zip(ok["doc_id"], ok["chars"], values, strict=True)]
    return pd.DataFrame(rows, columns=["doc_id", "chars", "tokens", "types", "mattr", "sentences",
                                       "sentence_chars", "boilerplate_share", "function_share"])


@per_report("terms.lexical")
def _lexical_row(raw: str, window: int) -> tuple:
    return _lexical_of(raw, window, _segments(raw))


def _lexical_of(raw: str, window: int, packed: tuple) -> tuple:
    """The lexical profile values of a report from its packed words (:func:`_segments`)."""
    vocabulary, codes, *_ = packed
    return _lexical_codes(raw, window, vocabulary, np.frombuffer(codes, dtype=np.int32))


def _lexical_codes(raw: str, window: int, vocabulary, codes: np.ndarray) -> tuple:
    """The lexical profile values of a report whose words are ``vocabulary[code]`` for ``codes``."""
    boiler, function = stopwords("boilerplate"), stopwords("function")
    # characters of each sentence without whitespace (a sentence of whitespace alone is none)
    squeezed = (_SPACE.sub("", s) for text, _, _ in _paragraph_lines(raw) for s in _SENTENCE_END.split(text))
    sentence_chars = [len(s) for s in squeezed if s]
    n = len(codes)
    uses = np.bincount(codes, minlength=len(vocabulary)) if n else np.zeros(len(vocabulary), dtype=np.int64)

    def share(words) -> float:  # share of the words on a list (a count over the distinct words)
        on = np.fromiter((w in words for w in vocabulary), dtype=bool, count=len(vocabulary))
        return round(int(uses[on].sum()) / n, 3)

    return (
        n, int(np.count_nonzero(uses)), round(_mattr_codes(codes, window), 3),
        len(sentence_chars), round(float(np.mean(sentence_chars)), 1) if sentence_chars else float("nan"),
        share(boiler) if n else float("nan"),
        share(function) if n else float("nan"),
    )


# --------------------------------------------------------------------------- figures


def _shown(docs: pd.DataFrame, present: Collection[str], max_reports: int) -> tuple[pd.DataFrame, str]:
    """Reports to draw (the longest when there are too many) and a note for the title."""
    ok = corpus.usable(docs)
    ok = ok[ok["doc_id"].isin(set(present))]
    if len(ok) <= max_reports:
        return ok, ""
    shown = ok.sort_values(["chars", "doc_id"], ascending=[False, True]).head(max_reports)
    return shown.sort_values("doc_id"), f"（篇幅最长的 {max_reports} 篇，共 {len(ok)} 篇）"


def plot_top_terms(freq: pd.DataFrame, docs: pd.DataFrame, *, n: int = 15, max_reports: int = 12):
    """Small multiples: the ``n`` most frequent terms of each report (per 10,000 words)."""
    from gongwen import plotting

    plotting.use_cjk_font()
    shown, note = _shown(docs, freq["doc_id"].unique(), max_reports)
    fig, axes = plotting.grid(len(shown), ncols=3, width=4.2, height=0.24 * n + 1.2)
    top = top_terms(freq, n=n)
    for ax, (_, doc) in zip(axes, shown.iterrows(), strict=True):
        part = top[top["doc_id"] == doc["doc_id"]].iloc[::-1]
        ax.barh(part["term"], part["per_10k"], color="#4C72B0")
        ax.set_title(doc["label"], fontsize=10)
        ax.tick_params(axis="y", labelsize=8)
        ax.set_xlabel("每万词出现次数", fontsize=8)
        ax.spines[["top", "right"]].set_visible(False)
    _title(fig, f"各报告高频词（前 {n} 个）{note}")
    return fig


def plot_keyness(keys: pd.DataFrame, docs: pd.DataFrame, *, n: int = 10, max_reports: int = 12):
    """Small multiples: each report's most over- (blue) and under-represented (grey) terms by G²."""
    from gongwen import plotting

    plotting.use_cjk_font()
    shown, note = _shown(docs, keys["doc_id"].unique(), max_reports)
    fig, axes = plotting.grid(len(shown), ncols=3, width=4.2, height=0.22 * 2 * n + 1.2)
    for ax, (_, doc) in zip(axes, shown.iterrows(), strict=True):
        part = keys[(keys["doc_id"] == doc["doc_id"]) & (keys["rank"] <= n)]
        part = part.sort_values(["g2", "term"], kind="stable")
        colors = ["#4C72B0" if g > 0 else "#A0A0A0" for g in part["g2"]]
        ax.barh(part["term"], part["g2"], color=colors)
        ax.axvline(0, color="black", linewidth=0.6)
        ax.set_title(doc["label"], fontsize=10)
        ax.tick_params(axis="y", labelsize=8)
        ax.set_xlabel("G²（正：多于其余报告；负：少于）", fontsize=8)
        ax.spines[["top", "right"]].set_visible(False)
    _title(fig, f"各报告的关键词（对数似然 G²，与其余报告相比）{note}")
    return fig


def _title(fig, title: str) -> None:
    """Lay the panels out, then put the title just above them (saved with bbox_inches="tight")."""
    fig.tight_layout()
    fig.suptitle(title, y=1 + 0.08 / fig.get_figheight(), va="bottom")


def _cloud(frequencies_: Mapping[str, float], *, color_func=None, width=600, height=400):
    from wordcloud import WordCloud

    from gongwen import plotting

    cloud = WordCloud(
        font_path=plotting.font_path(), random_state=0, width=width, height=height,
        background_color="white", prefer_horizontal=1.0, max_words=len(frequencies_),
        color_func=color_func, colormap=None if color_func else "viridis",
    )
    return cloud.generate_from_frequencies(dict(frequencies_))


def plot_wordclouds(freq: pd.DataFrame, docs: pd.DataFrame, *, n_words: int = 60, max_reports: int = 12):
    """Small multiples: one word cloud per report from its ``n_words`` most frequent terms."""
    from gongwen import plotting

    plotting.use_cjk_font()
    shown, note = _shown(docs, freq["doc_id"].unique(), max_reports)
    fig, axes = plotting.grid(len(shown), ncols=3, width=4.2, height=3.2)
    top = top_terms(freq, n=n_words)
    for ax, (_, doc) in zip(axes, shown.iterrows(), strict=True):
        part = top[top["doc_id"] == doc["doc_id"]]
        if len(part):
            ax.imshow(_cloud(dict(zip(part["term"], part["count"], strict=True))), interpolation="bilinear")
        ax.set_title(doc["label"], fontsize=10)
        ax.set_axis_off()
    _title(fig, f"各报告词云（前 {n_words} 个高频词）{note}")
    return fig


def comparison_terms(tokens: pd.DataFrame, *, max_words: int = 120) -> pd.DataFrame:
    """Terms of a comparison cloud: each with the report where it is most over-represented.

    As R's ``comparison.cloud``: p = a term's share of a report's words; each term goes to
    the report where p − mean(p over reports) is largest, with that difference as weight.

    Returns:
        ``[term, doc_id, weight]``, the ``max_words`` heaviest, sorted by weight desc, term.
    """
    shares = pd.crosstab(tokens["term"], tokens["doc_id"], normalize="columns")
    excess = shares.sub(shares.mean(axis=1), axis=0)
    values = excess.to_numpy()
    best = values.argmax(axis=1)
    table = pd.DataFrame({
        "term": excess.index,
        "doc_id": excess.columns.to_numpy()[best],
        "weight": values[np.arange(len(best)), best],
    })
    table = table[table["weight"] > 0]
    table = table.sort_values(["weight", "term"], ascending=[False, True], kind="stable").head(max_words)
    return table.reset_index(drop=True)


def plot_comparison_cloud(tokens: pd.DataFrame, docs: pd.DataFrame, *, max_words: int = 120,
                          max_reports: int = 8):
    """One cloud of the terms that set reports apart, coloured by the report that over-uses them."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from gongwen import plotting

    plotting.use_cjk_font()
    shown, note = _shown(docs, tokens["doc_id"].unique(), max_reports)
    table = comparison_terms(tokens[tokens["doc_id"].isin(set(shown["doc_id"]))], max_words=max_words)
    palette = plt.get_cmap("tab10").colors
    colors = {doc_id: palette[i % len(palette)] for i, doc_id in enumerate(shown["doc_id"])}
    owner = dict(zip(table["term"], table["doc_id"], strict=True))

    def color_func(word, **_):
        r, g, b = (int(255 * c) for c in colors[owner[word]])
        return f"rgb({r}, {g}, {b})"

    fig, ax = plt.subplots(figsize=(11, 7))
    ax.set_axis_off()
    if table.empty:  # one report: nothing is over-represented against the others
        ax.text(0.5, 0.5, "对比词云需要至少两篇报告", ha="center", va="center", fontsize=14)
        fig.suptitle("对比词云")
        return fig
    cloud = _cloud(dict(zip(table["term"], table["weight"], strict=True)), color_func=color_func,
                   width=1100, height=650)
    ax.imshow(cloud, interpolation="bilinear")
    handles = [Patch(color=colors[d], label=label) for d, label in zip(shown["doc_id"], shown["label"], strict=True)]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=min(3, len(handles)),
              frameon=False, fontsize=9)
    _title(fig, f"对比词云：词的颜色表示最偏重使用它的报告{note}")
    return fig


# --------------------------------------------------------------------------- summary


def summarize(
    docs: pd.DataFrame,
    keys: pd.DataFrame,
    forms: pd.DataFrame,
    profile: pd.DataFrame,
    *,
    n: int = 3,
) -> str:
    """Findings as Markdown bullet points, every figure from the tables given.

    Args:
        docs: the ``docs`` table (labels).
        keys: a :func:`key_terms` table.
        forms: a :func:`formulations` table.
        profile: a :func:`lexical_profile` table.
        n: distinctive terms named per report.
    """
    labels = corpus.labels(docs)
    ok = corpus.usable(docs)
    out: list[str] = []
    positive = keys[keys["direction"] == "positive"]
    shown, note = _shown(docs, ok["doc_id"], 12)
    for doc_id in shown["doc_id"]:
        part = positive[(positive["doc_id"] == doc_id) & (positive["rank"] <= n)]
        if len(part):
            terms_ = "、".join(f"{escape(t)} (G² {g:.1f})" for t, g in zip(part["term"], part["g2"], strict=True))
            out.append(f"- {escape(labels[doc_id])}: most distinctive {terms_}.")
    if note:
        out.append(f"- Distinctive terms above for the {len(shown)} longest of {len(ok)} reports; "
                   "the keyness table has them all.")
    cited = forms[forms["kind"] == "cited"]
    if len(cited):
        reach = cited.groupby("form")["doc_id"].nunique().sort_index()
        reach = reach.sort_values(ascending=False, kind="stable")
        top = reach[reach == reach.iloc[0]]
        out.append(
            f"- {len(reach)} distinct documents are cited in 《》; the most widely cited "
            f"({top.iloc[0]} of {len(ok)} reports): " + "、".join(f"《{escape(t)}》" for t in top.index[:5]) + "."
        )
    numbered = forms[forms["kind"] == "numbered"]
    if len(numbered):
        reach = numbered.groupby("form")["doc_id"].nunique().sort_index().sort_values(ascending=False, kind="stable")
        shown = reach.head(5)
        out.append("- Numbered formulations used by most reports: "
                   + "、".join(f"{escape(f)} ({k} of {len(ok)})" for f, k in shown.items()) + ".")
        none = sorted(set(ok["doc_id"]) - set(numbered["doc_id"]))
        if none:
            more = f" and {len(none) - 8} more" if len(none) > 8 else ""
            out.append("- No listed numbered formulation in: " + "、".join(escape(labels[d]) for d in none[:8])
                       + more + ".")
    if len(profile):
        hi = profile.sort_values(["boilerplate_share", "doc_id"], ascending=[False, True]).iloc[0]
        lo = profile.sort_values(["boilerplate_share", "doc_id"]).iloc[0]
        if len(profile) > 1:
            out.append(
                f"- Boilerplate words make up {lo['boilerplate_share']:.1%} ({escape(labels[lo['doc_id']])}) "
                f"to {hi['boilerplate_share']:.1%} ({escape(labels[hi['doc_id']])}) of a report's words."
            )
        else:
            out.append(f"- Boilerplate words make up {hi['boilerplate_share']:.1%} of the report's words.")
        longest = profile.sort_values(["sentence_chars", "doc_id"], ascending=[False, True]).iloc[0]
        out.append(
            f"- Longest sentences: {escape(labels[longest['doc_id']])}, "
            f"{longest['sentence_chars']:.1f} characters on average."
        )
    return "\n".join(out)
