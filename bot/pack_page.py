"""The governors' pack as one self-contained HTML page (opens offline, prints on A4, reads on a phone): the published
figures (flows.pack) in tables and in charts drawn by matplotlib as inline SVG that scale to the page, and the same
figures as JSON for the data protection officer. Every count on the page is one of those figures: a "fewer than N"
or a withheld count is drawn as a labelled marker on the axis, never as a bar of made-up height; a zero is a
visible 0."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from html import escape

import matplotlib

matplotlib.use("Agg")  # no screen: draw to files only
import matplotlib.pyplot as plt  # noqa: E402 - after the backend is chosen
from matplotlib.ticker import MaxNLocator  # noqa: E402

from bot.governors_pack import named, said  # noqa: E402
from flows.pack import FLOOR, Figure, Figures, as_data  # noqa: E402
from flows.scheduling import describe  # noqa: E402

plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "policybot", "font.size": 9, "figure.dpi": 100})
WIDE = 8.6  # inches: the widest chart, scaled down to the page's width by the stylesheet
COLOURS = ("#4a154b", "#b399b5")
STYLE = (
    "body{font:15px/1.45 system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#1d1c1d}"
    "h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:2px solid #4a154b}table{border-collapse:collapse;"
    "margin:.5rem 0 1rem}td,th{border:1px solid #ccc;padding:.2rem .6rem;text-align:right}th{background:#f3f3f3}"
    "td:first-child,th:first-child{text-align:left}figure{margin:.5rem 0;break-inside:avoid}"
    "figure svg{display:block;max-width:100%;height:auto}dt{font-weight:600}dd{margin:0 0 .5rem 1rem}"
    ".note{color:#5e5d60;font-size:.9rem}section{break-inside:avoid}"
    "@media (max-width:30rem){body{margin:1rem auto;font-size:14px}td,th{padding:.15rem .3rem}}"
    "@page{size:A4 portrait;margin:15mm}@media print{body{margin:0;max-width:none}h2{break-after:avoid}}"
)


def month_label(key: str) -> str:
    """ "2025-12" as "Dec 2025"."""
    return f"{date(int(key[:4]), int(key[5:7]), 1):%b %Y}"


def _svg(figure: plt.Figure, label: str) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", bbox_inches="tight")
    plt.close(figure)
    svg = out.getvalue()
    svg = svg[svg.index("<svg") :]
    return f'<figure role="img" aria-label="{escape(label)}">{svg}</figure>'


def bars(series: dict[str, list[Figure]], names: list[str], title: str) -> str:
    """Grouped bars, one group per name; a hidden count is a marker on the axis with its words, a zero a visible 0."""
    count = len(names)
    figure, axes = plt.subplots(figsize=(min(WIDE, max(4.0, 0.42 * count * len(series) + 1.6)), 2.8))
    width = 0.8 / len(series)
    exact = [f.shown for values in series.values() for f in values if isinstance(f.shown, int)]
    top = max([*exact, 3])
    for i, (label, values) in enumerate(series.items()):
        xs = [k + i * width for k in range(count)]
        heights = [f.shown if isinstance(f.shown, int) else 0 for f in values]
        axes.bar(xs, heights, width, label=label, color=COLOURS[i % len(COLOURS)])
        for x, f in zip(xs, values, strict=True):
            if isinstance(f.shown, int):
                axes.text(x, f.shown + top * 0.02, str(f.shown), ha="center", va="bottom", fontsize=7)
            else:
                axes.plot([x], [0], marker="^", color="#8a6d8b", markersize=6, clip_on=False)
                mark = f.shown.replace("fewer than ", "<")
                axes.text(x, top * 0.06, mark, ha="center", va="bottom", fontsize=7, rotation=90)
    axes.set_xticks([k + width * (len(series) - 1) / 2 for k in range(count)])
    tilted = count > 6 or max(map(len, names)) > 12
    axes.set_xticklabels(names, rotation=45 if tilted else 0, ha="right" if tilted else "center")
    axes.set_ylim(0, top * 1.25)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(title)
    axes.spines[["top", "right"]].set_visible(False)
    if len(series) > 1:
        axes.legend(frameon=False, fontsize=8)
    return _svg(figure, title)


def _count(shown: int | str) -> int:
    return shown if isinstance(shown, int) else 0


def heat_map(found: Figures, words: dict[str, str]) -> str:
    """Section 7's twelve cells: areas down, kinds across; a hidden cell is blank and says why."""
    cells = found.table("Concerns by area and kind")
    areas = list(dict.fromkeys(f.at("area") for f in cells))
    kinds = list(dict.fromkeys(f.at("kind") for f in cells))
    grid = {(f.at("area"), f.at("kind")): f.shown for f in cells}
    values: list[list[int]] = [[_count(grid[(a, k)]) for k in kinds] for a in areas]
    figure, axes = plt.subplots(figsize=(5.6, 2.4))
    axes.imshow(values, cmap="Purples", aspect="auto", vmin=0)
    darkest = max([v for row in values for v in row] + [1])
    for y, area in enumerate(areas):
        for x, kind in enumerate(kinds):
            shown = grid[(area, kind)]
            text = str(shown).replace("fewer than ", "<")
            dark = isinstance(shown, int) and shown > 0.6 * darkest
            axes.text(x, y, text, ha="center", va="center", color="white" if dark else "black", fontsize=8)
    axes.set_xticks(range(len(kinds)), [words.get(k, k) for k in kinds])
    axes.set_yticks(range(len(areas)), [words.get(a, a) for a in areas])
    axes.set_title("Concerns by area and kind (section 7)")
    return _svg(figure, "Concerns by area and kind")


