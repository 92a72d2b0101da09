"""Custody and release planning pages (through the Django test client), the peer mentor's gate list, the
continuity dashboard and the command line."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from typer.testing import CliRunner

from tests.gate_world import days, received, share
from throughcare.audit.models import AuditEntry
from throughcare.cli import app
from throughcare.custody.models import Custody
from throughcare.releases.models import ChecklistItem, CommunityHandover, ReleasePlan


def _date(prefix: str, day: dt.date) -> dict:
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month), f"{prefix}-year": str(day.year)}


def _next_friday(after: int = 10) -> dt.date:
    day = days(after)
    while day.weekday() != 4:
        day += dt.timedelta(days=1)
    return day


def test_reception_page_finds_by_prison_number_and_names_bad_fields(browser_client, world):
    grace = browser_client("grace")
    page = grace.get("/custody/reception")
    assert page.status_code == 200 and "Receive someone into custody" in page.content.decode()
    bad = grace.post("/custody/reception", {"prison_number": "nope", **_date("received_on", days(-1)),
                                            "reception_type": "sentenced"})
    assert bad.status_code == 422 and "Prison number must look like A1234BC" in bad.content.decode()
    blank = grace.post("/custody/reception", {"prison_number": " ", **_date("received_on", days(-1)),
                                              "reception_type": "sentenced"})
    assert blank.status_code == 422 and "Enter their prison number, like A1234BC" in blank.content.decode()
    missing = grace.post("/custody/reception", {"prison_number": "A1234BC", **_date("date_of_birth", dt.date(1985, 3, 27)),
                                                "reception_type": "sentenced"})
    assert missing.status_code == 422 and "Enter the reception date" in missing.content.decode()
    done = grace.post("/custody/reception", {"prison_number": "A1234BC", **_date("date_of_birth", dt.date(1985, 3, 27)),
                                             **_date("received_on", days(-1)), "reception_type": "sentenced"})
    custody = Custody.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/custody/{custody.pk}"
    detail = grace.get(done["Location"]).content.decode()
    assert "Custody at HMP Northgate" in detail and "Record the first-night screen" in detail
    assert browser_client("amara").get("/custody/reception").status_code == 403


def test_a_prison_worker_builds_a_plan_on_the_pages(browser_client, world, api):
    custody = received(api, world)
    grace = browser_client("grace")
    friday = _next_friday()
    set_date = grace.post(f"/custody/{custody['id']}/release-date", {**_date("release_on", friday), "version": "1"})
    assert set_date.status_code == 302
    plan = ReleasePlan.objects.get()
    page = grace.get(f"/release-plans/{plan.pk}").content.decode()
    assert "Release on a Friday" in page and "Not in place" in page
    assert "Accommodation for the night of release" in page and "9 outstanding" in page
    item = ChecklistItem.objects.get(plan=plan, kind="accommodation")
    refused = grace.post(f"/release-plan-items/{item.pk}", {"status": "done", "version": "1"})
    assert refused.status_code == 422
    assert "To mark it done, enter: type of accommodation, address for the night of release" in refused.content.decode()
    saved = grace.post(f"/release-plan-items/{item.pk}", {"status": "done", "version": "1", "d_accommodation_type": "hostel",
                                                          "place": "3 Dock Road, Swansea"})
    assert saved.status_code == 302, saved.content.decode()[:3000]
    gate = ChecklistItem.objects.get(plan=plan, kind="met_at_gate")
    meet = grace.post(f"/release-plan-items/{gate.pk}", {
        "status": "done", "version": "1", "worker": "una", **_date("at_date", friday), "at_time": "08:30",
        "place": "Gate lodge, HMP Northgate"})
    assert meet.status_code == 302
    page = grace.get(f"/release-plans/{plan.pk}").content.decode()
    assert "Hostel-type accommodation" in page and "7 outstanding" in page and "Gate lodge, HMP Northgate" in page
    stale = grace.post(f"/release-plan-items/{item.pk}", {"status": "in_progress", "version": "1"})
    assert stale.status_code == 422 and "Someone else changed this" in stale.content.decode()
    handover = grace.post(f"/release-plans/{plan.pk}/handover", {"receiving_agency": str(world["agencies"]["riverside"].pk)})
    assert handover.status_code == 302 and CommunityHandover.objects.exists()
    listing = grace.get("/releases/").content.decode()
    assert "Jo Bloggs" in listing and "Friday release" in listing


def test_the_community_service_acknowledges_on_the_plan_page(browser_client, world, api):
    received(api, world, release_on=days(20).isoformat())
    plan = ReleasePlan.objects.get()
    api("grace").post(f"/release-plans/{plan.pk}/handover", {"receiving_agency": str(world["agencies"]["riverside"].pk)})
    amara = browser_client("amara")
    listing = amara.get("/releases/").content.decode()
    assert "To acknowledge" in listing
    page = amara.get(f"/release-plans/{plan.pk}").content.decode()
    assert "Acknowledge the handover" in page
    handover = CommunityHandover.objects.get()
    done = amara.post(f"/release-handovers/{handover.pk}/acknowledge", {"version": "1"})
    assert done.status_code == 302
    handover.refresh_from_db()
    assert handover.acknowledged_by.username == "amara"
    assert "Yes, on" in amara.get(f"/release-plans/{plan.pk}").content.decode()
    other_side = browser_client("grace").post(f"/release-handovers/{handover.pk}/acknowledge")
    assert other_side.status_code == 403 and "Only Riverside Recovery, which receives the handover" in (
        other_side.content.decode())
    assert browser_client("yusuf").get(f"/release-plans/{plan.pk}").status_code == 404


def test_review_page_confirms_every_item(browser_client, world, api):
    received(api, world, release_on=days(20).isoformat())
    plan = ReleasePlan.objects.get()
    grace = browser_client("grace")
    form = grace.get(f"/release-plans/{plan.pk}/review")
    assert form.status_code == 200 and "Accommodation for the night of release: does it still hold?" in form.content.decode()
    kinds = list(ChecklistItem.objects.filter(plan=plan).values_list("kind", flat=True))
    answers = {f"holds_{k}": "yes" for k in kinds if k != "naloxone"}
    missing = grace.post(f"/release-plans/{plan.pk}/review", {**_date("held_on", days(0)), **answers, "version": "1"})
    assert missing.status_code == 422 and "Say whether naloxone issued still holds" in missing.content.decode()
    answers["holds_naloxone"] = "yes"
    done = grace.post(f"/release-plans/{plan.pk}/review", {**_date("held_on", days(0)), **answers, "version": "1"})
    assert done.status_code == 302
    assert ReleasePlan.objects.get().last_reviewed_on == days(0)


def test_the_peer_mentor_sees_only_their_part(browser_client, world, api):
    """Contact details and appointments only: on the gate list, the plan page and the API, never the checklist's
    status, blockers or places, whose free text can hold what a peer mentor may not see."""
    import json

    from throughcare.people.models import Person

    received(api, world, release_on=days(20).isoformat())
    plan = ReleasePlan.objects.get()
    Person.objects.filter(pk=world["jo"].pk).update(phone="07700 900456")
    at = (timezone.localtime() + dt.timedelta(days=20)).replace(hour=8, minute=30, second=0, microsecond=0)
    probation_at = (timezone.localtime() + dt.timedelta(days=22)).replace(hour=14, minute=0, second=0, microsecond=0)
    items = {i.kind: i for i in ChecklistItem.objects.filter(plan=plan)}
    changes = (
        ("met_at_gate", {"worker": "una", "at": at.isoformat(), "place": "Gate lodge, HMP Northgate",
                         "phone": "07700 900123"}),
        ("prescribing", {"details": {"current_script": "Methadone 60ml daily"},
                         "blocker": "Waiting for the methadone prescriber to confirm the dose"}),
        ("accommodation", {"place": "Harm reduction hostel, 3 Dock Road", "blocker": "Relapsed last month"}),
        ("probation_appointment", {"at": probation_at.isoformat(), "place": "Swansea Probation, 9 Castle Street",
                                   "contact_name": "Pat Officer"}),
    )
    for kind, body in changes:
        client = api("grace")
        response = client.client.patch(f"/api/v1/release-plan-items/{items[kind].pk}", json.dumps(body),
                                       content_type="application/json", headers=client.headers)
        assert response.status_code == 200, response.content
    booked = api("amara").post(f"/people/{world['jo'].pk}/appointments", {
        "starts_at": (at + dt.timedelta(days=1)).isoformat(), "mode": "in_person", "location": "12 High Street"})
    assert booked.status_code == 201, booked.content
    secrets = ("Methadone", "methadone prescriber", "Relapsed last month", "Harm reduction hostel", "Blocked")

    una = browser_client("una")
    page = una.get("/gate/").content.decode()
    assert "Jo Bloggs" in page and "Gate lodge, HMP Northgate" in page and "08:30" in page and "07700 900456" in page
    # The appointments they support: the one booked in Throughcare and the probation appointment on the plan.
    assert "with Riverside Recovery, 12 High Street" in page
    assert "Probation appointment with Pat Officer, Swansea Probation, 9 Castle Street" in page
    for secret in secrets:
        assert secret not in page, secret

    plan_page = una.get(f"/release-plans/{plan.pk}").content.decode()
    assert "contact details and appointments" in plan_page and "07700 900456" in plan_page
    assert "Gate lodge, HMP Northgate" in plan_page and "Swansea Probation, 9 Castle Street" in plan_page
    assert "12 High Street" in plan_page and 'data-testid="checklist"' not in plan_page
    for secret in (*secrets, "outstanding", "Prescribing continuity", "Accommodation for the night"):
        assert secret not in plan_page, secret
    # The prison still sees the whole plan, blockers and all.
    full = browser_client("grace").get(f"/release-plans/{plan.pk}").content.decode()
    assert "Relapsed last month" in full and 'data-testid="checklist"' in full

    seen = api("una").get(f"/release-plans/{plan.pk}").json()
    assert seen["contact_only"] is True and seen["outstanding"] is None and seen["handover"] is None
    assert {i["kind"] for i in seen["items"]} == {"met_at_gate", "probation_appointment", "first_treatment_appointment",
                                                   "benefits"}
    assert all(i["blocker"] == "" and i["details"] is None for i in seen["items"])
    for secret in secrets:
        assert secret not in json.dumps(seen), secret
    assert api("grace").get(f"/release-plans/{plan.pk}").json()["contact_only"] is False
    listed = json.dumps(api("una").get(f"/people/{world['jo'].pk}/release-plans").json())
    assert "Relapsed last month" not in listed and "Methadone" not in listed

    assert una.get(f"/release-plan-items/{items['prescribing'].pk}").status_code == 403
    assert una.get(f"/release-plans/{plan.pk}/pack.pdf").status_code == 403
    entry = AuditEntry.objects.filter(action="release_plan.gate", username="una").latest("seq")
    assert str(world["jo"].pk) in (entry.subjects or [str(entry.person_id)])
    read = AuditEntry.objects.filter(action="release_plan.read", username="una").latest("seq")
    assert read.categories == ["contact_admin"]
    assert "Jo Bloggs" not in browser_client("xena").get("/gate/").content.decode()  # not meeting anyone
    api_list = api("una").get("/gate").json()
    assert [row["display_name"] for row in api_list] == ["Jo Bloggs"] and "details" not in api_list[0]
    assert [(a["what"], a["place"]) for a in api_list[0]["appointments"]] == [
        ("Appointment", "12 High Street"), ("Probation appointment", "Swansea Probation, 9 Castle Street")]


def test_the_continuity_dashboard_is_aggregate_and_suppresses_small_numbers(browser_client, world, api):
    received(api, world, release_on=days(10).isoformat())
    custody = Custody.objects.get()
    client = api("grace")
    client.client.post(f"/api/v1/custody/{custody.pk}/release", __import__("json").dumps(
        {"released_on": days(-1).isoformat(), "release_type": "parole", "destination_area": "Swansea"}),
        content_type="application/json", headers=client.headers)
    yusuf = browser_client("yusuf")
    page = yusuf.get("/continuity/")
    text = page.content.decode()
    assert page.status_code == 200 and "Continuity of care after release" in text
    assert "fewer than 5" in text and "Jo Bloggs" not in text
    report = api("yusuf").get("/continuity", weeks=4).json()
    assert report["total"]["releases"] is None and report["total"]["releases_text"] == "fewer than 5"
    assert AuditEntry.objects.filter(action="continuity.read", username="yusuf").exists()
    by_area = api("yusuf").get("/continuity", area="Cardiff").json()
    assert by_area["total"]["releases"] == 0 and by_area["scope"] == "area Cardiff"
    assert api("yusuf").get("/continuity", prison="x", area="y").status_code == 422
    assert browser_client("una").get("/continuity/").status_code == 403
    assert browser_client("sam").get("/continuity/").status_code == 403


def test_continuity_counts_when_numbers_are_large_enough(world, api, settings):
    from throughcare.releases.continuity import continuity_report

    settings.CONTINUITY_SUPPRESS_BELOW = 1  # no suppression: the arithmetic is checked
    received(api, world, release_on=days(10).isoformat())
    custody = Custody.objects.get()
    ChecklistItem.objects.filter(plan__custody=custody).update(status="not_needed")
    client = api("grace")
    client.client.post(f"/api/v1/custody/{custody.pk}/release", __import__("json").dumps(
        {"released_on": days(-1).isoformat(), "release_type": "parole", "destination_area": "Swansea"}),
        content_type="application/json", headers=client.headers)
    report = continuity_report(world["staff"]["yusuf"].user, prison=str(world["agencies"]["prison"].pk), weeks=2)
    assert report["total"]["releases"] == 1 and report["total"]["complete_at_release"] == 1
    assert report["total"]["complete_rate"] == "100%" and report["total"]["engaged_within_21_days"] == 0


def _released(world, n: int, *, by: str, days_ago: int, complete: bool = False, engaged_on_day: int | None = None,
              recalled_on_day: int | None = None):
    """Person n, received at `by`'s prison, handed over to Riverside and released `days_ago` days ago."""
    from throughcare.custody.actions import receive_into_custody, release_from_custody
    from throughcare.people.actions import register_person
    from throughcare.people.inputs import PersonDetails
    from throughcare.releases.actions import record_first_intervention, send_handover

    amara, prison_worker = world["staff"]["amara"].user, world["staff"][by].user
    born, number = dt.date(1990, 1, n), f"C{1000 + n}DE"
    register_person(actor=amara, details=PersonDetails(given_names=f"Lee{n}", family_name="Release",
                                                       date_of_birth=born, prison_number=number))
    custody = receive_into_custody(actor=prison_worker, prison_number=number, date_of_birth=born,
                                   received_on=days(-200), reception_type="sentenced", release_on=days(10))
    plan = ReleasePlan.objects.get(custody=custody)
    if complete:
        ChecklistItem.objects.filter(plan=plan).update(status="not_needed")
    handover = send_handover(actor=prison_worker, plan_id=plan.pk,
                             receiving_agency=str(world["agencies"]["riverside"].pk))
    released_on = days(-days_ago)
    release_from_custody(actor=prison_worker, custody_id=custody.pk, released_on=released_on,
                         release_type="conditional_release", destination_area="Swansea")
    if engaged_on_day is not None:
        record_first_intervention(actor=amara, handover_id=handover.pk,
                                  first_intervention_on=released_on + dt.timedelta(days=engaged_on_day))
    if recalled_on_day is not None:
        receive_into_custody(actor=prison_worker, prison_number=number, date_of_birth=born,
                             received_on=released_on + dt.timedelta(days=recalled_on_day), reception_type="recall")


