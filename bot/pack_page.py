"""The governors' pack as one self-contained HTML page (opens offline, prints well): flows.pack's figures in words,
tables and charts drawn with matplotlib as inline SVG. A suppressed count is written "fewer than N" and drawn as
a hatched, empty bar or cell, so that no chart shows what the table hides."""

from __future__ import annotations

import io
from datetime import timedelta
from html import escape

import matplotlib

matplotlib.use("Agg")  # no screen: draw to files only
import matplotlib.pyplot as plt  # noqa: E402 - after the backend is chosen
from matplotlib.ticker import MaxNLocator  # noqa: E402

from flows.pack import Cell, Figures  # noqa: E402
from flows.scheduling import describe  # noqa: E402

plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "policybot", "font.size": 9, "figure.dpi": 100})
HATCH = "#bbbbbb"
STYLE = (
    "body{font:15px/1.45 system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#1d1c1d}"
    "h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:2px solid #4a154b}table{border-collapse:collapse;"
    "margin:.5rem 0 1rem}td,th{border:1px solid #ccc;padding:.2rem .6rem;text-align:right}th{background:#f3f3f3}"
    "td:first-child,th:first-child{text-align:left}figure{margin:.5rem 0;break-inside:avoid}"
    ".note{color:#5e5d60;font-size:.9rem}section{break-inside:avoid}@media print{body{margin:0}h2{break-after:avoid}}"
)


def cell(value: Cell, threshold: int) -> str:
    """A count as published: "fewer than N" for a small one, "withheld" for one hidden beside it."""
    return f"fewer than {threshold}" if value is None else str(value)


def _svg(figure: plt.Figure, label: str) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", bbox_inches="tight")
    plt.close(figure)
    svg = out.getvalue()
    svg = svg[svg.index("<svg") :]
    return f'<figure role="img" aria-label="{escape(label)}">{svg}</figure>'


def bars(series: dict[str, dict[str, Cell]], labels: dict[str, str], title: str, threshold: int) -> str:
    """Grouped bars, one group per key; a suppressed count is an empty hatched bar labelled "<N"."""
    keys = list(next(iter(series.values())))
    figure, axes = plt.subplots(figsize=(max(4.0, 0.55 * len(keys) * len(series) + 1.5), 2.6))
    width = 0.8 / len(series)
    for i, (name, values) in enumerate(series.items()):
        xs = [k + i * width for k in range(len(keys))]
        heights = [v if isinstance(v, int) else 0 for v in values.values()]
        drawn = axes.bar(xs, heights, width, label=name)
        for x, value in zip(xs, values.values(), strict=True):
            if not isinstance(value, int):
                axes.bar([x], [threshold - 1], width, fill=False, hatch="///", edgecolor=HATCH)
                mark = f"<{threshold}" if value is None else "withheld"
                axes.text(x, threshold - 0.8, mark, ha="center", fontsize=7)
        axes.bar_label(drawn, labels=[str(v) if isinstance(v, int) and v else "" for v in values.values()], fontsize=7)
    axes.set_xticks([k + width * (len(series) - 1) / 2 for k in range(len(keys))])
    names = [labels.get(k, k) for k in keys]
    tilted = len(keys) > 5 or max(map(len, names)) > 12
    axes.set_xticklabels(names, rotation=30 if tilted else 0, ha="right" if tilted else "center")
    highest = max([v for values in series.values() for v in values.values() if isinstance(v, int)] + [threshold])
    axes.set_ylim(0, highest * 1.15)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(title)
    axes.spines[["top", "right"]].set_visible(False)
    if len(series) > 1:
        axes.legend(frameon=False)
    return _svg(figure, title)


def heat_map(figures: Figures, labels: dict[str, str]) -> str:
    """Section 7's twelve cells: areas down, kinds across."""
    areas = list(dict.fromkeys(a for a, _ in figures.area_kind))
    kinds = list(dict.fromkeys(k for _, k in figures.area_kind))
    grid = [[figures.area_kind[(a, k)] for k in kinds] for a in areas]
    figure, axes = plt.subplots(figsize=(5.2, 2.4))
    axes.imshow([[v if isinstance(v, int) else 0 for v in row] for row in grid], cmap="Purples", aspect="auto")
    for y, row in enumerate(grid):
        for x, value in enumerate(row):
            if not isinstance(value, int):
                axes.add_patch(plt.Rectangle((x - 0.5, y - 0.5), 1, 1, fill=False, hatch="///", edgecolor=HATCH))
            dark = isinstance(value, int) and value > 0.6 * max(v for r in grid for v in r if isinstance(v, int))
            text = cell(value, figures.threshold).replace("fewer than ", "<")
            axes.text(x, y, text, ha="center", va="center", color="white" if dark else "black")
    axes.set_xticks(range(len(kinds)), [labels.get(k, k) for k in kinds])
    axes.set_yticks(range(len(areas)), [labels.get(a, a) for a in areas])
    axes.set_title("Concerns by area and kind (section 7)")
    return _svg(figure, "Concerns by area and kind")


