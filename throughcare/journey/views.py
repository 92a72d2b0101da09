from django.urls import reverse

from throughcare.core.views import form_page, staff_page
from throughcare.journey.actions import add_note
from throughcare.journey.forms import NoteForm
from throughcare.journey.timeline import visible_categories
from throughcare.people.access import get_person


@staff_page
def note_new(request, person_id):
    person, grant = get_person(request.user, person_id, action="note.form", categories=[], write=True)
    back = reverse("people:detail", kwargs={"person_id": person.pk})
    return form_page(request, NoteForm(request.POST or None, categories=visible_categories(grant)),
                     run=lambda data: add_note(actor=request.user, person_id=person.pk, **data),
                     success="Note added to the timeline", redirect_to=back, template="journey/note_form.html",
                     person=person)