def test_continuity_counts_engagement_and_recalls_by_week_and_by_prison(world, settings):
    """Several weeks, two prisons: engaged people are counted, a recall within 21 days is counted apart and
    left out of the engagement rate, and the prison filter leaves the other prison's releases out."""
    from tests.gate_world import second_prison
    from throughcare.releases import engagement
    from throughcare.releases.continuity import continuity_report, week_start

    settings.CONTINUITY_SUPPRESS_BELOW = 1  # no suppression: the arithmetic is checked
    second_prison(world)
    _released(world, 1, by="grace", days_ago=30, complete=True, engaged_on_day=5)
    _released(world, 2, by="grace", days_ago=30)  # never seen: not engaged once the daily run passes day 21
    _released(world, 3, by="grace", days_ago=23, recalled_on_day=6)
    _released(world, 4, by="grace", days_ago=16, engaged_on_day=2)
    _released(world, 5, by="erin", days_ago=30, engaged_on_day=3)
    engagement.run()
    assert CommunityHandover.objects.filter(outcome="recalled").count() == 1
    assert CommunityHandover.objects.filter(outcome="not_engaged").count() == 1

    yusuf = world["staff"]["yusuf"].user
    northgate = continuity_report(yusuf, prison=str(world["agencies"]["prison"].pk), weeks=6)
    weeks = {row["week_starting"]: row for row in northgate["weeks"]}
    assert len(weeks) == 6
    thirty, twenty_three, sixteen = (weeks[week_start(days(-n))] for n in (30, 23, 16))
    assert (thirty["releases"], thirty["engaged_within_21_days"], thirty["complete_at_release"],
            thirty["recalled_within_21_days"], thirty["engaged_rate"]) == (2, 1, 1, 0, "50%")
    assert (twenty_three["releases"], twenty_three["engaged_within_21_days"],
            twenty_three["recalled_within_21_days"], twenty_three["engaged_rate"]) == (1, 0, 1, None)
    assert (sixteen["releases"], sixteen["engaged_within_21_days"], sixteen["engaged_rate"]) == (1, 1, "100%")
    assert sixteen["provisional"] and not thirty["provisional"]
    assert sum(row["releases"] for row in northgate["weeks"]) == 4  # Eastwood's release is left out
    total = northgate["total"]
    assert (total["releases"], total["engaged_within_21_days"], total["recalled_within_21_days"],
            total["complete_at_release"]) == (4, 2, 1, 1)
    assert total["engaged_rate"] == "67%"  # 2 of the 3 who had their 21 days in the community
    eastwood = continuity_report(yusuf, prison=str(world["agencies"]["eastwood"].pk), weeks=6)["total"]
    assert (eastwood["releases"], eastwood["engaged_within_21_days"], eastwood["engaged_rate"]) == (1, 1, "100%")
    everyone = continuity_report(yusuf, weeks=6)["total"]
    assert (everyone["releases"], everyone["engaged_within_21_days"], everyone["recalled_within_21_days"]) == (5, 3, 1)
    # With the usual threshold, the same figures are withheld: nothing here reaches 5 but the total.
    settings.CONTINUITY_SUPPRESS_BELOW = 5
    suppressed = continuity_report(yusuf, weeks=6)["total"]
    assert suppressed["releases"] == 5 and suppressed["engaged_within_21_days"] is None
    assert suppressed["recalled_within_21_days"] is None and suppressed["engaged_rate"] is None


