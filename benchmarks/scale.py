"""Time ``analyze`` on synthetic corpora of realistic reports, beside a bare jieba loop.

Usage: python benchmarks/scale.py [SIZES ...]      (default: 100 1000 10000)

For each size it builds a corpus of reports recombined from the seeds' paragraphs (a title line
naming an issuer and a year, 20–30 paragraphs in random order, every number redrawn, issuer names
varied), then runs, each in a fresh process with an empty cache folder:

* ``cold``: ``pipeline.analyze`` with nothing cached;
* ``warm``: the same again (everything cached on disk);
* ``+1``: after adding one new report to the folder;
* ``jieba``: ``jieba.lcut`` over the raw text of every report, nothing else (dictionary loading
  included, as any first run pays it).

Both sides start with their compiled dictionary on disk, as they do on any machine after the first
run: jieba reads the prefix dictionary it cached in the temporary folder, and ``analyze`` reads the
segmenter's dictionary (``terms._dictionary``) from ``jieba/`` in its cache folder, which each fresh
cache folder gets a copy of; only per-report results start empty. Compiling that dictionary the very
first time is timed once and printed on its own line.

It prints wall seconds and peak memory (resident set of the main process, and of the largest
child process: a per-report worker, or the process that builds the non-term tables, whose
resident set counts the pages it shares with the main process). Seconds are those of the
``analyze`` call and of the jieba loop, each with its dictionary loading but without importing the
packages; the imports (gongwen with pandas / jieba) are printed in the last column, so that a
command-line run's total can be read off too. Timings depend on the machine and on what else runs
on it.
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
PLACES = ["青山", "临江", "东湖", "南平", "北川", "西岭", "江北", "河西", "平安", "长宁", "安远", "华阳"]
LEVELS = ["市", "县", "区"]
BODIES = ["人民政府", "司法局", "市场监督管理局", "商务局", "生态环境局", "交通运输局", "自然资源局",
          "人力资源和社会保障局", "住房和城乡建设局", "应急管理局", "营商环境建设局", "税务局"]


def build(folder: Path, size: int, *, seed: int = 0) -> None:
    """Write ``size`` synthetic reports into ``folder``."""
    from gongwen import corpus

    rng = random.Random(seed)
    paragraphs = corpus.paragraphs(corpus.load_corpus(SEEDS))["text"].tolist()
    paragraphs = [p for p in paragraphs if len(p) > 12]
    for i in range(size):
        issuer = f"{rng.choice(PLACES)}{rng.choice(LEVELS)}{rng.choice(BODIES)}"
        year = rng.randint(2018, 2024)
        body = rng.sample(paragraphs, k=min(rng.randint(20, 30), len(paragraphs)))
        body = [_redraw(p, rng) for p in body]
        title = f"{issuer}关于{year}年度法治政府建设情况的报告"
        (folder / f"r{i:05d}.txt").write_text("\n\n".join([title, *body]) + "\n", encoding="utf-8")


def _redraw(text: str, rng: random.Random) -> str:
    def number(match: re.Match) -> str:
        digits = match.group(0)
        if "." in digits:
            return f"{rng.uniform(0, 100):.{len(digits.split('.')[1])}f}"
        return str(rng.randint(10 ** (len(digits) - 1) if len(digits) > 1 else 0, 10 ** len(digits) - 1))

    return re.sub(r"\d+(?:\.\d+)?", number, text)


# --------------------------------------------------------------------------- one measurement


def _measure(kind: str, folder: str) -> dict:
    """Run in a fresh process: time one thing and report peak memory.

    Both sides are timed the same way: the call (``analyze``, which reads the files itself) or the
    loop (over texts read before), each with its dictionary loading, without the imports of the
    packages (timed apart: ``import_seconds``).
    """
    start = time.perf_counter()
    if kind == "dictionary":
        from gongwen import terms

        terms._dictionary()
        detail = {}
    elif kind == "jieba":
        import logging

        import jieba

        imported = time.perf_counter() - start
        jieba.setLogLevel(logging.WARNING)
        texts = [p.read_text(encoding="utf-8") for p in sorted(Path(folder).glob("*.txt"))]
        start = time.perf_counter()
        words = sum(len(jieba.lcut(t)) for t in texts)
        detail = {"words": words, "import_seconds": round(imported, 2)}
    else:
        from gongwen import pipeline

        imported = time.perf_counter() - start
        start = time.perf_counter()
        timings: dict[str, float] = {}
        tables = pipeline.analyze(folder, timings=timings)
        detail = {"rows": {k: len(v) for k, v in tables.items()}, "steps": timings,
                  "import_seconds": round(imported, 2)}
    seconds = time.perf_counter() - start
    return {
        "seconds": round(seconds, 2),
        "main_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "worker_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        **detail,
    }


def _run(kind: str, folder: Path, cache: Path, dictionary: Path | None = None) -> dict:
    if dictionary is not None and not (cache / "jieba").exists():
        shutil.copytree(dictionary, cache / "jieba")  # the compiled dictionary, no per-report result
    env = dict(os.environ, GONGWEN_CACHE_DIR=str(cache))
    result = subprocess.run([sys.executable, __file__, "--measure", kind, str(folder)], env=env, check=True,
                            capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(sizes: list[int]) -> None:
    compiled = Path(tempfile.mkdtemp(prefix="gongwen-dictionary-"))
    first = _run("dictionary", SEEDS, compiled)
    print(f"compiling the segmenter's dictionary (first run on a machine): {first['seconds']:.1f} s", flush=True)
    dictionary = compiled / "jieba"
    try:
        _sizes(sizes, dictionary)
    finally:
        shutil.rmtree(compiled, ignore_errors=True)


def _sizes(sizes: list[int], dictionary: Path) -> None:
    print(f"{'reports':>8} {'cold s':>7} {'warm s':>7} {'+1 s':>6} {'jieba s':>8} "
          f"{'cold/jieba':>10} {'main MB':>8} {'child MB':>9} {'imports s':>9}", flush=True)
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder, cache = Path(tmp) / "corpus", Path(tmp) / "cache"
            folder.mkdir()
            build(folder, size)
            cold = _run("analyze", folder, cache, dictionary)
            warm = _run("analyze", folder, cache)
            build_one = Path(tmp) / "one"
            build_one.mkdir()
            build(build_one, 1, seed=size + 1)
            (build_one / "r00000.txt").rename(folder / "new_report.txt")
            plus = _run("analyze", folder, cache)
            (folder / "new_report.txt").unlink()
            jieba = _run("jieba", folder, cache)
            print(f"{size:>8} {cold['seconds']:>7.1f} {warm['seconds']:>7.1f} {plus['seconds']:>6.1f} "
                  f"{jieba['seconds']:>8.1f} {cold['seconds'] / jieba['seconds']:>10.2f} "
                  f"{max(cold['main_mb'], warm['main_mb'], plus['main_mb']):>8} {cold['worker_mb']:>9} "
                  f"{cold['import_seconds']:>4.1f}/{jieba['import_seconds']:<4.1f}", flush=True)
            if os.environ.get("SCALE_DETAIL"):
                print(json.dumps({"cold": cold["steps"], "warm": warm["steps"], "plus": plus["steps"]}), flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        print(json.dumps(_measure(sys.argv[2], sys.argv[3])))
    else:
        main([int(s) for s in sys.argv[1:]] or [100, 1000, 10000])
