from django.contrib import messages
from django.shortcuts import redirect, render

from throughcare.core.errors import ValidationFailed
from throughcare.core.views import staff_page
from throughcare.journey.actions import add_note
from throughcare.journey.forms import NoteForm
from throughcare.journey.timeline import visible_categories
from throughcare.people.access import get_person


@staff_page
def note_new(request, person_id):
    person, grant = get_person(request.user, person_id, action="note.form", categories=[], write=True)
    form = NoteForm(request.POST or None, categories=visible_categories(grant))
    if request.method == "POST" and form.is_valid():
        try:
            add_note(actor=request.user, person_id=person.pk, text=form.cleaned_data["text"],
                     category=form.cleaned_data["category"])
        except ValidationFailed as failure:
            form.add_action_errors(failure)
        else:
            messages.success(request, "Note added to the timeline")
            return redirect("people:detail", person_id=person.pk)
    return render(request, "journey/note_form.html", {"form": form, "person": person},
                  status=422 if form.errors else 200)
