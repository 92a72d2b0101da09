from django import forms

from throughcare.core.categories import Category
from throughcare.core.forms import GovForm


class NoteForm(GovForm):
    once = True
    text = forms.CharField(label="Note", required=False, widget=forms.Textarea)
    category = forms.ChoiceField(label="Category", required=False, widget=forms.RadioSelect,
                                 help_text="Who can see the note depends on its category and the person's consent")

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c, Category(c).label) for c in categories]


class TimelineFilterForm(forms.Form):
    category = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple, label="Category")
    page = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c, Category(c).label) for c in categories]
