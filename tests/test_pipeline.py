"""The whole analysis in one call: same tables however computed (serial, parallel, from the cache)."""

from __future__ import annotations

import io
import pathlib
import pickle
import shutil
import sys
from contextlib import redirect_stderr, redirect_stdout

import pandas as pd
import pytest
from conftest import EXTRA_FILES, SEEDS
from gongwen import cache, corpus, pipeline, structure, terms, themes
from gongwen.__main__ import main


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GONGWEN_CACHE_DIR", str(tmp_path / "cache"))
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def folder(tmp_path):
    target = tmp_path / "corpus"
    shutil.copytree(SEEDS, target)
    for path in EXTRA_FILES:
        shutil.copy(path, target / path.name)
    return target


def _assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert list(a) == list(b)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_parallel_cached_and_serial_runs_give_the_same_tables(folder, monkeypatch, start):
    monkeypatch.setattr(pipeline, "PARALLEL_MIN", 2)
    monkeypatch.setattr(pipeline, "_start_method", lambda: start)
    parallel = pipeline.analyze(folder, workers=2)  # workers forked or spawned, bundles written to disk
    files = list((cache.cache_dir() / "reports").rglob("*.pkl"))
    assert len(files) == len(corpus.usable(corpus.load_corpus(folder)))
    cache.clear()
    warm = pipeline.analyze(folder)  # read back from disk
    cache.clear()
    monkeypatch.setenv("GONGWEN_CACHE", "off")
    serial = pipeline.analyze(folder, cache=False, workers=1)  # everything computed here, nothing read
    _assert_same(parallel, serial)
    _assert_same(warm, serial)
    assert set(pipeline.TABLES) >= set(parallel)
    assert {"docs", "tokens", "keyness", "outline", "elements", "compliance", "metrics"} <= set(parallel)


def test_tables_built_in_a_forked_process_are_the_tables_built_here(folder, monkeypatch):
    monkeypatch.setattr(pipeline, "_start_method", lambda: "fork")
    timings: dict[str, float] = {}
    beside = pipeline.analyze(folder, workers=1, timings=timings)
    assert "joined" in timings and "outline" in timings  # built beside, timed there
    cache.clear()
    monkeypatch.setattr(pipeline, "FORK_TABLES_MAX", 0)
    timings = {}
    here = pipeline.analyze(folder, workers=1, timings=timings)
    assert "joined" not in timings
    _assert_same(beside, here)
    assert list(here) == list(pipeline.TABLES)


@pytest.mark.parametrize("failure", ["exit", "raise"])
def test_tables_a_forked_process_fails_to_build_are_built_here(folder, monkeypatch, failure):
    import os

    parent, real = os.getpid(), structure.outline

    def outline(docs):
        if os.getpid() != parent:  # in the forked process only
            if failure == "exit":
                os._exit(3)  # dies without a word
            raise MemoryError("no room")
        return real(docs)

    monkeypatch.setattr(structure, "outline", outline)
    monkeypatch.setattr(pipeline, "_start_method", lambda: "fork")
    tables = pipeline.analyze(folder, workers=1)
    pd.testing.assert_frame_equal(tables["outline"], real(corpus.load_corpus(folder)))
    assert len(tables["metrics"]) and len(tables["themes"])


def test_an_error_in_the_term_tables_leaves_no_forked_process(folder, monkeypatch):
    import multiprocessing

    def fail(*args, **kwargs):
        raise RuntimeError("tokens failed")

    monkeypatch.setattr(pipeline, "_start_method", lambda: "fork")
    pipeline.prepare(corpus.load_corpus(folder)["raw_text"].tolist(), workers=1)
    monkeypatch.setattr(terms, "_tokenize_codes", fail)
    with pytest.raises(RuntimeError, match="tokens failed"):
        pipeline.analyze(folder, workers=1)
    assert not multiprocessing.active_children()