def test_the_command_line_opens_due_plans_and_runs_the_clock(world, api, settings):
    settings.RELEASE_PLAN_WEEKS = 1
    received(api, world, release_on=days(5).isoformat())
    ReleasePlan.objects.all().delete()  # as if the date had been set before it came into the window
    runner = CliRunner()
    result = runner.invoke(app, ["releases", "open-due"])
    assert result.exit_code == 0, result.output
    assert "Release plans opened: 1" in result.output and ReleasePlan.objects.count() == 1
    result = runner.invoke(app, ["releases", "engagement"])
    assert result.exit_code == 0 and "alerts raised: 0" in result.output


def test_the_person_page_links_to_custody_and_the_release_plan(browser_client, world, api):
    received(api, world, release_on=days(20).isoformat())
    share(world, ["offending"])
    page = browser_client("amara").get(f"/people/{world['jo'].pk}/").content.decode()
    assert f"/people/{world['jo'].pk}/custody" in page and "Release plan for" in page
    custody_page = browser_client("amara").get(f"/people/{world['jo'].pk}/custody").content.decode()
    assert "HMP Northgate" in custody_page


def test_custody_pages_screen_transfer_and_release(browser_client, world, api):
    from tests.gate_world import second_prison

    second_prison(world)
    custody = received(api, world, release_on=days(20).isoformat())
    grace = browser_client("grace")
    first = grace.post(f"/custody/{custody['id']}/screen/first_night", {
        **_date("held_on", days(-30)), "on_script": "on", "script": "", "withdrawal_risk": "high"})
    assert first.status_code == 422 and "Enter the medicine and dose of their script" in first.content.decode()
    first = grace.post(f"/custody/{custody['id']}/screen/first_night", {
        **_date("held_on", days(-30)), "on_script": "on", "script": "Methadone 60ml daily", "withdrawal_risk": "high"})
    assert first.status_code == 302
    too_soon = grace.post(f"/custody/{custody['id']}/screen/full", {**_date("held_on", days(-30)),
                                                                     "housing": "Lost his flat"})
    assert too_soon.status_code == 422 and "Hold the fuller assessment after the first night" in too_soon.content.decode()
    detail = grace.get(f"/custody/{custody['id']}").content.decode()
    assert "Methadone 60ml daily" in detail and "Record the first-night screen" not in detail
    moved = grace.post(f"/custody/{custody['id']}/transfer", {
        "to_prison": str(world["agencies"]["eastwood"].pk), **_date("transferred_on", days(0)), "version": "1"})
    assert moved.status_code == 302
    new = Custody.objects.get(status="in_custody")
    erin = browser_client("erin")
    assert grace.get(f"/custody/{new.pk}").status_code == 404
    released = erin.post(f"/custody/{new.pk}/release", {**_date("released_on", days(0)), "release_type": "parole",
                                                        "destination_area": "", "version": "1"})
    assert released.status_code == 422 and "Enter the area they are going to" in released.content.decode()
    released = erin.post(f"/custody/{new.pk}/release", {**_date("released_on", days(0)), "release_type": "parole",
                                                        "destination_area": "Swansea", "version": "1"})
    assert released.status_code == 302
    assert ReleasePlan.objects.get().status == "released"


