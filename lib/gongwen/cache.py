"""Per-report results, kept in memory and on disk, keyed by the report's text.

Every analysis of one report (cleaning, metadata, segmentation, outline, elements, claims …)
is a pure function of its raw text. Such functions are decorated with :func:`per_report`:
their results are kept in memory for the life of the process (no size limit, so a corpus of
thousands of reports is not analysed twice), and :func:`gongwen.pipeline.prepare` stores all
of one report's results in one file, a *bundle*, so a later process, a notebook kernel or a
re-run after adding a report reads them instead of computing them.

Bundles live in :func:`cache_dir` (``$GONGWEN_CACHE_DIR``, default ``.cache/gongwen`` in the
project), under ``reports/<version>/``, named by the SHA-256 of the raw text. The version
(:func:`version`) hashes the source of every module that computes per-report results, every
data file (dictionaries, rules, codebooks) and the versions of jieba and OpenCC, so editing any
of them starts a fresh cache instead of serving stale results. Files are written to a temporary
name and renamed, so a reader never sees half a file; a damaged or unreadable file is ignored
and the report recomputed. Bundles are pickles read by an unpickler that only accepts plain data
and the few result classes named in :data:`ALLOWED`.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = ["ALLOWED", "cache_dir", "clear", "dumps", "forget", "load", "loads", "per_report", "recording", "store",
           "version"]

#: Modules whose code decides per-report results: their source is part of :func:`version`.
MODULES = ("cache", "corpus", "metadata", "terms", "structure", "metrics", "themes", "pipeline")
#: Classes a bundle may hold besides plain data (module, name).
ALLOWED = {
    ("gongwen.corpus", "Cleaned"),
    ("gongwen.structure", "_Analysis"),
}
_RAW = "\0raw"  # stands for the report's raw text inside stored argument tuples

#: name → {argument tuple: result}, for every function decorated with :func:`per_report`.
MEMO: dict[str, dict[tuple, object]] = {}
_LOOKED: set[str] = set()  # raw texts whose bundle was already looked for on disk
#: cache folder ("" when not stored) → raw texts whose whole bundle is in memory (and on disk).
READY: dict[str, set[str]] = {}
_recording: list[list[tuple[str, tuple, object]]] = []


def cache_dir() -> Path:
    """The cache folder: ``$GONGWEN_CACHE_DIR`` or ``.cache/gongwen`` in the project."""
    env = os.environ.get("GONGWEN_CACHE_DIR")
    if env:
        return Path(env)
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file():
        return root / ".cache" / "gongwen"
    return Path(tempfile.gettempdir()) / "gongwen-cache"


def enabled() -> bool:
    """Whether bundles are read from disk (``GONGWEN_CACHE=off`` turns that off)."""
    return os.environ.get("GONGWEN_CACHE", "on").lower() not in ("off", "0", "no", "false")


@functools.cache
def version() -> str:
    """A hash of the code and data that per-report results depend on (16 hex digits)."""
    import sys

    from gongwen._data import DATA

    digest = hashlib.sha256(f"{sys.version_info[:2]}".encode())
    here = Path(__file__).resolve().parent
    for name in MODULES:
        path = here / f"{name}.py"
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"-")
    for path in sorted(Path(str(DATA)).rglob("*")):
        if path.is_file() and "templates" not in path.parts:  # HTML templates change no result
            digest.update(path.relative_to(Path(str(DATA))).as_posix().encode())
            digest.update(path.read_bytes())
    for package in ("jieba", "rjieba", "opencc"):
        try:
            from importlib.metadata import version as package_version

            digest.update(f"{package}={package_version(package)}".encode())
        except Exception:  # a missing package changes nothing that could be cached
            digest.update(f"{package}=-".encode())
    return digest.hexdigest()[:16]


def text_key(raw_text: str) -> str:
    """SHA-256 of a raw text (UTF-8)."""
    return hashlib.sha256(raw_text.encode("utf-8")).hexdigest()


def _path(key: str) -> Path:
    return cache_dir() / "reports" / version() / key[:2] / f"{key}.pkl"


# --------------------------------------------------------------------------- memory


def per_report(name: str, *, on_load: Callable | None = None) -> Callable:
    """Keep a function's results by argument, and let bundles fill them in.

    The first argument of the decorated function must be a report's raw text; the others
    must be hashable. Results must not be mutated by callers. On a miss, the report's bundle
    is looked for on disk once per process; otherwise the function runs. ``on_load`` is applied
    to results read from a bundle (to share repeated strings, say).
    """

    def decorate(function: Callable) -> Callable:
        table = MEMO.setdefault(name, {})
        if on_load is not None:
            _ON_LOAD[name] = on_load

        @functools.wraps(function)
        def wrapper(*args):
            try:
                value = table[args]
            except KeyError:
                value = _MISSING
                raw = args[0]
                if raw not in _LOOKED or name in _FORGOTTEN:
                    _LOOKED.add(raw)
                    if enabled():
                        bundle = load(raw)
                        if bundle is not None:
                            install(raw, bundle)
                            value = table.get(args, _MISSING)
                if value is _MISSING:
                    value = function(*args)
                    table[args] = value
            if _recording:
                _recording[-1].append((name, args, value))
            return value

        wrapper.cache_clear = table.clear  # as functools.lru_cache offers
        wrapper.uncached = function
        return wrapper

    return decorate


_MISSING = object()
_FORGOTTEN: set[str] = set()  # names dropped by forget(): a miss looks on disk again
_ON_LOAD: dict[str, Callable] = {}


def clear() -> None:
    """Forget every result kept in memory (the disk cache stays)."""
    for table in MEMO.values():
        table.clear()
    _FORGOTTEN.clear()
    _LOOKED.clear()
    READY.clear()


def forget(name: str) -> None:
    """Drop the results of one per-report function from memory; they stay on disk.

    A later call reads the report's bundle again (it is looked for anew), so nothing is computed
    twice; :func:`gongwen.pipeline.analyze` uses this to free the segmentation of thousands of
    reports once the tokens table holds it.
    """
    MEMO.get(name, {}).clear()
    _FORGOTTEN.add(name)


class recording:
    """Context manager collecting every per-report result computed or read while it is open."""

    def __enter__(self) -> list[tuple[str, tuple, object]]:
        _recording.append([])
        return _recording[-1]

    def __exit__(self, *exc) -> None:
        _recording.pop()


def bundle_of(raw_text: str, entries: Iterable[tuple[str, tuple, object]]) -> dict:
    """The results of one report as a bundle: ``{name: [(args, value), ...]}``.

    The raw text itself is not stored: in argument tuples it is replaced by a marker.
    """
    bundle: dict[str, list] = {}
    seen: set[tuple[str, tuple]] = set()
    for name, args, value in entries:
        if not args or (args[0] is not raw_text and args[0] != raw_text):
            continue
        stored = (_RAW, *args[1:])
        if (name, stored) in seen:
            continue
        seen.add((name, stored))
        if value is raw_text:  # a result that is the text itself (simplified text of a simplified report)
            value = _RAW
        bundle.setdefault(name, []).append((stored, value))
    return bundle


def install(raw_text: str, bundle: dict) -> None:
    """Put a bundle's results into memory, for ``raw_text``."""
    _LOOKED.add(raw_text)
    for name, entries in bundle.items():
        table = MEMO.setdefault(name, {})
        convert = _ON_LOAD.get(name)
        for stored, value in entries:
            key = (raw_text, *stored[1:])
            if key not in table:
                if isinstance(value, str) and value == _RAW:
                    value = raw_text
                table[key] = convert(value) if convert is not None else value


