"""Reading a person's journey: only the categories the caller's grant allows, a page at a time.

Three queries whatever the page size: the count, the page (with agency and author joined),
and nothing else. The caller has already been through people.access.get_person.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from throughcare.consent.policy import Grant
from throughcare.core.categories import Category
from throughcare.core.paging import MAX_PAGE
from throughcare.journey.models import Event, EventKind


@dataclass
class TimelinePage:
    events: list[Event]
    total: int
    page: int
    page_size: int
    categories: list[str]
    kinds: list[str]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def visible_categories(grant: Grant, wanted: list[str] | None = None) -> list[str]:
    """The categories the caller may see from at least one agency, narrowed to `wanted`."""
    seen = grant.any_categories()
    allowed = [c for c in Category.values if c in seen]
    if wanted:
        allowed = [c for c in allowed if c in wanted]
    return allowed


def timeline_page(person, grant: Grant, *, page: int = 1, page_size: int | None = None,
                  categories: list[str] | None = None, kinds: list[str] | None = None) -> TimelinePage:
    page_size = max(1, min(page_size or settings.TIMELINE_PAGE_SIZE, settings.TIMELINE_MAX_PAGE_SIZE))
    page = max(1, min(page, MAX_PAGE))  # a page past the last shows nothing; past MAX_PAGE, OFFSET would overflow
    shown = visible_categories(grant, categories)
    kinds = [k for k in (kinds or []) if k in EventKind.values]
    queryset = Event.objects.filter(grant.event_filter(), person_id=person.pk, category__in=shown)
    if kinds:
        queryset = queryset.filter(kind__in=kinds)
    total = queryset.count() if shown else 0
    start = (page - 1) * page_size
    events = (
        list(queryset.select_related("agency", "author").order_by("-occurred_at", "-id")[start:start + page_size])
        if shown else []
    )
    return TimelinePage(events=events, total=total, page=page, page_size=page_size, categories=shown, kinds=kinds)
