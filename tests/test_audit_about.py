"""A person's audit entries include the searches and lists that showed them among others (audit.reads.about).

A search, a caseload or a list of referrals is audited as one entry naming everyone it showed in `subjects`,
with no single record. Before, every reader of "this person's entries" looked only at the record the entry
named, so a worker's "who has looked at this record", the person's own "who has looked at my record" (whose
words include "found you in a search") and the Caldicott guardian's audit trail filtered by person (page and
API) never listed a search that showed the person's name and date of birth to another agency.
"""

from __future__ import annotations

from django.test import Client

from tests.myrecord_helpers import invite_jo
from throughcare.audit.models import AuditEntry


def _search_showing_jo(browser_client, world) -> AuditEntry:
    """Amara searches for "Bloggs": Jo's name and date of birth are on the page."""
    page = browser_client("amara").get("/people/", {"q": "Bloggs"})
    assert page.status_code == 200 and "Bloggs" in page.content.decode()
    entry = AuditEntry.objects.filter(action="person.search").latest("seq")
    assert entry.person_id is None and str(world["jo"].pk) in entry.subjects
    return entry


def test_a_search_that_showed_someone_is_among_their_entries_everywhere_they_are_read(browser_client, api, world):
    jo = world["jo"]
    entry = _search_showing_jo(browser_client, world)
    nothing = browser_client("amara").get("/people/", {"q": "Nobody-by-this-name"})
    assert nothing.status_code == 200
    empty = AuditEntry.objects.filter(action="person.search").latest("seq")
    assert empty.subjects == [] and empty.seq > entry.seq

    # The worker's "who has looked at this record".
    log = browser_client("amara").get(f"/people/{jo.pk}/access-log").content.decode()
    assert "found them in a search" in log

    # The person's own "who has looked at my record".
    account = invite_jo(world)
    jo_client = Client()
    jo_client.force_login(account.user)
    mine = jo_client.get("/my/who-has-looked").content.decode()
    assert "found you in a search" in mine and "amara, Riverside Recovery" in mine

    # The Caldicott guardian's audit trail, filtered to Jo: the page and the API.
    trail = browser_client("alan").get("/audit/", {"person": str(jo.pk)}).content.decode()
    assert "person.search" in trail
    answer = api("alan").get("/audit", person=str(jo.pk)).json()
    seqs = {item["seq"] for item in answer["items"]}
    assert entry.seq in seqs and empty.seq not in seqs  # the search that showed no one is not Jo's
    assert answer["total"] == len(seqs)

    # The subject access copy lists it as before.
    copy = jo_client.get("/my/copy.json").json()["subject_access_copy"]
    audit_rows = copy["tables"]["audit.AuditEntry"]["rows"]
    assert entry.seq in {row["seq"] for row in audit_rows}
