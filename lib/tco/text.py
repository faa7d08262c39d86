"""Plain-text tables for the terminal, measured in display cells rather than characters.

A terminal shows an East Asian wide or fullwidth character (搜, ＡＢ) in two cells and a
combining mark in none, so ``len`` and ``str.ljust`` misalign any column that holds Chinese
model or item names. Here every width is a display width (:func:`display_width`), long cells
wrap onto continuation lines at word boundaries (CJK text, which has no spaces, between
characters) instead of being cut, and :func:`table` fits a table to a terminal width.

>>> display_width("搜索推荐"), display_width("e\u0301"), len("e\u0301")
(8, 1, 2)
>>> print(table([("搜索推荐", "1.00"), ("ranker", "22.50")], ["model", "cost"], align="<>"))
model      cost
--------  -----
搜索推荐   1.00
ranker    22.50
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

#: Break opportunities inside a word besides spaces: after these characters (paths, identifiers).
SOFT_BREAKS = "_/"


def char_width(char: str) -> int:
    """Cells a terminal gives one character: 2 for East Asian wide/fullwidth, 0 for combining
    marks and format/control characters, else 1.

    >>> [char_width(c) for c in "a搜\u0301\u200b"]
    [1, 2, 0, 0]
    """
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf", "Cc"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Cells ``text`` takes in a terminal (CJK counts double, combining marks nothing).

    >>> display_width("Compute cost / 计算资源成本")
    27
    """
    return sum(char_width(c) for c in text)