def test_list_pages_take_a_fixed_number_of_queries(browser_client, world, api):
    """The releases and gate lists cost the same whether they show one person or three."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from throughcare.people.actions import register_person
    from throughcare.people.inputs import PersonDetails

    def add_person(n: int):
        person = register_person(actor=world["staff"]["grace"].user, details=PersonDetails(
            given_names=f"Sam{n}", family_name="Example", date_of_birth=dt.date(1990, 1, n + 1),
            prison_number=f"B{1000 + n}CD"))
        received(api, world, prison_number=f"B{1000 + n}CD", date_of_birth=f"1990-01-{n + 1:02d}",
                 release_on=days(20).isoformat())
        gate_item = ChecklistItem.objects.get(plan__person=person, kind="met_at_gate")
        ChecklistItem.objects.filter(pk=gate_item.pk).update(worker=world["staff"]["una"].user,
                                                             at=timezone.now() + dt.timedelta(days=20))
        from throughcare.careteam.models import CareTeamMember

        CareTeamMember.objects.create(person=person, agency=world["agencies"]["peer"],
                                      worker=world["staff"]["una"].user, added_by=world["staff"]["grace"].user)

    grace, una = browser_client("grace"), browser_client("una")

    def count(client, path):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    add_person(1)
    one = (count(grace, "/releases/"), count(una, "/gate/"))
    add_person(2)
    add_person(3)
    three = (count(grace, "/releases/"), count(una, "/gate/"))
    assert one == three
    assert "Sam3 Example" in grace.get("/releases/").content.decode()
    assert "Receive someone into custody" in grace.get("/releases/").content.decode()


def test_a_person_the_prison_already_sees_is_received_by_id(api, world):
    from throughcare.people.actions import register_person
    from throughcare.people.inputs import PersonDetails

    person = register_person(actor=world["staff"]["grace"].user, details=PersonDetails(
        given_names="Lee", family_name="Walk-in", date_of_birth=dt.date(1992, 5, 5)))
    body = {"person": str(person.pk), "received_on": days(-1).isoformat(), "reception_type": "remand"}
    far = api("grace").post("/custody/receptions", {**body, "release_on": days(366 * 41).isoformat()})
    assert far.status_code == 422
    assert far.json()["error"]["fields"]["release_on"] == "The release date must be within the next 40 years"
    assert api("grace").post("/custody/receptions", body).status_code == 201
    unseen = api("grace").post("/custody/receptions", {**body, "person": str(world["jo"].pk)})
    assert unseen.status_code == 404  # Grace may not see Jo: an id alone is not enough


def test_the_daily_jobs_are_scheduled_in_the_docs_and_run_by_make_demo():
    """`releases open-due`, `releases engagement` and `reminders send` must run on a schedule: the README lists
    them, docs/operations.md gives cron and systemd timer examples, and `make demo` runs each once before
    serving, so the demo's plans and clocks are up to date."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    jobs = ("releases open-due", "releases engagement", "reminders send")
    readme = (root / "README.md").read_text()
    operations = (root / "docs" / "operations.md").read_text()
    recipe = (root / "Makefile").read_text().split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    serve = recipe.index("throughcare serve")
    for job in jobs:
        assert f"throughcare {job}" in readme, job
        assert f"throughcare {job}" in operations.split("## With cron", 1)[1].split("## With systemd", 1)[0], job
        assert job in recipe and recipe.index(job) < serve, job
    assert "OnCalendar=" in operations and "Persistent=true" in operations and "docs/operations.md" in readme