def test_forked_workers_share_the_segmenter_built_before(folder, monkeypatch):
    monkeypatch.setattr(pipeline, "PARALLEL_MIN", 2)
    monkeypatch.setattr(pipeline, "_start_method", lambda: "fork")
    terms._fast_cut.cache_clear()
    pipeline.prepare(corpus.load_corpus(folder)["raw_text"].tolist(), workers=2)
    assert terms._fast_cut.cache_info().currsize == 1  # built here, before the workers forked


def test_numpy_page_setting_comes_back_after_the_tables():
    from numpy._core.multiarray import _set_madvise_hugepage

    before = _set_madvise_hugepage(True)
    try:
        with pytest.raises(ValueError), pipeline._small_pages():
            assert _set_madvise_hugepage(False) is False  # off inside
            raise ValueError
        assert _set_madvise_hugepage(True) is True  # back on after, even after an error
    finally:
        _set_madvise_hugepage(before)


def test_tables_are_what_the_module_functions_return(folder):
    tables = pipeline.analyze(folder, workers=1)
    docs = corpus.load_corpus(folder)
    expected = {
        "docs": docs.drop(columns=["raw_text", "text"]),
        "tokens": terms.tokenize(docs, cache=False),
        "frequencies": terms.frequencies(terms.tokenize(docs, cache=False)),
        "keyness": terms.key_terms(terms.tokenize(docs, cache=False)),
        "tfidf": terms.tfidf(terms.tokenize(docs, stopwords="function+boilerplate", cache=False)),
        "lexical": terms.lexical_profile(docs, cache=False),
        "outline": structure.outline(docs),
        "compliance": structure.compliance(docs),
        "structure": structure.profile(docs),
        "theme_units": themes.units(docs),
    }
    for name, table in expected.items():
        pd.testing.assert_frame_equal(tables[name], table, obj=name)
    assert set(tables["docs"]["doc_id"]) >= {p.stem for p in EXTRA_FILES}


def test_adding_one_report_computes_only_that_report(folder, tmp_path):
    raws = pipeline._raw_texts(folder, corpus.MAX_BYTES)
    assert pipeline.prepare(raws, workers=1) == len(raws)
    cache.clear()  # a new process: memory empty, disk warm
    assert pipeline.prepare(raws, workers=1) == 0
    new = "关于2024年法治政府建设情况的报告\n一、主要举措\n深化“放管服”改革，办理案件12件。\n"
    (folder / "999_new.txt").write_text(new, encoding="utf-8")
    assert pipeline.prepare(pipeline._raw_texts(folder, corpus.MAX_BYTES), workers=1) == 1


def test_a_damaged_or_foreign_cache_file_is_recomputed(folder):
    raws = pipeline._raw_texts(folder, corpus.MAX_BYTES)
    expected = pipeline.analyze(folder, workers=1)
    files = sorted((cache.cache_dir() / "reports").rglob("*.pkl"))
    files[0].write_bytes(b"\x80\x05garbage")
    files[1].write_bytes(pickle.dumps({"version": "other", "bundle": {}}))
    # A pickle that would run code when loaded is refused, not executed.
    files[2].write_bytes(pickle.dumps({"version": cache.version(), "bundle": {"x": [(("\0raw",), print)]}}))
    cache.clear()
    assert pipeline.prepare(raws, workers=1) == 3
    cache.clear()
    _assert_same(pipeline.analyze(folder, workers=1), expected)
    assert not list((cache.cache_dir() / "reports").rglob(".tmp-*"))


def test_write_tables_csv_and_parquet(folder, tmp_path):
    tables = pipeline.analyze(folder, workers=1)
    written = pipeline.write_tables(tables, tmp_path / "out")
    names = {p.name for p in written}
    assert "tokens.parquet" in names and "outline.csv" in names and "tokens.csv" not in names
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out" / "tokens.parquet"), tables["tokens"],
                                  check_dtype=False)
    outline = pd.read_csv(tmp_path / "out" / "outline.csv", dtype={"marker": str})
    assert len(outline) == len(tables["outline"])
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".tmp-")]