def pad(text: str, width: int, align: str = "<") -> str:
    """``text`` padded with spaces to ``width`` display cells: ``<`` left, ``>`` right, ``^`` centre.
    Text already wider is returned unchanged (never cut).

    >>> pad("推荐", 6, ">") + "|", pad("ab", 5, "^") + "|"
    ('  推荐|', ' ab  |')
    """
    gap = max(width - display_width(text), 0)
    if align == ">":
        return " " * gap + text
    if align == "^":
        return " " * (gap // 2) + text + " " * (gap - gap // 2)
    return text + " " * gap


def ljust(text: str, width: int) -> str:
    """:meth:`str.ljust` by display width."""
    return pad(text, width, "<")


def rjust(text: str, width: int) -> str:
    """:meth:`str.rjust` by display width."""
    return pad(text, width, ">")


def _pieces(text: str, soft: bool = False) -> list[tuple[str, bool]]:
    """``text`` as pieces not to be broken, each with whether a space stood before it: its words,
    with each wide character apart (CJK breaks between characters); ``soft`` also splits a word
    after each character of :data:`SOFT_BREAKS`. Combining marks stay with their character."""
    out: list[tuple[str, bool]] = []
    for match in re.finditer(r"(\s*)(\S+)", text):
        start = len(out)
        for char in match.group(2):
            w = char_width(char)
            prev = out[-1][0] if len(out) > start else ""
            if prev and (w == 0 or (w == 1 and char_width(prev[0]) == 1
                                    and not (soft and prev[-1] in SOFT_BREAKS))):
                out[-1] = (prev + char, out[-1][1])
            else:
                out.append((char, len(out) == start and bool(match.group(1))))
    return out


def _split_chars(piece: str, width: int) -> list[str]:
    """A piece wider than ``width`` cut into chunks of at most ``width`` cells (the last resort)."""
    chunks, line, used = [], "", 0
    for char in piece:
        w = char_width(char)
        if line and used + w > width:
            chunks.append(line)
            line, used = "", 0
        line, used = line + char, used + w
    return chunks + [line] if line else chunks


def wrap(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` display cells, broken at spaces or between CJK
    characters. A word wider than ``width`` alone (a path, a URL) is broken after ``_`` or ``/``,
    and cut only where it has none. Line breaks in ``text`` are kept; runs of spaces become one.

    >>> wrap("inference serving [llm-reranker-8b]", 20)
    ['inference serving', '[llm-reranker-8b]']
    >>> wrap("搜索推荐模型", 5)
    ['搜索', '推荐', '模型']
    >>> wrap("see data/catalog/SOURCES.md", 14)
    ['see data/', 'catalog/', 'SOURCES.md']
    >>> wrap("", 5)
    ['']
    """
    width = max(int(width), 1)
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        line, used = "", 0
        pieces = _pieces(paragraph)
        while pieces:
            piece, spaced = pieces.pop(0)
            sep = " " if spaced and line else ""
            w = display_width(piece)
            if used + len(sep) + w <= width:
                line, used = line + sep + piece, used + len(sep) + w
                continue
            parts = _pieces(piece, soft=True) if w > width else []
            if len(parts) > 1:  # a word too wide for any line: its parts after _ or / are placed instead
                pieces[:0] = [(parts[0][0], spaced)] + [(part, False) for part, _ in parts[1:]]
                continue
            if line:
                lines.append(line)
            chunks = _split_chars(piece, width) if w > width else [piece]
            lines += chunks[:-1]
            line, used = chunks[-1], display_width(chunks[-1])
        lines.append(line)
    return lines


def bullet(text: str, width: int, marker: str = "  - ") -> str:
    """``text`` wrapped to ``width`` cells after ``marker``, continuation lines indented under it.

    >>> print(bullet("a stale price of table x", 14))
      - a stale
        price of
        table x
    """
    hang = " " * display_width(marker)
    lines = wrap(text, width - len(hang))
    return "\n".join((marker if i == 0 else hang) + line for i, line in enumerate(lines))


def cell(value) -> str:
    """A table value as text: empty for None or NaN, whole floats without ``.0``, others as ``str``.

    >>> [cell(v) for v in (None, float("nan"), 8.0, 55.04, 1e-05, "H100")]
    ['', '', '8', '55.04', '1e-05', 'H100']
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def min_width(text: str) -> int:
    """The narrowest column ``text`` wraps into without cutting a word: its widest piece.

    >>> min_width("accelerators_per_instance"), min_width("a b"), min_width("搜索")
    (13, 1, 2)
    """
    return max((display_width(piece) for line in str(text).split("\n") for piece, _ in _pieces(line, soft=True)),
               default=0)


def _fit(natural: list[int], least: list[int], available: int, floor: int) -> list[int]:
    """Column widths summing to at most ``available``: the widest columns are narrowed to one
    common cap, but not below ``least`` (their widest word) while that can fit; failing that, not
    below ``floor`` (words are then cut), and failing that too, as narrow as it takes."""
    for lower in (least, [min(n, floor) for n in natural], [min(n, 1) for n in natural]):
        cap = max(natural, default=0)
        while cap > 0 and sum(max(lo, min(n, cap)) for n, lo in zip(natural, lower)) > available:
            cap -= 1
        widths = [max(lo, min(n, cap)) for n, lo in zip(natural, lower)]
        if sum(widths) <= available:
            return widths
    return widths


def _cells(rows, columns) -> list[list[str]]:
    """The header (if any) and the rows as text, every row padded to the same number of cells."""
    cells = [[str(c) for c in row] for row in ([columns] if columns else []) + [list(r) for r in rows]]
    count = max((len(r) for r in cells), default=0)
    return [r + [""] * (count - len(r)) for r in cells]


def table(rows: Sequence[Sequence[object]], columns: Sequence[str] | None = None, align: str | Sequence[str] = "",
          max_width: int | None = None, widths: Sequence[int | None] | None = None, indent: str = "",
          sep: str = "  ", floor: int = 6, notes: Sequence[Sequence[tuple[str, str]]] | None = None) -> str:
    """Rows of cells as aligned text; long cells wrap onto continuation lines.

    Parameters
    ----------
    rows : sequence of sequences
        The cells; each is shown as ``str(cell)``.
    columns : sequence of str, optional
        Header cells, underlined with dashes; None for no header.
    align : str or sequence of str
        Per column ``<`` (left, the default) or ``>`` (right), e.g. ``"<>>"``.
    max_width : int, optional
        Display width of the whole table, ``indent`` included: the widest columns are narrowed
        and their cells wrapped until the lines fit, cutting words only when the widest words of
        all columns together cannot fit (then no column narrower than ``floor``).
    widths : sequence of int or None, optional
        A maximum width per column (None: as wide as its widest cell).
    indent, sep : str
        Text before each line and between columns.
    notes : sequence of sequences of (label, text), optional
        Per row, texts shown under it as ``label: text``, wrapped to ``max_width`` (long sources).

    >>> print(table([("a long item name", 3.5)], max_width=12, sep=" "))
    a long   3.5
    item
    name
    """
    cells = _cells(rows, columns)
    count = len(cells[0]) if cells else 0
    natural = [max(display_width(line) for r in cells for line in r[i].split("\n")) for i in range(count)]
    if widths:
        natural = [n if i >= len(widths) or widths[i] is None else min(n, widths[i]) for i, n in enumerate(natural)]
    if max_width is not None:
        least = [min(n, max(min_width(r[i]) for r in cells)) for i, n in enumerate(natural)]
        natural = _fit(natural, least, max_width - display_width(indent) - display_width(sep) * (count - 1), floor)
    aligns = [(align[i] if i < len(align) else "<") or "<" for i in range(count)]
    wrapped_rows = [[wrap(cell, width) for cell, width in zip(row, natural)] for row in cells]
    natural = [max(display_width(line) for w in wrapped_rows for line in w[i]) for i in range(count)]
    out = []
    for index, wrapped in enumerate(wrapped_rows):
        for depth in range(max(len(w) for w in wrapped) if wrapped else 0):
            line = sep.join(pad(w[depth] if depth < len(w) else "", width, a)
                            for w, width, a in zip(wrapped, natural, aligns))
            out.append((indent + line).rstrip())
        if columns and index == 0:
            out.append((indent + sep.join("-" * width for width in natural)).rstrip())
        elif notes:
            out += [bullet(text, max_width or 10**6, f"{indent}    {label}: ")
                    for label, text in notes[index - bool(columns)] if text]
    return "\n".join(out)


def records(rows: Sequence[Sequence[object]], columns: Sequence[str], max_width: int) -> str:
    """Each row as a block of ``column  value`` lines (values wrapped), for tables too wide to
    show side by side; blocks are separated by a blank line.

    >>> print(records([("H100", "NVIDIA datasheet, 2023")], ["id", "source"], 20))
    id      H100
    source  NVIDIA
            datasheet,
            2023
    """
    label = max(display_width(str(c)) for c in columns)
    label = min(label, max(max_width // 2, 1))  # names wrap (after _) before values are squeezed
    widths = [label, max(max_width - label - 2, 1)]
    return "\n\n".join(table([(c, v) for c, v in zip(columns, row)], widths=widths) for row in _cells(rows, None))


def fit(rows: Sequence[Sequence[object]], columns: Sequence[str], align: str | Sequence[str], max_width: int,
        sep: str = "  ") -> str:
    """A table of at most ``max_width`` cells a line, laid out to stay readable: columns with a
    value wider than a third of the width (sources, assumptions) move under each row as notes;
    when the other columns still cannot fit without cutting words, each row becomes a block
    (:func:`records`).

    >>> rows = [("p5.48xlarge", 55.04, "AWS on-demand price list, us-east-1, read 2026-09-24")]
    >>> print(fit(rows, ["instance", "price", "source"], "<><", 40))
    instance     price
    -----------  -----
    p5.48xlarge  55.04
        source: AWS on-demand price list,
                us-east-1, read 2026-09-24
    """
    cells = _cells(rows, columns)
    widest = [max((display_width(r[i]) for r in cells[1:]), default=0) for i in range(len(columns))]
    long = [i for i, n in enumerate(widest) if n > max_width // 3]  # by the values: a long name wraps
    keep = [i for i in range(len(columns)) if i not in long]
    least = sum(max(min_width(r[i]) for r in cells) for i in keep) + len(sep) * (len(keep) - 1)
    if not keep or least > max_width:
        return records(rows, columns, max_width)
    return table([[r[i] for i in keep] for r in cells[1:]], [columns[i] for i in keep],
                 [(align[i] if i < len(align) else "<") for i in keep], max_width, sep=sep,
                 notes=[[(columns[i], r[i]) for i in long] for r in cells[1:]])
