""""Open now" through the API and the pages, with the directory's clock held at fixed moments given in a
non-UK time zone (Pacific/Auckland, as the tests run): the service's own clock (Europe/London) decides, a
session past midnight is open in the small hours of the next day, and the spring clock change moves the
hours with London's wall clock, not with UTC."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from tests.directory_helpers import build_directory
from throughcare.directory import actions, clock

AUCKLAND = ZoneInfo("Pacific/Auckland")


@pytest.fixture
def directory(world):
    built = build_directory(world)  # Structured treatment: weekdays 09:00 to 17:00, London
    built["night"] = actions.create_service(
        actor=None, organisation_id=built["mind"].pk, name="Night crisis line", service_type="crisis_beds",
        life_domains=["mental_health"], referral_routes=["self_referral"], time_zone="Europe/London",
        hours=[{"weekday": 4, "opens_at": "22:00", "closes_at": "06:00"},  # Friday night into Saturday
               {"weekday": 5, "opens_at": "22:00", "closes_at": "06:00"}])  # Saturday night into Sunday
    built["sunday"] = actions.create_service(
        actor=None, organisation_id=built["mind"].pk, name="Sunday drop-in", service_type="mental_health",
        life_domains=["mental_health"], referral_routes=["self_referral"], time_zone="Europe/London",
        hours=[{"weekday": 6, "opens_at": "09:00", "closes_at": "12:00"}])
    return built


@pytest.fixture
def hold_clock(monkeypatch):
    """hold_clock(moment) holds the directory's clock at `moment` (an aware datetime in any zone)."""

    def hold(moment: dt.datetime) -> dt.datetime:
        assert moment.utcoffset() is not None
        monkeypatch.setattr(clock, "now", lambda: moment)
        return moment

    return hold


def _open_now(api) -> list[str]:
    response = api("amara").get("/directory/services", open_now="true")
    assert response.status_code == 200, response.content
    return sorted(item["name"] for item in response.json()["items"])


def _flags(api) -> dict[str, bool]:
    return {item["name"]: item["open_now"] for item in api("amara").get("/directory/services").json()["items"]}


def _page_open_now(client, path: str) -> list[str]:
    text = client.get(path, {"open_now": "on"}).content.decode()
    return sorted(re.findall(r'govuk-summary-card__title"><a class="govuk-link" href="[^"]+">([^<]+)</a>', text))


def test_the_clock_is_timezone_now_unless_held(hold_clock):
    assert abs((clock.now() - timezone.now()).total_seconds()) < 60 and clock.now().utcoffset() == dt.timedelta(0)
    held = hold_clock(dt.datetime(2026, 3, 7, 18, 30, tzinfo=AUCKLAND))
    assert clock.now() is held


def test_past_midnight_through_the_api_and_the_pages(api, browser_client, world, directory, hold_clock):
    # Saturday 7 March 2026, 18:30 in Auckland is 05:30 on Saturday in London: Friday night's session is open.
    hold_clock(dt.datetime(2026, 3, 7, 18, 30, tzinfo=AUCKLAND))
    assert _open_now(api) == ["Night crisis line"]
    flags = _flags(api)
    assert flags["Night crisis line"] and not flags["Structured treatment"] and not flags["Sunday drop-in"]
    assert api("amara").get(f"/directory/services/{directory['night'].pk}").json()["open_now"] is True
    staff, public = browser_client("amara"), Client()
    assert _page_open_now(staff, "/directory/") == ["Night crisis line"]
    assert _page_open_now(public, "/find-support/") == ["Night crisis line"]
    card = staff.get(f"/directory/services/{directory['night'].pk}").content.decode()
    assert '<strong class="govuk-tag govuk-tag--green">Open now</strong>' in card
    person = browser_client("amara").get(f"/directory/people/{world['jo'].pk}").content.decode()
    night = person[person.index("Night crisis line</a>"):]
    assert "Open now" in night[:night.index("</div>\n</div>")]
    # An hour later it is 06:30 in London: closed, and nothing else is open at that hour.
    hold_clock(dt.datetime(2026, 3, 7, 19, 30, tzinfo=AUCKLAND))
    assert _open_now(api) == [] and _page_open_now(staff, "/directory/") == []
    assert '<strong class="govuk-tag govuk-tag--grey">Closed now</strong>' in staff.get(
        f"/directory/services/{directory['night'].pk}").content.decode()
    # Monday 10:00 in London (Monday 23:00 in Auckland): the weekday service, and only it.
    hold_clock(dt.datetime(2026, 3, 2, 23, 0, tzinfo=AUCKLAND))
    assert _open_now(api) == ["Structured treatment"] and _page_open_now(public, "/find-support/") == [
        "Structured treatment"]


@pytest.mark.parametrize("auckland, london, expected", [
    # 29 March 2026: London's clocks go forward at 01:00 GMT. Auckland is still on daylight time (UTC+13).
    (dt.datetime(2026, 3, 29, 21, 30), "09:30 BST Sunday", ["Sunday drop-in"]),  # 08:30 UTC: open on BST
    (dt.datetime(2026, 3, 30, 0, 30), "12:30 BST Sunday", []),  # 11:30 UTC: closed on BST (open on GMT)
    (dt.datetime(2026, 3, 29, 17, 30), "05:30 BST Sunday", ["Night crisis line"]),  # Saturday night's session
    (dt.datetime(2026, 3, 29, 18, 15), "06:15 BST Sunday", []),  # 05:15 UTC: closed on BST (open on GMT)
    # 25 October 2026: back to GMT at 02:00 BST. Auckland is on daylight time again (UTC+13).
    (dt.datetime(2026, 10, 25, 22, 30), "09:30 GMT Sunday", ["Sunday drop-in"]),  # 09:30 UTC
    (dt.datetime(2026, 10, 25, 21, 30), "08:30 GMT Sunday", []),  # 08:30 UTC: closed on GMT (open on BST)
])
def test_open_now_across_the_clock_changes(api, browser_client, directory, hold_clock, auckland, london, expected):
    moment = hold_clock(auckland.replace(tzinfo=AUCKLAND))
    assert f"{moment.astimezone(ZoneInfo('Europe/London')):%H:%M %Z %A}" == london
    assert _open_now(api) == expected
    assert _page_open_now(browser_client("amara"), "/directory/") == expected
