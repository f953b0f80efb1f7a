"""Run the notebooks on a corpus and export them as HTML, with an index page.

This is what ``make report`` calls (through ``python -m gongwen report``). On the
project's own ``seeds/`` the notebooks are executed in place, so their stored outputs and
``figures/`` are refreshed; on any other folder they are executed as copies under
``reports/<folder name>/`` with the corpus passed through the ``parameters`` cell, and the
committed notebooks and figures are left alone.
"""

from __future__ import annotations

import html
import re
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import nbformat
import pandas as pd

from gongwen import corpus
from gongwen._data import data_path, load_yaml

__all__ = ["Notebook", "build", "export_html", "list_notebooks", "strip_volatile", "write_index"]

# Metadata that changes on every run and means nothing to a reader.
_VOLATILE_NB = ("papermill",)
_VOLATILE_CELL = ("papermill", "execution")


@dataclass(frozen=True)
class Notebook:
    """One notebook of the collection: its file, ``#`` title and one-line description."""

    path: Path
    title: str
    summary: str

    @property
    def stem(self) -> str:
        return self.path.stem


def list_notebooks(folder: str | Path) -> list[Notebook]:
    """The ``NN-topic.ipynb`` notebooks of ``folder`` in reading order."""
    found = []
    for path in sorted(Path(folder).glob("[0-9][0-9]-*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        title, summary = path.stem, ""
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                continue
            text = cell.source.strip()
            heading = re.match(r"#\s+(.+)", text)
            if heading:
                title = heading.group(1).strip()
                rest = [p.strip() for p in text[heading.end() :].split("\n\n") if p.strip()]
                summary = rest[0].replace("\n", " ") if rest else ""
                break
        found.append(Notebook(path, title, summary))
    return found


def strip_volatile(path: str | Path) -> None:
    """Remove run timings and tool metadata so a re-run rewrites the same notebook."""
    nb = nbformat.read(path, as_version=4)
    for key in _VOLATILE_NB:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        for key in _VOLATILE_CELL:
            cell.metadata.pop(key, None)
    nbformat.write(nb, path)


def execute(source: Path, target: Path, *, parameters: dict | None = None) -> None:
    """Execute ``source`` into ``target`` (may be the same file) with the notebook's
    folder as working directory, injecting ``parameters`` after the ``parameters`` cell."""
    import papermill

    target.parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(
        str(source),
        str(target),
        parameters=parameters or None,
        cwd=str(source.parent),
        kernel_name="python3",
        progress_bar=False,
        log_output=False,
        request_save_on_cell_execute=False,
        # The kernel's own log (a warning that it listens on local TCP, an error line when it is
        # interrupted before shutdown, as jupyter_client does) is not about the notebook: cell
        # errors still stop the run and show in the notebook.
        extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
    )
    strip_volatile(target)


def export_html(notebook: str | Path, target: str | Path, *, with_code: bool = False) -> Path:
    """Export an executed notebook to one self-contained HTML page that works offline.

    Code cells are hidden unless ``with_code``. Figures are embedded, get alt text and fit
    the page; the page gets a table of contents; table headers get Chinese names
    (``data/labels.yaml``) above the column names; tables longer than a screen become
    sortable, searchable and paged (itables' DataTables bundle, embedded in the page).
    """
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="gongwen",
        extra_template_basedirs=[str(data_path("templates"))],
        embed_images=True,
    )
    exporter.exclude_input = not with_code
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    nb = nbformat.read(notebook, as_version=4)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": _title_of(nb)}})
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    index_href = "../index.html" if with_code else "index.html"
    target.write_text(enhance_html(body, index_href=index_href), encoding="utf-8")
    return target


def _title_of(nb) -> str:
    for cell in nb.cells:
        heading = re.match(r"#\s+(.+)", cell.source.strip()) if cell.cell_type == "markdown" else None
        if heading:
            return heading.group(1).strip()
    return "gongwen"


_INTERACTIVE_MIN_ROWS = 12


def enhance_html(page: str, *, index_href: str = "index.html") -> str:
    """Add the table of contents, alt text, Chinese headers and interactive tables to a page."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page, "html.parser")
    main = soup.find("main") or soup.body
    _add_toc(soup, main, index_href)
    _add_alt_text(soup, main)
    labels = load_yaml("labels.yaml")
    interactive = 0
    for i, table in enumerate(main.find_all("table", class_="dataframe")):
        _label_headers(soup, table, labels)
        if _can_be_interactive(table):
            table["id"] = f"gw-table-{i}"
            table["class"] = [*table.get("class", []), "gw-interactive"]
            interactive += 1
    if interactive:
        soup.body.append(BeautifulSoup(_datatables_script(), "html.parser"))
    return str(soup)


def _add_toc(soup, main, index_href: str) -> None:
    headings = main.find_all(["h2", "h3"])
    nav = soup.new_tag("nav", attrs={"class": "gw-toc", "aria-label": "目录"})
    back = soup.new_tag("a", href=index_href, attrs={"class": "gw-back"})
    back.string = "← 返回索引"
    nav.append(back)
    title = soup.new_tag("strong")
    title.string = "目录"
    nav.append(title)
    listing = soup.new_tag("ul")
    for n, heading in enumerate(headings):
        if not heading.get("id"):
            heading["id"] = f"section-{n}"
        for anchor in heading.find_all("a", class_="anchor-link"):
            anchor.decompose()
        item = soup.new_tag("li")
        link = soup.new_tag("a", href=f"#{heading['id']}")
        link.string = heading.get_text(" ", strip=True)
        item.append(link)
        if heading.name == "h3":
            item["style"] = "margin-left: 1.2rem"
        listing.append(item)
    nav.append(listing)
    first = main.find("h1")
    if first is not None:
        first.insert_after(nav)
    else:
        main.insert(0, nav)


def _add_alt_text(soup, main) -> None:
    for img in main.find_all("img"):
        if img.get("alt"):
            continue
        alt = _png_description(img.get("src", ""))
        if not alt:
            heading = img.find_previous(["h2", "h3", "h1"])
            alt = f"图：{heading.get_text(' ', strip=True)}" if heading else "图"
        img["alt"] = alt


def _png_description(src: str) -> str:
    """The ``Description`` (or ``Title``) text chunk of an embedded PNG, if any."""
    import base64
    import struct

    if not src.startswith("data:image/png;base64,"):
        return ""
    try:
        data = base64.b64decode(src.split(",", 1)[1])
    except ValueError:
        return ""
    found: dict[str, str] = {}
    at = 8
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        chunk = data[at + 8 : at + 8 + length]
        if kind == b"iTXt":
            key, _, rest = chunk.partition(b"\0")
            # compression flag, method, language tag, translated keyword, then the text.
            rest = rest[2:]
            _, _, rest = rest.partition(b"\0")
            _, _, text = rest.partition(b"\0")
            found[key.decode("latin-1")] = text.decode("utf-8", errors="replace")
        elif kind == b"tEXt":
            key, _, text = chunk.partition(b"\0")
            found[key.decode("latin-1")] = text.decode("latin-1")
        elif kind == b"IDAT":
            break
        at += 12 + length
    return found.get("Description") or found.get("Title") or ""


def _label_headers(soup, table, labels: dict) -> None:
    head = table.find("thead")
    if head is None:
        return
    for th in head.find_all("th"):
        name = th.get_text(strip=True)
        if name in labels:
            th.clear()
            th.append(labels[name])
            english = soup.new_tag("span", attrs={"class": "gw-en"})
            english.string = name
            th.append(english)


def _can_be_interactive(table) -> bool:
    head = table.find("thead")
    rows = table.find("tbody").find_all("tr") if table.find("tbody") else []
    if head is None or len(rows) < _INTERACTIVE_MIN_ROWS or len(head.find_all("tr")) != 1:
        return False
    return not table.find(attrs={"rowspan": True}) and not table.find(attrs={"colspan": True})


@cache
def _datatables_script() -> str:
    """DataTables from the itables package, inlined so the page needs no network.

    The bundle is an ES module; as itables does offline, it is imported from a Blob URL.
    """
    import base64
    from importlib import resources as res

    folder = res.files("itables") / "html"
    js = base64.b64encode((folder / "dt_bundle.js").read_bytes()).decode("ascii")
    css = (folder / "dt_bundle.css").read_text(encoding="utf-8")
    options = (
        "{pageLength: 10, lengthMenu: [10, 25, 50, 100], order: [], "
        "language: {search: '搜索：', lengthMenu: '每页 _MENU_ 行', "
        "info: '第 _START_–_END_ 行，共 _TOTAL_ 行', infoEmpty: '无匹配行', "
        "infoFiltered: '（从 _MAX_ 行中筛选）', zeroRecords: '无匹配行'}}"
    )
    return (
        f"<style>{css}</style>\n<script>\n"
        "(async () => {\n"
        f"  const source = atob('{js}');\n"
        "  const bytes = Uint8Array.from(source, c => c.charCodeAt(0));\n"
        "  const url = URL.createObjectURL(new Blob([bytes], {type: 'application/javascript'}));\n"
        "  const { ITable } = await import(url);\n"
        "  URL.revokeObjectURL(url);\n"
        "  document.querySelectorAll('table.gw-interactive').forEach(\n"
        f"    table => new ITable(table, {options}));\n"
        "  document.body.dataset.gwTables = 'ready';\n"
        "})();\n</script>"
    )


_INDEX_CSS = """
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei",
       sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222;
       line-height: 1.6; }
