import uuid


def parse_uuid(value) -> uuid.UUID | None:
    """A UUID from whatever a URL, form or API sent, or None: a malformed id is simply not found."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None
