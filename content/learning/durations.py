"""How long a recording lasts, read from the recording itself.

A video or audio lesson's `duration_seconds` is what progress is measured against: a lesson that says 180 s
while its video runs 4 s can never be finished (playing it to the end credits 2 %). So the duration comes from
the media: wagtailmedia's `duration` when it holds one, else `ffprobe` on the file (an uploaded file, or a
stream address that is a file of this site: /static/... or /media/...). A recording elsewhere (https://...)
is not fetched: its duration stays the editor's.

The lesson's admin form (models.LessonPageForm) sets the duration when an editor saves; the demo seed reads it too;
`MediaDurationForm` is wagtailmedia's upload form (settings WAGTAILMEDIA["MEDIA_FORM_BASE"]): it reads the
uploaded file's duration, fills the field when empty and refuses a duration the file contradicts.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils.translation import gettext_lazy as _
from wagtailmedia.forms import BaseMediaForm

logger = logging.getLogger(__name__)

FFPROBE_TIMEOUT_SECONDS = 20
# A declared duration may differ from the recording's by this much (rounding to whole seconds).
TOLERANCE_SECONDS = 1.0


def probe_seconds(path: str | Path) -> float | None:
    """The duration of the media file at `path` in seconds, read by ffprobe; None when it cannot tell
    (no ffprobe, not a media file, no duration in the container)."""
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None or not Path(path).is_file():
        return None
    try:
        completed = subprocess.run(  # noqa: S603 - a fixed program and a file path, no shell
            [ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
            capture_output=True,
            timeout=FFPROBE_TIMEOUT_SECONDS,
            check=False,
        )
        duration = float(json.loads(completed.stdout or b"{}").get("format", {}).get("duration", "nan"))
    except (OSError, subprocess.SubprocessError, ValueError, TypeError):
        logger.warning("ffprobe could not read %s", path, exc_info=True)
        return None
    return duration if math.isfinite(duration) and duration > 0 else None


def local_file_for_url(url: str) -> Path | None:
    """The file behind a stream address on this site (/static/... or /media/...), if there is one."""
    if not url or not url.startswith("/") or ".." in url:
        return None
    path = url.split("?", 1)[0].split("#", 1)[0]
    if path.startswith(settings.STATIC_URL):
        relative = path[len(settings.STATIC_URL) :]
        found = finders.find(relative)
        if found:
            return Path(found)
        candidate = Path(settings.STATIC_ROOT) / relative
        return candidate if candidate.is_file() else None
    if path.startswith(settings.MEDIA_URL):
        candidate = Path(settings.MEDIA_ROOT) / path[len(settings.MEDIA_URL) :]
        return candidate if candidate.is_file() else None
    return None


def media_seconds(media) -> float | None:
    """A wagtailmedia item's duration: its own field when set, else read from its file."""
    if media is None:
        return None
    if media.duration:
        return float(media.duration)
    try:
        path = media.file.path
    except (NotImplementedError, ValueError):  # remote storage, or no file
        return None
    return probe_seconds(path)


def recording_seconds(*, media=None, stream_url: str = "") -> float | None:
    """How long a lesson's recording lasts: its media item, else its stream address when that is a file here."""
    if media is not None:
        return media_seconds(media)
    local = local_file_for_url(stream_url)
    return probe_seconds(local) if local is not None else None


def whole_seconds(seconds: float) -> int:
    """A recording's length as the lesson stores it: whole seconds, at least one. Rounded to the nearest: the
    end of the recording is then within half a second of the stored duration (see services.progress)."""
    return max(1, int(seconds + 0.5))


def recording_duration(*, kind: str | None, media=None, stream_url: str = "") -> int | None:
    """The duration a lesson of `kind` with this recording stores (whole seconds), or None when it is not a
    video or audio lesson or its recording cannot be read (the declared duration then stands)."""
    if kind not in ("video", "audio"):
        return None
    seconds = recording_seconds(media=media, stream_url="" if media is not None else stream_url)
    return whole_seconds(seconds) if seconds is not None else None


def lesson_duration_sync(lesson) -> int | None:
    """Set a video or audio lesson's `duration_seconds` from its recording (what the editor's form does on save);
    returns the new duration, or None when there is none to read."""
    duration = recording_duration(
        kind=lesson.kind, media=lesson.media if lesson.media_id else None, stream_url=lesson.stream_url
    )
    if duration is not None:
        lesson.duration_seconds = duration
    return duration


class MediaDurationForm(BaseMediaForm):
    """wagtailmedia's upload and edit form, reading the duration from the uploaded file: an empty duration is
    filled in, one the file contradicts is refused with the file's length."""

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        seconds = self._uploaded_seconds(upload) if upload is not None else None
        if seconds is None and self.instance.pk and self.instance.file:
            try:
                seconds = probe_seconds(self.instance.file.path)
            except (NotImplementedError, ValueError):  # remote storage
                seconds = None
        if seconds is None:
            return cleaned
        declared = cleaned.get("duration") or 0
        if declared and abs(declared - seconds) > TOLERANCE_SECONDS:
            self.add_error(
                "duration",
                _("The file lasts %(seconds).1f seconds: leave the duration empty or give that.")
                % {"seconds": seconds},
            )
        else:
            cleaned["duration"] = round(seconds, 3)
        return cleaned

    @staticmethod
    def _uploaded_seconds(upload) -> float | None:
        if hasattr(upload, "temporary_file_path"):
            return probe_seconds(upload.temporary_file_path())
        if not hasattr(upload, "chunks"):
            return None
        suffix = Path(getattr(upload, "name", "") or "").suffix[:10]
        with tempfile.NamedTemporaryFile(suffix=suffix) as copy:
            for chunk in upload.chunks():
                copy.write(chunk)
            copy.flush()
            seconds = probe_seconds(copy.name)
        upload.seek(0)
        return seconds


def lesson_durations_check(*, fix: bool = False) -> list[tuple[object, int, int]]:
    """Every video or audio lesson whose stored duration is not its recording's: [(lesson, stored, recording)],
    the recording's in whole seconds. With `fix`, each is given its recording's duration (one UPDATE per
    lesson; the page's revisions are left alone, and its admin form reads the recording again on the next save).
    A recording read once serves every lesson that plays it."""
    from .models import LessonPage

    wrong = []
    by_source: dict[tuple, int | None] = {}
    for lesson in LessonPage.objects.filter(kind__in=["video", "audio"]).select_related("media").order_by("path"):
        source = ("media", lesson.media_id) if lesson.media_id else ("url", lesson.stream_url)
        if source not in by_source:
            by_source[source] = recording_duration(
                kind=lesson.kind, media=lesson.media if lesson.media_id else None, stream_url=lesson.stream_url
            )
        duration = by_source[source]
        if duration is not None and duration != lesson.duration_seconds:
            wrong.append((lesson, lesson.duration_seconds, duration))
    if fix:
        for lesson, _stored, duration in wrong:
            LessonPage.objects.filter(pk=lesson.pk).update(duration_seconds=duration)
    return wrong
