"""The livestreams API under /api/livestreams/: the schedule, a stream, its room and replay, chat and moderation,
reactions, heartbeats, pinned products, quiz questions and answers, reminders, the host's key and the reports.

Handlers stay thin: they look streams up, call services and selectors, and shape the answer. The live room's
socket (`ws/livestreams/<id>/`) carries the same acts for players; this API is for everything else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema

from core.errors import PermissionDenied, errors
from core.people.auth import request_person, signed_in
from core.people.models import Role, User

from . import selectors, services
from .models import ChatMessage, QuizRound, StreamPage

router = Router(tags=["livestreams"])

MAX_ID = 2**31 - 1
StreamId = Annotated[int, Path(ge=1, le=MAX_ID)]
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class LivestreamsStreamOut(Schema):
    id: int
    item_id: str
    title: str
    url: str
    host: str
    starts_at: datetime
    ends_at: datetime
    status: str = Field(description="scheduled, live or ended")
    course_id: int | None
    audience: list[str]


class LivestreamsSourceOut(Schema):
    url: str = Field(description="What the player plays: an HLS playlist (.m3u8) or a video file; empty: nothing yet")
    hls: bool
    live: bool


class LivestreamsProductOut(Schema):
    id: int
    name: str
    price: str
    seller: str
    stock: int
    link: str
    image: str


class LivestreamsChapterOut(Schema):
    at: int
    title: str


class LivestreamsStreamDetailOut(LivestreamsStreamOut):
    description: str
    source: LivestreamsSourceOut
    products: list[LivestreamsProductOut]
    chapters: list[LivestreamsChapterOut]
    reminded: bool


class LivestreamsChatOut(Schema):
    id: int
    author_id: int
    author: str
    text: str
    sent_at: str
    offset: float


class LivestreamsQuizOut(Schema):
    id: int
    text: str
    choices: list[str]
    seconds: int
    opened_at: str
    closes_at: str
    closed: bool
    correct: int | None = Field(description="The right choice, once the countdown is over")


class LivestreamsTopOut(Schema):
    rank: int
    user_id: int
    name: str
    points: int
    right: int


class LivestreamsRoomOut(Schema):
    stream: int
    status: str
    viewers: int
    pinned: LivestreamsProductOut | None
    reactions: dict[str, int]
    quiz: LivestreamsQuizOut | None
    top: list[LivestreamsTopOut]
    chat: list[LivestreamsChatOut]


class LivestreamsPinOut(Schema):
    offset: float
    product: LivestreamsProductOut | None


class LivestreamsReplayOut(Schema):
    source: LivestreamsSourceOut
    chapters: list[LivestreamsChapterOut]
    chat: list[LivestreamsChatOut]
    pins: list[LivestreamsPinOut]


class LivestreamsChatIn(Schema):
    text: str = Field(..., max_length=2000)


class LivestreamsPersonIn(Schema):
    user_id: int = Field(..., ge=1, le=2**63 - 1)


class LivestreamsMuteOut(Schema):
    user_id: int
    muted: bool


class LivestreamsReactionIn(Schema):
    reaction: str = Field(..., max_length=10, description="like, heart or clap")


class LivestreamsReactionOut(Schema):
    reaction: str
    count: int


class LivestreamsWatchOut(Schema):
    live_seconds: float
    replay_seconds: float


class LivestreamsPinIn(Schema):
    product_id: int | None = Field(None, ge=1, le=2**63 - 1, description="None takes the pinned product down")


class LivestreamsStateOut(Schema):
    status: str
    pinned: LivestreamsProductOut | None
    live_started_at: datetime | None
    ended_at: datetime | None
    replay_url: str


class LivestreamsQuizIn(Schema):
    question_id: int | None = Field(None, ge=1, le=2**63 - 1, description="A question prepared on the page")
    text: str = Field("", max_length=200)
    choices: list[str] = Field(default_factory=list, max_length=6)
    correct: int = Field(0, ge=0, le=5)
    seconds: int = Field(20, ge=services.QUIZ_MIN_SECONDS, le=services.QUIZ_MAX_SECONDS)


class LivestreamsAnswerIn(Schema):
    choice: int = Field(..., ge=0, le=5)


class LivestreamsVerdictOut(Schema):
    round: int
    correct: bool
    points: int


class LivestreamsReminderOut(Schema):
    reminded: bool


class LivestreamsKeyOut(Schema):
    rtmp_url: str = Field(description="Where the encoder publishes (empty: no media server configured)")
    key: str | None = Field(description="The secret stream key; None when every key is revoked")


class LivestreamsRoundReportOut(Schema):
    id: int
    text: str
    answers: int
    right: int
    average_points: int


class LivestreamsClicksOut(Schema):
    product_id: int
    name: str
    clicks: int


class LivestreamsReportOut(Schema):
    stream_id: int
    title: str
    status: str
    live_seconds: int
    peak_viewers: int
    average_viewers: float
    viewers: int
    live_watch_seconds: int
    replay_watch_seconds: int
    chat_messages: int
    quiz: list[LivestreamsRoundReportOut]
    top: list[LivestreamsTopOut]
    product_clicks: list[LivestreamsClicksOut]


class LivestreamsUnitOut(Schema):
    unit: str
    code: str
    watched: int
    attended: int
    people: list[str]


def _stream(request, stream_id: int) -> StreamPage:
    stream = get_object_or_404(StreamPage.objects.live().select_related("host"), pk=stream_id)
    if not services.may_watch(request_person(request), stream):
        raise PermissionDenied(_("This stream is not for you."))
    return stream


def _stream_out(stream: StreamPage, state) -> dict:
    return {
        "id": stream.pk,
        "item_id": stream.item_id,
        "title": stream.title,
        "url": stream.url or "",
        "host": str(stream.host) if stream.host else "",
        "starts_at": stream.starts_at,
        "ends_at": stream.ends_at,
        "status": state.status,
        "course_id": stream.course_id,
        "audience": list(stream.audience_roles or []),
    }


def _state_out(state) -> dict:
    return {
        "status": state.status,
        "pinned": services.product_out(state.pinned_product),
        "live_started_at": state.live_started_at,
        "ended_at": state.ended_at,
        "replay_url": state.recording_url,
    }


def _may_report(user, stream: StreamPage) -> bool:
    return services.may_host(user, stream) or (user.is_authenticated and user.has_role(Role.STAFF))


@router.get(
    "/streams", response={200: list[LivestreamsStreamOut]}, summary="The schedule: live, upcoming, past", auth=None
)
def stream_list(request):
    schedule = selectors.schedule(user=request_person(request))
    return [_stream_out(s, s.current) for part in ("live", "upcoming", "past") for s in schedule[part]]


@router.get("/streams/{stream_id}", response={200: LivestreamsStreamDetailOut, **errors(403, 404, 422)}, auth=None)
def stream_detail(request, stream_id: StreamId):
    stream = _stream(request, stream_id)
    state = selectors.state_of(stream)
    page = selectors.stream_page_state(stream=stream, user=request_person(request))
    return {
        **_stream_out(stream, state),
        "description": stream.description,
        "source": page["source"],
        "products": [services.product_out(p) for p in page["products"]],
        "chapters": [{"at": c.at_seconds, "title": c.title} for c in page["chapters"]],
        "reminded": bool(page["reminded"]),
    }


@router.get(
    "/streams/{stream_id}/room",
    response={200: LivestreamsRoomOut, **errors(403, 404, 422)},
    summary="The live room's snapshot (what the socket pushes)",
    auth=None,
)
def stream_room(request, stream_id: StreamId):
    return selectors.room_snapshot(stream_id=_stream(request, stream_id).pk)


@router.get("/streams/{stream_id}/replay", response={200: LivestreamsReplayOut, **errors(403, 404, 422)}, auth=None)
def stream_replay(request, stream_id: StreamId):
    stream = _stream(request, stream_id)
    return {**selectors.replay(stream=stream), "source": selectors.player_source(stream, selectors.state_of(stream))}


@router.post(
    "/streams/{stream_id}/chat",
    response={200: LivestreamsChatOut, **errors(400, 401, 403, 404, 409, 422, 429)},
    auth=signed_in,
)
def chat_post(request, stream_id: StreamId, payload: LivestreamsChatIn):
    message = services.chat_post(user=request_person(request), stream=_stream(request, stream_id), text=payload.text)
    return services.chat_message_out(message)


@router.post(
    "/messages/{message_id}/delete",
    response={200: LivestreamsChatOut, **errors(401, 403, 404, 422)},
    summary="The host or a moderator takes a chat message down",
    auth=signed_in,
)
def chat_delete(request, message_id: ObjectId):
    message = get_object_or_404(ChatMessage.objects.select_related("stream", "author"), pk=message_id)
    return services.chat_message_out(services.chat_message_delete(user=request_person(request), message=message))


@router.post(
    "/streams/{stream_id}/mute",
    response={200: LivestreamsMuteOut, **errors(400, 401, 403, 404, 422)},
    summary="Mute a person for this stream",
    auth=signed_in,
)
def stream_mute(request, stream_id: StreamId, payload: LivestreamsPersonIn):
    person = get_object_or_404(User, pk=payload.user_id)
    services.stream_mute(user=request_person(request), stream=_stream(request, stream_id), person=person)
    return {"user_id": person.pk, "muted": True}


@router.post(
    "/streams/{stream_id}/unmute", response={200: LivestreamsMuteOut, **errors(400, 401, 403, 404, 422)}, auth=signed_in
)
def stream_unmute(request, stream_id: StreamId, payload: LivestreamsPersonIn):
    person = get_object_or_404(User, pk=payload.user_id)
    services.stream_unmute(user=request_person(request), stream=_stream(request, stream_id), person=person)
    return {"user_id": person.pk, "muted": False}


@router.post(
    "/streams/{stream_id}/reactions",
    response={200: LivestreamsReactionOut, **errors(400, 401, 403, 404, 422, 429)},
    auth=signed_in,
)
def reaction(request, stream_id: StreamId, payload: LivestreamsReactionIn):
    count = services.reaction_send(
        user=request_person(request), stream=_stream(request, stream_id), kind=payload.reaction
    )
    return {"reaction": payload.reaction, "count": count}


@router.post(
    "/streams/{stream_id}/heartbeat",
    response={200: LivestreamsWatchOut, **errors(401, 403, 404, 409, 422)},
    summary="The player is still playing: the server credits the time since the last heartbeat",
    auth=signed_in,
)
def heartbeat(request, stream_id: StreamId):
    session = services.stream_heartbeat(user=request_person(request), stream=_stream(request, stream_id))
    return {"live_seconds": session.live_seconds, "replay_seconds": session.replay_seconds}


@router.post(
    "/streams/{stream_id}/pin",
    response={200: LivestreamsStateOut, **errors(400, 401, 403, 404, 409, 422)},
    summary="The host pins a product under the video (product_id null takes it down)",
    auth=signed_in,
)
def pin(request, stream_id: StreamId, payload: LivestreamsPinIn):
    state = services.product_pin(
        user=request_person(request), stream=_stream(request, stream_id), product_id=payload.product_id
    )
    return _state_out(state)


class LivestreamsClickOut(Schema):
    product_id: int
    counted: bool


@router.post(
    "/streams/{stream_id}/products/{product_id}/click",
    response={200: LivestreamsClickOut, **errors(403, 404, 422, 429)},
    summary="A viewer opened a pinned product's card (counted for the host's report)",
    auth=None,
)
def product_click(request, stream_id: StreamId, product_id: ObjectId):
    services.product_click(user=request_person(request), stream=_stream(request, stream_id), product_id=product_id)
    return {"product_id": product_id, "counted": True}


@router.post(
    "/streams/{stream_id}/quiz",
    response={200: LivestreamsQuizOut, **errors(400, 401, 403, 404, 409, 422)},
    summary="The host pushes a quiz question to every viewer",
    auth=signed_in,
)
def quiz_open(request, stream_id: StreamId, payload: LivestreamsQuizIn):
    round_ = services.quiz_open(
        user=request_person(request),
        stream=_stream(request, stream_id),
        question_id=payload.question_id,
        text=payload.text,
        choices=payload.choices,
        correct=payload.correct,
        seconds=payload.seconds,
    )
    return services.quiz_round_out(round_)


@router.post(
    "/quiz/{round_id}/answer",
    response={200: LivestreamsVerdictOut, **errors(400, 401, 403, 404, 409, 422)},
    summary="Answer the open question, once, before the countdown ends",
    auth=signed_in,
)
def quiz_answer(request, round_id: ObjectId, payload: LivestreamsAnswerIn):
    round_ = get_object_or_404(QuizRound.objects.select_related("stream"), pk=round_id)
    _stream(request, round_.stream_id)
    verdict = services.quiz_answer(user=request_person(request), round_=round_, choice=payload.choice)
    return {"round": round_.pk, "correct": verdict.correct, "points": verdict.points}


@router.post(
    "/streams/{stream_id}/reminder",
    response={200: LivestreamsReminderOut, **errors(401, 403, 404, 409, 422)},
    summary="Remind me of this upcoming stream",
    auth=signed_in,
)
def remind(request, stream_id: StreamId):
    return {"reminded": services.stream_remind(user=request_person(request), stream=_stream(request, stream_id))}


@router.post(
    "/streams/{stream_id}/reminder/cancel",
    response={200: LivestreamsReminderOut, **errors(401, 403, 404, 422)},
    auth=signed_in,
)
def remind_cancel(request, stream_id: StreamId):
    stream = _stream(request, stream_id)
    return {"reminded": services.stream_remind(user=request_person(request), stream=stream, on=False)}


@router.post(
    "/streams/{stream_id}/live",
    response={200: LivestreamsStateOut, **errors(401, 403, 404, 409, 422)},
    summary="The host starts the stream without the media server (an uploaded video plays)",
    auth=signed_in,
)
def go_live(request, stream_id: StreamId):
    return _state_out(services.stream_go_live(user=request_person(request), stream=_stream(request, stream_id)))


@router.post(
    "/streams/{stream_id}/end",
    response={200: LivestreamsStateOut, **errors(401, 403, 404, 409, 422)},
    summary="The host ends the stream",
    auth=signed_in,
)
def end(request, stream_id: StreamId):
    return _state_out(services.stream_end(user=request_person(request), stream=_stream(request, stream_id)))


@router.get(
    "/streams/{stream_id}/key",
    response={200: LivestreamsKeyOut, **errors(401, 403, 404, 422)},
    summary="The host's stream key and where to publish",
    auth=signed_in,
)
def stream_key(request, stream_id: StreamId):
    from django.conf import settings

    stream = _stream(request, stream_id)
    if not services.may_host(request_person(request), stream):
        raise PermissionDenied(_("Only the host or an editor may see the stream key."))
    return {"rtmp_url": settings.LIVESTREAMS_RTMP_URL, "key": selectors.host_key(stream=stream)}


@router.post(
    "/streams/{stream_id}/key",
    response={200: LivestreamsKeyOut, **errors(401, 403, 404, 422)},
    summary="Revoke the stream's keys and issue a new one",
    auth=signed_in,
)
def stream_key_rotate(request, stream_id: StreamId):
    from django.conf import settings

    row = services.stream_key_rotate(user=request_person(request), stream=_stream(request, stream_id))
    return {"rtmp_url": settings.LIVESTREAMS_RTMP_URL, "key": row.key}


@router.get(
    "/streams/{stream_id}/report",
    response={200: LivestreamsReportOut, **errors(401, 403, 404, 422)},
    summary="Viewers, watch time, chat, quiz results and product clicks of one stream (hosts and staff)",
    auth=signed_in,
)
def report(request, stream_id: StreamId):
    stream = _stream(request, stream_id)
    if not _may_report(request_person(request), stream):
        raise PermissionDenied(_("Only the host and staff see the stream's report."))
    return selectors.stream_report(stream=stream)


@router.get(
    "/streams/{stream_id}/attendance",
    response={200: list[LivestreamsUnitOut], **errors(401, 403, 404, 422)},
    summary="Who attended, per organisation unit (hosts and staff)",
    auth=signed_in,
)
def attendance(request, stream_id: StreamId):
    stream = _stream(request, stream_id)
    if not _may_report(request_person(request), stream):
        raise PermissionDenied(_("Only the host and staff see the stream's report."))
    return selectors.attendance_by_unit(stream=stream)
