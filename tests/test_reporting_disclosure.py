"""No published table lets a reader recover a count below 5 — every table the commissioner dashboard publishes
(and downloads), attacked together: the eight metric tables, declines, caseloads, every outcome-change table,
case mix, payments (with their tariff) and local intelligence, on a generated partnership big enough that many
figures are shown and many withheld.

The attack is written here, independently of reporting.suppression: the equations a reader can form are
declared below from the column headings (a total is the sum of its parts; the partnership row is the sum of the
providers; a payment is the tariff times the counts), a figure published in several tables is one unknown
(sustained recovery: its own table, case mix and payments), and what a reader knows from the definitions
adds inequalities (a provider's exits in the case-mix window are at least its planned exits in the same
window; people achieving an outcome domain are among those who improved on its measures). A linear programme
finds the least and greatest value of every withheld small count given everything shown; the count is
recovered when only one whole number fits. Plain linear algebra (rank) is a second attack on the equations.
The same attack run on primary suppression alone does recover counts: it can fail.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from decimal import Decimal

import numpy as np
import pytest
from scipy.optimize import linprog

from tests import reporting_fixture as fx
from throughcare.reporting import dashboards, keys
from throughcare.reporting.metrics import METRICS, run_django
from throughcare.reporting.models import RAgency

T = 5
PROVIDERS = {"prov-1": ("Northgate Recovery", 70), "prov-2": ("Harbour Project", 34), "prov-3": ("Hill House", 15),
             "prov-4": ("Canal Street", 6), "prov-5": ("The Lantern", 2)}
PRISONS = {"hmp-1": ("HMP Northgate", 40), "hmp-2": ("HMP Eastfield", 4)}
TARIFF = {"drug_use": Decimal(500), "alcohol": Decimal(400), "offending": Decimal(400), "housing": Decimal(300),
          "employment": Decimal(500), "health_wellbeing": Decimal(200), "sustained_recovery": Decimal(1000)}
TOP_DAYS = ("opiates_days", "crack_days", "alcohol_days", "shoplifting_days", "selling_drugs_days", "paid_work_days",
            "education_days", "housing_problems", "quality_of_life")
REASONS = ("another_need_mental_health", "another_need_substance_use", "another_need_alcohol", "no_capacity",
           "not_eligible")

#: What a reader can add up in each table, from its headings: (total, parts) in every row.
RELATIONS = {
    "waiting_times": [("started", ("within_3_weeks", "over_3_weeks")),
                      ("within_3_weeks", ("days_0_7", "days_8_14", "days_15_21")),
                      ("over_3_weeks", ("days_22_42", "days_43_plus"))],
    "did_not_attend": [("appointments", ("attended", "did_not_attend"))],
    "reviews_overdue": [("plans", ("on_time", "overdue"))],
    "exits": [("exits", ("planned_exits", "other_exits"))],
    "sustained_recovery": [("planned_exits", ("sustained", "re_presented"))],
    "continuity": [("releases", ("plan_complete", "plan_incomplete")), ("releases", ("decided", "on_clock")),
                   ("decided", ("engaged", "not_engaged"))],
    "parking": [("complex_in_treatment", ("complex_parked", "complex_seen")),
                ("other_in_treatment", ("other_parked", "other_seen"))],
    "caseload": [],
    "declines": [("decided", ("accepted", "declined")), ("declined", ("another_need", "other_reason")),
                 ("another_need", ("another_need_mental_health", "another_need_substance_use",
                                   "another_need_alcohol"))],
}
OUTCOME_RELATIONS = [("people", ("improved", "same", "worse"))]
#: Outcome domains and the outcome-change measures whose "better" counts include everyone achieving them.
DOMAIN_MEASURES = {"drug_use": ("opiates_days", "crack_days"), "alcohol": ("alcohol_days",),
                   "offending": ("shoplifting_days", "selling_drugs_days"), "housing": ("housing_problems",),
                   "employment": ("paid_work_days", "education_days"), "health_wellbeing": ("quality_of_life",)}


def generate(seed: int = 11) -> dict[str, list[dict]]:
    """A partnership of five providers from large to tiny and two prisons, one large and one tiny."""
    rng = random.Random(seed)
    d = fx.AS_OF
    rows: dict[str, list[dict]] = defaultdict(list)
    number = 0
    for agency, (_name, size) in PROVIDERS.items():
        for _ in range(size * 3):
            number += 1
            person, key = fx.person(number), f"{number}"
            start = d - rng.randint(60, 900)
            end = start + rng.randint(30, 500)
            ended = end <= d and rng.random() < 0.75
            factors = {f: int(rng.random() < 0.35) for f in fx.FACTORS}
            assessed = int(rng.random() < 0.8)
            rows["rpt_episode"].append(dict(
                episode_key=f"e{key}", person_key=person, agency_id=agency, setting="community", start_day=start,
                end_day=end if ended else None, exit_code="", planned_exit=int(ended and rng.random() < 0.55),
                re_presented_182=int(ended and rng.random() < 0.25), assessed=assessed,
                **{f: v * assessed for f, v in factors.items()},
                last_attended_day=d - rng.randint(0, 120) if rng.random() < 0.7 else None))
            received = d - rng.randint(0, 420)
            fate = rng.random()
            started = received + rng.randint(0, 60) if fate < 0.6 else None
            declined = 0.6 <= fate < 0.85
            rows["rpt_referral"].append(dict(
                referral_key=f"r{key}", person_key=person, to_agency_id=agency, priority="routine",
                status="intervention_started" if started is not None else "declined" if declined else "sent",
                received_day=received, started_day=started,
                decided_day=received + rng.randint(0, 10) if started is not None or declined else None,
                decline_reason=rng.choice(REASONS) if declined else ""))
            for i in range(3):
                rows["rpt_appointment"].append(dict(
                    appointment_key=f"a{key}-{i}", person_key=person, agency_id=agency, worker_id=rng.randint(1, 6),
                    day=d - rng.randint(0, 100), status=rng.choice(("attended", "attended", "did_not_attend",
                                                                    "cancelled"))))
            rows["rpt_care_team"].append(dict(
                member_key=f"c{key}", person_key=person, agency_id=agency, worker_id=rng.randint(1, 6), is_lead=1,
                active=int(rng.random() < 0.8)))
            rows["rpt_plan"].append(dict(
                plan_key=f"pl{key}", person_key=person, lead_agency_id=agency,
                next_review_due_day=d - 40 + rng.randint(0, 80), in_treatment=int(rng.random() < 0.7)))
            for measure in TOP_DAYS + ("total",):
                if rng.random() < 0.55:
                    continue
                top = 2 if measure == "housing_problems" else 20 if measure in ("quality_of_life", "total") else 28
                first, latest = rng.choice((0, rng.randint(1, top))), rng.choice((0, rng.randint(0, top)))
                better = 1 if measure in ("paid_work_days", "education_days", "quality_of_life", "total") else -1
                first_day = d - rng.randint(100, 400)
                rows["rpt_outcome_pair"].append(dict(
                    pair_key=f"op{key}{measure}", person_key=person, instrument="barc10" if measure == "total" else "top",
                    score=measure, better=better, agency_id=agency, first_day=first_day, first_value=float(first),
                    latest_day=first_day + rng.choice((0, rng.randint(20, 90))), latest_value=float(latest)))
            if rng.random() < 0.4:
                day = d - rng.randint(0, 330)
                for substance in rng.sample(("heroin", "crack", "cannabis", "alcohol", "other_nps"), 2):
                    rows["rpt_presentation"].append(dict(
                        presentation_key=f"s{key}{substance}", person_key=person, agency_id=agency, day=day,
                        month=f"{keys.from_day(day):%Y-%m}", substance=substance, nps=int(substance == "other_nps")))
    for prison, (_name, size) in PRISONS.items():
        for i in range(size * 3):
            number += 1
            rows["rpt_release"].append(dict(
                release_key=f"rl{number}", person_key=fx.person(number), prison_id=prison,
                receiving_agency_id=rng.choice(list(PROVIDERS)), released_day=d - rng.randint(0, 360),
                plan_complete=int(rng.random() < 0.6), engagement=rng.choice(("engaged", "engaged", "not_engaged", ""))))
            if i == 0:
                rows["rpt_partner_signal"].append(dict(
                    month="2026-10", area=_name, source="police", signal="Seizures of spice", count=size,
                    imported_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC)))
    return dict(rows)


@pytest.fixture
def reports(db):
    fx.load(generate())
    RAgency.objects.bulk_create([RAgency(agency_id=a, name=name, kind="community_treatment", area="")
                                 for a, (name, _size) in {**PROVIDERS, **PRISONS}.items()])
    results = {name: run_django(metric) for name, metric in METRICS.items()}
    names = dict(RAgency.objects.values_list("agency_id", "name"))
    as_of = keys.from_day(fx.AS_OF)
    truth = dashboards.assemble_commissioner(results, names, 1, TARIFF, as_of=as_of)  # nothing below 1 to hide
    shown = dashboards.assemble_commissioner(results, names, T, TARIFF, as_of=as_of)
    return truth, shown


# --- what a reader sees, and the equations they can form --------------------------------------------------


def cells(report: dict) -> dict[tuple, float | None]:
    """Every published count (and payment): (table, row label, column) -> value, or None when withheld."""
    out: dict[tuple, float | None] = {}

    def take(name, rows, columns):
        for row in rows:
            for column in columns:
                out[(name, row["label"], column)] = row[column]

    for table in report["tables"]:
        take(table["name"], [*table["rows"], table["total"]], [c for c, _h in table["columns"]])
    casemix = report["casemix"]
    take("casemix", [*casemix["rows"], casemix["total"]], ["exits", "sustained"])
    pbr = report["pbr"]
    take("payments", [*pbr["rows"], pbr["total"]], [d for d, _label in pbr["domains"]])
    for row in [*pbr["rows"], pbr["total"]]:
        payment = row["payment"]
        out[("payments", row["label"], "payment")] = None if payment is None else float(
            payment.lstrip("£").replace(",", ""))
    for key, local in report["local"].items():
        take(f"local_{key}", [*local["rows"], local["total"]], local["months"])
    return out


def equations(report: dict) -> tuple[list[dict], list[dict]]:
    """(equalities, inequalities) over published cells, as {cell: coefficient} meaning sum = 0 (or <= 0)."""
    equal, at_most = [], []

    def table(name, rows, total, relations, columns):
        labels = [r["label"] for r in rows]
        for label in [*labels, total["label"]]:
            for whole, parts in relations:
                equal.append({(name, label, whole): -1, **{(name, label, p): 1 for p in parts}})
        for column in columns:
            equation = {(name, total["label"], column): -1}
            for label in labels:
                equation[(name, label, column)] = equation.get((name, label, column), 0) + 1
            equal.append(equation)

    for t in report["tables"]:
        relations = OUTCOME_RELATIONS if t["name"].startswith("outcome_") else RELATIONS[t["name"]]
        table(t["name"], t["rows"], t["total"], relations, [c for c, _h in t["columns"]])
    casemix = report["casemix"]
    table("casemix", casemix["rows"], casemix["total"], [], ["exits", "sustained"])
    pbr = report["pbr"]
    domains = [d for d, _label in pbr["domains"]]
    table("payments", pbr["rows"], pbr["total"], [], [*domains, "payment"])
    for row in [*pbr["rows"], pbr["total"]]:
        equal.append({("payments", row["label"], "payment"): -1,
                      **{("payments", row["label"], d): float(TARIFF[d]) for d in domains}})
    for key, local in report["local"].items():
        table(f"local_{key}", local["rows"], local["total"], [], local["months"])
    for row in [*casemix["rows"], casemix["total"]]:  # exits 6-18 months ago include the planned ones
        at_most.append({("sustained_recovery", row["label"], "planned_exits"): 1, ("casemix", row["label"], "exits"): -1})
    for row in [*pbr["rows"], pbr["total"]]:
        for domain, measures in DOMAIN_MEASURES.items():
            inequality = {("payments", row["label"], domain): 1}
            for measure in measures:
                inequality[(f"outcome_top_{measure}", row["label"], "improved")] = -1
            at_most.append(inequality)
    return equal, at_most


def same_figure(cell: tuple) -> tuple:
    """Sustained recovery is one figure in three tables: one unknown."""
    name, label, column = cell
    if (name, column) in {("sustained_recovery", "sustained"), ("casemix", "sustained"),
                          ("payments", "sustained_recovery")}:
        return ("sustained", label)
    return cell


def _matrix(rows: list[tuple[dict, float]], index: dict) -> tuple[np.ndarray, np.ndarray]:
    """Constraint rows (unknowns with coefficients, known part) as A and b of A x (=, <=) b."""
    a = np.zeros((len(rows), len(index)))
    for r, (unknown, _known) in enumerate(rows):
        for cell, coefficient in unknown.items():
            a[r, index[cell]] = coefficient
    return a, np.array([-known for _u, known in rows])


def attack(truth: dict, published: dict, equal: list[dict], at_most: list[dict]) -> list[tuple]:
    """The withheld counts from 1 to 4 a reader can pin to one whole number (or solve by linear algebra)."""
    values = {same_figure(c): v for c, v in truth.items()}
    hidden = {same_figure(c) for c, v in published.items() if v is None}
    for cell, value in published.items():  # a figure shown in one table is shown for all of them
        if value is not None:
            hidden.discard(same_figure(cell))

    def split(equation):
        unknown, known = defaultdict(float), 0.0
        for cell, coefficient in equation.items():
            cell = same_figure(cell)
            if cell not in values:  # a provider absent from a table counts 0 there (nothing to hide)
                continue
            if cell in hidden:
                unknown[cell] += coefficient
            else:
                known += coefficient * values[cell]
        return {c: k for c, k in unknown.items() if k}, known

    rows_eq = [split(e) for e in equal]
    rows_ub = [split(e) for e in at_most]
    for unknown, known in rows_eq:  # the declared equations hold for the true figures
        assert abs(sum(k * values[c] for c, k in unknown.items()) + known) < 1e-6, unknown
    # Components of withheld cells joined by a constraint: each is attacked on its own.
    parent = {c: c for c in hidden}

    def root(c):
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for unknown, _k in rows_eq + rows_ub:
        cs = list(unknown)
        for c in cs[1:]:
            parent[root(c)] = root(cs[0])
    groups = defaultdict(list)
    for c in hidden:
        groups[root(c)].append(c)
    found = []
    for members in groups.values():
        targets = [c for c in members if 0 < values[c] < T]
        if not targets:
            continue
        index = {c: i for i, c in enumerate(sorted(members))}
        eq = [(u, k) for u, k in rows_eq if u and set(u) <= set(index)]
        ub = [(u, k) for u, k in rows_ub if u and set(u) <= set(index)]

        a_eq, b_eq = _matrix(eq, index) if eq else (None, None)
        a_ub, b_ub = _matrix(ub, index) if ub else (None, None)
        rank = np.linalg.matrix_rank(a_eq) if eq else 0
        for cell in targets:
            objective = np.zeros(len(index))
            objective[index[cell]] = 1
            low = linprog(objective, A_eq=a_eq, b_eq=b_eq, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
            high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
            assert low.status == 0, low.message  # the true figures are a solution
            least = low.fun
            greatest = -high.fun if high.status == 0 else math.inf
            if math.isfinite(greatest) and math.floor(greatest + 1e-6) <= math.ceil(least - 1e-6):  # pinned
                found.append((cell, values[cell], least, greatest))
            elif eq and np.linalg.matrix_rank(np.vstack([a_eq, objective])) == rank:
                found.append((cell, values[cell], "determined by the equations"))
    return found


# --- the tests --------------------------------------------------------------------------------------------


def test_the_fixture_shows_some_figures_and_withholds_others(reports):
    truth, shown = reports
    published = cells(shown)
    small = [c for c, v in cells(truth).items() if 0 < v < T]
    withheld = [c for c, v in published.items() if v is None]
    visible = [c for c, v in published.items() if v]
    assert len(small) >= 100 and len(withheld) >= len(small) and len(visible) >= 300
    for kind in ("waiting_times", "declines", "sustained_recovery", "casemix", "payments", "outcome_top_opiates_days",
                 "local_substances", "continuity"):
        assert any(c[0] == kind for c in withheld), kind
        assert any(c[0] == kind for c in visible), kind
    assert all(c in withheld for c in small)  # every count from 1 to 4 is withheld
    assert any(t["people"] for t in shown["trends"]) and all(t["people"] is None or t["people"] >= 20
                                                             for t in shown["trends"])


def test_no_published_table_lets_a_reader_recover_a_small_count(reports):
    truth, shown = reports
    equal, at_most = equations(shown)
    assert attack(cells(truth), cells(shown), equal, at_most) == []


def test_the_attack_recovers_counts_from_primary_suppression_alone(reports):
    """The same attack on the same tables with only the counts 1-4 withheld (no secondary cells): it recovers
    them, in the metric tables and across tables through the payments, so the test above can fail."""
    truth, shown = reports
    true_cells = cells(truth)
    primary = {c: (None if 0 < v < T or c[2] == "payment" and v and any(
        0 < true_cells[(c[0], c[1], d)] < T for d in TARIFF) else v) for c, v in true_cells.items()}
    equal, at_most = equations(shown)
    recovered = attack(true_cells, primary, equal, at_most)
    assert len(recovered) >= 10
    assert {cell[0][0] for cell in recovered} >= {"waiting_times", "declines", "payments"}


def test_tables_suppressed_each_on_its_own_give_each_other_away(reports, monkeypatch):
    """The cross-table case: suppressed one table at a time (no shared suppression), case mix and payments show
    a provider's sustained recoveries that its own table withholds, and the re-presentations follow from it."""
    from throughcare.reporting import suppression

    truth, _shown = reports
    results = {name: run_django(metric) for name, metric in METRICS.items()}
    names = dict(RAgency.objects.values_list("agency_id", "name"))
    monkeypatch.setattr(dashboards, "shared", lambda tables, t: [suppression.suppress(tb, t) for tb, _c in tables])
    alone = dashboards.assemble_commissioner(results, names, T, TARIFF, as_of=keys.from_day(fx.AS_OF))
    equal, at_most = equations(alone)
    recovered = attack(cells(truth), cells(alone), equal, at_most)
    assert recovered and {cell[0][:3:2] for cell in recovered} == {("sustained_recovery", "re_presented")}
    published = cells(alone)
    assert any(published[("casemix", label, "sustained")] is not None
               and published[("sustained_recovery", label, "sustained")] is None for (_t, label, _c), *_x in recovered)
