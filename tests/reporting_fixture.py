"""A small hand-made set of reporting rows, and each metric computed from it in plain Python.

The plain-Python versions are written from the definitions in docs/reporting.md, independently of the SQL
in throughcare/reporting/metrics.py: the metric tests check that the SQL (on the test database and on
DuckDB over a Parquet extract) gives exactly what these give.

The columns the refresh works out (re-presentation, the last attended day on each episode, each person's
first and latest score in rpt_outcome_pair) are written here by hand, not by the refresh's code, while the
plain-Python metrics compute from the raw rows (every episode, every appointment, every review): if a hand
value disagreed with the raw rows, the metric tests would fail.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from throughcare.reporting import keys

AS_OF = keys.day(dt.date(2026, 11, 20))
A, B, P = "agency-a", "agency-b", "prison-p"
#: Person keys are 63-bit integers: the fixture's are above 2^32 so every engine must keep 64 bits.
BASE = 1 << 40


FACTORS = ("housing", "dual_diagnosis", "injecting", "criminal_justice", "alcohol_and_opiates", "long_use")


def person(n: int) -> int:
    """Person n's key ("p1" in the comments is person(1))."""
    return BASE + n


def _episodes():
    d = AS_OF
    rows = [
        # person, agency, setting, start, end, planned; by hand: re-presented within 182 days, last attended day
        (1, A, "community", d - 400, d - 300, 1, 1, None),  # planned exit in the sustained window, comes back +182
        (1, A, "community", d - 118, None, 0, 0, None),     # ... the re-presentation (exactly six months later)
        (2, A, "community", d - 500, d - 250, 1, 0, None),  # planned, comes back at +183: sustained
        (2, B, "community", d - 67, None, 0, 0, d - 10),    # seen at B 10 days ago
        (3, A, "community", d - 300, d - 200, 1, 0, None),  # planned, back in prison only: sustained (seen at B only)
        (3, P, "prison", d - 150, d - 100, 0, 0, None),
        (4, A, "community", d - 100, d - 10, 1, 0, None),   # planned exit this year, too recent for six months
        (5, A, "community", d - 100, d - 20, 0, 0, None),   # unplanned exit
        (6, B, "residential_rehab", d - 600, d - 190, 1, 1, None),  # planned, same-day new episode: re-presented
        (6, B, "community", d - 190, d - 150, 0, 0, None),
        (7, B, "community", d - 900, d - 600, 1, 0, None),  # planned, too long ago for either window
        (8, B, "community", d - 30, None, 0, 0, None),      # open
        (9, A, "community", d - 50, d + 5, 1, 0, None),     # ends after the as-of day: not yet an exit
        (10, A, "community", d - 200, None, 0, 0, None),    # open, not complex, not seen: parked (not complex)
        (11, B, "community", d - 100, None, 0, 0, None),    # open, never assessed, not seen: parked (not complex)
        (0, A, "community", d - 90, None, 0, 0, d - 1),     # open, never assessed, seen yesterday
    ]
    complexity = {c["person_key"]: c for c in _complexity()}
    out = []
    for i, (p, a, s, start, end, planned, back, seen) in enumerate(rows):
        c = complexity.get(person(p))  # complexity at entry, copied onto the episode
        out.append(dict(episode_key=f"e{i}", person_key=person(p), agency_id=a, setting=s, start_day=start,
                        end_day=end, exit_code="80" if planned else ("85" if end is not None else ""),
                        planned_exit=planned, re_presented_182=back, last_attended_day=seen,
                        assessed=int(c is not None), **{f: c[f] if c else 0 for f in FACTORS}))
    return out


