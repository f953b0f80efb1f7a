"""gongwen: compare Chinese government reports side by side.

One module per concern, each a set of pure functions over tidy pandas DataFrames:

- :mod:`gongwen.corpus`: loading, decoding, cleaning, the quality table
- :mod:`gongwen.metadata`: title, issuer, type, year, dates, 发文字号 read from the text
- :mod:`gongwen.terms`: segmentation, frequencies, keyness, KWIC, formulations
- :mod:`gongwen.structure`: outlines, 公文 elements, required annual-report content
- :mod:`gongwen.metrics`: quantitative claims, normalised
- :mod:`gongwen.plotting`: the CJK font and shared figures
- :mod:`gongwen.report`: executing notebooks and exporting HTML

The command line is :mod:`gongwen.__main__` (``python -m gongwen --help``).
"""

__version__ = "0.1.0"
