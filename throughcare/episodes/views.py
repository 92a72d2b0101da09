from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from throughcare.agencies.models import staff_of
from throughcare.core.errors import ValidationFailed
from throughcare.core.views import staff_page
from throughcare.episodes.actions import end_episode, start_episode
from throughcare.episodes.forms import EndEpisodeForm, StartEpisodeForm
from throughcare.episodes.models import Episode
from throughcare.people.access import get_person


@staff_page
def start(request, person_id):
    person, _grant = get_person(request.user, person_id, action="episode.form", categories=[], write=True)
    form = StartEpisodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            start_episode(actor=request.user, person_id=person.pk, **form.cleaned_data)
        except ValidationFailed as failure:
            form.add_action_errors(failure)
        else:
            messages.success(request, "Episode started")
            return redirect("people:detail", person_id=person.pk)
    return render(request, "episodes/start.html", {"form": form, "person": person},
                  status=422 if form.errors else 200)


@staff_page
def end(request, episode_id):
    episode = get_object_or_404(Episode, pk=episode_id, agency_id=staff_of(request.user).agency_id, ended_on__isnull=True)
    person, _grant = get_person(request.user, episode.person_id, action="episode.form", categories=[], write=True)
    form = EndEpisodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            end_episode(actor=request.user, episode_id=episode.pk, **form.cleaned_data)
        except ValidationFailed as failure:
            form.add_action_errors(failure)
        else:
            messages.success(request, "Episode ended")
            return redirect("people:detail", person_id=person.pk)
    return render(request, "episodes/end.html", {"form": form, "person": person, "episode": episode},
                  status=422 if form.errors else 200)