def _referrals():
    d = AS_OF
    started = [  # to agency, received, started (each accepted the day after it was received)
        (A, d - 30, d - 30), (A, d - 37, d - 30), (A, d - 38, d - 30), (A, d - 51, d - 30), (A, d - 52, d - 30),
        (A, d - 100, d - 57), (B, d - 20, d - 10), (B, d - 400, d - 366), (B, d - 5, None), (B, d - 3, d + 1),
        (B, d - 400, d - 364),
    ]
    rows = [(a, rec, day, "intervention_started" if day is not None else "sent", rec + 1 if day is not None else None,
             "") for a, rec, day in started]
    rows += [  # to agency, received, started, status, decided, decline reason
        (A, d - 40, None, "declined", d - 35, "another_need_mental_health"),
        (A, d - 20, None, "declined", d - 19, "another_need_mental_health"),
        (A, d - 60, None, "declined", d - 50, "no_capacity"),
        (A, d - 70, None, "withdrawn", d - 65, ""),  # accepted, then withdrawn: decided, not declined
        (B, d - 10, None, "declined", d - 9, "another_need_alcohol"),
        (B, d - 100, None, "declined", d - 90, "another_need_substance_use"),
        (B, d - 400, None, "declined", d - 380, "another_need_mental_health"),  # decided more than a year ago
        (B, d - 2, None, "acknowledged", None, ""),
    ]
    return [dict(referral_key=f"r{i:02d}", person_key=person(i), to_agency_id=a, priority="routine", status=status,
                 received_day=rec, started_day=day, decided_day=decided, decline_reason=reason)
            for i, (a, rec, day, status, decided, reason) in enumerate(rows)]


def _appointments():
    d = AS_OF
    rows = [(A, 1, d - 1, "attended"), (A, 1, d - 2, "did_not_attend"), (A, 2, d - 83, "did_not_attend"),
            (A, 2, d - 84, "did_not_attend"), (A, 2, d - 3, "cancelled"), (A, 1, d + 2, "booked"),
            (B, 3, d - 10, "attended"), (B, 3, d - 11, "attended"), (B, 3, d, "did_not_attend"),
            (B, 3, d + 1, "did_not_attend")]
    return [dict(appointment_key=f"a{i}", person_key=person(i % 4), agency_id=a, worker_id=w, day=day, status=s)
            for i, (a, w, day, s) in enumerate(rows)]


def _care_team():
    rows = [(1, A, 1, 1, 1), (2, A, 1, 0, 1), (3, A, 1, 1, 1), (4, A, 1, 1, 0), (4, A, 2, 1, 1),
            (5, B, 3, 1, 1), (1, B, 3, 0, 1)]
    return [dict(member_key=f"c{i}", person_key=person(p), agency_id=a, worker_id=w, is_lead=lead, active=active)
            for i, (p, a, w, lead, active) in enumerate(rows)]


