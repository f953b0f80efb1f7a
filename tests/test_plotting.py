"""The CJK font renders every character the corpus uses, with no missing-glyph warning."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from gongwen import plotting


def _draw(text: str) -> list[str]:
    plotting.use_cjk_font()
    fig, ax = plt.subplots(figsize=(8, 8))
    ax.set_title("各报告篇幅")
    for i in range(0, len(text), 60):
        ax.text(0, 1 - i / max(len(text), 1), text[i : i + 60], fontsize=6)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    plt.close(fig)
    return [str(w.message) for w in caught]


def test_corpus_characters_have_glyphs(seed_docs):
    chars = sorted({c for text in seed_docs["text"] for c in text if not c.isspace()})
    assert len(chars) > 1000
    messages = _draw("".join(chars))
    assert not [m for m in messages if "missing from font" in m or "Glyph" in m]


def test_a_missing_glyph_would_be_caught():
    # U+1F600 is not in Noto Sans CJK SC: the check above can fail.
    assert any("missing" in m for m in _draw("法治\U0001f600"))


def test_font_is_the_packaged_one():
    assert plotting.font_path().endswith("NotoSansCJKsc-Regular.otf")
    assert plotting.use_cjk_font() == "Noto Sans CJK SC"


def test_grid_switches_off_spare_axes():
    fig, axes = plotting.grid(5, ncols=3)
    assert len(axes) == 5
    assert sum(ax.axison for ax in fig.axes) == 5
    plt.close(fig)


def test_save_writes_png_without_software_tag(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    path = plotting.save(fig, "x", tmp_path)
    plt.close(fig)
    assert path.read_bytes()[:4] == b"\x89PNG" and b"Software" not in path.read_bytes()
