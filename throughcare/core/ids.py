import uuid


def parse_uuid(value) -> uuid.UUID | None:
    """A UUID from whatever a URL, form or API sent, or None: a malformed id is simply not found."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def parse_int(value) -> int | None:
    """A numbered record's id (a journey event's) from whatever was sent, or None: not found, like parse_uuid."""
    text = str(value)
    if not text.isascii() or not text.isdigit() or len(text) > 18:  # a bigint holds 18 digits
        return None
    return int(text)
