"""Charts as inline SVG written at build time: readable with JavaScript off, nothing to load.

Colours come from classes styled in definitive.css (no ``style``/``fill`` attributes), so the
sanitiser can keep SVG geometry while dropping every presentation attribute a note could abuse.
"""

from __future__ import annotations

import html

from generator.proof import Revision, Run

WIDTH, HEIGHT = 640, 230
LEFT, RIGHT, TOP, BOTTOM = 66, 16, 16, 54
# Room for labels at 21 units, the size a phone needs to show them at 11 px or more.


def cost_chart(runs: list[Run], label: str) -> str:
    """Cost per task over time, one dot per run coloured by outcome; one line of HTML."""
    if not runs:
        return ""
    first, last = runs[0].date, runs[-1].date
    span = max((last - first).days, 1)
    top = max(r.cost for r in runs) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(run: Run) -> float:
        offset = (run.date - first).days / span if len(runs) > 1 else 0.5
        return round(LEFT + offset * plot_w, 1)

    def y(cost: float) -> float:
        return round(TOP + plot_h - cost / top * plot_h, 1)

    title = f"{label}: cost per task and outcome, {first.isoformat()} to {last.isoformat()}"
    parts = [
        f'<svg class="dfn-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{html.escape(title)}">',
        f"<title>{html.escape(title)}</title>",
        f'<line class="dfn-axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" '
        f'y2="{TOP + plot_h}"></line>',
        f'<line class="dfn-axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}"></line>',
        f'<line class="dfn-grid" x1="{LEFT}" y1="{TOP}" x2="{WIDTH - RIGHT}" y2="{TOP}"></line>',
        f'<text class="dfn-label" x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end">${top:.2f}</text>',
        f'<text class="dfn-label" x="{LEFT - 6}" y="{TOP + plot_h + 4}" text-anchor="end">'
        f"$0</text>",
        f'<text class="dfn-label" x="{LEFT}" y="{HEIGHT - 30}">{first.isoformat()}</text>',
        f'<text class="dfn-label" x="{WIDTH - RIGHT}" y="{HEIGHT - 30}" text-anchor="end">'
        f"{last.isoformat()}</text>",
        f'<text class="dfn-label" x="{LEFT + plot_w / 2}" y="{HEIGHT - 4}" text-anchor="middle">'
        'cost per task (USD) · <tspan class="dfn-success">●</tspan> success '
        '<tspan class="dfn-partial">●</tspan> partial '
        '<tspan class="dfn-failure">●</tspan> failure</text>',
    ]
    points = " ".join(f"{x(r)},{y(r.cost)}" for r in runs)
    parts.append(f'<polyline class="dfn-line" points="{points}"></polyline>')
    for run in runs:
        tip = f"{run.date.isoformat()} · {run.outcome} · ${run.cost:.4f} · {run.title}"
        parts.append(
            f'<circle class="dfn-dot dfn-{run.outcome}" cx="{x(run)}" cy="{y(run.cost)}" r="5">'
            f"<title>{html.escape(tip)}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def revision_chart(revisions: list[Revision], label: str) -> str:
    """Success rate per revision of an article, each a bar with its 95% interval as a
    whisker, labelled with the revision, its runs and its median cost; one line of HTML."""
    shown = [r for r in revisions if r.record.decided]
    if not shown:
        return ""
    height, bottom, top = 180, 46, 14
    plot_h = height - top - bottom
    step = (WIDTH - LEFT - RIGHT) / len(shown)
    bar = min(60.0, step * 0.5)

    def y(rate: float) -> float:
        return round(top + plot_h - rate * plot_h, 1)

    title = f"{label}: success rate per revision, with 95% intervals"
    parts = [
        f'<svg class="dfn-chart dfn-revisions" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{html.escape(title)}">',
        f"<title>{html.escape(title)}</title>",
        f'<line class="dfn-axis" x1="{LEFT}" y1="{top + plot_h}" x2="{WIDTH - RIGHT}" '
        f'y2="{top + plot_h}"></line>',
        f'<text class="dfn-label" x="{LEFT - 6}" y="{top + 4}" text-anchor="end">100%</text>',
        f'<text class="dfn-label" x="{LEFT - 6}" y="{top + plot_h + 4}" text-anchor="end">'
        f"0%</text>",
    ]
    for index, revision in enumerate(shown):
        record = revision.record
        rate = record.success_rate or 0.0
        centre = LEFT + step * (index + 0.5)
        low, high = record.interval or (rate, rate)
        tip = (
            f"revision {revision.revision}: {record.successes} of {record.decided} runs "
            f"succeeded ({rate:.0%}, 95% CI {low:.0%} to {high:.0%})"
        )
        parts.append(
            f'<rect class="dfn-bar" x="{round(centre - bar / 2, 1)}" y="{y(rate)}" '
            f'width="{round(bar, 1)}" height="{round(y(0) - y(rate), 1)}">'
            f"<title>{html.escape(tip)}</title></rect>"
        )
        parts.append(
            f'<line class="dfn-whisker" x1="{round(centre, 1)}" y1="{y(high)}" '
            f'x2="{round(centre, 1)}" y2="{y(low)}"></line>'
        )
        cost = record.median_cost
        parts.append(
            f'<text class="dfn-label" x="{round(centre, 1)}" y="{height - 28}" '
            f'text-anchor="middle">rev {html.escape(revision.revision)} · {rate:.0%}</text>'
        )
        parts.append(
            f'<text class="dfn-label" x="{round(centre, 1)}" y="{height - 12}" '
            f'text-anchor="middle">{record.decided} runs'
            + (f" · ${cost:.3f}" if cost is not None else "")
            + "</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
