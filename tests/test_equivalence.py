"""The same reports in another encoding or with CRLF line endings give the same analysis.

GB18030, UTF-16 and CRLF copies of the seeds, in a folder without their originals, must
yield exactly the tables the originals give: metadata, line numbers, outline, elements,
metrics and tokens.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import SEED_FILES
from gongwen import corpus, metrics, structure, terms

ENCODINGS = {
    "gb18030": lambda text: text.encode("gb18030"),
    "utf-16": lambda text: text.encode("utf-16"),
    "crlf": lambda text: text.replace("\n", "\r\n").encode("utf-8"),
}


@pytest.fixture(scope="module", params=list(ENCODINGS))
def variant_docs(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    for path in SEED_FILES:
        (folder / path.name).write_bytes(ENCODINGS[request.param](path.read_text(encoding="utf-8")))
    return corpus.load_corpus(folder)


def test_metadata_and_text(variant_docs, seed_docs):
    same = [c for c in corpus.DOC_COLUMNS if c not in ("encoding", "newline", "bytes")]
    pd.testing.assert_frame_equal(variant_docs[same], seed_docs[same])


@pytest.mark.parametrize("table", [
    corpus.paragraphs, corpus.changes, corpus.lines, structure.outline, structure.elements,
    structure.compliance, metrics.extract,
], ids=lambda f: f"{f.__module__.split('.')[-1]}.{f.__name__}")
def test_tables(variant_docs, seed_docs, table):
    pd.testing.assert_frame_equal(table(variant_docs), table(seed_docs))


def test_tokens(variant_docs, seed_docs):
    pd.testing.assert_frame_equal(terms.tokenize(variant_docs, cache=False), terms.tokenize(seed_docs))
