"""A small horizontal bar chart drawn as inline SVG: no script, no CDN, readable on a phone and in print."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

ROW = 28
LABEL_WIDTH = 120
BAR_WIDTH = 170
WIDTH = LABEL_WIDTH + BAR_WIDTH + 60


def bar_chart_svg(rows: list[tuple[str, float, str]], *, label: str = "") -> SafeString:
    """One bar per (name, share 0..1, note) row; the share is written as a percentage after the bar."""
    if not rows:
        return mark_safe("")
    height = ROW * len(rows) + 8
    parts = [
        f'<svg class="bar-chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(label)}" '
        f'xmlns="http://www.w3.org/2000/svg" data-testid="bar-chart">'
    ]
    for i, (name, share, note) in enumerate(rows):
        y = 4 + i * ROW
        width = round(max(0.0, min(1.0, share)) * BAR_WIDTH, 1)
        short = name if len(name) <= 8 else name[:7] + "…"
        parts.append(
            f'<g class="bar" data-name="{escape(name)}" data-share="{share}">'
            f"<title>{escape(name)}: {share * 100:.1f}% ({escape(note)})</title>"
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 17}" text-anchor="end" font-size="13">{escape(short)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{BAR_WIDTH}" height="16" fill="#eee" rx="3"/>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{width}" height="16" fill="#b71c1c" rx="3"/>'
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{y + 17}" font-size="13">{share * 100:.1f}%</text>'
            "</g>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped or numeric
