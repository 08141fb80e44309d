"""Charts as inline SVG written at build time: readable with JavaScript off, nothing to load.

Colours come from classes styled in definitive.css (no ``style``/``fill`` attributes), so the
sanitiser can keep SVG geometry while dropping every presentation attribute a note could abuse.
"""

from __future__ import annotations

import html

from generator.render.track_record import Run

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 40


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
        f'<text class="dfn-label" x="{LEFT}" y="{HEIGHT - 18}">{first.isoformat()}</text>',
        f'<text class="dfn-label" x="{WIDTH - RIGHT}" y="{HEIGHT - 18}" text-anchor="end">'
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
