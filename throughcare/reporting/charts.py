"""Vega-Lite chart specs for the dashboards, made on the server from the same figures as the tables beside them.

Every chart carries a text description that states its figures in words (shown under the chart and given to
screen readers), and is made only when there is something to draw: a chart with no figures is left out, and
on the commissioner dashboard a chart is drawn only from figures that are shown (never a withheld one).
"""

from __future__ import annotations

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # the Vega-Lite package.json pins (6.x)
#: GOV.UK colours: blue, then grey for the rest, red for the ones that went wrong.
BLUE, GREY, RED, GREEN = "#1d70b8", "#b1b4b6", "#d4351c", "#00703c"
#: A count axis: whole numbers only.
COUNT_AXIS = {"tickMinStep": 1, "format": "d"}
#: Category labels are long (outcome measures, worker names): let them show in full.
LABEL_AXIS = {"labelLimit": 320}


def chart(title: str, values: list[dict], description: str, *, encoding: dict | None = None, mark="bar",
          layer: list | None = None, height: int = 220) -> dict | None:
    """A chart for the page: {"id", "title", "description", "spec"}; None when there are no figures to draw."""
    if not values:
        return None
    spec = {"$schema": SCHEMA, "title": title, "width": "container", "height": height, "data": {"values": values},
            "description": description}
    if layer:
        spec["layer"] = layer
    else:
        spec.update({"mark": mark, "encoding": encoding or {}})
    slug = "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    return {"id": slug, "title": title, "description": description, "spec": spec}


def _colour(field: str, domain: list[str], colours: list[str]) -> dict:
    return {"field": field, "type": "nominal", "title": None, "sort": domain,
            "scale": {"domain": domain, "range": colours}}


def _rates_text(table: dict, row: dict) -> str:
    parts = [f"{heading}: {row[name]}" for name, heading in table.get("rate_headings", []) if row.get(name)]
    return ("; " + "; ".join(parts)) if parts else ""


def parts_chart(table: dict, title: str, parts: list[tuple[str, str]], *, group_by: dict | None = None) -> dict | None:
    """One provider's (a service's own) counts as bars: `parts` are (column, colour). `group_by` maps a column
    to a group label, for stacked bars of several groups (e.g. complex and other people)."""
    if not table["rows"]:
        return None
    row = table["rows"][0]
    heading = dict(table["columns"])
    values = [{"category": heading[c], "count": row[c], "group": (group_by or {}).get(c, heading[c])}
              for c, _colour_of in parts if row.get(c) is not None]
    if not any(v["count"] for v in values):
        return None
    words = "; ".join(f"{v['category']}: {v['count']:,}" for v in values)
    description = f"{title}, {row['label']}. {words}{_rates_text(table, row)}."
    domain, colours = [heading[c] for c, _x in parts], [colour for _c, colour in parts]
    if group_by:
        return chart(title, values, description, encoding={
            "y": {"field": "group", "type": "nominal", "title": None, "sort": None, "axis": LABEL_AXIS},
            "x": {"field": "count", "type": "quantitative", "title": "Number", "stack": "zero", "axis": COUNT_AXIS},
            "color": _colour("category", domain, colours), "tooltip": [{"field": "category"}, {"field": "count"}]})
    return chart(title, values, description, encoding={
        "x": {"field": "category", "type": "ordinal", "sort": domain, "title": None, "axis": {"labelAngle": 0}},
        "y": {"field": "count", "type": "quantitative", "title": "Number", "axis": COUNT_AXIS},
        "color": {**_colour("category", domain, colours), "legend": None},
        "tooltip": [{"field": "category"}, {"field": "count"}]})


def waiting_chart(table: dict) -> dict | None:
    """The distribution of waits, coloured by within or over three weeks; the share within in the words."""
    if not table["rows"] or not table["rows"][0]["started"]:
        return None
    row = table["rows"][0]
    bands = [(c, h) for c, h in table["columns"] if c.startswith("days_")]
    values = [{"band": h, "referrals": row[c], "within": "Within 3 weeks" if c in ("days_0_7", "days_8_14",
                                                                                    "days_15_21") else "Over 3 weeks"}
              for c, h in bands]
    description = (f"Waiting time distribution, {row['label']}: {row['started']:,} referrals started in the last 12 "
                   f"months, {row['within_3_weeks']:,} within 3 weeks ({row['share_within_3_weeks']}). "
                   + "; ".join(f"{v['band']}: {v['referrals']:,}" for v in values) + ".")
    return chart("Waiting time distribution", values, description, encoding={
        "x": {"field": "band", "type": "ordinal", "sort": None, "title": "Wait", "axis": {"labelAngle": 0}},
        "y": {"field": "referrals", "type": "quantitative", "title": "Referrals started", "axis": COUNT_AXIS},
        "color": _colour("within", ["Within 3 weeks", "Over 3 weeks"], [BLUE, GREY]),
        "tooltip": [{"field": "band"}, {"field": "referrals"}]})