def table(found: Figures, name: str, words: dict[str, str], head: str, rows: list[Figure] | None = None) -> str:
    """A published table as HTML; "none yet" when its population is too small to break down."""
    rows = found.table(name) if rows is None else rows
    if not rows:
        return f"<p class='note'>{escape(head.capitalize())}: none yet, or fewer than {FLOOR} to break down.</p>"
    body = "".join(
        f"<tr><td>{escape(month_label(f.at('month')) if f.at('month') else named(f, words))}</td>"
        f"<td>{escape(str(f.shown))}</td></tr>"
        for f in rows
    )
    return f"<table><tr><th>{escape(head)}</th><th>count</th></tr>{body}</table>"


def _chart(found: Figures, name: str, words: dict[str, str], title: str) -> str:
    rows = found.table(name)
    return bars({"concerns": rows}, [named(f, words) for f in rows], title) if rows else ""


def glossary(found: Figures, nudge_after: timedelta) -> str:
    t = found.threshold
    entries = {
        f"fewer than {t}": f"somewhere from 1 to {t - 1}: too few to give exactly without risk of pointing at someone.",
        "withheld": f'hidden so that a "fewer than {t}" beside it cannot be worked out by adding up the rest; '
        "it could be any number.",
        "before the first nudge": f"acknowledged within {describe(nudge_after)} of being reported, the wait before "
        "policybot first reminds leadership.",
        "half were acknowledged within": "the median: half the concerns were acknowledged faster than this.",
        "nine in ten within": "the 90th percentile: nine in every ten concerns were acknowledged within this.",
    }
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in entries.items())
    return f"<section><h2>What the words mean</h2><dl>{items}</dl></section>"


