"""The command line: tables on stdout, clear errors, every file listed."""

from __future__ import annotations

import io
import shutil

import pandas as pd
from conftest import SEED_FILES, folder_digest, run_cli

run = run_cli


def test_docs_csv_lists_every_file_with_status(seed_copy):
    (seed_copy / "empty.txt").write_bytes(b"")
    (seed_copy / "binary.dat").write_bytes(bytes(range(256)) * 16)
    shutil.copy(SEED_FILES[3], seed_copy / "copy.txt")
    before = folder_digest(seed_copy)
    code, out, _ = run("docs", str(seed_copy), "--format", "csv")
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert table.columns[0] == "doc_id"
    assert "text" not in table.columns and "raw_text" not in table.columns
    assert len(table) == len(SEED_FILES) + 3
    status = dict(zip(table["doc_id"], table["status"], strict=True))
    assert (status["empty"], status["binary"], status["copy"]) == ("empty", "undecodable",
                                                                   "duplicate")
    assert folder_digest(seed_copy) == before


def test_docs_table_format(seed_copy):
    code, out, _ = run("docs", str(seed_copy))
    assert code == 0 and out.splitlines()[0].split()[0] == "doc_id"


def test_missing_folder_exits_non_zero(tmp_path):
    code, out, err = run("docs", str(tmp_path / "nope"))
    assert code == 2 and out == "" and "no such folder" in err
