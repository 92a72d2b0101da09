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
