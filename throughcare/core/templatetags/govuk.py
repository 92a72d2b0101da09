from django import template

register = template.Library()


@register.filter
def date_parts(bound_field):
    """(part, label, width, value) for the three boxes of a GOV.UK date input."""
    value = bound_field.value()
    if hasattr(value, "day") and hasattr(value, "year"):
        value = (str(value.day), str(value.month), str(value.year))
    day, month, year = value if isinstance(value, list | tuple) and len(value) == 3 else ("", "", "")
    return [("day", "Day", 2, day), ("month", "Month", 2, month), ("year", "Year", 4, year)]


@register.filter
def category_label(value):
    from throughcare.core.categories import Category

    try:
        return Category(value).label
    except ValueError:
        return value


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def safe_channels(mapping):
    """The ways it is safe to contact a person: the channels ticked in `safe_to_contact`, in the form's order.

    A channel set to False is not safe, so it is left out rather than shown as an empty value.
    """
    from throughcare.people.inputs import SAFE_TO_CONTACT_CHANNELS

    if not hasattr(mapping, "items"):
        return []
    ticked = [channel for channel, ok in mapping.items() if ok]
    return sorted(ticked, key=lambda c: (SAFE_TO_CONTACT_CHANNELS.index(c) if c in SAFE_TO_CONTACT_CHANNELS
                                         else len(SAFE_TO_CONTACT_CHANNELS), c))


@register.filter
def error_messages(bound_field):
    """(id, message) for each of a field's errors, each shown as its own GOV.UK error message.

    The first keeps the plain NAME-error id (the only one most fields ever have); more are NAME-error-2, ...
    """
    base = f"{bound_field.auto_id}-error"
    return [(base if n == 1 else f"{base}-{n}", message) for n, message in enumerate(bound_field.errors, start=1)]


@register.filter
def described_by(bound_field):
    """The ids for a field's aria-describedby: its hint, then each of its error messages ("" if none)."""
    ids = [f"{bound_field.auto_id}-hint"] if bound_field.help_text else []
    ids += [error_id for error_id, _message in error_messages(bound_field)]
    return " ".join(ids)
