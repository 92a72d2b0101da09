"""Reading outcome reviews and the change over time, as the caller may see them.

A section of a review, and every score made from it, is seen by whoever may see the section's category
from the agency that recorded the review. `progress` is one query for the reviews after the person's
scoped look-up, whatever the number of reviews: the chart data, distance travelled since the first
review and whether each change is reliable, and the Vega-Lite spec the page draws.
"""

from __future__ import annotations

from django.db.models import Q

from throughcare.assessments import instruments
from throughcare.assessments.reads import section_view
from throughcare.audit.recorder import disclose
from throughcare.core.categories import IDENTITY_CATEGORY
from throughcare.core.errors import NotFound
from throughcare.core.ids import parse_uuid
from throughcare.outcomes import scoring
from throughcare.outcomes.actions import REVIEW_NOT_FOUND
from throughcare.outcomes.models import OutcomeReview, Stage
from throughcare.people.access import get_person


def _instrument(review: OutcomeReview) -> instruments.Instrument:
    found = instruments.get(review.instrument, review.instrument_version)
    if found is None:
        raise NotFound(REVIEW_NOT_FOUND)
    return found


def _visible(instrument, review, grant) -> list:
    return [s for s in instrument.sections if grant.allows(s.category, review.agency_id)]


def review_view(review: OutcomeReview, grant) -> tuple[dict, set[str]]:
    instrument = _instrument(review)
    sections = _visible(instrument, review, grant)
    seen = {s.id for s in sections}
    scores = [{"id": s.id, "label": s.label, "value": review.scores.get(s.id), "better": s.better, "min": s.min,
               "max": s.max, "unit": s.unit} for s in instrument.scores if s.section in seen]
    view = {
        "id": review.pk, "person": review.person_id, "instrument": review.instrument,
        "instrument_version": review.instrument_version, "title": instrument.title, "stage": review.stage,
        "stage_label": Stage(review.stage).label, "completed_on": review.completed_on,
        "agency": {"id": review.agency_id, "name": review.agency.name},
        "recorded_by": review.recorded_by.get_full_name() or review.recorded_by.username,
        "recorded_at": review.recorded_at, "replaces": review.replaces_id,
        "replaced": hasattr(review, "replaced_by"),
        "sections": [section_view(s, review.answers) for s in sections],
        "hidden_sections": len(instrument.sections) - len(sections), "scores": scores,
    }
    return view, {s.category for s in sections}


def _reviews(person):
    return OutcomeReview.objects.filter(person=person).select_related("agency", "recorded_by", "replaced_by")


def list_reviews(user, person_id) -> tuple[object, object, list[dict]]:
    """The person's reviews of which the caller may see at least one section, newest first. A review with
    nothing shared is left out: which measure was used (recovery capital, say) is itself telling."""
    person, grant = get_person(user, person_id, action="outcome.list", categories=[IDENTITY_CATEGORY])
    views, categories = [], set()
    for review in _reviews(person).order_by("-completed_on", "-recorded_at"):
        view, seen = review_view(review, grant)
        if not view["sections"]:
            continue
        views.append(view)
        categories |= seen
    disclose(sorted({IDENTITY_CATEGORY, *categories}))
    return person, grant, views


def read_review(user, review_id, *, action: str = "outcome.read") -> tuple[object, object, OutcomeReview, dict]:
    pk = parse_uuid(review_id)
    review = (OutcomeReview.objects.select_related("agency", "recorded_by", "replaced_by").filter(pk=pk).first()
              if pk else None)
    if review is None:
        raise NotFound(REVIEW_NOT_FOUND)
    # A review of a person the caller may not see looks exactly like a missing review (decision 0003)
    person, grant = get_person(user, review.person_id, action=action, categories=[IDENTITY_CATEGORY],
                               not_found=REVIEW_NOT_FOUND)
    view, categories = review_view(review, grant)
    disclose(sorted({IDENTITY_CATEGORY, *categories}))
    return person, grant, review, view


