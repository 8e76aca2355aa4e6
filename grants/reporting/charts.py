"""Bar charts drawn on the server as inline SVG: no JavaScript, a few hundred bytes each.

`bar_chart` computes the geometry; templates/reporting/_chart.html draws it. A chart is
never the only way to read a figure: the same numbers are in a table next to it, and the
SVG carries a title and a description for screen readers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH = 320
LABEL_WIDTH = 120  # room for the row label on the left
VALUE_ROOM = 10  # keep the longest bar off the right edge
BAR = 10
GAP = 2
ROW_GAP = 8
MAX_LABEL = 18  # characters shown in the SVG; the table has the full label


@dataclass
class Bar:
    x: float
    y: float
    width: float
    series: int


@dataclass
class Chart:
    title: str
    description: str
    height: int
    labels: list[tuple[float, str]] = field(default_factory=list)  # (y of baseline, text)
    bars: list[Bar] = field(default_factory=list)
    legend: list[str] = field(default_factory=list)
    axis_x: int = LABEL_WIDTH


def _short(text: str) -> str:
    text = str(text)
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def bar_chart(title: str, description: str, rows: list[tuple[str, list[float | None]]],
              legend: list[str] | None = None, *, scale: float | None = None) -> Chart | None:
    """Horizontal bars, one group per row and one bar per series in it, scaled to `scale`
    (1.0 for shares) or else to the largest value. None when there is nothing to draw
    (every value empty or zero)."""
    values = [v for _, vs in rows for v in vs if v]
    if not values:
        return None
    top = max(scale or 0, *values)
    span = WIDTH - LABEL_WIDTH - VALUE_ROOM
    series = max(len(vs) for _, vs in rows)
    group = series * (BAR + GAP) - GAP
    chart = Chart(title=title, description=description, legend=legend or [],
                  height=len(rows) * (group + ROW_GAP) + ROW_GAP)
    y = ROW_GAP
    for label, vs in rows:
        chart.labels.append((y + group / 2 + 4, _short(label)))
        for i, v in enumerate(vs):
            width = round(span * (v or 0) / top, 1)
            chart.bars.append(Bar(x=LABEL_WIDTH, y=y + i * (BAR + GAP),
                                  width=max(width, 1 if v else 0), series=i))
        y += group + ROW_GAP
    return chart
