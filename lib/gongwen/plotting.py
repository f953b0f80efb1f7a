"""Figures: one CJK font for matplotlib and wordcloud, and the corpus-level charts.

The font is Noto Sans CJK SC as shipped by the ``mplfonts`` package, so it installs from
``requirements.txt`` on any machine; no system font is assumed.
"""

from __future__ import annotations

import math
from functools import cache
from importlib import resources
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib import font_manager

__all__ = ["FONT_NAME", "font_path", "grid", "plot_lengths", "save", "use_cjk_font"]

FONT_FILE = "NotoSansCJKsc-Regular.otf"
FONT_NAME = "Noto Sans CJK SC"
DPI = 150


@cache
def font_path() -> str:
    """File of the CJK font, for matplotlib and for ``WordCloud(font_path=...)``."""
    path = resources.files("mplfonts") / "fonts" / FONT_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{FONT_FILE} not found in the mplfonts package")
    return str(path)


def use_cjk_font() -> str:
    """Register the CJK font with matplotlib and make it the default; return its name."""
    path = font_path()
    if FONT_NAME not in {f.name for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(path)
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["font.sans-serif"] = [FONT_NAME, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    plt.rcParams["figure.dpi"] = 100
    plt.rcParams["savefig.dpi"] = DPI
    plt.rcParams["svg.hashsalt"] = "gongwen"
    return FONT_NAME


def grid(n: int, *, ncols: int = 3, width: float = 4.2, height: float = 3.2):
    """Small multiples for ``n`` panels: ``(fig, axes)`` with spare axes switched off."""
    ncols = max(1, min(ncols, n))
    nrows = max(1, math.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False)
    flat = list(axes.flat)
    for ax in flat[n:]:
        ax.set_axis_off()
    return fig, flat[:n]


def save(fig, name: str, folder: str | Path) -> Path:
    """Write ``fig`` as ``folder/name.png`` without volatile metadata; return the path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    fig.savefig(path, dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    return path


def describe(fig) -> str:
    """A one-line description of a figure for alt text: its title and panel titles."""
    parts = []
    if fig._suptitle is not None and fig._suptitle.get_text():
        parts.append(fig._suptitle.get_text())
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    if titles:
        parts.append("；".join(titles[:8]) + ("……" if len(titles) > 8 else ""))
    return "：".join(parts) or "图"


def show(fig, name: str, folder: str | Path, *, alt: str | None = None, width: int = 900) -> Path:
    """Save ``fig`` as ``folder/name.png``, display it in the notebook and close it.

    The displayed PNG carries ``alt`` (default: :func:`describe`) as its Description, which
    the HTML export turns into the image's alt text; ``width`` is its display width in pixels.
    """
    import io

    from IPython.display import Image, display

    path = save(fig, name, folder)
    buffer = io.BytesIO()
    text = alt or describe(fig)
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight",
                metadata={"Software": None, "Description": text})
    plt.close(fig)
    display(Image(data=buffer.getvalue(), width=width))
    return path


def plot_lengths(docs: pd.DataFrame, *, headings: pd.Series | None = None, top: int = 40):
    """Bars of report length (characters), paragraphs and, when given, headings per report.

    Args:
        docs: the docs table; only usable reports are drawn.
        headings: headings per report, indexed by doc_id (e.g. counted from structure.outline).
        top: with more reports, the ``top`` longest are drawn and the title says so.
    """
    use_cjk_font()
    ok = docs[docs["status"] == "ok"].sort_values(["chars", "doc_id"], ascending=[False, True])
    shown = ok.head(top)
    panels = [("chars", "字数（不计空白）", "#4C72B0"), ("paragraphs", "段落数", "#DD8452")]
    if headings is not None:
        shown = shown.assign(headings=shown["doc_id"].map(headings).fillna(0).astype(int))
        panels.append(("headings", "标题数（各级）", "#55A868"))
    height = max(2.5, 0.32 * len(shown) + 1.2)
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels) + 1, height), sharey=True)
    labels = shown["label"].tolist()[::-1]
    for ax, (column, xlabel, color) in zip(axes, panels, strict=True):
        ax.barh(labels, shown[column].tolist()[::-1], color=color)
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
    note = f"（字数最多的 {top} 篇，共 {len(ok)} 篇）" if len(ok) > top else ""
    fig.suptitle(f"各报告篇幅与结构规模{note}")
    fig.tight_layout()
    return fig
