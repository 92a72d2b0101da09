"""A small hand-made set of reporting rows, and each metric computed from it in plain Python.

The plain-Python versions are written from the definitions in docs/reporting.md, independently of the SQL
in throughcare/reporting/metrics.py: the metric tests check that the SQL (on the test database and on
DuckDB over a Parquet extract) gives exactly what these give.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from throughcare.reporting import keys

AS_OF = keys.day(dt.date(2026, 11, 20))
A, B, P = "agency-a", "agency-b", "prison-p"


def _episodes():
    d = AS_OF
    rows = [
        # person, agency, setting, start, end, planned
        ("p1", A, "community", d - 400, d - 300, 1),   # planned exit in the sustained window, comes back +182
        ("p1", A, "community", d - 118, None, 0),      # ... the re-presentation (exactly six months later)
        ("p2", A, "community", d - 500, d - 250, 1),   # planned, comes back at +183: sustained
        ("p2", B, "community", d - 67, None, 0),
        ("p3", A, "community", d - 300, d - 200, 1),   # planned, back in prison only: sustained
        ("p3", P, "prison", d - 150, d - 100, 0),
        ("p4", A, "community", d - 100, d - 10, 1),    # planned exit this year, too recent for six months
        ("p5", A, "community", d - 100, d - 20, 0),    # unplanned exit
        ("p6", B, "residential_rehab", d - 600, d - 190, 1),  # planned, same-day new episode: re-presented
        ("p6", B, "community", d - 190, d - 150, 0),
        ("p7", B, "community", d - 900, d - 600, 1),   # planned, too long ago for either window
        ("p8", B, "community", d - 30, None, 0),       # open
        ("p9", A, "community", d - 50, d + 5, 1),      # ends after the as-of day: not yet an exit
        ("p10", A, "community", d - 200, None, 0),     # open, not complex, not seen: parked (not complex)
        ("p11", B, "community", d - 100, None, 0),     # open, never assessed, not seen: parked (counted as not complex)
    ]
    return [dict(episode_key=f"e{i}", person_key=p, agency_id=a, setting=s, start_day=start, end_day=end,
                 exit_code="80" if planned else ("85" if end is not None else ""), planned_exit=planned)
            for i, (p, a, s, start, end, planned) in enumerate(rows)]


def _referrals():
    d = AS_OF
    rows = [  # to agency, received, started
        (A, d - 30, d - 30), (A, d - 37, d - 30), (A, d - 38, d - 30), (A, d - 51, d - 30), (A, d - 52, d - 30),
        (A, d - 100, d - 57), (B, d - 20, d - 10), (B, d - 400, d - 366), (B, d - 5, None), (B, d - 3, d + 1),
        (B, d - 400, d - 364),
    ]
    return [dict(referral_key=f"r{i}", person_key=f"p{i}", to_agency_id=a, priority="routine",
                 status="intervention_started" if started is not None else "sent", received_day=rec,
                 started_day=started) for i, (a, rec, started) in enumerate(rows)]


def _appointments():
    d = AS_OF
    rows = [(A, 1, d - 1, "attended"), (A, 1, d - 2, "did_not_attend"), (A, 2, d - 83, "did_not_attend"),
            (A, 2, d - 84, "did_not_attend"), (A, 2, d - 3, "cancelled"), (A, 1, d + 2, "booked"),
            (B, 3, d - 10, "attended"), (B, 3, d - 11, "attended"), (B, 3, d, "did_not_attend"),
            (B, 3, d + 1, "did_not_attend")]
    return [dict(appointment_key=f"a{i}", person_key=f"p{i % 4}", agency_id=a, worker_id=w, day=day, status=s)
            for i, (a, w, day, s) in enumerate(rows)]


def _care_team():
    rows = [("p1", A, 1, 1, 1), ("p2", A, 1, 0, 1), ("p3", A, 1, 1, 1), ("p4", A, 1, 1, 0), ("p4", A, 2, 1, 1),
            ("p5", B, 3, 1, 1), ("p1", B, 3, 0, 1)]
    return [dict(member_key=f"c{i}", person_key=p, agency_id=a, worker_id=w, is_lead=lead, active=active)
            for i, (p, a, w, lead, active) in enumerate(rows)]


def _plans():
    d = AS_OF
    rows = [("p1", A, d - 1, 1), ("p2", A, d, 1), ("p3", A, d + 10, 1), ("p4", A, d - 30, 0), ("p5", B, d - 60, 1),
            ("p6", "", d - 5, 1)]
    return [dict(plan_key=f"pl{i}", person_key=p, lead_agency_id=a, next_review_due_day=due, in_treatment=t)
            for i, (p, a, due, t) in enumerate(rows)]


def _outcomes():
    d = AS_OF
    rows = [  # person, agency, instrument, score, day, value, better
        ("p1", A, "top", "opiates_days", d - 200, 20, -1), ("p1", A, "top", "opiates_days", d - 20, 4, -1),
        ("p1", B, "top", "opiates_days", d - 10, 0, -1),  # latest review at B: counts for B
        ("p2", A, "top", "opiates_days", d - 200, 10, -1), ("p2", A, "top", "opiates_days", d - 30, 12, -1),
        ("p3", A, "top", "opiates_days", d - 100, 5, -1),  # one review only: no change to measure
        ("p4", A, "top", "opiates_days", d - 100, 6, -1), ("p4", A, "top", "opiates_days", d - 10, 6, -1),
        ("p1", A, "barc10", "total", d - 200, 30, 1), ("p1", A, "barc10", "total", d - 20, 41, 1),
        ("p2", A, "barc10", "total", d - 200, 45, 1), ("p2", A, "barc10", "total", d - 30, 40, 1),
        ("p5", B, "top", "opiates_days", d - 50, 8, -1), ("p5", B, "top", "opiates_days", d - 50, 2, -1),  # same day
        ("p2", A, "top", "alcohol_days", d - 200, 10, -1), ("p2", A, "top", "alcohol_days", d - 30, 5, -1),
        ("p4", A, "top", "housing_problems", d - 100, 2, -1), ("p4", A, "top", "housing_problems", d - 10, 0, -1),
        ("p1", A, "top", "paid_work_days", d - 200, 0, 1), ("p1", A, "top", "paid_work_days", d - 20, 5, 1),
        ("p1", A, "top", "quality_of_life", d - 200, 8, 1), ("p1", A, "top", "quality_of_life", d - 20, 12, 1),
        ("p1", A, "top", "crack_days", d - 200, 3, -1), ("p1", A, "top", "crack_days", d - 20, 0, -1),
        ("p3", A, "top", "shoplifting_days", d - 200, 4, -1), ("p3", A, "top", "shoplifting_days", d - 20, 1, -1),
    ]
    return [dict(score_key=f"o{i:02d}", person_key=p, agency_id=a, instrument=inst, stage="review", day=day,
                 score=score, value=float(v), better=b) for i, (p, a, inst, score, day, v, b) in enumerate(rows)]


def _releases():
    d = AS_OF
    rows = [(P, A, d - 10, 1, ""), (P, A, d - 40, 1, "engaged"), (P, A, d - 50, 0, "not_engaged"),
            (P, B, d - 60, 1, "engaged"), (P, "", d - 400, 1, "engaged"), (P, "", d - 100, 0, "")]
    return [dict(release_key=f"rl{i}", person_key=f"p{i}", prison_id=prison, receiving_agency_id=to, released_day=day,
                 plan_complete=complete, engagement=eng) for i, (prison, to, day, complete, eng) in enumerate(rows)]


def _complexity():
    rows = [("p1", 1, 1, 1, 1, 1), ("p2", 1, 1, 1, 0, 0), ("p3", 0, 0, 0, 0, 0), ("p5", 1, 1, 0, 1, 1),
            ("p8", 0, 1, 1, 1, 0), ("p6", 0, 0, 0, 1, 0)]
    return [dict(assessment_key=f"x{i}", person_key=p, agency_id=A, day=AS_OF - 500, housing=h, dual_diagnosis=dd,
                 injecting=inj, criminal_justice=cj, alcohol_and_opiates=ao, years_of_use=None)
            for i, (p, h, dd, inj, cj, ao) in enumerate(rows)]


def _presentations():
    d = AS_OF
    rows = [("p1", d - 10, "heroin"), ("p1", d - 10, "crack"), ("p1", d - 10, "alcohol"), ("p2", d - 40, "cannabis"),
            ("p3", d - 40, "synthetic_cannabinoids"), ("p5", d - 41, "cannabis"), ("p4", d - 400, "heroin")]
    return [dict(presentation_key=f"s{i}", person_key=p, agency_id=A, day=day,
                 month=f"{keys.from_day(day):%Y-%m}", substance=sub, nps=int(sub == "synthetic_cannabinoids"))
            for i, (p, day, sub) in enumerate(rows)]


def _signals():
    rows = [("2026-10", "Northgate", "police", "Seizures of spice", 7), ("2026-10", "Swansea", "police",
            "Seizures of spice", 3), ("2026-09", "Northgate", "hospital", "Admissions: drug poisoning", 2)]
    return [dict(month=m, area=a, source=src, signal=sig, count=c, imported_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
            for m, a, src, sig, c in rows]


def fixture() -> dict[str, list[dict]]:
    return {"rpt_presentation": _presentations(), "rpt_partner_signal": _signals(),
            "rpt_complexity": _complexity(), "rpt_episode": _episodes(), "rpt_referral": _referrals(), "rpt_appointment": _appointments(),
            "rpt_care_team": _care_team(), "rpt_plan": _plans(), "rpt_outcome": _outcomes(),
            "rpt_release": _releases()}


def load(data: dict[str, list[dict]]) -> None:
    """Put the rows into the reporting tables (and the as-of day into rpt_meta)."""
    from throughcare.reporting.models import TABLES, ReportMeta

    ReportMeta.objects.update_or_create(pk=1, defaults={"as_of_day": AS_OF, "refreshed_at": "fixture"})
    by_table = {m._meta.db_table: m for m in TABLES}
    for table, rows in data.items():
        by_table[table].objects.bulk_create([by_table[table](**row) for row in rows])


# --- each metric, from its definition, in plain Python ------------------------------------------------


def waiting_times(data) -> list[dict]:
    out = defaultdict(lambda: defaultdict(int))
    for r in data["rpt_referral"]:
        if r["started_day"] is None or not AS_OF - 365 < r["started_day"] <= AS_OF:
            continue
        waited = r["started_day"] - r["received_day"]
        row = out[r["to_agency_id"]]
        row["started"] += 1
        row["within_3_weeks"] += waited <= 21
        bucket = ("days_0_7" if waited <= 7 else "days_8_14" if waited <= 14 else "days_15_21" if waited <= 21
                  else "days_22_42" if waited <= 42 else "days_43_plus")
        for name in ("days_0_7", "days_8_14", "days_15_21", "days_22_42", "days_43_plus"):
            row[name] += name == bucket
    return [{"agency_id": a, **{k: int(v) for k, v in row.items()}} for a, row in sorted(out.items())]


def caseload(data) -> list[dict]:
    people = defaultdict(set)
    for m in data["rpt_care_team"]:
        if m["active"]:
            people[(m["agency_id"], m["worker_id"])].add(m["person_key"])
    return [{"agency_id": a, "worker_id": w, "caseload": len(p)} for (a, w), p in sorted(people.items())]


def did_not_attend(data) -> list[dict]:
    out = defaultdict(lambda: {"appointments": 0, "did_not_attend": 0})
    for a in data["rpt_appointment"]:
        if AS_OF - 84 < a["day"] <= AS_OF:
            row = out[a["agency_id"]]
            row["appointments"] += a["status"] in ("attended", "did_not_attend")
            row["did_not_attend"] += a["status"] == "did_not_attend"
    return [{"agency_id": k, **v} for k, v in sorted(out.items())]


def reviews_overdue(data) -> list[dict]:
    out = defaultdict(lambda: {"plans": 0, "overdue": 0})
    for p in data["rpt_plan"]:
        if p["in_treatment"]:
            out[p["lead_agency_id"]]["plans"] += 1
            out[p["lead_agency_id"]]["overdue"] += p["next_review_due_day"] < AS_OF
    return [{"agency_id": k, **v} for k, v in sorted(out.items())]


def exits(data) -> list[dict]:
    out = defaultdict(lambda: {"exits": 0, "planned_exits": 0})
    for e in data["rpt_episode"]:
        if e["setting"] != "prison" and e["end_day"] is not None and AS_OF - 365 < e["end_day"] <= AS_OF:
            out[e["agency_id"]]["exits"] += 1
            out[e["agency_id"]]["planned_exits"] += e["planned_exit"]
    return [{"agency_id": k, **v} for k, v in sorted(out.items())]


def sustained_recovery(data) -> list[dict]:
    eps = data["rpt_episode"]
    out = defaultdict(lambda: {"planned_exits": 0, "re_presented": 0})
    for e in eps:
        if (e["setting"] == "prison" or not e["planned_exit"] or e["end_day"] is None
                or not AS_OF - 365 - 182 < e["end_day"] <= AS_OF - 182):
            continue
        back = any(r["person_key"] == e["person_key"] and r["setting"] != "prison" and r is not e
                   and e["end_day"] <= r["start_day"] <= e["end_day"] + 182 for r in eps)
        out[e["agency_id"]]["planned_exits"] += 1
        out[e["agency_id"]]["re_presented"] += back
    return [{"agency_id": k, **v} for k, v in sorted(out.items())]


def continuity(data) -> list[dict]:
    out = defaultdict(lambda: {"releases": 0, "plan_complete": 0, "decided": 0, "engaged": 0})
    for r in data["rpt_release"]:
        if AS_OF - 365 < r["released_day"] <= AS_OF:
            row = out[r["prison_id"]]
            row["releases"] += 1
            row["plan_complete"] += r["plan_complete"]
            row["decided"] += r["engagement"] in ("engaged", "not_engaged")
            row["engaged"] += r["engagement"] == "engaged"
    return [{"agency_id": k, **v} for k, v in sorted(out.items())]


def outcome_change(data) -> list[dict]:
    series = defaultdict(list)
    for o in data["rpt_outcome"]:
        series[(o["person_key"], o["instrument"], o["score"])].append(o)
    groups = defaultdict(list)
    for rows in series.values():
        first = min(rows, key=lambda o: (o["day"], o["score_key"]))
        latest = max(rows, key=lambda o: (o["day"], o["score_key"]))
        if latest["day"] > first["day"]:
            groups[(latest["agency_id"], first["instrument"], first["score"])].append((first, latest))
    out = []
    for (agency, instrument, score), pairs in sorted(groups.items()):
        changes = [(latest["value"] - first["value"]) * first["better"] for first, latest in pairs]
        out.append({"agency_id": agency, "instrument": instrument, "score": score, "people": len(pairs),
                    "mean_first": sum(f["value"] for f, _l in pairs) / len(pairs),
                    "mean_latest": sum(lt["value"] for _f, lt in pairs) / len(pairs),
                    "improved": sum(c > 0 for c in changes), "worse": sum(c < 0 for c in changes)})
    return out


FACTORS = ("housing", "dual_diagnosis", "injecting", "criminal_justice", "alcohol_and_opiates")


def _complexity_of(data) -> dict:
    return {c["person_key"]: c for c in data["rpt_complexity"]}


def _sustained(e, eps) -> int:
    back = any(r["person_key"] == e["person_key"] and r["setting"] != "prison" and r is not e
               and e["end_day"] <= r["start_day"] <= e["end_day"] + 182 for r in eps)
    return int(e["planned_exit"] == 1 and not back)


def casemix_cohort(data) -> list[dict]:
    cx = _complexity_of(data)
    out = defaultdict(lambda: {"exits": 0, "sustained": 0})
    for e in data["rpt_episode"]:
        if e["setting"] == "prison" or e["end_day"] is None or not AS_OF - 547 < e["end_day"] <= AS_OF - 182:
            continue
        c = cx.get(e["person_key"])
        pattern = (e["agency_id"], int(c is not None), *((c[f] if c else 0) for f in FACTORS))
        out[pattern]["exits"] += 1
        out[pattern]["sustained"] += _sustained(e, data["rpt_episode"])
    names = ("agency_id", "assessed", *FACTORS)
    return [{**dict(zip(names, k, strict=True)), **v} for k, v in sorted(out.items())]


def intake_complexity(data) -> list[dict]:
    cx = _complexity_of(data)
    out = defaultdict(list)
    for e in data["rpt_episode"]:
        c = cx.get(e["person_key"])
        if e["setting"] == "prison" or c is None or not AS_OF - 728 < e["start_day"] <= AS_OF:
            continue
        since = e["start_day"] - (AS_OF - 728)
        quarter = min((since - 1) // 91, 7)
        out[(e["agency_id"], quarter)].append(sum(c[f] for f in FACTORS))
    return [{"agency_id": a, "quarter": q, "people": len(s), "score_sum": sum(s), "score_squares": sum(x * x for x in s)}
            for (a, q), s in sorted(out.items())]


def parking(data) -> list[dict]:
    cx = _complexity_of(data)
    out = defaultdict(lambda: {"complex_in_treatment": 0, "complex_parked": 0, "other_in_treatment": 0,
                               "other_parked": 0})
    for e in data["rpt_episode"]:
        if e["setting"] == "prison" or e["end_day"] is not None or e["start_day"] > AS_OF - 56:
            continue
        c = cx.get(e["person_key"])
        score = sum(c[f] for f in FACTORS) if c else 0
        seen = any(a["person_key"] == e["person_key"] and a["agency_id"] == e["agency_id"]
                   and a["status"] == "attended" and AS_OF - 56 < a["day"] <= AS_OF for a in data["rpt_appointment"])
        kind = "complex" if score >= 3 else "other"
        out[e["agency_id"]][f"{kind}_in_treatment"] += 1
        out[e["agency_id"]][f"{kind}_parked"] += not seen
    return [{"agency_id": k, **v} for k, v in sorted(out.items())]


def outcome_domains(data) -> list[dict]:
    series = defaultdict(list)
    for o in data["rpt_outcome"]:
        if o["instrument"] == "top":
            series[(o["person_key"], o["score"])].append(o)
    people = defaultdict(set)
    for (person, score), rows in series.items():
        first = min(rows, key=lambda o: (o["day"], o["score_key"]))
        latest = max(rows, key=lambda o: (o["day"], o["score_key"]))
        if latest["day"] <= first["day"]:
            continue
        a, b = first["value"], latest["value"]
        domain = None
        if score in ("opiates_days", "crack_days") and a > 0 and b == 0:
            domain = "drug_use"
        elif score == "alcohol_days" and a > 0 and b <= a / 2:
            domain = "alcohol"
        elif score in ("shoplifting_days", "selling_drugs_days") and a > 0 and b == 0:
            domain = "offending"
        elif score == "housing_problems" and a > 0 and b == 0:
            domain = "housing"
        elif score in ("paid_work_days", "education_days") and a == 0 and b > 0:
            domain = "employment"
        elif score == "quality_of_life" and b - a >= 4:
            domain = "health_wellbeing"
        if domain:
            people[(latest["agency_id"], domain)].add(person)
    return [{"agency_id": a, "domain": d, "people": len(p)} for (a, d), p in sorted(people.items())]


def substances(data) -> list[dict]:
    out = defaultdict(lambda: {"nps": 0, "people": set()})
    for r in data["rpt_presentation"]:
        if AS_OF - 365 < r["day"] <= AS_OF:
            row = out[(r["month"], r["substance"])]
            row["nps"] = max(row["nps"], r["nps"])
            row["people"].add(r["person_key"])
    return [{"month": m, "substance": s, "nps": v["nps"], "people": len(v["people"])} for (m, s), v in sorted(out.items())]


def partner_signals(data) -> list[dict]:
    out = defaultdict(int)
    for r in data["rpt_partner_signal"]:
        out[(r["month"], r["source"], r["signal"])] += r["count"]
    return [{"month": m, "source": src, "signal": sig, "total": t} for (m, src, sig), t in sorted(out.items())]


EXPECTED = {"substances": substances, "partner_signals": partner_signals, "casemix_cohort": casemix_cohort, "intake_complexity": intake_complexity, "parking": parking,
            "outcome_domains": outcome_domains, "waiting_times": waiting_times, "caseload": caseload, "did_not_attend": did_not_attend,
            "reviews_overdue": reviews_overdue, "exits": exits, "sustained_recovery": sustained_recovery,
            "continuity": continuity, "outcome_change": outcome_change}
