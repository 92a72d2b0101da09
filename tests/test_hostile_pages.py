"""Hostile input in the address and in forms: every page a persona can reach, with each query parameter it
uses set to values no form would send, and every form on those pages sent back with each field holding such
a value. A page may refuse them (400 or 422 naming the field, 404) or ignore them, but it never answers with
a server error, and a form it refuses saves nothing. The API has schemathesis (test_api_fuzz.py); this is the same promise for pages.

The pages are found the way a person finds them: links followed from the start pages, breadth first, one
page of each shape (ids replaced by N), and the query parameters their links and GET forms use, plus `page`.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from tests.myrecord_helpers import invite_jo
from tests.page_walk import SKIP, awaiting_decision, walk
from tests.row_counts import SESSIONS, changed, row_counts

HOSTILE = [str(10**30), "-1", "abc", "", "'\"<>", "2026-13-45", "x" * 3000, "\x00"]
#: What a form gets back: a number too big for any column, a null character (which PostgreSQL cannot store
#: in text), text longer than any field, and markup.
HOSTILE_FORM = [str(10**30), "a\x00b", "x" * 5000, "'\"<script>"]


def hostile_requests(client: Client, params: dict[str, set[str]]) -> tuple[int, list]:
    count, failures = 0, []
    for path, names in sorted(params.items()):
        if SKIP.search(path):
            continue
        for name in sorted(names):
            for value in HOSTILE:
                count += 1
                status = client.get(path, {name: value}).status_code
                if status >= 500:
                    failures.append((path, name, value[:20], status))
    return count, failures


def hostile_posts(client: Client, forms: dict) -> tuple[int, list]:
    count, failures = 0, []
    for _shape, (target, names) in sorted(forms.items()):
        for value in HOSTILE_FORM:
            count += 1
            before = row_counts(leave_out=SESSIONS)
            status = client.post(target, dict.fromkeys(names, value)).status_code
            if status >= 500:
                failures.append((target, value[:20], status))
            elif status in (400, 422) and (saved := changed(before, row_counts(leave_out=SESSIONS))):
                failures.append((target, value[:20], status, "refused, but saved", saved))
    return count, failures


@pytest.mark.parametrize("persona", ["amara", "alan", "yusuf", "grace", "jo"])
def test_no_page_answers_hostile_query_values_with_a_server_error(world, persona):
    client = Client(raise_request_exception=False)
    if persona == "jo":
        client.force_login(invite_jo(world).user)
        start = ["/my/", "/my/story"]
    else:
        assert client.login(username=persona, password=PASSWORD)
        awaiting_decision(world)
        start = ["/", "/today/", "/people/", f"/people/{world['jo'].pk}/"]
    visited, params, forms = walk(client, start)
    assert [v for v in visited if v[1] >= 500] == []
    assert sum(1 for _url, status, _html, _found_on in visited if status == 200) >= 3, visited  # it did reach pages
    count, failures = hostile_requests(client, params)
    assert count >= 3 * len(HOSTILE)
    assert failures == []
    count, failures = hostile_posts(client, forms)
    assert count >= len(HOSTILE_FORM)  # every persona reaches at least one form (a search, a note, a correction)
    assert failures == []
