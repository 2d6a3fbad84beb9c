"""The direct line: filing through a QR code, the states a request moves through, escalation on a fake clock,
anonymity, and the photo checks."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from community_helpers import WEDNESDAY_10
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from content.community import selectors, services
from content.community.models import DirectLineUnit, DirectRequest, RequestCategory, RequestEvent
from content.community.services import InvalidTransition
from content.community.uploads import MAX_PHOTO_BYTES, UploadRefused
from core.activity.models import Statement
from core.activity.vocabulary import Verb
from core.errors import PermissionDenied

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


def help_category():
    return RequestCategory.objects.get(code="help")  # amber after 4 h, target 8 h


def file(community, **kwargs):
    defaults = {
        "category": help_category(),
        "text": "门口路灯坏了，晚上看不见。",
        "station": community.near,
        "requester": community.world.villager,
        "now": WEDNESDAY_10,
    }
    return services.direct_request_file(**{**defaults, **kwargs})


def test_a_request_goes_to_the_staff_of_the_stations_unit(community):
    request = file(community)
    # The station's shop is in 城西一网格; nobody works at the grid, so its department answers.
    assert request.unit == community.world.department
    assert request.state == DirectRequest.State.NEW
    assert request.due_at == WEDNESDAY_10 + 8 * HOUR
    assert [row.pk for row in selectors.staff_queue(user=community.world.staff, now=WEDNESDAY_10)] == [request.pk]
    assert selectors.staff_queue(user=community.world.villager, now=WEDNESDAY_10) == []
    assert Statement.objects.filter(verb_id=Verb.REQUESTED).count() == 1


def test_states_move_forward_only_and_the_requester_confirms_and_rates(community):
    world = community.world
    request = file(community)
    with pytest.raises(InvalidTransition):
        services.direct_request_resolve(request=request, by=world.staff, text="已修好")
    with pytest.raises(PermissionDenied):
        services.direct_request_assign(request=request, by=world.villager)
    request = services.direct_request_assign(request=request, by=world.staff)
    assert (request.state, request.assignee) == (DirectRequest.State.ASSIGNED, world.staff)
    request = services.direct_request_start(request=request, by=world.staff)
    services.direct_request_reply(request=request, by=world.staff, text="已联系供电所，明天上午来修。")
    with pytest.raises(InvalidTransition):
        services.direct_request_confirm(request=request, by=world.villager)  # not resolved yet
    request = services.direct_request_resolve(request=request, by=world.staff, text="路灯已修好。")
    with pytest.raises(PermissionDenied):
        services.direct_request_confirm(request=request, by=world.retailer)
    with pytest.raises(InvalidTransition):
        services.direct_request_start(request=request, by=world.staff)
    request = services.direct_request_confirm(request=request, by=world.villager, rating=5)
    assert (request.state, request.rating) == (DirectRequest.State.CONFIRMED, 5)
    with pytest.raises(InvalidTransition):
        services.direct_request_reopen(request=request, by=world.villager)
    kinds = list(request.events.values_list("kind", flat=True))
    assert kinds == ["filed", "assigned", "started", "reply", "resolved", "confirmed"]
    verbs = {(s.verb_id, s.actor_user_id) for s in Statement.objects.all()}
    assert verbs == {
        (Verb.REQUESTED, world.villager.pk),
        (Verb.RESOLVED, world.staff.pk),
        (Verb.CONFIRMED, world.staff.pk),
        (Verb.RATED, world.villager.pk),
    }


def test_a_requester_may_reopen_a_resolved_request_with_a_new_deadline(community):
    world = community.world
    request = file(community)
    services.direct_request_assign(request=request, by=world.staff, now=WEDNESDAY_10)
    services.direct_request_resolve(request=request, by=world.staff, text="已处理", now=WEDNESDAY_10 + HOUR)
    later = WEDNESDAY_10 + 30 * HOUR
    request = services.direct_request_reopen(request=request, by=world.villager, text="还是不亮", now=later)
    assert request.state == DirectRequest.State.REOPENED
    assert request.due_at == later + 8 * HOUR
    request = services.direct_request_start(request=request, by=world.staff)
    assert request.state == DirectRequest.State.IN_PROGRESS


def test_colours_and_escalation_follow_the_clock(community):
    world = community.world
    request = file(community)
    colour = lambda now: selectors.request_colour(DirectRequest.objects.get(pk=request.pk), now)  # noqa: E731
    assert colour(WEDNESDAY_10 + 3 * HOUR) == "green"
    assert colour(WEDNESDAY_10 + 5 * HOUR) == "amber"
    assert colour(WEDNESDAY_10 + 8 * HOUR) == "red"
    # Reading the colour changed nothing; the escalation runs only when asked.
    assert DirectRequest.objects.get(pk=request.pk).unit == world.department
    assert services.direct_requests_escalate(now=WEDNESDAY_10 + 7 * HOUR) == 0
    assert services.direct_requests_escalate(now=WEDNESDAY_10 + 8 * HOUR) == 1
    request = DirectRequest.objects.get(pk=request.pk)
    assert (request.unit, request.escalation_level) == (world.county, 1)
    assert request.due_at == WEDNESDAY_10 + 16 * HOUR
    assert colour(WEDNESDAY_10 + 9 * HOUR) == "green"
    event = request.events.get(kind=RequestEvent.Kind.ESCALATED)
    assert (event.from_unit, event.to_unit) == (world.department, world.county)
    # Running again at once moves nothing; the department's staff still see it (it was sent to them).
    assert services.direct_requests_escalate(now=WEDNESDAY_10 + 8 * HOUR) == 0
    assert [r.pk for r in selectors.staff_queue(user=world.staff, now=WEDNESDAY_10 + 9 * HOUR)] == [request.pk]
    # Resolved requests never escalate.
    services.direct_request_assign(request=request, by=world.staff)
    services.direct_request_resolve(request=request, by=world.staff, text="已修好")
    assert services.direct_requests_escalate(now=WEDNESDAY_10 + 100 * HOUR) == 0


def test_the_escalation_command_takes_a_clock(community, capsys):
    from django.core.management import call_command

    file(community)
    call_command("direct_line_escalate", "--now", (WEDNESDAY_10 + 9 * HOUR).isoformat())
    assert "1" in capsys.readouterr().out
    assert DirectRequest.objects.get().unit == community.world.county


def test_anonymous_requests_name_nobody(community, client):
    world = community.world
    request = file(community, anonymous=True, contact="13900001111")
    assert (request.requester, request.contact, request.anonymous) == (None, "", True)
    assert not Statement.objects.exists()
    # The staff's page shows no name; the requester follows it by the token.
    client.force_login(world.staff)
    page = client.get(f"/direct/requests/{request.uuid}/").content.decode()
    assert "孙大爷" not in page and "13900001111" not in page and "sun_villager" not in page
    # Open311 readers see what was asked, never who asked.
    client.logout()
    answer = client.get("/open311/v2/requests.json", {"service_request_id": str(request.uuid)}).json()
    assert "孙大爷" not in str(answer) and "13900001111" not in str(answer)
    services.direct_request_assign(request=request, by=world.staff)
    services.direct_request_resolve(request=request, by=world.staff, text="已修好")
    with pytest.raises(PermissionDenied):
        services.direct_request_confirm(request=request, by=world.villager)
    services.direct_request_confirm(request=request, token=request.tracking_token, rating=4)
    assert {s.verb_id for s in Statement.objects.all()} == {Verb.RESOLVED, Verb.CONFIRMED}


def test_a_unit_may_refuse_anonymous_requests(community):
    line = DirectLineUnit.objects.create(unit=community.world.department, allow_anonymous=False)
    line.responders.add(community.world.staff)
    with pytest.raises(PermissionDenied):
        file(community, anonymous=True)
    with pytest.raises(PermissionDenied):
        file(community, requester=None)
    assert file(community).requester == community.world.villager


def _jpeg(size=(40, 30), exif=True) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 10, 10))
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        kwargs["exif"] = data.tobytes()
    image.save(out, format="JPEG", **kwargs)
    return out.getvalue()


def test_photos_are_checked_for_type_and_size_and_lose_their_metadata(community, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    request = file(community, photo=SimpleUploadedFile("light.jpg", _jpeg(), content_type="image/jpeg"))
    stored = request.photo.read()
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and not image.getexif()
    with pytest.raises(UploadRefused, match="JPEG"):
        file(
            community,
            photo=SimpleUploadedFile("x.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", content_type="image/jpeg"),
        )
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, format="GIF")
    with pytest.raises(UploadRefused, match="JPEG"):
        file(community, photo=SimpleUploadedFile("x.gif", gif.getvalue(), content_type="image/gif"))
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * MAX_PHOTO_BYTES, content_type="image/jpeg")
    with pytest.raises(UploadRefused, match="5 MB"):
        file(community, photo=big)
    # Nothing was half-written: only the first request exists.
    assert DirectRequest.objects.count() == 1


def test_the_qr_form_files_a_request_and_the_requester_sees_the_reply(community, client):
    world = community.world
    client.force_login(world.villager)
    form = client.get(f"/direct/station/{community.near.uuid}/")
    assert form.status_code == 200
    answer = client.post(
        f"/direct/station/{community.near.uuid}/",
        {"category": help_category().pk, "text": "快递柜打不开", "contact": ""},
    )
    assert answer.status_code == 302
    request = DirectRequest.objects.get()
    services.direct_request_assign(request=request, by=world.staff)
    services.direct_request_reply(request=request, by=world.staff, text="明天派人来修快递柜。")
    page = client.get(answer["Location"]).content.decode()
    assert "明天派人来修快递柜。" in page
    mine = client.get("/direct/mine/").content.decode()
    assert "快递柜打不开" in mine


def test_open311_files_and_reads_requests(community, client):
    services_list = client.get("/open311/v2/services.json").json()
    assert {"service_code": "help", "service_name": "求助"}.items() <= services_list[0].items()
    answer = client.post(
        "/open311/v2/requests.json",
        {"service_code": "complaint", "description": "店门口占道经营", "lat": "30.2001", "long": "120.0901"},
    )
    assert answer.status_code == 201, answer.content
    created = answer.json()[0]
    request = DirectRequest.objects.get(uuid=created["service_request_id"])
    assert request.station == community.middle  # the nearest station takes it
    assert request.anonymous
    one = client.get(f"/open311/v2/requests/{request.uuid}.json").json()[0]
    assert (one["status"], one["service_code"], one["description"]) == ("open", "complaint", "店门口占道经营")
    bad = client.post(
        "/open311/v2/requests.json", {"service_code": "nope", "description": "x", "lat": "1", "long": "1"}
    )
    assert bad.status_code == 400 and bad.json()[0]["code"] == 400
    assert DirectRequest.objects.count() == 1