def render(found: Figures, words: dict[str, str], nudge_after: timedelta, school: str = "") -> str:
    t = found.threshold
    start, end = found.period
    total = found.count("Concerns")
    route = found.count("Concerns on the safeguarding route", safeguarding=True)
    broken = bool(found.table("Concerns by area"))
    this_year = found.table("Concerns by month")
    earlier = found.table("Concerns a year earlier by month")
    sections = [
        f"<h1>Social Media Policy: the governors' pack{escape(' for ' + school) if school else ''}</h1>",
        f"<p>{start:%d %B %Y} to {end:%d %B %Y}. Concerns reported: <strong>{escape(said(total))}</strong>"
        + (f", of them on the safeguarding route: {escape(said(route))}." if broken else ".")
        + "</p><p class='note'>No person can be identified from this pack. It holds no names, ids, references, "
        f'descriptions or links. Every count from 1 to {t - 1} is shown as "fewer than {t}"; where one could still '
        'be worked out by adding up a table, another count beside it is "withheld" (checked for every count, '
        f"across every table); and fewer than {FLOOR} records of a kind are given as a total only, not broken "
        "down. Zero is shown as 0.</p>",
    ]
    if not broken:
        sections.append(f"<p>Too few concerns (fewer than {FLOOR}) to break down without pointing at someone.</p>")
    else:
        sections += [
            "<section><h2>What was reported</h2>"
            + heat_map(found, words)
            + table(found, "Concerns by area", words, "area")
            + table(found, "Concerns by kind", words, "kind")
            + "</section>",
            "<section><h2>When, against the year before</h2>"
            + _months_chart(this_year, earlier)
            + table(found, "Concerns by month", words, "month")
            + f"<p>A year earlier: {escape(said(found.count('Concerns a year earlier')))} concerns.</p>"
            + "</section>",
            "<section><h2>Where</h2>"
            + _chart(found, "Concerns by platform", words, "Concerns by platform")
            + table(found, "Concerns by platform", words, "platform")
            + "</section>",
            "<section><h2>How fast they were picked up</h2>"
            + table(found, "Concerns by when they were acknowledged", words, "acknowledged")
            + _times(found)
            + table(found, "Concerns that needed a nudge", words, "needed a nudge")
            + table(found, "Concerns the headteacher was told of after the nudges", words, "headteacher told")
            + "</section>",
            "<section><h2>Escalations and outcomes</h2>"
            + _chart(found, "Concerns by where they were escalated", words, "Escalations by target")
            + table(found, "Concerns by where they were escalated", words, "escalated to")
            + _chart(found, "Concerns by outcome", words, "Outcomes")
            + table(found, "Concerns by outcome", words, "outcome")
            + "</section>",
        ]
        if found.table("Concerns by policy version"):
            sections.append(
                "<section><h2>By policy version</h2>"
                + table(found, "Concerns by policy version", words, "version")
                + "</section>"
            )
    sections += [
        "<section><h2>Contact questions (section 6)</h2>"
        f"<p>Asked: {escape(said(found.count('Contact questions')))}.</p>"
        + table(found, "Contact questions by the policy's answer and leadership's decision", words, "answer")
        + table(found, "Contact questions by who they were about", words, "about")
        + "</section>",
        "<section><h2>Declared connections</h2>"
        f"<p>At the end of the period: {escape(said(found.count('Declared connections')))}.</p>"
        + table(found, "Declared connections by whether they were re-confirmed in time", words, "lapsed")
        + "</section>",
        _reviews(found),
        glossary(found, nudge_after),
    ]
    return document("Governors' pack", sections, found)


def document(title: str, sections: list[str], found: Figures) -> str:
    """A pack as one page: its sections, what could not be published safely, and the figures as JSON."""
    if found.not_broken_down:
        left = escape(", ".join(found.not_broken_down))
        sections.append(f"<p class='note'>Not published, as no table of them could be shown safely: {left}.</p>")
    block = json.dumps(as_data(found), indent=1).replace("</", "<\\/")
    head = (
        "<!doctype html><html lang='en-GB'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{escape(title)}</title>"
        f"<style>{STYLE}</style></head><body>"
    )
    data = f'<script type="application/json" id="published-figures">{block}</script>'
    return head + "".join(sections) + data + "</body></html>\n"


def _months_chart(this_year: list[Figure], earlier: list[Figure]) -> str:
    if not this_year:
        return ""
    series = {"this period": this_year}
    if len(earlier) == len(this_year):
        series["a year earlier"] = earlier
    return bars(series, [month_label(f.at("month")) for f in this_year], "Concerns per month")


def _times(found: Figures) -> str:
    if found.ack_median is None or found.ack_ninth_tenth is None:
        return (
            "<p class='note'>Times to acknowledge are given only when every count they rest on is published and at "
            f"least {FLOOR} were acknowledged.</p>"
        )
    return (
        f"<p>Half were acknowledged within {escape(describe(found.ack_median))}; nine in ten within "
        f"{escape(describe(found.ack_ninth_tenth))}.</p>"
    )


def _reviews(found: Figures) -> str:
    if not found.reviews:
        return "<section><h2>Past reviews</h2><p>None yet.</p></section>"
    rows = "".join(
        f"<tr><td>{r.review_on:%d %b %Y}</td><td>{r.reviewed_at:%d %b %Y}</td><td>{escape(r.policy_version or '')}</td>"
        f"<td>{escape(r.adopted_version or '')}</td></tr>"
        for r in found.reviews
    )
    return (
        "<section><h2>Past reviews</h2><table><tr><th>due</th><th>done</th><th>policy reviewed</th>"
        f"<th>adopted</th></tr>{rows}</table></section>"
    )
