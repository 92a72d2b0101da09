"""Finding people: by name (any name, including aliases and previous names), date of birth or identifier.

Always starts from consent.policy.visible_people, so totals and pages never include
anyone the caller may not see.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Exists, OuterRef, Q, QuerySet

from throughcare.consent.policy import visible_people
from throughcare.people.models import Identifier, PersonName, fold
from throughcare.people.validators import guess_identifier

_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y")


def parse_date(token: str) -> dt.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(token, fmt).date()
        except ValueError:
            continue
    return None


def search_people(user, query: str) -> QuerySet:
    """The people `user` may see who match `query`, ordered by name."""
    people = visible_people(user)
    query = (query or "").strip()
    if not query:
        return people.order_by("display_name", "id")
    identifier = guess_identifier(query.replace(" ", "")) if re.search(r"\d", query) else None
    if identifier:
        scheme, value = identifier
        matching = Identifier.objects.filter(person_id=OuterRef("pk"), scheme=scheme, value=value)
        return people.filter(Exists(matching)).order_by("display_name", "id")
    name_tokens = []
    for token in query.split():
        day = parse_date(token)
        if day:
            people = people.filter(date_of_birth=day)
        else:
            name_tokens.extend(fold(token).split())
    for token in name_tokens:
        matching = PersonName.objects.filter(person_id=OuterRef("pk")).filter(
            Q(folded_given__startswith=token) | Q(folded_family__startswith=token)
            | Q(folded_given__contains=" " + token) | Q(folded_family__contains=" " + token)
        )
        people = people.filter(Exists(matching))
    return people.order_by("display_name", "id")
