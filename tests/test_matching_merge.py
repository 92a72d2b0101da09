"""Merging two records of one person and separating them again: nothing lost, the access policy follows
the merge map, the audit trail is never rewritten, and only a Caldicott guardian decides."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from throughcare.audit.models import AuditEntry
from throughcare.careteam.actions import add_member
from throughcare.cli import app
from throughcare.consent.actions import record_consent
from throughcare.episodes.actions import start_episode
from throughcare.journey.actions import add_note
from throughcare.journey.models import Event, EventKind
from throughcare.matching import merges
from throughcare.matching.actions import merge_records, propose_merges, unmerge_records
from throughcare.matching.models import MatchKey, MergeProposal, PersonMerge, ProposalStatus
from throughcare.people.actions import register_person
from throughcare.people.inputs import PersonDetails
from throughcare.people.models import NameKind, Person

MERGE_KINDS = (EventKind.RECORDS_MERGED, EventKind.RECORDS_UNMERGED)


@pytest.fixture
def twin(world):
    """A second record of Jo, made at the prison (which cannot see Riverside's), with its own story."""
    grace = world["staff"]["grace"].user
    joanne = register_person(actor=grace, details=PersonDetails(
        given_names="Joanne", family_name="Blogs", date_of_birth=dt.date(1985, 3, 27), postcode="SA1 1AA",
        sex="female", probation_reference="X123456"))
    start_episode(actor=grace, person_id=joanne.pk, setting="prison", service="Healthcare",
                  started_on=dt.date(2026, 2, 1))
    add_note(actor=grace, person_id=joanne.pk, text="Seen at reception", category="offending")
    record_consent(actor=grace, person_id=joanne.pk, recipient_kind="community_treatment", purposes=["direct_care"],
                   categories=["offending"], how_given="written")
    add_member(actor=grace, person_id=joanne.pk, worker="grace", lead=True)
    amara = world["staff"]["amara"].user
    add_member(actor=amara, person_id=world["jo"].pk, worker="amara", lead=True)
    return joanne


def snapshot(person) -> dict:
    """Every row of every table that points at the person (merge and unmerge events left out)."""
    rows = {}
    for model, fk in merges._relations():
        query = model._base_manager.filter(**{fk.name: person})
        if model is Event:
            query = query.exclude(kind__in=MERGE_KINDS)
        rows[merges._label(model, fk)] = set(query.values_list("pk", flat=True))
    return rows


def test_merge_combines_everything_and_unmerge_restores_it_exactly(world, twin):
    jo, alan = world["jo"], world["staff"]["alan"].user
    before_jo, before_twin = snapshot(jo), snapshot(twin)
    assert before_twin["journey.event.person"] and before_twin["consent.consent.person"]
    merge = merge_records(actor=alan, keep_id=jo.pk, merge_id=twin.pk, reason="Same NHS patient, confirmed by GP")
    after_jo, after_twin = snapshot(jo), snapshot(twin)
    for label in before_jo:
        assert after_jo[label] == before_jo[label] | before_twin[label], label  # nothing lost
        assert after_twin[label] == set(), label
    names = {(n.given_names, n.kind) for n in jo.names.all()}
    assert ("Jo", NameKind.USUAL) in names and ("Joanne", NameKind.ALIAS) in names
    leads = jo.care_team.filter(left_at__isnull=True, is_lead=True)
    assert [m.worker.username for m in leads] == ["amara"]  # one lead: the kept record's
    assert Event.objects.filter(person=jo, kind=EventKind.RECORDS_MERGED).count() == 1
    # One entry for the merge, naming both records (each one's trail finds it: audit.reads.about).
    [merged_entry] = AuditEntry.objects.filter(action="person.merge")
    assert merged_entry.person_id == jo.pk and set(merged_entry.subjects) == {str(jo.pk), str(twin.pk)}
    assert not MatchKey.objects.filter(person=twin).exists()
    from throughcare.matching.index import rebuild

    rebuild()
    assert not MatchKey.objects.filter(person=twin).exists()  # a merged record stays out of the index
    assert Person.objects.filter(pk=twin.pk).exists()  # the merged record's own row is kept

    unmerge_records(actor=alan, merge_id=merge.pk, reason="Twins: different people after all")
    assert snapshot(jo) == before_jo and snapshot(twin) == before_twin
    assert twin.names.get().kind == NameKind.USUAL
    assert twin.care_team.get().is_lead is True
    for person in (jo, twin):
        assert Event.objects.filter(person=person, kind=EventKind.RECORDS_UNMERGED).count() == 1
    assert MatchKey.objects.filter(person=twin).exists()
    assert PersonMerge.objects.get().unmerged_at is not None


def test_the_access_policy_follows_the_merge_map(api, world, twin):
    jo, alan = world["jo"], world["staff"]["alan"].user
    grace, amara = api("grace"), api("amara")
    assert grace.get(f"/people/{jo.pk}").status_code == 404
    merge = merge_records(actor=alan, keep_id=jo.pk, merge_id=twin.pk, reason="Same person")
    # The merged record's id leads to the kept record, for everyone who may see the person.
    for client in (grace, amara):
        response = client.get(f"/people/{twin.pk}")
        assert response.status_code == 200
        assert response.json()["id"] == str(jo.pk)
    assert grace.get(f"/people/{jo.pk}").status_code == 200  # the prison keeps its relationship
    listed = {item["id"] for item in grace.get("/people", q="blogs").json()["items"]}
    assert listed == {str(jo.pk)}  # never the merged record
    assert str(twin.pk) not in {item["id"] for item in amara.get("/people", q="joanne").json()["items"]}
    # The audit trail keeps the merged record's entries under its own id and reads them through the map.
    twin_entries = set(AuditEntry.objects.filter(person_id=twin.pk).values_list("seq", flat=True))
    trail = api("alan").get("/audit", person=str(jo.pk), page_size=500).json()
    assert twin_entries <= {item["seq"] for item in trail["items"]}
    unmerge_records(actor=alan, merge_id=merge.pk, reason="Different people")
    assert grace.get(f"/people/{jo.pk}").status_code == 404
    assert grace.get(f"/people/{twin.pk}").json()["id"] == str(twin.pk)


def test_registered_relationship_survives_when_only_registration_linked_the_agency(api, world):
    """Open Door registered a record, then ended its contact; merged into Riverside's, Open Door still
    knows the person it registered."""
    xena = world["staff"]["xena"].user
    other = register_person(actor=xena, details=PersonDetails(given_names="Jo", family_name="Bloggs",
                                                              date_of_birth=dt.date(1985, 3, 27)))
    merge_records(actor=world["staff"]["alan"].user, keep_id=world["jo"].pk, merge_id=other.pk, reason="Same person")
    assert api("xena").get(f"/people/{world['jo'].pk}").status_code == 200


def test_only_a_caldicott_guardian_merges(api, world, twin):
    for who in ("amara", "grace", "sam", "yusuf"):
        assert api(who).get("/matching/proposals").status_code == 403
    with pytest.raises(Exception, match="Caldicott guardian"):
        merge_records(actor=world["staff"]["amara"].user, keep_id=world["jo"].pk, merge_id=twin.pk, reason="x")
    assert not PersonMerge.objects.exists()


@pytest.mark.parametrize("change,field,message", [
    ({"reason": ""}, "reason", "Enter why"),
    ({"same": True}, "merge_id", "two different records"),
])
def test_merge_input_is_checked(world, twin, change, field, message):
    keep = twin.pk if change.get("same") else world["jo"].pk
    with pytest.raises(Exception) as failure:
        merge_records(actor=world["staff"]["alan"].user, keep_id=keep, merge_id=twin.pk,
                      reason=change.get("reason", "Same person"))
    assert message in failure.value.fields[field]
    assert not PersonMerge.objects.exists()


def test_records_with_different_nhs_numbers_are_not_merged(world):
    grace = world["staff"]["grace"].user
    other = register_person(actor=grace, details=PersonDetails(given_names="Jo", family_name="Bloggs",
                                                               date_of_birth=dt.date(1985, 3, 27),
                                                               nhs_number="943 476 5919"))
    before = snapshot(other)
    with pytest.raises(Exception) as failure:
        merge_records(actor=world["staff"]["alan"].user, keep_id=world["jo"].pk, merge_id=other.pk, reason="x")
    assert "different NHS numbers" in failure.value.fields["merge_id"]
    assert snapshot(other) == before


def test_the_job_proposes_each_pair_once_and_a_guardian_merges_through_the_api(api, world, twin):
    made = propose_merges(actor=None)
    assert len(made) == 1
    proposal = made[0]
    assert {str(proposal.person_a_id), str(proposal.person_b_id)} == {str(world["jo"].pk), str(twin.pk)}
    assert proposal.probability >= 0.9
    assert propose_merges(actor=None) == []  # already proposed
    assert AuditEntry.objects.filter(action="matching.job.run").count() == 2
    alan = api("alan")
    listing = alan.get("/matching/proposals").json()
    assert listing["total"] == 1
    record = listing["items"][0]["records"]
    assert {r["registered_by"] for r in record} == {"Riverside Recovery", "HMP Northgate"}
    read = alan.get(f"/matching/proposals/{proposal.pk}")
    assert read["ETag"] == '"1"'
    entry = AuditEntry.objects.filter(action="merge_proposal.read").latest("seq")
    assert set(entry.subjects) == {str(world["jo"].pk), str(twin.pk)}
    stale = alan.client.post(f"/api/v1/matching/proposals/{proposal.pk}/merge",
                             json.dumps({"keep": str(world["jo"].pk), "reason": "Same"}), content_type="application/json",
                             headers={**alan.headers, "If-Match": '"7"'})
    assert stale.status_code == 412
    done = alan.post(f"/matching/proposals/{proposal.pk}/merge", {"keep": str(world["jo"].pk), "reason": "Same"})
    assert done.status_code == 201, done.content
    assert done.json()["kept"] == str(world["jo"].pk) and done.json()["moved"]["journey.event.person"] >= 3
    again = alan.post(f"/matching/proposals/{proposal.pk}/merge", {"keep": str(world["jo"].pk), "reason": "Same"})
    assert again.status_code == 422
    separated = alan.post(f"/matching/merges/{done.json()['id']}/unmerge", {"reason": "Twins"})
    assert separated.status_code == 200 and separated.json()["unmerged_at"]
    assert MergeProposal.objects.get(pk=proposal.pk).status == ProposalStatus.REJECTED
    assert propose_merges(actor=None) == []  # found to be different people: never proposed again


def test_reject_a_proposal(api, world, twin):
    [proposal] = propose_merges(actor=None)
    alan = api("alan")
    empty = alan.post(f"/matching/proposals/{proposal.pk}/reject", {"note": " "})
    assert empty.status_code == 422 and "Enter why" in empty.json()["error"]["fields"]["note"]
    done = alan.post(f"/matching/proposals/{proposal.pk}/reject", {"note": "Different mothers' names"})
    assert done.status_code == 200 and done.json()["status"] == "rejected"
    [rejected] = AuditEntry.objects.filter(action="merge_proposal.reject")  # one entry naming both records
    assert set(rejected.subjects) == {str(proposal.person_a_id), str(proposal.person_b_id)}
    assert alan.get("/matching/proposals").json()["total"] == 0


def test_merge_and_separate_pages(browser_client, world, twin):
    [proposal] = propose_merges(actor=None)
    client = browser_client("alan")
    listing = client.get("/caldicott/merges/")
    assert listing.status_code == 200 and f"/caldicott/merges/{proposal.pk}" in listing.content.decode()
    unknown = client.get("/caldicott/merges/", {"status": "abc"})  # a filter the page does not know: named
    assert unknown.status_code == 400 and "status: Choose open, merged, rejected or superseded" in unknown.content.decode()
    page = client.get(f"/caldicott/merges/{proposal.pk}")
    html = page.content.decode()
    assert "HMP Northgate" in html and "Riverside Recovery" in html and "Seen at reception" not in html
    bad = client.post(f"/caldicott/merges/{proposal.pk}", {"decision": "merge", "keep": str(world["jo"].pk),
                                                          "reason": "", "version": "1"})
    assert bad.status_code == 422 and "Enter why these records are the same person" in bad.content.decode()
    done = client.post(f"/caldicott/merges/{proposal.pk}", {"decision": "merge", "keep": str(world["jo"].pk),
                                                           "reason": "Same person", "version": "1"})
    assert done.status_code == 302
    merge = PersonMerge.objects.get()
    assert merge.into_person_id == world["jo"].pk
    assert browser_client("amara").get("/caldicott/merges/").status_code == 403
    form = client.get(f"/caldicott/merges/separate/{merge.pk}")
    assert form.status_code == 200
    separated = client.post(f"/caldicott/merges/separate/{merge.pk}", {"reason": "Different people"})
    assert separated.status_code == 302
    merge.refresh_from_db()
    assert merge.unmerged_at is not None and merge.unmerged_at <= timezone.now()


def test_link_match_command(world, twin):
    result = CliRunner().invoke(app, ["link", "match"])
    assert result.exit_code == 0, result.output
    assert "1 new merge proposal" in result.output


def test_the_review_queue_links_to_possible_duplicates(browser_client, world):
    html = browser_client("alan").get("/caldicott/").content.decode()
    assert 'href="/caldicott/merges/"' in html
