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
from pathlib import Path

import nbformat
import pandas as pd

from gongwen import corpus

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
    )
    strip_volatile(target)


def export_html(notebook: str | Path, target: str | Path, *, with_code: bool = False) -> Path:
    """Export an executed notebook to one self-contained HTML file.

    Code cells are hidden unless ``with_code``; figures are embedded in the page.
    """
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", embed_images=True)
    exporter.exclude_input = not with_code
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    nb = nbformat.read(notebook, as_version=4)
    body, _ = exporter.from_notebook_node(nb)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")
    return target


_INDEX_CSS = """
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei",
       sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222;
       line-height: 1.6; }
h1 { font-size: 1.8rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 0.85rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: left; }
th { background: #f4f4f4; } .muted { color: #666; }
li { margin: 0.4rem 0; }
"""

def write_index(
    target: str | Path, docs: pd.DataFrame, notebooks: list[Notebook], *, corpus_name: str
) -> Path:
    """Write the index page: what the collection is, the corpus inventory, the notebooks."""
    ok = corpus.usable(docs)
    skipped = len(docs) - len(ok)
    types = ok["doc_type"].value_counts().sort_index()
    type_text = "，".join(f"{html.escape(str(t))} {n} 篇" for t, n in types.items()) or "无"
    years = sorted({int(y) for y in ok["year"].dropna()})
    year_text = f"{years[0]}—{years[-1]} 年度" if years else "年度不详"
    items = "\n".join(
        f'<li><a href="{html.escape(nb.stem)}.html">{html.escape(nb.title)}</a>'
        f' <span class="muted">(<a href="code/{html.escape(nb.stem)}.html">含代码</a>)</span>'
        f"<br>{html.escape(nb.summary)}</li>"
        for nb in notebooks
    )
    table = corpus.inventory(docs).to_html(index=False, escape=True, border=0)
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>公文比较报告：{html.escape(corpus_name)}</title>
<style>{_INDEX_CSS}</style></head>
<body>
<h1>政府报告比较：{html.escape(corpus_name)}</h1>
<p>本报告集逐篇比较语料库中的政府报告（法治政府建设年度报告及相关文件）：主题分布、用词与提法、
结构规范和报告的量化指标。每一页由同名 notebook 在本语料库上运行生成。</p>
<p>语料库共 {len(docs)} 个文件，可分析的报告 {len(ok)} 篇（{type_text}；{year_text}）；
跳过 {skipped} 个文件（空文件、无法解码、重复等，见下表“状态”列）。</p>
<h2>分析页面</h2>
<ol>
{items}
</ol>
<h2>语料清单</h2>
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
    out = Path(out) if out else root / "reports" / ("" if own else folder.name)
    notebooks = list_notebooks(root / "notebooks")
    if not own:
        # Copies of the notebooks run here; the committed ones are left untouched.
        work = out / "notebooks"
        work.mkdir(parents=True, exist_ok=True)
        for nb in notebooks:
            shutil.copy2(nb.path, work / nb.path.name)
    for nb in tqdm(notebooks, desc="notebooks", unit="nb", disable=not progress):
        if own:
            execute(nb.path, nb.path)
            executed = nb.path
        else:
            executed = out / "notebooks" / nb.path.name
            params = {"CORPUS": str(folder), "FIGURES": str((out / "figures").resolve())}
            execute(executed, executed, parameters=params)
        export_html(executed, out / f"{nb.stem}.html")
        export_html(executed, out / "code" / f"{nb.stem}.html", with_code=True)
    docs = corpus.load_corpus(folder)
    (out / "data").mkdir(parents=True, exist_ok=True)
    docs.drop(columns=["raw_text", "text"]).to_csv(out / "data" / "docs.csv", index=False)
    return write_index(out / "index.html", docs, notebooks, corpus_name=folder.name)
