"""The "how I'm doing" chart in the person's language: outcomes.reads.chart_spec fed with translated measure
names and stages, its tooltips and description translated, and (in Welsh) a Vega-Lite time locale so the axis
and tooltip dates read in Welsh too. The same figures are in the page's tables."""

from __future__ import annotations

from django.utils import dates, translation
from django.utils.translation import gettext

from throughcare.myrecord.words import say
from throughcare.outcomes.reads import chart_spec

TOOLTIP_TITLES = ("Measure", "Date", "When", "Value")


def translated_measures(measures: list[dict]) -> list[dict]:
    """The measures with their names and stages in the language of the request (copies: the data is untouched)."""
    return [{**m, "label": say(m["label"]),
             "points": [{**p, "stage_label": say(p["stage_label"])} for p in m["points"]]} for m in measures]


def time_locale() -> dict:
    """A d3 time-format locale (what Vega-Lite's `config.locale.time` takes) from Django's own date words."""
    days = [str(dates.WEEKDAYS[i]) for i in (6, 0, 1, 2, 3, 4, 5)]  # d3 starts the week on Sunday
    short_days = [str(dates.WEEKDAYS_ABBR[i]) for i in (6, 0, 1, 2, 3, 4, 5)]
    months = [str(dates.MONTHS[i]) for i in range(1, 13)]
    short_months = [str(dates.MONTHS_3[i]).capitalize() for i in range(1, 13)]
    return {"dateTime": "%A %e %B %Y %X", "date": "%d/%m/%Y", "time": "%H:%M:%S", "periods": ["AM", "PM"],
            "days": days, "shortDays": short_days, "months": months, "shortMonths": short_months}


def person_chart(measures: list[dict]) -> dict:
    """The Vega-Lite spec for the person's chart, in the language of the request."""
    spec = chart_spec(measures)
    spec["description"] = gettext("Each outcome measure over time; the same figures are in the tables on this page.")
    for tooltip in spec["spec"]["encoding"]["tooltip"]:
        if tooltip.get("title") in TOOLTIP_TITLES:
            tooltip["title"] = gettext(tooltip["title"])
    if translation.get_language() == "cy":
        spec.setdefault("config", {})["locale"] = {"time": time_locale()}
    return spec
