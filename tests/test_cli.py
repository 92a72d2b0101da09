"""The `throughcare` command line."""

from __future__ import annotations

from collections import Counter

import pytest
from typer.testing import CliRunner

from throughcare.accounts.actions import user_for_token
from throughcare.agencies.models import Agency, Staff
from throughcare.careteam.models import CareTeamMember
from throughcare.cli import app
from throughcare.core.demo import CASELOAD
from throughcare.core.models import DatabaseMark
from throughcare.episodes.models import Episode
from throughcare.journey.models import Event
from throughcare.people.models import Person
from throughcare.plans.models import PlanVersion, RecoveryPlan

runner = CliRunner()


def test_agency_user_and_token(db):
    result = runner.invoke(app, ["agency", "create", "Harbour Service", "--kind", "community_treatment"])
    assert result.exit_code == 0, result.output
    assert Agency.objects.filter(name="Harbour Service").exists()
    result = runner.invoke(app, ["user", "create", "--username", "kai", "--agency", "Harbour Service",
                                 "--role", "key_worker", "--password", "a-long-password"])
    assert result.exit_code == 0, result.output
    assert Staff.objects.get(user__username="kai").role == "key_worker"
    result = runner.invoke(app, ["token", "create", "kai"])
    assert result.exit_code == 0
    token = result.output.strip()
    assert user_for_token(token).username == "kai"


@pytest.mark.parametrize("args,message", [
    (["agency", "create", "X", "--kind", "spaceport"], "kind"),
    (["user", "create", "--username", "u", "--agency", "Nowhere", "--role", "key_worker", "--password", "p" * 12],
     "agency"),
    (["user", "create", "--username", "u", "--agency", "Nowhere", "--role", "wizard", "--password", "p" * 12], "role"),
    (["token", "create", "nobody"], "username"),
])
def test_bad_input_names_the_field_without_a_traceback(db, args, message):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_demo_world_refuses_an_unmarked_database(db):
    result = runner.invoke(app, ["demo-world", "--people", "5"])
    assert result.exit_code == 1
    assert "not marked as a demo" in result.output
    assert not Person.objects.exists()


def test_demo_world_builds_a_partnership(db):
    DatabaseMark.objects.create(key=DatabaseMark.DEMO)
    result = runner.invoke(app, ["demo-world", "--people", "40", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert Person.objects.count() == 40
    assert Agency.objects.filter(kind="prison").exists() and Agency.objects.filter(kind="commissioner").exists()
    assert Agency.objects.count() >= 6 and Staff.objects.count() >= 30
    assert Episode.objects.filter(setting="prison").exists()
    assert Event.objects.count() > 40 * 3
    assert "kw.amara" in result.output and "throughcare-demo" in result.output
    # Care teams: every lead works at an agency with a current episode (others, such as whoever meets
    # someone at the prison gate, join without one), one lead each, caseloads capped.
    members = list(CareTeamMember.objects.select_related("person", "worker"))
    assert members
    for member in members:
        if member.is_lead:
            assert Episode.objects.filter(person=member.person, agency_id=member.agency_id,
                                          ended_on__isnull=True).exists()
    leads = Counter(m.person_id for m in members if m.is_lead)
    assert set(leads.values()) == {1} and len(leads) == len({m.person_id for m in members})
    assert max(Counter(m.worker_id for m in members).values()) <= CASELOAD
    # kw.amara's people have recovery plans (made through the action: each has its first version).
    amara_leads = {m.person_id for m in members if m.is_lead and m.worker.username == "kw.amara"}
    assert amara_leads
    assert set(RecoveryPlan.objects.values_list("person_id", flat=True)) == amara_leads
    assert PlanVersion.objects.filter(plan__person_id__in=amara_leads).count() == len(amara_leads)
    again = runner.invoke(app, ["demo-world", "--people", "40", "--if-empty"])
    assert again.exit_code == 0 and Person.objects.count() == 40


def test_audit_verify_and_checkpoint(db, tmp_path):
    runner.invoke(app, ["agency", "create", "Harbour Service", "--kind", "housing"])
    path = tmp_path / "cp.jsonl"
    result = runner.invoke(app, ["audit", "checkpoint", "--export", str(path)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["audit", "verify", "--checkpoints", str(path)])
    assert result.exit_code == 0
    assert "intact" in result.output