# --------------------------------------------------------------------------- disk


class _Unpickler(pickle.Unpickler):
    """Plain data and the classes of ``allowed`` (:data:`ALLOWED` unless given), nothing else."""

    def __init__(self, file, allowed: set[tuple[str, str]] | None = None):
        super().__init__(file)
        self.allowed = ALLOWED if allowed is None else allowed

    def find_class(self, module: str, name: str):
        if (module, name) in self.allowed:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a cache file")


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` under a temporary name and rename it, so a reader never sees half a file;
    an unwritable cache only costs time (nothing is raised)."""
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)


def load(raw_text: str) -> dict | None:
    """The stored bundle of a report, or None when there is none or it is damaged."""
    path = _path(text_key(raw_text))
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return loads(data)


def loads(data: bytes) -> dict | None:
    """A bundle from the bytes of :func:`dumps`, or None when they are damaged or of another version."""
    try:
        stored = _Unpickler(io.BytesIO(data)).load()
        if not isinstance(stored, dict) or stored.get("version") != version():
            return None
        bundle = stored["bundle"]
        return bundle if isinstance(bundle, dict) else None
    except Exception:  # damaged: compute again (and overwrite it)
        return None


def dumps(bundle: dict) -> bytes:
    """A bundle as the bytes of its cache file (with the version it was computed by)."""
    return pickle.dumps({"version": version(), "bundle": bundle}, protocol=pickle.HIGHEST_PROTOCOL)


def store(raw_text: str, bundle: dict | bytes) -> None:
    """Write a report's bundle (or its :func:`dumps`); an unwritable cache only costs time."""
    write_file(_path(text_key(raw_text)), bundle if isinstance(bundle, bytes) else dumps(bundle))
