"""A horizontal bar chart as plain numbers for an inline SVG (``templates/pages/_chart.html``).

No chart library and no JavaScript: the geometry is computed here, the template draws rectangles, and the
same counts are printed beside each bar so the chart reads on paper and to a screen reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

LABEL_WIDTH = 230
BAR_AREA = 340
VALUE_WIDTH = 70
BAR_HEIGHT = 22
GAP = 10
MAX_LABEL = 32


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    short_label: str
    value: int
    y: int
    width: float


@dataclass(frozen=True, slots=True)
class BarChart:
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int
    bar_height: int

    @property
    def value_x(self) -> float:
        return self.label_width + max((bar.width for bar in self.bars), default=0) + 8


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def bar_chart(counts: Mapping[str, int], *, limit: int = 15) -> BarChart:
    """Bars for the largest ``limit`` counts, biggest first; widths scale to the largest.

    >>> chart = bar_chart({"Partai A": 10, "Partai B": 5})
    >>> [(bar.label, bar.width) for bar in chart.bars]
    [('Partai A', 340.0), ('Partai B', 170.0)]
    """
    items = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    top = max((value for _, value in items), default=0)
    bars = tuple(
        Bar(
            label=label,
            short_label=_shorten(label),
            value=value,
            y=GAP + index * (BAR_HEIGHT + GAP),
            width=round(BAR_AREA * value / top, 1) if top else 0.0,
        )
        for index, (label, value) in enumerate(items)
    )
    height = GAP + len(bars) * (BAR_HEIGHT + GAP)
    return BarChart(bars, LABEL_WIDTH + BAR_AREA + VALUE_WIDTH, height, LABEL_WIDTH, BAR_HEIGHT)
