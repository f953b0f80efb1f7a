"""New reports into a corpus folder: text from .txt, .html, .docx and .pdf files, checked and written safely.

``python -m gongwen add FILE... [--to seeds/]`` calls :func:`add`. For each file:

* the text is read (:func:`read_source`): ``.txt`` in any encoding the loader reads; ``.html``/``.htm``
  through trafilatura, which keeps the main text and drops the page chrome (menus, footers);
  ``.docx`` through python-docx (paragraphs and table rows in document order); ``.pdf`` through
  pypdf's text layer (a PDF without one, a scan, is refused);
* it must be new: a file whose analysis text is the same as a report already in the folder
  (ignoring whitespace and punctuation width, as the loader's duplicate check) is refused;
* it is written as UTF-8 ``<stem>.txt`` with LF line endings, the stem derived from the source
  file name (letters, digits, Chinese characters, ``-`` and ``_``). A name already taken is never
  overwritten: ``-2``, ``-3`` … is appended;
* a row is appended to the folder's ``metadata.csv``: ``doc_id``, the source file name, its format
  and the SHA-256 of the source file and of the text written.

All files are read and checked before anything is written; if any fails, nothing is written.
Files are written to a temporary name and renamed, ``metadata.csv`` last, so an interrupted run
leaves whole files only. Traditional-script text is written as given; the loader analyses it in
simplified form (:func:`gongwen.corpus.simplified`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from gongwen import corpus

__all__ = ["FORMATS", "SOURCE_COLUMNS", "IntakeError", "Source", "add", "read_source"]

#: Formats read, by file suffix.
FORMATS = {".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html", ".docx": "docx", ".pdf": "pdf"}
#: Columns ``add`` fills in ``metadata.csv`` (besides any the file already has).
SOURCE_COLUMNS = ["doc_id", "source_file", "source_format", "source_sha256", "sha256"]


class IntakeError(Exception):
    """A file that cannot be added, with a sentence saying why."""


@dataclass(frozen=True)
class Source:
    """One file read for adding: its text (LF line endings) and where it came from."""

    path: Path
    format: str
    text: str
    sha256: str  # of the source file's bytes


def read_source(path: str | Path) -> Source:
    """Read the text of a report file (.txt, .html/.htm, .docx, .pdf).

    Raises:
        IntakeError: the file is missing, of another format, unreadable, or holds no text.
    """
    path = Path(path)
    if not path.is_file():
        raise IntakeError(f"{path}: no such file")
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        known = ", ".join(sorted(set(FORMATS)))
        raise IntakeError(f"{path}: unsupported file type {path.suffix or '(none)'!r} (known: {known})")
    data = path.read_bytes()
    if len(data) > corpus.MAX_BYTES:
        raise IntakeError(f"{path}: {len(data):,} bytes, over the loader's {corpus.MAX_BYTES:,} limit")
    reader = {"txt": _read_txt, "html": _read_html, "docx": _read_docx, "pdf": _read_pdf}[kind]
    try:
        text = reader(data)
    except IntakeError as error:
        raise IntakeError(f"{path}: {error}") from None
    except Exception as error:  # a damaged file: say so in one line
        raise IntakeError(f"{path}: cannot be read as {kind} ({type(error).__name__}: {error})") from None
    text = _tidy(text)
    if not corpus.clean_text(text).text.strip():
        raise IntakeError(f"{path}: no text found in the file")
    return Source(path, kind, text, hashlib.sha256(data).hexdigest())


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n") + "\n"


def _read_txt(data: bytes) -> str:
    text, _, problem = corpus.decode_bytes(data)
    if text is None:
        raise IntakeError(problem or "not a text file")
    return text


def _read_html(data: bytes) -> str:
    import trafilatura

    text = trafilatura.extract(data, output_format="txt", include_comments=False, include_tables=True,
                               favor_precision=True, deduplicate=False)
    if not text or not text.strip():
        raise IntakeError("no main text found in the page")
    return text


def _read_docx(data: bytes) -> str:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    lines = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(block, document).text)
        elif tag == "tbl":
            for row in Table(block, document).rows:
                cells = list(dict.fromkeys(cell.text.strip() for cell in row.cells))  # merged cells repeat
                lines.append("  ".join(c for c in cells if c))
    return "\n".join(lines)


def _read_pdf(data: bytes) -> str:
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns about harmless oddities on stderr
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise IntakeError("the PDF is encrypted")
    pages = [page.extract_text() or "" for page in reader.pages]
    text = "\n".join(pages)
    if not re.search(r"\w", text):
        raise IntakeError("no text layer (scanned?): the PDF holds only images; run OCR first")
    return text


# --------------------------------------------------------------------------- adding


def _stem(path: Path) -> str:
    name = unicodedata.normalize("NFKC", path.stem)
    name = re.sub(r"[^\w\-]+", "_", name, flags=re.UNICODE).strip("_.-")
    return name[:80] or "report"


def _free_stem(stem: str, taken: set[str]) -> str:
    if stem not in taken:
        return stem
    n = 2
    while f"{stem}-{n}" in taken:
        n += 1
    return f"{stem}-{n}"


def _existing(folder: Path) -> tuple[set[str], dict[str, str]]:
    """Names taken in the folder (stems of every file), and fingerprints of its reports → doc_id."""
    taken: set[str] = set()
    prints: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        taken.add(path.stem)
        if path.name == corpus.METADATA_FILE:
            taken.update(_metadata_ids(path))  # a row without its file would attach to a new report
            continue
        raw = corpus.read_raw(path)
        if raw is not None and corpus.clean_text(raw).text.strip():
            prints.setdefault(corpus._duplicate_signature(raw)[0], path.stem)
    return taken, prints


def _metadata_ids(path: Path) -> set[str]:
    text, _, _ = corpus.decode_bytes(path.read_bytes())
    if not text:
        return set()
    return {row.get("doc_id", "").strip() for row in csv.DictReader(io.StringIO(text))} - {""}


def add(paths: list[str | Path], folder: str | Path) -> list[dict]:
    """Add report files to a corpus folder (see the module docstring for the rules).

    Args:
        paths: files to add, in order (a later file repeating an earlier one is a duplicate).
        folder: the corpus folder; created when missing.

    Returns:
        One dict per file added: ``doc_id, file, source_file, source_format, chars, traditional``.

    Raises:
        IntakeError: any file cannot be read or repeats a report; the message lists every
            problem, one per line, and nothing has been written.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise IntakeError(f"{folder}: not a folder")
    taken, prints = _existing(folder) if folder.is_dir() else (set(), {})
    problems, planned = [], []
    for path in paths:
        try:
            source = read_source(path)
        except IntakeError as error:
            problems.append(str(error))
            continue
        key = corpus._duplicate_signature(source.text)[0]
        if key in prints:
            problems.append(f"{source.path}: duplicate of {prints[key]} (same text ignoring whitespace and "
                            "punctuation); not added")
            continue
        stem = _free_stem(_stem(source.path), taken)
        taken.add(stem)
        prints[key] = stem
        planned.append((stem, source))
    if problems:
        raise IntakeError("\n".join(problems))
    if not planned:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder, planned)
    return [
        {"doc_id": stem, "file": f"{stem}.txt", "source_file": source.path.name, "source_format": source.format,
         "chars": len(re.sub(r"\s", "", corpus.clean_text(source.text).text)),
         "traditional": corpus.simplified(source.text) != source.text}
        for stem, source in planned
    ]


