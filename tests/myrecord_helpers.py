"""Shared set-up for the person-held record tests: Jo can sign in to her own record."""

from __future__ import annotations

import json
import re

from django.test import Client

from throughcare.myrecord.actions import invite_person
from throughcare.people.models import Person

JO_MOBILE = "07700 900982"


def contactable(person, **fields) -> None:
    defaults = {"phone": JO_MOBILE, "email": "jo@example.org", "safe_to_contact": {"text": True, "email": True}}
    Person.objects.filter(pk=person.pk).update(**{**defaults, **fields})


def invite_jo(world):
    contactable(world["jo"])
    return invite_person(actor=world["staff"]["amara"].user, person_id=world["jo"].pk, channel="sms")


def read_outbox(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def latest_code(path) -> str:
    bodies = [m["body"] for m in read_outbox(path) if m["template"] == "sign_in_code"]
    return re.search(r"code is (\d{6})", bodies[-1]).group(1)


def latest_link(path) -> str:
    bodies = [m["body"] for m in read_outbox(path) if m["template"] == "sign_in_code"]
    return re.search(r"(/my/sign-in/link/\S+?)\s", bodies[-1]).group(1)


def signed_in_person(outbox_path, identifier: str = JO_MOBILE) -> Client:
    """A client signed in as the person through the code pages, as they would on their phone."""
    client = Client()
    assert client.post("/my/sign-in", {"identifier": identifier}).status_code == 302
    response = client.post("/my/sign-in/code", {"code": latest_code(outbox_path)})
    assert response.status_code == 302 and response["Location"] == "/my/", response.content
    return client
