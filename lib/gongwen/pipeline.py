"""The whole analysis in one call: every table the notebooks use, for any number of reports.

:func:`analyze` reads a corpus folder and returns every table (docs, quality, changes, tokens,
frequencies, keyness, tf-idf, formulations, lexical profile, outline, sections, elements,
compliance, structural profile, section lengths, metrics, theme units and shares);
:func:`write_tables` writes them to a folder. ``python -m gongwen analyze FOLDER --out DIR`` is the
two together, and ``make report`` runs it before the notebooks.

The tables come from the same module functions the notebooks call (``terms.tokenize``,
``structure.outline``, ``metrics.extract`` …), so notebooks and command line cannot disagree.
What makes them fast is underneath: every per-report analysis is a function of the report's
text whose results are cached (:mod:`gongwen.cache`), and :func:`prepare` computes the results
of all reports not yet cached in parallel, one bundle per report, on all cores. A re-run after
adding one report computes that report and the corpus-level steps (counts, keyness, duplicates),
nothing else. Of those steps, the term tables are built here while a forked process builds the
others (:class:`_Beside`, up to :data:`FORK_TABLES_MAX` reports).
"""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from gongwen import cache, corpus, metrics, structure, terms, themes
from gongwen import cache as _cache  # analyze's argument `cache` hides the module

__all__ = ["FORK_TABLES_MAX", "LARGE_TABLES", "PARALLEL_MIN", "TABLES", "analyze", "prepare", "write_tables"]

#: Fewer new reports than this are analysed in this process: starting workers costs more.
PARALLEL_MIN = 24
#: Tables written as Parquet instead of CSV (millions of rows at thousands of reports).
LARGE_TABLES = ("tokens", "frequencies", "tfidf")
#: Every table :func:`analyze` returns, in order, with what it is.
TABLES = {
    "docs": "one row per file, with status and metadata (corpus.load_corpus, without the texts)",
    "quality": "what the loader found in each file (corpus.quality)",
    "changes": "every repair made to derive the analysis text (corpus.changes)",
    "tokens": "one row per word, function words removed (terms.tokenize)",
    "frequencies": "term counts per report (terms.frequencies)",
    "keyness": "distinctive terms of each report against the rest (terms.key_terms)",
    "tfidf": "TF-IDF per report and term, function words and boilerplate removed (terms.tfidf)",
    "formulations": "numbered formulations, quotations, citations (terms.formulations)",
    "lexical": "lexical profile per report (terms.lexical_profile)",
    "outline": "headings and enumerations (structure.outline)",
    "sections": "the heading chain of every paragraph (structure.sections)",
    "elements": "official-document elements (structure.elements)",
    "compliance": "required content of annual reports (structure.compliance)",
    "structure": "structural profile per report (structure.profile)",
    "section_lengths": "top-level sections and their length (structure.section_lengths)",
    "metrics": "quantitative claims with their indicator family (metrics.extract, metrics.families)",
    "theme_units": "coding units with their theme (themes.units)",
    "themes": "theme shares per report (themes.shares)",
}

# --------------------------------------------------------------------------- per report


def _compute_all(raws: list[str]) -> None:
    """Run every per-report analysis on several raw texts, one analysis at a time over all of them.

    Analysis by analysis rather than report by report: each keeps its code, patterns and
    dictionaries hot in the processor's caches over the whole chunk (a fifth less time).
    """
    meta = {raw: dict(corpus._metadata_fields(raw)) for raw in raws}
    usable = [raw for raw in raws if corpus.clean_text(raw).text.strip()]  # an empty report is never analysed
    for step in _STEPS:
        for raw in usable:
            step(raw)
    for raw in usable:
        structure._report_compliance(raw, meta[raw].get("doc_type"), meta[raw].get("year"))