def _plans():
    d = AS_OF
    rows = [(1, A, d - 1, 1), (2, A, d, 1), (3, A, d + 10, 1), (4, A, d - 30, 0), (5, B, d - 60, 1),
            (6, "", d - 5, 1)]
    return [dict(plan_key=f"pl{i}", person_key=person(p), lead_agency_id=a, next_review_due_day=due, in_treatment=t)
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
    return [dict(score_key=f"o{i:02d}", person_key=person(int(p[1:])), agency_id=a, instrument=inst, stage="review",
                 day=day, score=score, value=float(v), better=b) for i, (p, a, inst, score, day, v, b) in enumerate(rows)]


def _outcome_pairs():
    """Each person's first and latest score, by hand from the reviews above (by day, then score key)."""
    d = AS_OF
    rows = [  # person, instrument, score, better, agency of the latest, first day and value, latest day and value
        (1, "top", "opiates_days", -1, B, d - 200, 20, d - 10, 0),   # latest review at B
        (2, "top", "opiates_days", -1, A, d - 200, 10, d - 30, 12),
        (3, "top", "opiates_days", -1, A, d - 100, 5, d - 100, 5),   # one review: first is latest
        (4, "top", "opiates_days", -1, A, d - 100, 6, d - 10, 6),
        (1, "barc10", "total", 1, A, d - 200, 30, d - 20, 41),
        (2, "barc10", "total", 1, A, d - 200, 45, d - 30, 40),
        (5, "top", "opiates_days", -1, B, d - 50, 8, d - 50, 2),     # two the same day: o12 then o13
        (2, "top", "alcohol_days", -1, A, d - 200, 10, d - 30, 5),
        (4, "top", "housing_problems", -1, A, d - 100, 2, d - 10, 0),
        (1, "top", "paid_work_days", 1, A, d - 200, 0, d - 20, 5),
        (1, "top", "quality_of_life", 1, A, d - 200, 8, d - 20, 12),
        (1, "top", "crack_days", -1, A, d - 200, 3, d - 20, 0),
        (3, "top", "shoplifting_days", -1, A, d - 200, 4, d - 20, 1),
    ]
    return [dict(pair_key=f"op{i:02d}", person_key=person(p), instrument=inst, score=score, better=b, agency_id=a,
                 first_day=fd, first_value=float(fv), latest_day=ld, latest_value=float(lv))
            for i, (p, inst, score, b, a, fd, fv, ld, lv) in enumerate(rows)]


def _releases():
    d = AS_OF
    rows = [(P, A, d - 10, 1, ""), (P, A, d - 40, 1, "engaged"), (P, A, d - 50, 0, "not_engaged"),
            (P, B, d - 60, 1, "engaged"), (P, "", d - 400, 1, "engaged"), (P, "", d - 100, 0, "")]
    return [dict(release_key=f"rl{i}", person_key=person(i), prison_id=prison, receiving_agency_id=to, released_day=day,
                 plan_complete=complete, engagement=eng) for i, (prison, to, day, complete, eng) in enumerate(rows)]


def _complexity():
    # person, housing, dual diagnosis, injecting, criminal justice, alcohol and opiates, years of use, long use
    rows = [(1, 1, 1, 1, 1, 1, 15, 1), (2, 1, 1, 1, 0, 0, 3, 0), (3, 0, 0, 0, 0, 0, None, 0), (5, 1, 1, 0, 1, 1, 10, 1),
            (8, 0, 1, 1, 1, 0, 22, 1), (6, 0, 0, 0, 1, 0, 9, 0)]
    return [dict(assessment_key=f"x{i}", person_key=person(p), agency_id=A, day=AS_OF - 500, housing=h, dual_diagnosis=dd,
                 injecting=inj, criminal_justice=cj, alcohol_and_opiates=ao, years_of_use=years, long_use=long)
            for i, (p, h, dd, inj, cj, ao, years, long) in enumerate(rows)]


def _presentations():
    d = AS_OF
    rows = [(1, d - 10, "heroin"), (1, d - 10, "crack"), (1, d - 10, "alcohol"), (2, d - 40, "cannabis"),
            (3, d - 40, "synthetic_cannabinoids"), (5, d - 41, "cannabis"), (4, d - 400, "heroin")]
    return [dict(presentation_key=f"s{i}", person_key=person(p), agency_id=A, day=day,
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
            "rpt_outcome_pair": _outcome_pairs(), "rpt_release": _releases()}


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


def declines(data) -> list[dict]:
    another = {"another_need_mental_health", "another_need_substance_use", "another_need_alcohol"}
    out = defaultdict(lambda: {"decided": 0, "declined": 0, "another_need": 0, **{r: 0 for r in sorted(another)}})
    for r in data["rpt_referral"]:
        if r["decided_day"] is None or not AS_OF - 365 < r["decided_day"] <= AS_OF:
            continue
        row = out[r["to_agency_id"]]
        row["decided"] += 1
        if r["status"] == "declined":
            row["declined"] += 1
            if r["decline_reason"] in another:
                row["another_need"] += 1
                row[r["decline_reason"]] += 1
    return [{"agency_id": k, **v} for k, v in sorted(out.items())]


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
            "continuity": continuity, "outcome_change": outcome_change, "declines": declines}
