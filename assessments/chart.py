"""The safety scale as a picture: one line per voice over time, drawn on the server as SVG.

Show, don't tell (STYLE.md): a rising line is the case's story. The chart is plain markup built
with `format_html`, because the legend carries names people typed (a family member, a teacher);
every one of them is escaped. Each voice gets its own marker shape *and* dash style as well as a
colour, so the lines stay apart in black and white, on a cheap phone screen in the sun, and for
people who do not see colours. It needs no CSS and no script: the viewBox lets it shrink to a
360-px phone and print on paper, and presentation attributes (not style attributes) keep a strict
Content-Security-Policy happy.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .models import ScaleScore

WIDTH = 360
LEFT = 30  # room for the 0-10 labels
RIGHT = 14
TOP = 12
PLOT_HEIGHT = 200  # 20 units per point of the scale
AXIS_HEIGHT = 34  # the dates under the plot
LEGEND_ROW = 22
LEGEND_LABEL_MAX = 42  # characters; the table beside the chart has the full names

MARKERS = ("circle", "square", "triangle", "diamond", "triangle-down", "cross")
# "" is a solid line. Paired with the markers so that no two of the first 36 voices look alike.
DASHES = ("", "8 4", "2 3", "10 3 2 3", "4 4", "1 5")
# Okabe-Ito: told apart by most people who see colours differently (never the only cue).
COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#806000", "#56b4e9", "#000000")
GRID = "#c9ced8"
GRID_STRONG = "#8a93a6"


@dataclass
class Series:
    """One voice's answers to the scaling question, oldest first."""

    key: str
    label: str
    points: list[tuple[datetime.date, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Style:
    marker: str
    dash: str
    colour: str
    hollow: bool


def style_for(index: int) -> Style:
    return Style(
        marker=MARKERS[index % len(MARKERS)],
        dash=DASHES[(index + index // len(MARKERS)) % len(DASHES)],
        colour=COLOURS[index % len(COLOURS)],
        hollow=(index // len(MARKERS)) % 2 == 1,
    )


def series_of(scores: Iterable[ScaleScore]) -> list[Series]:
    """Group scores by voice (a person, a user, or a named voice), in order of first answer."""
    by_key: dict[str, Series] = {}
    for score in sorted(scores, key=lambda s: (s.recorded_on, s.pk or 0)):
        series = by_key.get(score.voice_key)
        if series is None:
            series = by_key[score.voice_key] = Series(key=score.voice_key, label="")
        series.points.append((score.recorded_on, score.score))
        series.label = score.voice_label  # the newest name wins (people correct spellings)
    return list(by_key.values())


def _day(value: datetime.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _short(label: str) -> str:
    return label if len(label) <= LEGEND_LABEL_MAX else label[: LEGEND_LABEL_MAX - 1] + "…"


def _num(value: float) -> str:
    return f"{value:.1f}"


def _marker(style: Style, x: float, y: float, tooltip: str) -> SafeString:
    fill = "#ffffff" if style.hollow else style.colour
    title = format_html("<title>{}</title>", tooltip) if tooltip else ""
    common = format_html(
        'fill="{}" stroke="{}" stroke-width="1.5"',
        "none" if style.marker == "cross" else fill,
        style.colour,
    )
    if style.marker == "circle":
        return format_html(
            '<circle cx="{}" cy="{}" r="4.5" {}>{}</circle>', _num(x), _num(y), common, title
        )
    if style.marker == "square":
        return format_html(
            '<rect x="{}" y="{}" width="8" height="8" {}>{}</rect>',
            _num(x - 4),
            _num(y - 4),
            common,
            title,
        )
    if style.marker == "cross":
        path = f"M{_num(x - 4.5)} {_num(y - 4.5)}L{_num(x + 4.5)} {_num(y + 4.5)}"
        path += f"M{_num(x - 4.5)} {_num(y + 4.5)}L{_num(x + 4.5)} {_num(y - 4.5)}"
        return format_html(
            '<path d="{}" fill="none" stroke="{}" stroke-width="2.5">{}</path>',
            path,
            style.colour,
            title,
        )
    corners = {
        "triangle": ((0, -5.5), (5, 4), (-5, 4)),
        "triangle-down": ((0, 5.5), (5, -4), (-5, -4)),
        "diamond": ((0, -5.5), (5, 0), (0, 5.5), (-5, 0)),
    }[style.marker]
    points = " ".join(f"{_num(x + dx)},{_num(y + dy)}" for dx, dy in corners)
    return format_html('<polygon points="{}" {}>{}</polygon>', points, common, title)


def _dash(style: Style) -> SafeString:
    if not style.dash:
        return mark_safe("")
    return format_html(' stroke-dasharray="{}"', style.dash)


def safety_scale_chart(
    scores: Iterable[ScaleScore], *, chart_id: str = "scale-chart"
) -> SafeString:
    """The scale over time as an SVG element, or a plain sentence when there is nothing to draw.

    The scores should come with `person` and `given_by_user` selected (their names label the
    lines); the function itself reads nothing from the database.
    """
    all_series = series_of(scores)
    if not all_series:
        return format_html('<p class="scale-chart-empty">{}</p>', _("No safety scale scores yet."))
    days = [day for series in all_series for day, _score in series.points]
    first, last = min(days), max(days)
    span = (last - first).days
    plot_width = WIDTH - LEFT - RIGHT

    def x_of(day: datetime.date) -> float:
        if span == 0:
            return LEFT + plot_width / 2
        return LEFT + (day - first).days / span * plot_width

    def y_of(score: int) -> float:
        return TOP + (10 - score) / 10 * PLOT_HEIGHT

    height = TOP + PLOT_HEIGHT + AXIS_HEIGHT + LEGEND_ROW * len(all_series) + 6
    plot_bottom = TOP + PLOT_HEIGHT

    grid = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>'
        '<text x="{}" y="{}" text-anchor="end" fill="currentColor">{}</text>',
        (
            (
                LEFT,
                _num(y_of(value)),
                WIDTH - RIGHT,
                _num(y_of(value)),
                GRID_STRONG if value in (0, 5, 10) else GRID,
                LEFT - 6,
                _num(y_of(value) + 4),
                value,
            )
            for value in range(11)
        ),
    )
    ticks: list[tuple[datetime.date, str]] = [(first, "start")]
    if span:
        ticks.append((last, "end"))
        if len(set(days)) > 2:
            ticks.append((first + datetime.timedelta(days=span // 2), "middle"))
    else:
        ticks = [(first, "middle")]
    axis = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>'
        '<text x="{}" y="{}" text-anchor="{}" fill="currentColor">{}</text>',
        (
            (
                _num(x_of(day)),
                plot_bottom,
                _num(x_of(day)),
                plot_bottom + 5,
                GRID_STRONG,
                _num(x_of(day)),
                plot_bottom + 18,
                anchor,
                _day(day),
            )
            for day, anchor in ticks
        ),
    )

    lines = []
    legend = []
    summaries = []
    for index, series in enumerate(all_series):
        style = style_for(index)
        points = " ".join(f"{_num(x_of(day))},{_num(y_of(score))}" for day, score in series.points)
        markers = format_html_join(
            "",
            "{}",
            (
                (
                    _marker(
                        style,
                        x_of(day),
                        y_of(score),
                        _("%(who)s: %(score)s on %(day)s")
                        % {"who": series.label, "score": score, "day": _day(day)},
                    ),
                )
                for day, score in series.points
            ),
        )
        lines.append(
            format_html(
                '<g class="scale-series" data-series="{}">'
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"{}/>{}</g>',
                index,
                points,
                style.colour,
                _dash(style),
                markers,
            )
        )
        latest_day, latest = series.points[-1]
        row_y = plot_bottom + AXIS_HEIGHT + LEGEND_ROW * index + LEGEND_ROW / 2
        legend.append(
            format_html(
                '<g class="scale-legend-item">'
                '<line x1="4" y1="{}" x2="40" y2="{}" stroke="{}" stroke-width="2"{}/>{}'
                '<text x="48" y="{}" fill="currentColor">{}</text></g>',
                _num(row_y),
                _num(row_y),
                style.colour,
                _dash(style),
                _marker(style, 22, row_y, ""),
                _num(row_y + 4),
                _("%(who)s: %(score)s") % {"who": _short(series.label), "score": latest},
            )
        )
        summaries.append(
            _("%(who)s gave %(count)s scores, the latest %(score)s on %(day)s.")
            % {
                "who": series.label,
                "count": len(series.points),
                "score": latest,
                "day": _day(latest_day),
            }
        )

    description = " ".join(
        [
            _(
                "The scaling question over time: 10 means there is enough safety to close the "
                "case, 0 means it is certain the child will be harmed."
            ),
            *summaries,
        ]
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="scale-chart" viewBox="0 0 {} {}" '
        'width="100%" role="img" aria-labelledby="{}-title {}-desc" fill="none" '
        'font-size="12" font-family="inherit">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
        '<g class="scale-grid">{}</g><g class="scale-axis">{}</g>'
        '<g class="scale-lines">{}</g><g class="scale-legend">{}</g></svg>',
        WIDTH,
        height,
        chart_id,
        chart_id,
        chart_id,
        _("Safety scale over time"),
        chart_id,
        description,
        grid,
        axis,
        format_html_join("", "{}", ((line,) for line in lines)),
        format_html_join("", "{}", ((item,) for item in legend)),
    )
