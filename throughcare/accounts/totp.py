"""Time-based one-time passwords (RFC 6238, on HOTP, RFC 4226): the staff second factor.

Small enough to read in one sitting and checked against the RFCs' own test vectors
(tests/test_two_factor.py), so no dependency is needed. Secrets are 20 random bytes shown as base32,
which every authenticator app accepts, with SHA-1, 6 digits and 30-second steps (the apps' defaults).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
#: Steps either side of now that still count, for a phone clock a little out.
DRIFT_STEPS = 1


def new_secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def _key(secret: str) -> bytes:
    compact = secret.replace(" ", "").upper()
    return base64.b32decode(compact + "=" * (-len(compact) % 8))


def hotp(key: bytes, counter: int, *, digits: int = DIGITS, digest=hashlib.sha1) -> str:
    """RFC 4226 section 5.3: HMAC the counter, truncate dynamically, keep `digits` decimal digits."""
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10 ** digits).zfill(digits)


def step_at(moment: float | None = None) -> int:
    return int((time.time() if moment is None else moment) // STEP_SECONDS)


def totp(secret: str, moment: float | None = None) -> str:
    return hotp(_key(secret), step_at(moment))


def matching_step(secret: str, code: str, *, moment: float | None = None, after_step: int = -1) -> int | None:
    """The step whose code is `code` (now, or one step either side), if later than `after_step`, else None.

    Returning the step lets the caller refuse the same code twice (replay): store it, pass it next time.
    """
    code = "".join((code or "").split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    key, now = _key(secret), step_at(moment)
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if step > after_step and hmac.compare_digest(hotp(key, step), code):
            return step
    return None


def provisioning_uri(secret: str, *, account: str, issuer: str = "Throughcare") -> str:
    """The otpauth:// address an authenticator app reads (typed in, or from a QR code)."""
    label = quote(f"{issuer}:{account}")
    return f"otpauth://totp/{label}?" + urlencode({"secret": secret, "issuer": issuer, "digits": DIGITS,
                                                   "period": STEP_SECONDS})


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