def _write(folder: Path, planned: list[tuple[str, Source]]) -> None:
    """Write the texts, then ``metadata.csv``, each through a temporary file and a rename."""
    metadata = folder / corpus.METADATA_FILE
    new_metadata = _metadata_with(metadata, [
        {"doc_id": stem, "source_file": source.path.name, "source_format": source.format,
         "source_sha256": source.sha256, "sha256": hashlib.sha256(source.text.encode("utf-8")).hexdigest()}
        for stem, source in planned
    ])
    temporaries: list[tuple[Path, Path]] = []
    try:
        for stem, source in planned:
            temporaries.append((_temporary(folder, source.text.encode("utf-8")), folder / f"{stem}.txt"))
        temporaries.append((_temporary(folder, new_metadata), metadata))
        for temporary, target in temporaries[:-1]:
            if target.exists():  # appeared since we looked: never overwrite
                raise IntakeError(f"{target}: exists already; not overwritten")
            os.link(temporary, target)  # fails if the name was taken meanwhile
            temporary.unlink()
        temporary, target = temporaries[-1]
        os.replace(temporary, target)
    finally:
        for temporary, _ in temporaries:
            if temporary.exists():
                temporary.unlink()


def _temporary(folder: Path, data: bytes) -> Path:
    handle, name = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    return Path(name)


def _metadata_with(path: Path, rows: list[dict]) -> bytes:
    """``metadata.csv`` with ``rows`` appended; existing rows kept byte for byte when the header has
    every column, otherwise the header gains the missing columns and old rows get empty cells."""
    if not path.is_file() or not path.read_bytes().strip():
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=SOURCE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue().encode("utf-8")
    data = path.read_bytes()
    text, encoding, _ = corpus.decode_bytes(data)
    if text is None:
        raise IntakeError(f"{path}: cannot be read; fix or remove it first")
    records = list(csv.reader(io.StringIO(text)))
    header = records[0]
    missing = [c for c in SOURCE_COLUMNS if c not in header]
    newline = "\r\n" if "\r\n" in text else "\n"
    body = text if text.endswith(("\n", "\r")) else text + newline
    if missing:
        columns = header + missing
        out = io.StringIO()
        writer = csv.writer(out, lineterminator=newline)
        writer.writerow(columns)
        for record in records[1:]:
            writer.writerow(record + [""] * (len(columns) - len(record)))
        body = out.getvalue()
    else:
        columns = header
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator=newline, restval="")
    writer.writerows(rows)
    prefix = b"\xef\xbb\xbf" if encoding == "utf-8-sig" else b""
    codec = "utf-8" if encoding in (None, "utf-8", "utf-8-sig") else encoding
    return prefix + (body + out.getvalue()).encode(codec)
