"""ETag and If-Match for versioned records: the API's guard against two people overwriting each other.

Every versioned record carries an integer `version`. Reads send it as the ETag ("3"); writes that must
not overwrite someone else's change send it back as If-Match, and a stale one is answered 412.
"""

from __future__ import annotations

from django.http import HttpResponse

from throughcare.core.errors import ValidationFailed


def set_etag(response: HttpResponse, version: int) -> None:
    response["ETag"] = f'"{version}"'


def if_match(request) -> int | None:
    """The version in the If-Match header (a strong or weak ETag), or None when the header was not sent.

    A header that was sent but holds no version (`If-Match: ""`, `"`, blank) is refused, not read as absent:
    the client asked for a conditional write, and where If-Match is optional, ignoring it would let the
    write overwrite someone else's change without a word."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    raw = header.strip().removeprefix("W/").strip().strip('"').strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:  # (18 digits: within a 64-bit column)
        raise ValidationFailed({"If-Match": "Send the ETag you were given, e.g. \"3\""})
    return int(raw)