def _bundles(raws: list[str]) -> list[dict]:
    """The bundles of several reports."""
    with cache.recording() as entries:
        _compute_all(raws)
    by_raw: dict[str, list] = {}
    for entry in entries:
        if entry[1]:
            by_raw.setdefault(entry[1][0], []).append(entry)
    return [cache.bundle_of(raw, by_raw.get(raw, ())) for raw in raws]


def _work(raws: list[str], store: bool) -> list[bytes]:
    """Worker: the bundles of a chunk of reports as bytes (:func:`gongwen.cache.dumps`), pickled once
    for the disk (when ``store``) and for the way back."""
    data = [cache.dumps(bundle) for bundle in _bundles(raws)]
    if store:
        for raw, one in zip(raws, data, strict=True):
            cache.store(raw, one)
    cache.clear()  # a worker keeps nothing between chunks
    return data


def prepare(raws: Iterable[str], *, workers: int | None = None, progress: bool = False,
            store: bool | None = None) -> int:
    """Make sure every per-report result of these raw texts is in memory, computing what is missing.

    Bundles already on disk are read; the others are computed, in parallel on ``workers``
    processes (default: every core) when there are at least :data:`PARALLEL_MIN` of them, and
    written to disk. Workers are forked when nothing else runs in this process and spawned
    otherwise (:func:`_start_method`), so this is safe from notebooks and any platform.

    Args:
        raws: raw texts (``docs["raw_text"]``); repeats and empty texts are fine.
        workers: processes to use; 1 computes everything in this process.
        progress: show a progress bar on stderr (tqdm).
        store: write and read bundles on disk (default: unless ``GONGWEN_CACHE=off``).

    Returns:
        The number of reports computed (not found in memory or on disk).
    """
    store = cache.enabled() if store is None else store
    ready = cache.READY.setdefault(str(cache.cache_dir()) if store else "", set())
    todo: list[str] = []
    with _collector_paused():  # reading thousands of bundles makes millions of objects and no cycles
        for raw in dict.fromkeys(raws):
            if not raw or raw in ready:
                continue
            if store:
                bundle = cache.load(raw)
                if bundle is not None:
                    cache.install(raw, bundle)
                    ready.add(raw)
                    continue
            todo.append(raw)
    if not todo:
        return 0
    workers = max(1, workers or os.cpu_count() or 1)
    from tqdm import tqdm

    bar = tqdm(total=len(todo), desc="reports", unit="report", disable=not progress, file=sys.stderr)
    if workers == 1 or len(todo) < PARALLEL_MIN:
        for start in range(0, len(todo), 50):
            chunk = todo[start : start + 50]
            for raw, bundle in zip(chunk, _bundles(chunk), strict=True):
                if store:
                    cache.store(raw, bundle)
                ready.add(raw)
            bar.update(len(chunk))
    else:
        _parallel(todo, workers, store, ready, bar)
    bar.close()
    return len(todo)


