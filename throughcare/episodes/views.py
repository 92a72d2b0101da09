from django.shortcuts import get_object_or_404, redirect

from throughcare.agencies.models import staff_of
from throughcare.core.views import form_page, staff_page
from throughcare.episodes.actions import end_episode, start_episode
from throughcare.episodes.forms import EndEpisodeForm, StartEpisodeForm
from throughcare.episodes.models import Episode
from throughcare.people.access import get_person


@staff_page
def start(request, person_id):
    person, _grant = get_person(request.user, person_id, action="episode.form", categories=[], write=True)
    return form_page(request, StartEpisodeForm(request.POST or None),
                     run=lambda data: start_episode(actor=request.user, person_id=person.pk, **data),
                     success="Episode started", redirect_to=lambda _: _person_url(person),
                     heading="Start an episode of care", caption=person.display_name, submit="Start episode",
                     cancel_url=_person_url(person))


@staff_page
def end(request, episode_id):
    episode = get_object_or_404(Episode, pk=episode_id, agency_id=staff_of(request.user).agency_id, ended_on__isnull=True)
    person, _grant = get_person(request.user, episode.person_id, action="episode.form", categories=[], write=True,
                                not_found="Episode not found")
    return form_page(request, EndEpisodeForm(request.POST or None),
                     run=lambda data: end_episode(actor=request.user, episode_id=episode.pk, **data),
                     success="Episode ended", redirect_to=lambda _: _person_url(person),
                     heading=f"End the episode: {episode.service}", caption=person.display_name,
                     submit="End episode", cancel_url=_person_url(person))


def _person_url(person) -> str:
    return redirect("people:detail", person_id=person.pk).url