def caseload_chart(caseloads: list[dict]) -> dict | None:
    values = [{"worker": w["worker"], "people": w["caseload"]} for w in caseloads if w["caseload"]]
    description = "Caseload per worker: " + "; ".join(f"{v['worker']}: {v['people']:,}" for v in values) + "."
    return chart("Caseload per worker", values, description, height=max(120, 24 * len(values)), encoding={
        "y": {"field": "worker", "type": "nominal", "title": None, "sort": "-x", "axis": LABEL_AXIS},
        "x": {"field": "people", "type": "quantitative", "title": "People on the caseload", "axis": COUNT_AXIS},
        "color": {"value": BLUE}, "tooltip": [{"field": "worker"}, {"field": "people"}]})


def outcome_chart(table: dict) -> dict | None:
    """Better, no change and worse for each outcome measure (people with two reviews), stacked."""
    kinds = (("improved", "Better", GREEN), ("same", "No change", GREY), ("worse", "Worse", RED))
    values = [{"measure": r["label"], "change": label, "people": r[column]}
              for r in table["rows"] if r["people"] for column, label, _c in kinds]
    words = "; ".join(f"{r['label']}: {r['people']:,} people, {r['improved']:,} better, {r['same']:,} no change, "
                      f"{r['worse']:,} worse" for r in table["rows"] if r["people"])
    return chart("Outcome change", values, f"Outcome change, first to latest review. {words}.",
                 height=max(120, 26 * len({v['measure'] for v in values})), encoding={
                     "y": {"field": "measure", "type": "nominal", "title": None, "sort": None, "axis": LABEL_AXIS},
                     "x": {"field": "people", "type": "quantitative", "title": "People with two reviews",
                           "stack": "zero", "axis": COUNT_AXIS},
                     "color": _colour("change", [k[1] for k in kinds], [k[2] for k in kinds]),
                     "tooltip": [{"field": "measure"}, {"field": "change"}, {"field": "people"}]})


def rate_chart(table: dict, rate: str, title: str) -> dict | None:
    """A rate per provider (commissioner dashboard): only providers whose rate is shown."""
    values = [{"provider": r["label"], "percent": int(r[rate].rstrip("%"))} for r in table["rows"] if r.get(rate)]
    words = "; ".join(f"{v['provider']}: {v['percent']}%" for v in values)
    return chart(title, values, f"{title}, by provider (withheld figures left out). {words}.", encoding={
        "x": {"field": "percent", "type": "quantitative", "title": "Per cent", "scale": {"domain": [0, 100]}},
        "y": {"field": "provider", "type": "nominal", "title": None, "axis": LABEL_AXIS},
        "color": {"value": BLUE}, "tooltip": [{"field": "provider"}, {"field": "percent"}]})


def casemix_chart(table: dict) -> dict | None:
    values = [{"provider": r["label"], "adjusted": round(100 * r["adjusted"], 1), "low": round(100 * r["low"], 1),
               "high": round(100 * r["high"], 1)} for r in table["rows"] if r["adjusted"] is not None]
    words = "; ".join(f"{v['provider']}: {v['adjusted']}% ({v['low']}% to {v['high']}%)" for v in values)
    y = {"field": "provider", "type": "nominal", "title": None}
    return chart("Sustained recovery adjusted for case mix", values,
                 f"Sustained recovery adjusted for case mix, with 95% intervals (withheld figures left out). {words}.",
                 layer=[
                     {"mark": "rule", "encoding": {"y": y, "x": {"field": "low", "type": "quantitative",
                                                                 "title": "Per cent", "scale": {"domain": [0, 100]}},
                                                   "x2": {"field": "high"}}},
                     {"mark": {"type": "point", "filled": True, "color": BLUE},
                      "encoding": {"y": y, "x": {"field": "adjusted", "type": "quantitative"}}}])
