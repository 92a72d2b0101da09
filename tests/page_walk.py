"""Finding the pages a persona can reach the way a person finds them: links followed from start pages, breadth
first, one page of each shape (ids replaced by N), with the query parameters their links and GET forms use, and
one form of each shape that posts. Used by tests/test_hostile_pages.py (hostile values, no server errors) and
tests/e2e/test_browser_every_page.py (axe-core on every page).
"""

from __future__ import annotations

import html
import re
import urllib.parse
from collections import Counter, defaultdict

from django.test import Client

from throughcare.consent.actions import request_basis

#: Where a member of staff's walk starts (every part of the service is linked from one of them), and a person's.
STAFF_START = ["/", "/today/", "/people/", "/reports/", "/referrals/", "/caldicott/"]
PERSON_START = ["/my/", "/my/story"]
#: demo-world's staff, one of each kind (the `partnership` fixture).
DEMO_STAFF = ["kw.amara", "sm.nadia", "pt.grace", "pw.jess", "pm.una", "cg.alan", "cm.yusuf", "admin"]
#: Not followed: signing out ends the walk; files (PDF, calendar, CSV) are tested where they are made.
SKIP = re.compile(r"sign-out|logout|/static/|\.pdf|\.ics|\.csv|/download|/export|/pdf")
SHAPE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+")
LINK = re.compile(r'href="([^"#]+)"')
GET_FORM = re.compile(r'<form[^>]*method="get"[^>]*>(.*?)</form>', re.S | re.I)
POST_FORM = re.compile(r'<form([^>]*method="post"[^>]*)>(.*?)</form>', re.S | re.I)
FIELD = re.compile(r'<(?:input|select|textarea)[^>]*name="([^"]+)"')


def walk(client: Client, start: list[str], limit: int = 80):
    """(url, status, is HTML, the page whose link led there or None for a start page) of every page visited, the
    query parameters seen for each path, and one form of each shape that posts ({action: field names})."""
    visited, shapes, queue, params, forms = [], Counter(), [(url, None) for url in start], defaultdict(set), {}
    seen = set()
    while queue and len(visited) < limit:
        url, found_on = queue.pop(0)
        path = urllib.parse.urlsplit(url).path
        if url in seen or SKIP.search(path) or shapes[SHAPE.sub("N", path)]:
            continue
        seen.add(url)
        shapes[SHAPE.sub("N", path)] += 1
        response = client.get(url, follow=True)  # a start page may send a person on (/ to /today/)
        if response.redirect_chain:
            url = response.redirect_chain[-1][0]
            path = urllib.parse.urlsplit(url).path
            if not url.startswith("/") or url in seen or shapes[SHAPE.sub("N", path)]:
                continue
            seen.add(url)
            shapes[SHAPE.sub("N", path)] += 1
        is_html = "html" in response.get("Content-Type", "")
        visited.append((url, response.status_code, is_html, found_on))
        params[path].add("page")
        if response.status_code != 200 or not is_html:
            continue
        body = response.content.decode()
        for href in LINK.findall(body):
            href = href.replace("&amp;", "&")
            if href.startswith("/") and not href.startswith("//"):
                queue.append((href, url))
                split = urllib.parse.urlsplit(href)
                params[split.path].update(urllib.parse.parse_qs(split.query, keep_blank_values=True))
        for form in GET_FORM.findall(body):
            params[path].update(re.findall(r'name="([^"]+)"', form))
        for attributes, inner in POST_FORM.findall(body):
            action = re.search(r'action="([^"]*)"', attributes)
            target = html.unescape(action.group(1)) if action and action.group(1) else url
            if not SKIP.search(target):
                forms.setdefault(SHAPE.sub("N", urllib.parse.urlsplit(target).path),
                                 (target, sorted(set(FIELD.findall(inner)) - {"csrfmiddlewaretoken"})))
    return visited, params, forms


def awaiting_decision(world):
    """A safeguarding basis waiting for the Caldicott guardian: the guardian's forms are the decisions."""
    return request_basis(actor=world["staff"]["amara"].user, person_id=world["jo"].pk, basis="safeguarding_child",
                         recipient_agency=str(world["agencies"]["prison"].pk), categories=["family_safeguarding"],
                         reason="Strategy meeting decided to share")


def demo_personas() -> list:
    """demo-world's users to walk as: each kind of staff, then the person who holds their own record."""
    from django.contrib.auth import get_user_model

    from throughcare.myrecord.models import PersonAccount

    users = get_user_model().objects
    return [*(users.get(username=name) for name in DEMO_STAFF), PersonAccount.objects.select_related("user").get().user]