h1 { font-size: 1.8rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 0.85rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
td { min-width: 3.5em; } th { background: #f4f4f4; } .muted { color: #666; } li { margin: 0.3rem 0; }
section.gw-findings { border-left: 3px solid #4C72B0; padding-left: 1rem; margin: 0.5rem 0 1.5rem 0; }
"""


def notebook_findings(notebook: str | Path) -> str:
    """HTML of what an executed notebook's ``## Summary`` section displays (its findings)."""
    from nbconvert.filters import markdown2html

    nb = nbformat.read(notebook, as_version=4)
    parts: list[str] = []
    in_summary = False
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            in_summary = bool(re.match(r"##\s+Summary", cell.source.strip())) or (
                in_summary and not cell.source.lstrip().startswith("#"))
            continue
        if not in_summary:
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/markdown" in data:
                # Summaries are built by gongwen functions that escape report text.
                parts.append(markdown2html(data["text/markdown"]))
            elif "text/plain" in data:
                parts.append(f"<pre>{html.escape(data['text/plain'])}</pre>")
    return "\n".join(parts)


def _inline_markdown(text: str) -> str:
    """A notebook's one-line description as HTML: escaped, with `code` spans kept as code."""
    parts = re.split(r"`([^`]+)`", text)
    return "".join(f"<code>{html.escape(p)}</code>" if i % 2 else html.escape(p) for i, p in enumerate(parts))


def write_csv(tables: dict[str, pd.DataFrame], folder: str | Path) -> list[str]:
    """Write each table as ``folder/<name>.csv`` (UTF-8 with BOM, for Excel); return the names."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        table.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8-sig", lineterminator="\n")
    return sorted(f"{name}.csv" for name in tables)


def write_index(
    target: str | Path,
    docs: pd.DataFrame,
    notebooks: list[Notebook],
    *,
    corpus_name: str,
    findings: dict[str, str] | None = None,
    csv_files: list[str] | None = None,  # paths relative to the index page
) -> Path:
    """Write the index page: the corpus in brief, each notebook with its findings, the CSV
    exports and the corpus inventory. ``findings`` maps notebook stems to HTML (trusted:
    produced by :func:`notebook_findings`); everything else is escaped here."""
    findings = findings or {}
    ok = corpus.usable(docs)
    skipped = docs[docs["status"] != "ok"]
    types = ok["doc_type"].value_counts().sort_index()
    type_text = ", ".join(f"{html.escape(str(t))}: {n}" for t, n in types.items()) or "none"
    years = sorted({int(y) for y in ok["year"].dropna()})
    year_text = f"{years[0]}–{years[-1]}" if years else "unknown"
    issuers = ok["issuer"].dropna().nunique()
    skipped_text = (
        "; ".join(f"{html.escape(str(s))}: {n}" for s, n in skipped["status"].value_counts().sort_index().items())
        or "none"
    )
    items = "\n".join(
        f'<li><a href="{html.escape(nb.stem)}.html"><strong>{html.escape(nb.title)}</strong></a>'
        f' <span class="muted">(<a href="code/{html.escape(nb.stem)}.html">with code</a>)</span>'
        f"<br>{_inline_markdown(nb.summary)}"
        + (f'<section class="gw-findings">{findings[nb.stem]}</section>' if findings.get(nb.stem) else "")
        + "</li>"
        for nb in notebooks
    )
    csv_items = "\n".join(
        f'<li><a href="{html.escape(name)}">{html.escape(name)}</a></li>' for name in csv_files or []
    ) or "<li>none</li>"
    table = corpus.inventory(docs).to_html(index=False, escape=True, border=0)
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>gongwen · {html.escape(corpus_name)}</title>
<style>{_INDEX_CSS}</style></head>
<body>
<h1>Comparing government reports · 政府报告比较：{html.escape(corpus_name)}</h1>
<p>These pages compare the reports of one corpus side by side: what each spends its words on,
the words and formulations it uses, how it is built, and the figures it reports. Each page is a
notebook run on this corpus; the tables behind them are exported as CSV below.</p>
<ul>
<li><strong>{len(ok)}</strong> reports analysed, of {len(docs)} files in the folder
(skipped: {skipped_text}).</li>
<li>Types: {type_text}. Years reported on: {year_text}. Issuers named: {issuers}.</li>
</ul>
<h2>Pages</h2>
<ol>
{items}
</ol>
<h2>Data (CSV)</h2>
<ul>
{csv_items}
</ul>
<h2>Corpus inventory · 语料清单</h2>
{table}
</body></html>
"""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")
    return target


def build(corpus_folder: str | Path, *, root: str | Path = ".", out: str | Path | None = None,
          progress: bool = True) -> Path:
    """Execute every notebook on ``corpus_folder`` and export the HTML report.

    Args:
        corpus_folder: the reports to analyse.
        root: the project folder (holding ``notebooks/``, ``seeds/``, ``figures/``).
        out: where HTML goes; default ``reports/`` for the project's own ``seeds/`` and
            ``reports/<folder name>/`` for any other folder.
        progress: show a progress bar on stderr.

    Returns:
        The path of the index page.
    """
    from tqdm import tqdm

    root = Path(root).resolve()
    folder = Path(corpus_folder).resolve()
    if not folder.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus_folder}")
    own = folder == (root / "seeds").resolve()
    out = (Path(out) if out else root / "reports" / ("" if own else folder.name)).resolve()
    notebooks = list_notebooks(root / "notebooks")
    # Every per-report analysis first, in parallel and cached: the notebooks then read the cache.
    from gongwen import pipeline

    pipeline.write_tables(pipeline.analyze(folder, progress=progress), out / "tables")
    if not own:
        # Copies of the notebooks run here; the committed ones are left untouched.
        (out / "notebooks").mkdir(parents=True, exist_ok=True)
        for nb in notebooks:
            shutil.copy2(nb.path, out / "notebooks" / nb.path.name)
    findings = {}
    for nb in tqdm(notebooks, desc="notebooks", unit="nb", disable=not progress):
        if own:
            executed = nb.path
            execute(executed, executed)
        else:
            executed = out / "notebooks" / nb.path.name
            params = {"CORPUS": str(folder), "FIGURES": str(out / "figures"), "DATA": str(out / "data"),
                      "TESTS": str(root / "tests")}
            execute(executed, executed, parameters=params)
        export_html(executed, out / f"{nb.stem}.html")
        export_html(executed, out / "code" / f"{nb.stem}.html", with_code=True)
        findings[nb.stem] = notebook_findings(executed)
    docs = corpus.load_corpus(folder)
    data = out / "data"
    write_csv({"docs": docs.drop(columns=["raw_text", "text"])}, data)
    # Paths relative to the index: the notebooks' exports, then every table of analyze.
    csv_files = [f"data/{p.name}" for p in sorted(data.glob("*.csv"))]
    csv_files += [f"tables/{p.name}" for p in sorted((out / "tables").glob("*")) if p.suffix in (".csv", ".parquet")]
    return write_index(out / "index.html", docs, notebooks, corpus_name=folder.name,
                       findings=findings, csv_files=csv_files)
