"""Command line: ``python -m gongwen COMMAND [FOLDER] [options]``.

Commands print tidy tables (``--format csv`` for scripts, ``table`` for people) or run
the whole report. Errors are one clear line on stderr and a non-zero exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pandas as pd

DEFAULT_FOLDER = "seeds"


def _print_table(table: pd.DataFrame, fmt: str) -> None:
    if fmt == "csv":
        table.to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        with pd.option_context("display.max_rows", None, "display.max_columns", None,
                               "display.width", 200, "display.max_colwidth", 60):
            print(table.to_string(index=False))


def cmd_docs(args: argparse.Namespace) -> int:
    from gongwen import corpus

    docs = corpus.load_corpus(args.folder)
    _print_table(docs.drop(columns=["raw_text", "text"]), args.format)
    return 0


def cmd_terms(args: argparse.Namespace) -> int:
    from gongwen import corpus, terms

    if args.top < 0:
        print("gongwen: --top must be 0 (all terms) or more", file=sys.stderr)
        return 2
    docs = corpus.load_corpus(args.folder)
    freq = terms.frequencies(terms.tokenize(docs, stopwords=args.stopwords))
    table = terms.top_terms(freq, n=args.top)
    _print_table(table[["doc_id", "term", "count", "per_10k", "rank"]], args.format)
    return 0


def cmd_outline(args: argparse.Namespace) -> int:
    from gongwen import corpus, structure

    table = structure.outline(corpus.load_corpus(args.folder))
    _print_table(table[["doc_id", "line", "kind", "level", "marker", "title"]], args.format)
    return 0


def cmd_elements(args: argparse.Namespace) -> int:
    from gongwen import corpus, structure

    table = structure.elements(corpus.load_corpus(args.folder))
    _print_table(table[["doc_id", "element", "present", "text", "line"]], args.format)
    return 0


def cmd_metrics(args: argparse.Namespace) -> int:
    from gongwen import corpus, metrics

    table = metrics.extract(corpus.load_corpus(args.folder))
    _print_table(table[metrics.COLUMNS], args.format)
    return 0


def cmd_themes(args: argparse.Namespace) -> int:
    from gongwen import corpus, themes

    docs = corpus.load_corpus(args.folder)
    table = themes.shares(themes.units(docs), docs)
    _print_table(table[["doc_id", "theme", "share", "paragraphs"]], args.format)
    return 0


def cmd_paragraphs(args: argparse.Namespace) -> int:
    from gongwen import corpus, themes

    docs = corpus.load_corpus(args.folder)
    table = themes.dominant(themes.units(docs), themes.code(docs))
    _print_table(table[["doc_id", "para_id", "line", "theme", "score"]], args.format)
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from gongwen import intake

    try:
        added = intake.add(args.files, args.to)
    except intake.IntakeError as error:
        for line in str(error).splitlines():
            print(f"gongwen: {line}", file=sys.stderr)
        print("gongwen: nothing was added", file=sys.stderr)
        return 1
    _print_table(pd.DataFrame(added, columns=["doc_id", "file", "source_file", "source_format", "chars",
                                              "traditional"]), args.format)
    print(f"added {len(added)} report(s) to {args.to}; run `make report` to analyse them", file=sys.stderr)
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from gongwen import pipeline

    progress = not args.quiet and sys.stderr.isatty() if args.progress is None else args.progress
    tables = pipeline.analyze(args.folder, cache=not args.no_cache, workers=args.workers, progress=progress)
    written = pipeline.write_tables(tables, args.out)
    summary = pd.DataFrame({"table": list(tables), "rows": [len(t) for t in tables.values()],
                            "file": [str(p) for p in written]})
    _print_table(summary, args.format)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from gongwen import report

    index = report.build(args.corpus, root=args.root, out=args.out)
    print(f"report written: {index}")
    return 0


def _table_command(sub, name: str, func, help_: str) -> argparse.ArgumentParser:
    """A subcommand that reads a corpus FOLDER (default seeds) and prints a table."""
    command = sub.add_parser(name, help=help_)
    command.add_argument("folder", nargs="?", default=DEFAULT_FOLDER)
    command.add_argument("--format", choices=["csv", "table"], default="table")
    command.set_defaults(func=func)
    return command


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gongwen", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    _table_command(sub, "docs", cmd_docs, "the docs table: one row per file, with its status")
    ter = _table_command(sub, "terms", cmd_terms, "term frequencies per report: doc_id, term, count, per_10k, rank")
    ter.add_argument("--top", type=int, default=20, help="terms per report, by rank then term (0 = all)")
    ter.add_argument("--stopwords", default="function",
                     choices=["function", "boilerplate", "function+boilerplate", "none"],
                     help="stopword lists to remove (default function words)")
    _table_command(sub, "outline", cmd_outline,
                   "headings and enumerations: doc_id, line, kind, level, marker, title")
    _table_command(sub, "elements", cmd_elements,
                   "official-document elements: doc_id, element, present, text, line")
    _table_command(sub, "metrics", cmd_metrics,
                   "quantitative claims: doc_id, line, start, end, text, indicator, value, unit, multiplier, "
                   "normalized_value, base_unit, kind, qualifier, ...")
    _table_command(sub, "themes", cmd_themes,
                   "theme shares per report (纲要 grid + codebook): doc_id, theme, share, paragraphs")
    _table_command(sub, "paragraphs", cmd_paragraphs,
                   "each paragraph's dominant theme: doc_id, para_id, line, theme, score")

    add = sub.add_parser("add", help="add report files (.txt, .html, .docx, .pdf) to a corpus folder as UTF-8 .txt")
    add.add_argument("files", nargs="+", metavar="FILE")
    add.add_argument("--to", default=DEFAULT_FOLDER, help="corpus folder (default seeds)")
    add.add_argument("--format", choices=["csv", "table"], default="table")
    add.set_defaults(func=cmd_add)

    ana = _table_command(sub, "analyze", cmd_analyze, "compute every table of the analysis and write them to a "
                         "folder (CSV; Parquet for tokens, frequencies, tfidf)")
    ana.add_argument("--out", required=True, help="folder the tables are written to")
    ana.add_argument("--workers", type=int, default=None, help="processes for per-report work (default: all cores)")
    ana.add_argument("--no-cache", action="store_true", help="neither read nor write the per-report cache")
    ana.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="progress bars on stderr (default: when stderr is a terminal)")
    ana.add_argument("--quiet", action="store_true", help="no progress bars")

    rep = sub.add_parser("report", help="execute every notebook on a corpus and export HTML")
    rep.add_argument("--corpus", default=DEFAULT_FOLDER, help="folder of reports (default seeds)")
    rep.add_argument("--root", default=".", help="project folder holding notebooks/")
    rep.add_argument("--out", default=None, help="output folder (default reports/[name])")
    rep.set_defaults(func=cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        return _run(argv)
    except BrokenPipeError:
        # The reader (head, less) stopped reading: not an error. Point stdout at devnull so
        # the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _run(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    folder = getattr(args, "folder", None) or getattr(args, "corpus", None)
    if folder is not None and not Path(folder).is_dir():
        print(f"gongwen: no such folder: {folder}", file=sys.stderr)
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
