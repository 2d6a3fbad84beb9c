"""A video or audio lesson lasts as long as its recording, and playing the recording to its end completes it.

The demo video runs 4 s and the demo audio 3.0065 s (ffprobe); a lesson that declared 180 s could never be
finished. Durations are read from the recording when an editor saves a lesson (its admin form) or uploads a
media file (wagtailmedia's form), and the seed's lessons get their recording's duration.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.models import Collection
from wagtail.test.utils.form_data import nested_form_data, streamfield
from wagtailmedia.forms import get_media_form
from wagtailmedia.models import Media

from content.learning import services
from content.learning.durations import (
    MediaDurationForm,
    lesson_duration_sync,
    local_file_for_url,
    probe_seconds,
    recording_seconds,
    whole_seconds,
)
from content.learning.models import Enrolment, LessonPage, LessonProgress
from core.activity.models import Statement
from core.activity.vocabulary import Verb

pytestmark = pytest.mark.skipif(shutil.which("ffprobe") is None, reason="ffprobe (ffmpeg) is not installed")

DEMO = Path(__file__).resolve().parents[3] / "content/learning/static/learning/demo"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_ffprobe_reads_the_demo_recordings():
    assert probe_seconds(DEMO / "sample.webm") == pytest.approx(4.0, abs=0.01)
    assert probe_seconds(DEMO / "sample.ogg") == pytest.approx(3.0065, abs=0.01)
    assert probe_seconds(DEMO.parent / "lesson.js") is None  # not a recording
    assert probe_seconds(DEMO / "missing.webm") is None


def test_stream_addresses_on_this_site_are_found_and_others_are_not():
    assert local_file_for_url("/static/learning/demo/sample.webm") == DEMO / "sample.webm"
    assert local_file_for_url("/static/learning/demo/sample.webm?v=2") == DEMO / "sample.webm"
    assert local_file_for_url("/static/learning/../learning/demo/sample.webm") is None
    assert local_file_for_url("https://cdn.example.cn/sample.webm") is None
    assert recording_seconds(stream_url="https://cdn.example.cn/sample.webm") is None


def test_a_duration_is_stored_in_whole_seconds_rounded_to_the_nearest():
    assert [whole_seconds(s) for s in (0.2, 3.0065, 3.5, 4.0, 179.6)] == [1, 3, 4, 4, 180]


def _editor_saves_a_lesson(admin_client, course, **fields) -> LessonPage:
    """The editor adds a lesson in the Wagtail admin and publishes it."""
    data = nested_form_data({"title": "示范片", "slug": "clip", "body": streamfield([]), **fields})
    data["action-publish"] = "publish"
    response = admin_client.post(f"/admin/pages/add/learning/lessonpage/{course.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return LessonPage.objects.get(slug=data["slug"])


def test_an_editor_saving_a_video_lesson_gets_the_recordings_duration(admin_client, course_tree):
    lesson = _editor_saves_a_lesson(
        admin_client,
        course_tree.course,
        kind="video",
        stream_url="/static/learning/demo/sample.webm",
        duration_seconds=180,  # what the editor typed
    )
    assert lesson.duration_seconds == 4


def test_an_editor_saving_an_audio_lesson_gets_the_recordings_duration(admin_client, course_tree):
    lesson = _editor_saves_a_lesson(
        admin_client,
        course_tree.course,
        kind="audio",
        stream_url="/static/learning/demo/sample.ogg",
        duration_seconds=60,
    )
    assert lesson.duration_seconds == 3


def test_a_recording_elsewhere_keeps_the_declared_duration(course_tree):
    lesson = LessonPage(title="外链", slug="far", kind="video", stream_url="https://cdn.example.cn/a.mp4")
    lesson.duration_seconds = 300
    assert lesson_duration_sync(lesson) is None
    assert lesson.duration_seconds == 300


def test_text_lessons_keep_their_reading_time(course_tree):
    lesson = course_tree.text
    assert lesson_duration_sync(lesson) is None
    assert lesson.duration_seconds == 20


def _media_form(*, world, data: dict, upload: bytes, name: str = "clip.webm", kind: str = "video"):
    form_class = get_media_form(Media)
    assert issubclass(form_class, MediaDurationForm)
    files = {"file": SimpleUploadedFile(name, upload, content_type=f"{kind}/{name.rsplit('.', 1)[-1]}")}
    return form_class(
        data={"title": "示范片", "collection": Collection.get_first_root_node().pk, **data},
        files=files,
        instance=Media(type=kind),
        user=world.editor,
    )


def test_an_uploaded_file_fills_in_an_empty_duration(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    form = _media_form(world=world, data={"duration": ""}, upload=(DEMO / "sample.webm").read_bytes())
    assert form.is_valid(), form.errors
    media = form.save()
    assert media.duration == pytest.approx(4.0, abs=0.01)


def test_an_upload_whose_declared_duration_contradicts_the_file_is_refused(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    form = _media_form(world=world, data={"duration": "180"}, upload=(DEMO / "sample.webm").read_bytes())
    assert not form.is_valid()
    assert form.errors["duration"] == ["该文件时长 4.0 秒：请留空时长，或填写这个时长。"]
    assert not Media.objects.exists()
    close = _media_form(world=world, data={"duration": "4.4"}, upload=(DEMO / "sample.webm").read_bytes())
    assert close.is_valid(), close.errors


def test_a_lesson_on_uploaded_media_takes_the_media_duration(world, admin_client, course_tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ogg = (DEMO / "sample.ogg").read_bytes()
    form = _media_form(world=world, data={"duration": ""}, upload=ogg, name="a.ogg", kind="audio")
    assert form.is_valid(), form.errors
    media = form.save()
    lesson = _editor_saves_a_lesson(
        admin_client, course_tree.course, kind="audio", media=media.pk, stream_url="", duration_seconds=240
    )
    assert lesson.duration_seconds == 3


def _video_lesson(course_tree, *, seconds: int) -> LessonPage:
    lesson = course_tree.video
    lesson.duration_seconds = seconds
    lesson.save()
    return lesson


def test_playing_a_recording_to_its_end_completes_the_lesson(world, course_tree):
    """The player reports about once a second and once more when the recording ends (lesson.js)."""
    lesson = _video_lesson(course_tree, seconds=4)
    services.lesson_view(user=world.retailer, lesson=lesson, now=at(0))
    for second in (1, 2, 3):
        state = services.lesson_progress_report(
            user=world.retailer, lesson=lesson, position_seconds=second, now=at(second + 0.4)
        )
        assert state.completed_at is None
    services.lesson_progress_report(user=world.retailer, lesson=lesson, position_seconds=4.0, now=at(4.7))
    progress = LessonProgress.objects.get(user=world.retailer, lesson=lesson)
    assert progress.completed_at == at(4.7)
    assert progress.percent == 100
    assert Statement.objects.filter(
        actor_user=world.retailer, verb_id=Verb.COMPLETED, object_id=lesson.activity_iri
    ).exists()
    assert Enrolment.objects.get(user=world.retailer, course=course_tree.course).progress_percent == 20


def test_the_end_of_a_recording_shorter_than_its_whole_seconds_completes_it(world, course_tree):
    """A 3.6 s recording is stored as 4 s: its end, 3.6 s, is within half a second of that."""
    lesson = _video_lesson(course_tree, seconds=4)
    services.lesson_view(user=world.retailer, lesson=lesson, now=at(0))
    services.lesson_progress_report(user=world.retailer, lesson=lesson, position_seconds=3.55, now=at(3.9))
    assert LessonProgress.objects.get(user=world.retailer, lesson=lesson).completed_at == at(3.9)


def test_stopping_before_the_end_does_not_complete(world, course_tree):
    lesson = _video_lesson(course_tree, seconds=4)
    services.lesson_view(user=world.retailer, lesson=lesson, now=at(0))
    services.lesson_progress_report(user=world.retailer, lesson=lesson, position_seconds=3.0, now=at(10))
    assert LessonProgress.objects.get(user=world.retailer, lesson=lesson).completed_at is None


def test_jumping_to_the_end_right_after_opening_does_not_complete(world, course_tree):
    """The end reported 1 s after opening a 40 s recording: the server credits at most twice real time."""
    lesson = _video_lesson(course_tree, seconds=40)
    services.lesson_view(user=world.retailer, lesson=lesson, now=at(0))
    services.lesson_progress_report(user=world.retailer, lesson=lesson, position_seconds=40, now=at(1))
    progress = LessonProgress.objects.get(user=world.retailer, lesson=lesson)
    assert progress.completed_at is None
    assert progress.percent == 5


def test_the_declared_duration_that_could_never_be_finished_is_gone_from_the_seed(db):
    """The bug as people met it: a 4 s video declared 180 s credits 2 % when played to the end."""
    from django.core.management import call_command

    call_command("seed_demo", "--only", "learning", "--shops", "0", "--no-progress", verbosity=0)
    media_lessons = LessonPage.objects.filter(kind__in=["video", "audio"])
    assert media_lessons.exists()
    for lesson in media_lessons:
        assert lesson.duration_seconds == whole_seconds(recording_seconds(stream_url=lesson.stream_url)), lesson


def test_the_command_lists_and_corrects_lessons_whose_duration_is_not_their_recordings(course_tree):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("lesson_durations", stdout=out)  # the fixture's video says 100 s, its audio 60 s
    assert out.getvalue().splitlines()[-1] == "2 lessons to correct (run with --fix)"
    assert LessonPage.objects.get(pk=course_tree.video.pk).duration_seconds == 100
    call_command("lesson_durations", "--fix", stdout=StringIO())
    assert LessonPage.objects.get(pk=course_tree.video.pk).duration_seconds == 4
    assert LessonPage.objects.get(pk=course_tree.audio.pk).duration_seconds == 3
    out = StringIO()
    call_command("lesson_durations", stdout=out)
    assert out.getvalue().strip() == "0 lessons to correct (run with --fix)"