def _table(rows: dict[str, Cell], labels: dict[str, str], threshold: int, head: str = "") -> str:
    body = "".join(
        f"<tr><td>{escape(labels.get(k, k))}</td><td>{cell(v, threshold)}</td></tr>" for k, v in rows.items()
    )
    return f"<table><tr><th>{escape(head)}</th><th>count</th></tr>{body}</table>"


def _wait(value: timedelta | None, threshold: int) -> str:
    return describe(value) if value is not None else f"not shown (fewer than {threshold} acknowledged)"


def render(figures: Figures, labels: dict[str, str], nudge_after: timedelta, school: str = "") -> str:
    t = figures.threshold
    ack = figures.acknowledging
    months = {k: k for k in figures.per_month}
    sections = [
        f"<h1>Social Media Policy: the governors' pack{escape(' for ' + school) if school else ''}</h1>",
        f"<p>{figures.start:%d %B %Y} to {figures.end:%d %B %Y}. Concerns reported: "
        f"<strong>{cell(figures.total, t)}</strong>, of them on the safeguarding route: "
        f"{cell(figures.safeguarding, t)}."
        f"</p><p class='note'>No person can be identified from this pack: it holds no names, ids, references, "
        f'descriptions or links, and every count from 1 to {t - 1} is shown as "fewer than {t}" (with a second '
        "count hidden where a total would give it away).</p>",
        "<section><h2>What was reported</h2>" + heat_map(figures, labels),
        _table({labels.get(k, k): v for k, v in figures.area_totals.items()}, {}, t, "area")
        + _table({labels.get(k, k): v for k, v in figures.kind_totals.items()}, {}, t, "kind")
        + "</section>",
        "<section><h2>When, against the year before</h2>"
        + bars(
            {"this period": figures.per_month, "a year earlier": figures.per_month_before},
            months,
            "Concerns per month",
            t,
        )
        + "</section>",
        "<section><h2>Where</h2>"
        + bars({"concerns": figures.by_platform}, labels, "Concerns by platform", t)
        + "</section>",
        "<section><h2>How fast they were picked up</h2>"
        f"<p>Time to acknowledge: median {_wait(ack.median, t)}; 90th percentile {_wait(ack.ninetieth, t)}; slowest "
        f"{_wait(ack.slowest, t)}. Within {describe(nudge_after)} (before the first nudge): "
        f"{cell(ack.within_nudge, t)}; "
        f"later: {cell(ack.later, t)}; not yet acknowledged: {cell(ack.not_yet, t)}.</p>"
        f"<p>Concerns that needed a nudge: {cell(figures.nudged, t)}; escalated to the headteacher after the nudges: "
        f"{cell(figures.head_told, t)}.</p></section>",
        "<section><h2>Escalations and outcomes</h2>"
        + bars({"escalated to": figures.escalations}, labels, "Escalations by target", t)
        + bars({"outcome": figures.outcomes}, labels, "Outcomes", t)
        + "</section>",
        "<section><h2>Contact questions (section 6)</h2>"
        + bars({"questions": figures.questions_by_verdict}, labels, "Contact questions by the policy's answer", t)
        + _table(figures.questions_by_person, labels, t, "about")
        + _table(figures.decisions, labels, t, "leadership's decisions")
        + "</section>",
        "<section><h2>Declared connections</h2>"
        + _table(figures.declarations, labels, t, "at the end of the period")
        + "</section>",
    ]
    if figures.by_version:
        sections.append(
            "<section><h2>By policy version</h2>" + _table(figures.by_version, {}, t, "version") + "</section>"
        )
    reviews = "".join(
        f"<tr><td>{r.review_on:%d %b %Y}</td><td>{r.reviewed_at:%d %b %Y}</td><td>{escape(r.policy_version or '')}</td>"
        f"<td>{escape(r.adopted_version or '')}</td></tr>"
        for r in figures.reviews
    )
    sections.append(
        "<section><h2>Past reviews</h2><table><tr><th>due</th><th>done</th><th>policy reviewed</th>"
        f"<th>adopted</th></tr>{reviews}</table></section>"
    )
    head = (
        "<!doctype html><html lang='en-GB'><head><meta charset='utf-8'><title>Governors' pack</title>"
        f"<style>{STYLE}</style></head><body>"
    )
    return head + "".join(sections) + "</body></html>\n"
