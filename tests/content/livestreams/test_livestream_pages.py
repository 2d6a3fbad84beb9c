"""The pages and the media server's callback views, through Django's test client."""

from datetime import timedelta

import pytest
from icalendar import Calendar

from content.livestreams import services
from content.livestreams.models import Status, StreamReminder, StreamState

pytestmark = pytest.mark.django_db


def test_the_schedule_lists_live_upcoming_and_past(client, stream_world):
    w = stream_world
    response = client.get(w.index.url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "龙坞村助农直播:高山茶叶" in page and 'data-status="scheduled"' in page
    services.stream_publish_authorise(key=w.key, now=w.start)
    assert 'data-status="live"' in client.get(w.index.url).content.decode()


def test_the_calendar_feeds_are_icalendar(client, stream_world):
    w = stream_world
    for url in (w.index.url + "calendar/", w.stream.url + "calendar/"):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/calendar")
        events = Calendar.from_ical(response.content).walk("VEVENT")
        assert [str(e["SUMMARY"]) for e in events] == ["龙坞村助农直播:高山茶叶"]
        assert events[0].decoded("DTSTART") == w.stream.starts_at.replace(microsecond=0)


def test_a_person_subscribes_to_a_reminder(client, stream_world):
    w = stream_world
    client.force_login(w.retailer)
    response = client.post(w.stream.url + "remind/")
    assert response.status_code == 302
    assert StreamReminder.objects.filter(stream=w.stream, user=w.retailer).count() == 1
    assert (
        "取消预约" in client.get(w.stream.url).content.decode()
        or "Cancel the reminder" in client.get(w.stream.url).content.decode()
    )


def test_the_host_console_and_report_are_for_the_host_and_staff(client, stream_world):
    w = stream_world
    client.force_login(w.retailer)
    assert client.get(w.stream.url + "host/").status_code == 403
    assert client.get(w.stream.url + "report/").status_code == 403
    client.force_login(w.staff)
    console = client.get(w.stream.url + "host/")
    assert console.status_code == 200 and w.key.encode() not in console.content  # no RTMP server configured here
    assert client.post(w.stream.url + "host/", {"action": "live"}).status_code == 302
    assert StreamState.objects.get(pk=w.stream.pk).status == Status.LIVE
    assert client.get(w.stream.url + "report/").status_code == 200


def test_on_publish_answers_nginx(client, stream_world, settings):
    w = stream_world
    settings.LIVESTREAMS_RTMP_RELAY = "rtmp://127.0.0.1:1935/show"
    w.stream.starts_at = w.start = w.stream.starts_at - timedelta(minutes=10)
    w.stream.save_revision().publish()
    refused = client.post("/livestreams/rtmp/on_publish", {"name": "wrong", "app": "live"}, REMOTE_ADDR="127.0.0.1")
    assert refused.status_code == 403
    from_outside = client.post("/livestreams/rtmp/on_publish", {"name": w.key}, REMOTE_ADDR="203.0.113.9")
    forwarded = client.post(
        "/livestreams/rtmp/on_publish", {"name": w.key}, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    assert (from_outside.status_code, forwarded.status_code) == (403, 403)
    assert StreamState.objects.get(pk=w.stream.pk).status == Status.SCHEDULED
    accepted = client.post("/livestreams/rtmp/on_publish", {"name": w.key, "app": "live"}, REMOTE_ADDR="127.0.0.1")
    state = StreamState.objects.get(pk=w.stream.pk)
    assert accepted.status_code == 302
    assert accepted["Location"] == f"rtmp://127.0.0.1:1935/show/{state.public_name}"
    assert state.status == Status.LIVE
    done = client.post("/livestreams/rtmp/on_publish_done", {"name": w.key}, REMOTE_ADDR="127.0.0.1")
    assert done.status_code == 200
    assert StreamState.objects.get(pk=w.stream.pk).status == Status.ENDED
    assert client.get("/livestreams/rtmp/on_publish").status_code == 405