def _fmt(value) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def progress(user, person_id, *, action: str = "outcome.chart") -> tuple[object, object, dict]:
    """Each score the caller may see, over time, with distance travelled from its first value to its latest."""
    person, grant = get_person(user, person_id, action=action, categories=[IDENTITY_CATEGORY])
    reviews = list(OutcomeReview.objects.filter(person=person).filter(Q(replaced_by__isnull=True))
                   .only("id", "instrument", "instrument_version", "stage", "completed_on", "scores", "agency_id",
                         "recorded_at").order_by("completed_on", "recorded_at"))
    data, categories = _progress(reviews, grant)
    disclose(sorted({IDENTITY_CATEGORY, *categories}))
    return person, grant, data


def progress_page_data(user, person_id) -> tuple[object, object, dict, list[dict]]:
    """The outcomes page: the progress (as `progress`) and the reviews (as `list_reviews`), from one scoped
    look-up and one query for the reviews, whatever their number."""
    person, grant = get_person(user, person_id, action="outcome.chart", categories=[IDENTITY_CATEGORY])
    reviews = list(_reviews(person).order_by("completed_on", "recorded_at"))
    data, categories = _progress([r for r in reviews if not hasattr(r, "replaced_by")], grant)
    views = []
    for review in reversed(reviews):
        view, seen = review_view(review, grant)
        if view["sections"]:
            views.append(view)
            categories |= seen
    disclose(sorted({IDENTITY_CATEGORY, *categories}))
    return person, grant, data, views


def _progress(reviews: list[OutcomeReview], grant) -> tuple[dict, set[str]]:
    measures: dict[tuple[str, str], dict] = {}
    categories: set[str] = set()
    for review in reviews:
        instrument = _instrument(review)
        seen = {s.id: s.category for s in _visible(instrument, review, grant)}
        for score in instrument.scores:
            value = review.scores.get(score.id)
            if score.section not in seen or value is None:
                continue
            categories.add(seen[score.section])
            key = (instrument.key, score.id)
            measure = measures.setdefault(key, {
                "instrument": instrument.key, "instrument_title": instrument.title, "score": score.id,
                "label": score.label, "better": score.better, "min": score.min, "max": score.max,
                "unit": score.unit, "threshold": round(score.reliable_change.threshold, 2)
                if score.reliable_change else None, "points": [], "_score": score})
            measure["points"].append({"date": review.completed_on, "stage": review.stage,
                                      "stage_label": Stage(review.stage).label, "value": value})
    out = []
    for measure in measures.values():
        score = measure.pop("_score")
        points = measure["points"]
        moved = scoring.distance(score, points[0]["value"], points[-1]["value"]) if len(points) > 1 else None
        measure["distance"] = None if moved is None else {
            "first": moved.first, "latest": moved.latest, "change": moved.change, "direction": moved.direction,
            "reliable": moved.reliable, "label": moved.label, "since": points[0]["date"],
            "change_display": f"{'+' if moved.change > 0 else ''}{_fmt(moved.change)}"}
        out.append(measure)
    return {"measures": out, "spec": chart_spec(out)}, categories


def chart_spec(measures: list[dict]) -> dict:
    """A Vega-Lite spec: one small chart per measure, each on its own scale, points marked by stage."""
    rows = [{"measure": m["label"], "date": p["date"].isoformat(), "value": p["value"], "stage": p["stage_label"]}
            for m in measures for p in m["points"]]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": "Each outcome measure over time; the same figures are in the tables on this page.",
        "data": {"values": rows},
        "facet": {"field": "measure", "type": "nominal", "title": None, "sort": [m["label"] for m in measures],
                  "header": {"labelFontSize": 14, "labelFont": "arial"}},
        "columns": 2,
        "spec": {"width": 260, "height": 140, "mark": {"type": "line", "point": {"size": 60}},
                 "encoding": {
                     "x": {"field": "date", "type": "temporal", "title": None, "axis": {"format": "%b %Y"}},
                     "y": {"field": "value", "type": "quantitative", "title": None},
                     "color": {"value": "#1d70b8"},
                     "tooltip": [{"field": "measure", "title": "Measure"},
                                 {"field": "date", "type": "temporal", "title": "Date", "format": "%-d %B %Y"},
                                 {"field": "stage", "title": "When"}, {"field": "value", "title": "Value"}]}},
        "resolve": {"scale": {"y": "independent"}},
        "config": {"font": "arial", "view": {"stroke": "#b1b4b6"}},
    }
