"""Where the bars of the programme's charts go: horizontal bars, each a stack of
segments, measured here from the figures a page's table shows and drawn by
templates/programme/_chart.html as SVG.

The chart is a picture of the table beside it, never a second count: it is
given the table's own figures. The arithmetic lives here, not in the template,
so that it can be tested, and so that a bar's segments meet exactly (each edge is
placed from the running total, not by adding rounded widths).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

WIDTH = 600  # the SVG's viewBox, in its own units
BAR_LENGTH = 540  # the longest bar; the rest of the width holds the figure written after it
ROW_HEIGHT = 56  # a row: its label above, then its bar (the template places them within the row)
DIGIT_WIDTH, FIGURE_MARGIN = 10, 6  # a figure is written inside its segment only where it fits


@dataclass(frozen=True)
class Segment:
    key: str  # which figure of the row: a coverage code, an impact's key
    figure: int
    x: float
    width: float

    @property
    def middle(self) -> float:
        return round(self.x + self.width / 2, 2)

    @property
    def figure_fits(self) -> bool:
        return self.width >= len(str(self.figure)) * DIGIT_WIDTH + 2 * FIGURE_MARGIN


@dataclass(frozen=True)
class Bar:
    label: str
    total: int
    y: float  # the top of its row
    segments: list[Segment]  # the figures that are not 0, in the order of the keys

    @property
    def end(self) -> float:
        return self.segments[-1].x + self.segments[-1].width if self.segments else 0.0


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    stacked: bool  # more than one figure a row: each segment may carry its own figure
    width: int = WIDTH

    @property
    def height(self) -> int:
        return len(self.bars) * ROW_HEIGHT


def stacked_bars(rows: Iterable[tuple[str, Mapping[str, int]]], keys: Sequence[str], *,
                 each_whole: bool = False) -> Chart:
    """A bar for each (label, figures by key) row, its segments in the order of `keys`.

    Bars share one scale, the largest row's total filling BAR_LENGTH, so they compare; with `each_whole`
    every bar is its own row's whole (shares: how far each directorate is covered, whatever its size). A
    figure of 0 draws no segment, and a row (or a chart) whose total is 0 draws no bar, whatever the scale.
    """
    rows = [(label, [(key, figures.get(key, 0)) for key in keys]) for label, figures in rows]
    totals = [sum(figure for _key, figure in figures) for _label, figures in rows]
    largest = max(totals, default=0)
    bars = []
    for index, ((label, figures), total) in enumerate(zip(rows, totals)):
        whole = total if each_whole else largest
        segments, running = [], 0
        for key, figure in figures:
            if figure and whole:
                start = round(BAR_LENGTH * running / whole, 2)
                running += figure
                segments.append(Segment(key, figure, start, round(BAR_LENGTH * running / whole - start, 2)))
        bars.append(Bar(label, total, index * ROW_HEIGHT, segments))
    return Chart(bars, stacked=len(keys) > 1)