def _parallel(todo: list[str], workers: int, store: bool, ready: set[str], bar) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # Chunks big enough to cost little to send and to run each analysis over many reports at once
    # (_compute_all); the last ones smaller, so that no core waits long for another at the end.
    size = max(1, min(25, len(todo) // (workers * 6) or 1))
    last = min(len(todo), 2 * workers * size)
    small = max(1, size // 5)
    head = len(todo) - last
    chunks = [todo[i : i + size] for i in range(0, head, size)]
    chunks += [todo[i : i + small] for i in range(head, len(todo), small)]
    method = _start_method()
    if method == "fork":
        # Built once here, the segmenter's dictionary (≈120 MB, 0.4 s) is shared by the forked
        # workers instead of built by each.
        terms._fast_cut()
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {pool.submit(_work, chunk, store): chunk for chunk in chunks}
        with _collector_paused():  # workers started: installing their results here makes no cycles
            for future in as_completed(futures):
                chunk = futures.pop(future)  # installed results must not stay referenced by their future
                for raw, data in zip(chunk, future.result(), strict=True):
                    bundle = cache.loads(data)
                    if bundle is None:  # a worker of other code (edited while spawning): computed here when needed
                        continue
                    cache.install(raw, bundle)
                    ready.add(raw)
                bar.update(len(chunk))


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector (reference counting still frees memory).

    Every collection of the oldest generation walks every object alive; with the per-report
    results of thousands of reports in memory, collections triggered while more are added cost
    more than the work itself.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _start_method() -> str:
    """``fork`` where it is safe (POSIX, no other thread running), otherwise ``spawn``.

    A forked worker starts at once with everything this process imported; a spawned one imports
    pandas, jieba and the gongwen modules again (about a second per worker). Forking a process
    that runs other threads (a Jupyter kernel does) can copy a lock some thread holds, so
    notebooks spawn. tqdm's monitor thread does not count: every progress bar, shown or not,
    starts it, it only sleeps and takes tqdm's own lock, and workers draw no bar.
    """
    import multiprocessing
    import threading

    from tqdm import TMonitor

    others = [t for t in threading.enumerate()
              if t is not threading.main_thread() and not isinstance(t, TMonitor)]
    if "fork" in multiprocessing.get_all_start_methods() and not others:
        return "fork"
    return "spawn"


# --------------------------------------------------------------------------- the corpus


def _raw_texts(folder: Path, max_bytes: int) -> list[str]:
    """The raw text of every readable file of a corpus folder, as the loader will read it."""
    texts = (corpus.read_raw(path, max_bytes=max_bytes) for path in corpus.corpus_files(folder))
    return [raw for raw in texts if raw is not None]


def analyze(folder: str | Path, *, cache: bool = True, workers: int | None = None, progress: bool = False,
            timings: dict[str, float] | None = None) -> dict[str, pd.DataFrame]:
    """Every table of the analysis of one corpus folder.

    Args:
        folder: the corpus folder (read only).
        cache: read and write per-report results on disk (:mod:`gongwen.cache`); without it
            every report is analysed again (in parallel all the same).
        workers: processes for per-report work (default: every core).
        progress: progress bars on stderr.
        timings: when given, filled with the seconds each step took.

    Returns:
        ``{name: table}`` for the names of :data:`TABLES`, each exactly what the module function
        named there returns.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {folder}")
    clock = _Clock(timings)
    prepare(_raw_texts(folder, corpus.MAX_BYTES), workers=workers, progress=progress, store=cache)
    clock("reports")
    # The per-report results now in memory (millions of objects) are there to stay: the collector
    # need not walk them at every collection while the tables are built.
    # (Unless the caller froze objects already: unfreezing would thaw theirs too.)
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    try:
        with _small_pages():
            return _tables(folder, cache, progress, clock)
    finally:
        if freeze:
            gc.unfreeze()


@contextmanager
def _small_pages():
    """numpy's arrays in ordinary pages while the tables are built, its setting restored after.

    numpy asks Linux for transparent huge pages on every large array; where the kernel compacts
    memory to find them at the first touch (THP ``defrag=madvise``, the default of many
    distributions and virtual machines), the tables' short-lived arrays of a few MB spend more
    time in page faults than in computing: the tokens table took 0.4 s instead of 0.2 s at
    1,000 reports (``benchmarks/README.md``).
    """
    try:
        from numpy._core.multiarray import _set_madvise_hugepage
    except ImportError:  # another numpy: its default
        yield
        return
    before = _set_madvise_hugepage(False)
    try:
        yield
    finally:
        _set_madvise_hugepage(before)


def _tables(folder: Path, cache: bool, progress: bool, clock: _Clock) -> dict[str, pd.DataFrame]:
    """The tables of :func:`analyze` once every report's results are in memory."""
    docs = corpus.load_corpus(folder)
    clock("load")
    tables: dict[str, pd.DataFrame] = {"docs": docs.drop(columns=["raw_text", "text"])}
    codes: list[tuple] = []  # the tokens' report and term numbers, until the frequencies are counted
    pairs: list[tuple] = []  # their pair counts (numbers only), until keyness and tf-idf are computed

    def tokens() -> pd.DataFrame:
        table, numbers = terms._tokenize_codes(docs, cache=cache)
        codes.append(numbers)
        return table

    def frequencies() -> pd.DataFrame:
        # frequencies(tokens), counted on the numbers the tokens table was built from
        counts, doc, term, doc_ids, words = terms._code_pairs(*codes.pop())
        pairs.append((doc, term, counts["count"].to_numpy(), doc_ids, words))
        return terms._frequency_table(counts, doc, term)

    # The term tables hold millions of rows and build on each other; the others read the
    # per-report results alone: on a machine that forks, a second process builds those.
    term_steps: list[tuple[str, Callable[[], pd.DataFrame]]] = [
        ("tokens", tokens),
        ("frequencies", frequencies),
        # key_terms(tokens): its count matrix is the frequencies' pair counts
        ("keyness", lambda: terms._key_terms(terms._pair_matrix(*pairs[0]))),
        # tfidf(tokenize(docs, stopwords="function+boilerplate")): the tokens less the boilerplate
        # words, whose pair counts are the frequencies' less those words
        ("tfidf", lambda: terms._tfidf(*terms._pairs_without(*pairs.pop(), terms.stopwords("boilerplate")))),
    ]
    other_steps: list[tuple[str, Callable[[], pd.DataFrame]]] = [
        ("quality", lambda: corpus.quality(docs)),
        ("changes", lambda: corpus.changes(docs)),
        ("formulations", lambda: terms.formulations(docs)),
        ("lexical", lambda: terms.lexical_profile(docs, cache=cache)),
        ("outline", lambda: structure.outline(docs)),
        ("sections", lambda: structure.sections(docs)),
        ("elements", lambda: structure.elements(docs)),
        ("compliance", lambda: structure.compliance(docs)),
        ("structure", lambda: structure.profile(docs)),
        ("section_lengths", lambda: structure.section_lengths(docs)),
        ("metrics", lambda: metrics.families(metrics.extract(docs), docs)),
        ("theme_units", lambda: themes.units(docs)),
        ("themes", lambda: themes.shares(tables["theme_units"], docs)),
    ]
    from tqdm import tqdm

    bar = tqdm(total=len(term_steps) + len(other_steps), desc="tables", unit="table", disable=not progress,
               file=sys.stderr)
    other = _Beside(other_steps, tables) if len(docs) <= FORK_TABLES_MAX and _start_method() == "fork" else None
    try:
        for name, step in term_steps:
            tables[name] = step()
            if name == "tokens" and cache and _cache.enabled():
                _cache.forget("terms.segments")  # the tokens table holds them now; they stay on disk
            _give_back_memory()  # each frees hundreds of MB at 10,000 reports
            clock(name)
            bar.update()
        if other is not None:
            clock.timings_from(other.join())
            bar.update(len(other_steps))
        else:
            for name, step in other_steps:
                tables[name] = step()
                clock(name)
                bar.update()
    finally:
        if other is not None:
            other.stop()  # after an error here: the forked process is not left running
        bar.close()
    return {name: tables[name] for name in TABLES}


#: Up to this many reports, the tables other than the term tables are built in a forked process
#: beside them (where workers fork, see :func:`_start_method`). It shares this process's memory
#: until it writes; for larger corpora one process builds all, so that memory stays bounded.
FORK_TABLES_MAX = 5000


class _Beside:
    """Tables built in a forked process while this one builds others.

    The child runs ``steps`` (each may read ``tables`` as filled before, and the tables of the
    steps before it) and sends back ``{name: table}`` with each step's seconds; :meth:`join`
    puts them into ``tables``, or, if the child failed or died, builds them here.
    """

    def __init__(self, steps: list[tuple[str, Callable[[], pd.DataFrame]]], tables: dict[str, pd.DataFrame]):
        import multiprocessing

        self.steps, self.tables = steps, tables
        context = multiprocessing.get_context("fork")
        self.receive, send = context.Pipe(duplex=False)
        self.process = context.Process(target=self._run, args=(send,), daemon=True)
        self.process.start()
        send.close()

    def _build(self) -> dict[str, float]:
        seconds: dict[str, float] = {}
        for name, step in self.steps:
            start = time.perf_counter()
            self.tables[name] = step()
            seconds[name] = round(time.perf_counter() - start, 3)
        return seconds

    def _run(self, send) -> None:
        try:
            seconds = self._build()
            send.send(({name: self.tables[name] for name, _ in self.steps}, seconds))
        except BaseException:  # the parent builds the tables itself
            send.send((None, {}))
        finally:
            send.close()

    def join(self) -> dict[str, float]:
        """Put the child's tables into ``tables``; the seconds each step took."""
        try:
            built, seconds = self.receive.recv()
        except (EOFError, OSError):  # the child died without a word
            built, seconds = None, {}
        self.receive.close()
        self.process.join()
        if built is None:
            return self._build()
        self.tables.update(built)
        return seconds

    def stop(self) -> None:
        """End the forked process if it still runs (after an error here) and close the pipe."""
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        if not self.receive.closed:
            self.receive.close()


#: The per-report analyses :func:`_compute_all` runs on every usable report, in order (compliance,
#: which takes the report's type and year, runs after them).
_STEPS: list[Callable[[str], object]] = [
    corpus._duplicate_signature,
    corpus._text_findings,
    terms._segments,
    lambda raw: terms._lexical_row(raw, 500),
    terms._citation_rows,
    terms._quotation_rows,
    terms._numbered_rows,
    structure._analyse,
    structure._elements_one,
    structure._profile_row,
    metrics._claim_items,
    themes._default_unit_rows,
]


def _give_back_memory() -> None:
    """Return freed heap memory to the operating system (glibc's ``malloc_trim``; elsewhere nothing).

    Python hands freed large blocks back to ``malloc``, which keeps them for later: after the
    segmentation of 10,000 reports is dropped, the process would keep 0.5 GB it no longer uses,
    and every later table would add to it.
    """
    global _TRIM
    if _TRIM is None:
        _TRIM = False
        if sys.platform.startswith("linux"):
            import ctypes

            try:
                _TRIM = ctypes.CDLL("libc.so.6").malloc_trim
            except (OSError, AttributeError):  # musl and others have no malloc_trim
                _TRIM = False
    if _TRIM:
        _TRIM(0)


_TRIM = None


class _Clock:
    def __init__(self, timings: dict[str, float] | None):
        self.timings = timings
        self.last = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[name] = round(now - self.last, 3)
        self.last = now

    def timings_from(self, seconds: dict[str, float]) -> None:
        """Record steps timed elsewhere (in a forked process); the wait for them counts as ``joined``."""
        self("joined")
        if self.timings is not None:
            self.timings.update(seconds)


def write_tables(tables: dict[str, pd.DataFrame], folder: str | Path) -> list[Path]:
    """Write every table to ``folder``: ``name.csv`` (UTF-8), or ``name.parquet`` for :data:`LARGE_TABLES`.

    Files are written under a temporary name and renamed, so an interrupted run leaves no
    half-written table. Returns the paths written, in table order.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        parquet = name in LARGE_TABLES
        path = folder / f"{name}.{'parquet' if parquet else 'csv'}"
        temporary = path.with_name(f".tmp-{path.name}")
        try:
            if parquet:
                table.to_parquet(temporary, index=False)
            else:
                table.to_csv(temporary, index=False, encoding="utf-8", lineterminator="\n")
            os.replace(temporary, path)
        finally:
            if temporary.exists():
                temporary.unlink()
        written.append(path)
    return written
