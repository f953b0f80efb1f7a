"""Time corpus loading on synthetic corpora built from the seeds' paragraphs.

Usage: python benchmarks/load.py [SIZES ...]   (default: 100 1000)
Prints, for each size, wall time of load_corpus and quality, and peak traced memory.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from gongwen import corpus

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def build(folder: Path, size: int, *, seed: int = 0) -> None:
    rng = random.Random(seed)
    docs = corpus.load_corpus(SEEDS)
    paragraphs = corpus.paragraphs(docs)["text"].tolist()
    for i in range(size):
        body = rng.sample(paragraphs, k=min(25, len(paragraphs)))
        body = [p.replace("2023", str(rng.randint(2015, 2025))) for p in body]
        (folder / f"r{i:05d}.txt").write_text("\n\n".join(body) + "\n", encoding="utf-8")


def main(sizes: list[int]) -> None:
    print(f"{'reports':>8} {'load s':>8} {'quality s':>10} {'peak MB':>8}")
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            build(folder, size)
            corpus.clean_text.cache_clear()
            start = time.perf_counter()
            docs = corpus.load_corpus(folder)
            loaded = time.perf_counter()
            corpus.quality(docs)
            done = time.perf_counter()
            # Memory in a second, traced run: tracing slows Python down several times.
            corpus.clean_text.cache_clear()
            tracemalloc.start()
            corpus.quality(corpus.load_corpus(folder))
            peak = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
            print(f"{size:>8} {loaded - start:>8.2f} {done - loaded:>10.2f} {peak:>8.0f}")


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [100, 1000])
