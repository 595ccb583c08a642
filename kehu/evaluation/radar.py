"""The radar chart of a customer's four dimension scores, as numbers for an inline SVG.

Everything is computed here, in Python, so the page draws it without any script: the rings
(25, 50, 75, 100), the axes, the polygon of the scores (and of an earlier run's, to compare)
and where the labels go. A dimension without a score is drawn at the centre and labelled "—".
"""

import math
from dataclasses import dataclass
from decimal import Decimal

WIDTH = 480
HEIGHT = 270
RADIUS = 90
LABEL_GAP = 10
LINE = 14  # the label's line height
RINGS = (25, 50, 75, 100)


@dataclass(frozen=True)
class Axis:
    label: str
    score: Decimal | None
    x: float  # the end of the axis (score 100)
    y: float
    label_x: float
    label_y: float  # the baseline of the label's first line; the score is on the second
    anchor: str  # the label's text-anchor
    score_y: float


def _point(cx: float, cy: float, index: int, count: int, length: float) -> tuple[float, float]:
    """The point ``length`` from the centre on axis ``index`` of ``count`` (clockwise from
    the top)."""
    angle = -math.pi / 2 + 2 * math.pi * index / count
    x = round(cx + length * math.cos(angle), 2)
    y = round(cy + length * math.sin(angle), 2)
    return x + 0.0, y + 0.0  # + 0.0: no "-0" in the drawing


def _points(pairs) -> str:
    return " ".join(f"{x:g},{y:g}" for x, y in pairs)


def _polygon(values: list[Decimal | None], cx: float, cy: float, radius: float) -> str:
    count = len(values)
    return _points(
        _point(cx, cy, i, count, radius * float(value or 0) / 100) for i, value in enumerate(values)
    )


def _anchor(x: float, cx: float) -> str:
    if abs(x - cx) < 1:
        return "middle"
    return "start" if x > cx else "end"


def radar_chart(
    dimensions: list[tuple[str, Decimal | None]],
    previous: list[Decimal | None] | None = None,
    *,
    width: int = WIDTH,
    height: int = HEIGHT,
    radius: int = RADIUS,
) -> dict:
    """The SVG's numbers for ``dimensions`` ((label, score 0–100 or None) in the order of the
    axes, clockwise from the top) and, if given, an earlier run's scores of the same axes."""
    cx, cy = width / 2, height / 2
    count = len(dimensions)
    axes = []
    for index, (label, score) in enumerate(dimensions):
        x, y = _point(cx, cy, index, count, radius)
        label_x, label_y = _point(cx, cy, index, count, radius + LABEL_GAP)
        if abs(label_x - cx) >= 1:  # beside the chart: the two lines around the axis
            label_y -= 3
        elif label_y < cy:  # above: both lines above the axis's end
            label_y -= LINE
        else:  # below: the first line's capitals clear the axis's end
            label_y += 10
        axes.append(
            Axis(label, score, x, y, label_x, label_y, _anchor(label_x, cx), label_y + LINE)
        )
    scores = [score for _label, score in dimensions]
    return {
        "width": width,
        "height": height,
        "cx": cx,
        "cy": cy,
        "axes": axes,
        "rings": [
            {"value": ring, "points": _polygon([Decimal(ring)] * count, cx, cy, radius)}
            for ring in RINGS
        ],
        "polygon": _polygon(scores, cx, cy, radius),
        "dots": [
            {"x": x, "y": y}
            for x, y in (
                _point(cx, cy, i, count, radius * float(s or 0) / 100) for i, s in enumerate(scores)
            )
        ],
        "previous": _polygon(previous, cx, cy, radius) if previous is not None else "",
    }