def test_cli_analyze_writes_every_table(folder, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["analyze", str(folder), "--out", str(tmp_path / "tables"), "--workers", "1",
                     "--format", "csv"])
    assert code == 0 and err.getvalue() == ""  # no progress bar when stderr is not a terminal
    summary = pd.read_csv(io.StringIO(out.getvalue()))
    assert summary["table"].tolist()[:3] == ["docs", "quality", "changes"]
    for path in summary["file"]:
        assert (tmp_path / "tables").joinpath(path.rsplit("/", 1)[-1]).is_file()


def test_workers_are_spawned_while_another_thread_runs():
    """Forking copies locks other threads may hold (a Jupyter kernel runs several): spawn then."""
    import threading

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert pipeline._start_method() == "spawn"
    finally:
        stop.set()
        thread.join()


@pytest.mark.skipif(sys.platform != "linux", reason="fork is the start method where nothing else runs on Linux")
def test_a_progress_bar_does_not_make_workers_spawn():
    """Every tqdm bar, even a hidden one, starts tqdm's monitor thread; analyze creates bars before
    its workers start, so counting that thread made every run spawn its workers (a second of
    imports each)."""
    from tqdm import tqdm

    tqdm(total=1, disable=True).close()
    assert pipeline._start_method() == "fork"


def test_segments_leave_memory_after_analyze_and_come_back_from_disk(folder):
    """analyze frees the per-report segmentation once the tokens table holds it (memory at 10,000
    reports); a later tokenize reads it back from the bundles instead of segmenting again."""
    tables = pipeline.analyze(folder, workers=1)
    assert not cache.MEMO.get("terms.segments")
    calls = []
    original = terms._pieces
    try:
        terms._pieces = lambda text: calls.append(text) or original(text)
        again = terms.tokenize(corpus.load_corpus(folder))
    finally:
        terms._pieces = original
    assert not calls
    pd.testing.assert_frame_equal(again, tables["tokens"])


def _resident_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096 / 2**20


@pytest.mark.skipif(not pathlib.Path("/proc/self/statm").exists(), reason="resident memory read from /proc")
def test_freed_memory_goes_back_to_the_system():
    """malloc keeps freed blocks: at 10,000 reports that was 0.5 GB kept after the segmentation
    was dropped. _give_back_memory returns them (glibc)."""
    pipeline._give_back_memory()
    blocks = [bytearray(64 * 1024) for _ in range(3000)]  # 190 MB in blocks malloc keeps in its heap
    keep = blocks[::500]  # a few stay, scattered, so the heap cannot simply shrink from the top
    del blocks
    before = _resident_mb()
    pipeline._give_back_memory()
    after = _resident_mb()
    assert keep and before - after > 100, (before, after)


def test_the_cached_theme_units_use_the_default_options():
    """analyze caches each report's units computed with themes.DEFAULT_OPTIONS: they must be
    the defaults of units() and code(), or the cached table would differ from units(docs)."""
    import inspect

    for function in (themes.units, themes.code):
        defaults = {name: p.default for name, p in inspect.signature(function).parameters.items()
                    if name in themes.DEFAULT_OPTIONS}
        assert defaults == themes.DEFAULT_OPTIONS, function.__name__


@pytest.mark.parametrize("reports", [0, 1, 2])
def test_counted_tables_match_the_module_functions_on_tiny_corpora(tmp_path, reports):
    """analyze counts frequencies, keyness and tf-idf from the numbers behind the tokens table, not
    from the table itself: the same tables, down to a corpus of an empty file and nothing else."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    for path in sorted(p for p in SEEDS.iterdir() if p.suffix == ".txt")[:reports]:
        shutil.copy(path, folder / path.name)
    tables = pipeline.analyze(folder, workers=1)
    docs = corpus.load_corpus(folder)
    tokens = terms.tokenize(docs, cache=False)
    pd.testing.assert_frame_equal(tables["frequencies"], terms.frequencies(tokens))
    pd.testing.assert_frame_equal(tables["keyness"], terms.key_terms(tokens))
    pd.testing.assert_frame_equal(
        tables["tfidf"], terms.tfidf(terms.tokenize(docs, stopwords="function+boilerplate", cache=False)))
