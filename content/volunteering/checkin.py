"""The rotating check-in QR code on the leader's phone: a signed, time-bound token.

A token names the activity, the occurrence and a time window of ROTATE_SECONDS; it is signed with the site's
secret and the activity's own secret (django.core.signing). It is accepted only in its window or the one before
(so a code scanned as it rotates still works), only on the day of its occurrence (local time), and only from an
hour before the occurrence to FORGOTTEN hours after its end: a photo of yesterday's code, or of a code from an
hour ago, is refused. Making a token writes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError

from .models import Activity

ROTATE_SECONDS = 30
EARLY = dt.timedelta(hours=1)
LATE = dt.timedelta(hours=4)


class TokenRefused(ApplicationError):
    status = 400


def _signer(activity: Activity) -> signing.Signer:
    return signing.Signer(salt=f"volunteering.checkin.{activity.qr_secret}")


def window(now: dt.datetime) -> int:
    return int(now.timestamp()) // ROTATE_SECONDS


def token_make(*, activity: Activity, occurrence: dt.datetime, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    payload = f"{activity.pk}.{int(occurrence.timestamp())}.{window(now)}"
    return _signer(activity).sign(payload)


def token_read(token: str, *, now: dt.datetime | None = None) -> tuple[Activity, dt.datetime]:
    """(activity, occurrence) of a valid token, or TokenRefused with the reason."""
    now = now or timezone.now()
    try:
        activity_pk, stamp, win = (int(part) for part in str(token).split(":", 1)[0].split("."))
    except ValueError:
        raise TokenRefused(_("This is not a check-in code.")) from None
    activity = Activity.objects.filter(pk=activity_pk).select_related("team").first()
    if activity is None:
        raise TokenRefused(_("This is not a check-in code."))
    try:
        _signer(activity).unsign(token)
    except signing.BadSignature:
        raise TokenRefused(_("This is not a check-in code.")) from None
    occurrence = dt.datetime.fromtimestamp(stamp, tz=dt.UTC)
    if timezone.localdate(occurrence) != timezone.localdate(now):
        raise TokenRefused(_("This code belongs to another day."))
    if win not in (window(now), window(now) - 1):
        raise TokenRefused(_("This code has expired: scan the code on the leader's phone again."))
    if not (occurrence - EARLY <= now <= occurrence + activity.duration + LATE):
        raise TokenRefused(_("Check-in is open from an hour before the activity until four hours after it."))
    if not activity.is_occurrence(occurrence):
        raise TokenRefused(_("This is not a check-in code."))
    return activity, occurrence
