"""gongwen: compare Chinese government reports side by side.

One module per concern: :mod:`gongwen.corpus` (loading, cleaning, quality),
:mod:`gongwen.metadata` (title, issuer, type, year, dates, 发文字号 from the text),
:mod:`gongwen.plotting` (CJK font, figures), :mod:`gongwen.report` (HTML export)
and a command line in :mod:`gongwen.__main__`.
"""

__version__ = "0.1.0"
