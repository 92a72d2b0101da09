"""Every page and every API answer that shows a person is audited as showing them (issue 3: "exactly one audit
entry per request that touches person data"), over demo-world's partnership, for every kind of user and for a
person holding their own record. Pages are found the way the other sweeps find them (tests/page_walk.py);
the API's GET operations come from its OpenAPI description, with ids from the lists each user can read.

The oracle is independent of the access policy and of the code that writes entries: a person is shown when
one of their names (the usual name, any other name they have had) or one of their identifiers (NHS number,
prison number, ...) is in the answer's text, or their record's id is anywhere in it (a link, an API field).
Every request is then checked for at most one audit entry, naming every person shown (as its record or
among its subjects).
"""

from __future__ import annotations

import html
import io
import re
from collections import defaultdict

from django.test import Client
from pypdf import PdfReader

from tests.page_walk import DEMO_STAFF, PERSON_START, SHAPE, STAFF_START, demo_personas, walk
from tests.people_shown import api_client, api_paths, people_shown, person_markers
from throughcare.audit.models import AuditEntry


def _named(entry: AuditEntry) -> set[str]:
    return ({str(entry.person_id)} if entry.person_id else set()) | set(entry.subjects)


#: Files the pages link to (PDF, calendar, CSV, JSON copies): the walk does not follow them; this sweep does.
FILE = re.compile(r"\.pdf|\.ics|\.csv|\.json|/download|/export|/pdf")


def _text(response) -> str:
    """What an answer says: a PDF's text (pypdf), anything else decoded."""
    if "pdf" in response.get("Content-Type", ""):
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    return response.content.decode(errors="replace")


def _check(get, address: str, who: str, markers: dict[str, str]) -> tuple:
    """Ask for `address` (`get` is a test client's get) and check its audit entries: (the response, whether it
    showed anyone, problems)."""
    last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    response = get(address)
    entries = list(AuditEntry.objects.filter(seq__gt=last))
    who = f"{address} as {who} ({response.status_code})"
    problems = []
    if len(entries) > 1:
        problems.append(f"{who}: {len(entries)} audit entries for one request ({[e.action for e in entries]})")
    if 300 <= response.status_code < 400:
        return response, False, problems
    shown = people_shown(_text(response), markers)
    named = set().union(*(_named(e) for e in entries)) if entries else set()
    if shown - named:
        problems.append(f"{who}: shows {len(shown - named)} people the audit entry does not name "
                        f"(entry: {[e.action for e in entries] or 'none'})")
    return response, bool(shown), problems


def _sweep(user, markers: dict[str, str]) -> tuple[dict[str, int], list[str], tuple]:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    start = PERSON_START if hasattr(user, "person_account") else STAFF_START
    visited, _params, forms = walk(client, start, limit=150)
    counts, problems, files = defaultdict(int), [], {}
    for url, status, is_html, _found_on in visited:
        if status != 200 or not is_html:
            continue
        answer, showed, found = _check(client.get, url, user.get_username(), markers)
        problems += found
        if answer.status_code == 200:
            counts["pages showing people" if showed else "pages showing no one"] += 1
            for href in re.findall(r'href="([^"#]+)"', answer.content.decode()):
                href = html.unescape(href)
                if href.startswith("/") and FILE.search(href):
                    files.setdefault(SHAPE.sub("N", href.split("?")[0]), href)
    for href in files.values():
        answer, showed, found = _check(client.get, href, user.get_username(), markers)
        problems += found
        counts[f"files answering {answer.status_code}" + (" showing people" if showed else "")] += 1
    return counts, problems, (client, forms)


def _send_blank(user, client: Client, forms: dict, markers: dict[str, str]) -> tuple[dict[str, int], list[str]]:
    """Each form sent back blank: a refusal that shows the person again is a read of them too."""
    counts, problems = defaultdict(int), []
    for target, names in forms.values():
        answer, showed, found = _check(lambda address, names=names: client.post(address, dict.fromkeys(names, "")),
                                       target, f"{user.get_username()}, sent blank", markers)
        problems += found
        counts[f"forms answering {answer.status_code}" + (" showing people" if showed else "")] += 1
    return counts, problems


def test_every_page_that_shows_a_person_is_audited_as_showing_them(partnership):
    """Every page, every file a page links to (a release pack PDF, a calendar entry, the person's copy of their
    record), and every form sent back blank (a refused form shows the person again)."""
    markers = person_markers()
    assert len(markers) >= 80  # 40 people, their names and identifiers
    personas = demo_personas()
    problems, counts, sent = [], defaultdict(int), []
    for user in personas:
        seen, found, forms = _sweep(user, markers)
        assert seen["pages showing people"] + seen["pages showing no one"] >= 3, user.get_username()
        problems += found
        sent.append((user, *forms))
        for kind, n in seen.items():
            counts[kind] += n
    # The forms after every page: a form that needs nothing may act (end a sign-in, close an account).
    for user, client, forms in sent:
        seen, found = _send_blank(user, client, forms, markers)
        problems += found
        for kind, n in seen.items():
            counts[kind] += n
    # The sweep saw the service: many pages showing people, pages showing no one, and files showing people.
    assert counts["pages showing people"] >= 60 and counts["pages showing no one"] >= 20, dict(counts)
    assert counts["files answering 200 showing people"] >= 4, dict(counts)
    assert counts["forms answering 422 showing people"] >= 10, sorted(counts.items())
    print(dict(counts))
    assert problems == [], f"{len(problems)} problems ({dict(counts)}):\n" + "\n".join(problems)


def _api_sweep(username: str, markers: dict[str, str]) -> tuple[int, list[str], int]:
    client = api_client(username)
    answers, problems, shown_in = 0, [], 0
    for path in api_paths(client):
        answer, showed, found = _check(client.get, path, f"{username}, API", markers)
        answers += 1
        shown_in += showed
        problems += found
    return answers, problems, shown_in


def test_every_api_answer_that_shows_a_person_is_audited_as_showing_them(partnership):
    """The same through the API: every GET operation in the OpenAPI description, for each kind of staff user,
    with ids taken from the lists that user can read."""
    markers = person_markers()
    total, problems, shown = 0, [], 0
    for username in DEMO_STAFF:
        answers, found, shown_in = _api_sweep(username, markers)
        total += answers
        problems += found
        shown += shown_in
    assert total >= 150 and shown >= 50, (total, shown)
    assert problems == [], f"{len(problems)} of {total} answers:\n" + "\n".join(problems)
