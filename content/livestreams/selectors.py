"""Reads of the livestreams app: the schedule, a stream's page and room, the replay, hosts' and staff reports.
Reads only read: a stream whose state was never written reads as scheduled."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone

from core.activity.items import Item
from core.people.models import Role

from . import services
from .models import (
    ChatMessage,
    PinEvent,
    ProductClick,
    QuizAnswer,
    QuizRound,
    ReactionCount,
    Status,
    StreamKey,
    StreamMute,
    StreamPage,
    StreamReminder,
    StreamState,
    WatchSession,
)

RECENT_CHAT = 50
TOP = 10


def state_of(stream: StreamPage) -> StreamState:
    """The stream's state, or an unsaved scheduled one (reads never write)."""
    state = StreamState.objects.filter(stream_id=stream.pk).first()
    return state or StreamState(stream_id=stream.pk, status=Status.SCHEDULED, public_name="")


def live_stream(*, stream_id: int) -> StreamPage | None:
    return StreamPage.objects.live().filter(pk=stream_id).first()


def schedule(*, index=None, user=None, now: datetime | None = None) -> dict:
    """Live, upcoming and past streams the person may watch (live first, then soonest, then latest)."""
    now = now or timezone.now()
    streams = StreamPage.objects.live().select_related("host", "cover")
    if index is not None:
        streams = streams.child_of(index)
    streams = [s for s in streams.order_by("starts_at") if services.may_watch(user, s)]
    states = {s.stream_id: s for s in StreamState.objects.filter(stream_id__in=[s.pk for s in streams])}
    reminded = set()
    if user is not None and user.is_authenticated:
        reminded = set(StreamReminder.objects.filter(user=user).values_list("stream_id", flat=True))
    live, upcoming, past = [], [], []
    for stream in streams:
        stream.current = states.get(stream.pk) or StreamState(status=Status.SCHEDULED)
        stream.reminded = stream.pk in reminded
        if stream.current.status == Status.LIVE:
            live.append(stream)
        elif stream.current.status == Status.ENDED or stream.ends_at < now:
            past.append(stream)
        else:
            upcoming.append(stream)
    past.sort(key=lambda s: s.starts_at, reverse=True)
    return {"live": live, "upcoming": upcoming, "past": past}


def player_source(stream: StreamPage, state: StreamState) -> dict:
    """What the page's player plays: the live HLS playlist, the replay (kept HLS or uploaded video), or nothing."""
    uploaded = stream.uploaded_video_url
    if state.status == Status.LIVE:
        if uploaded:
            return {"url": uploaded, "hls": uploaded.endswith(".m3u8"), "live": True}
        if settings.LIVESTREAMS_RTMP_URL and state.public_name:
            url = f"{settings.LIVESTREAMS_HLS_URL.rstrip('/')}/{state.public_name}.m3u8"
            return {"url": url, "hls": True, "live": True}
        return {"url": "", "hls": False, "live": True}
    url = state.recording_url or uploaded
    return {"url": url, "hls": url.endswith(".m3u8"), "live": False}


def stream_page_state(*, stream: StreamPage, user) -> dict:
    state = state_of(stream)
    signed_in = user is not None and user.is_authenticated
    ended = state.status == Status.ENDED or (state.status == Status.SCHEDULED and stream.ends_at < timezone.now())
    context = {
        "state": state,
        "may_watch": services.may_watch(user, stream),
        "may_host": services.may_host(user, stream),
        "may_moderate": services.may_moderate(user, stream) if signed_in else False,
        "may_report": signed_in and (services.may_host(user, stream) or user.has_role(Role.STAFF)),
        "source": player_source(stream, state),
        "ended": ended,
        "reminded": signed_in and StreamReminder.objects.filter(stream=stream, user=user).exists(),
        "muted": signed_in and StreamMute.objects.filter(stream=stream, user=user).exists(),
        "products": list(stream.products.all()),
        "chapters": list(stream.chapters.order_by("at_seconds")),
        "room_socket": f"/ws/livestreams/{stream.pk}/",
    }
    if ended:
        context["replay"] = replay(stream=stream)
    return context


def recent_chat(*, stream_id: int, limit: int = RECENT_CHAT) -> list[dict]:
    rows = (
        ChatMessage.objects.filter(stream_id=stream_id, deleted_at__isnull=True)
        .select_related("author")
        .order_by("-sent_at", "-pk")[:limit]
    )
    return [services.chat_message_out(m) for m in reversed(rows)]


def quiz_top(*, stream_id: int, limit: int = TOP) -> list[dict]:
    """The stream's quiz leaderboard: points over all its questions, ties broken by who answered first."""
    rows = (
        QuizAnswer.objects.filter(round__stream_id=stream_id)
        .values("user_id", "user__display_name", "user__username")
        .annotate(points=Sum("points"), right=Count("pk", filter=Q(correct=True)))
        .order_by("-points", "user_id")[:limit]
    )
    return [
        {
            "rank": n,
            "user_id": row["user_id"],
            "name": row["user__display_name"] or row["user__username"],
            "points": row["points"],
            "right": row["right"],
        }
        for n, row in enumerate(rows, start=1)
    ]


def room_snapshot(*, stream_id: int, now: datetime | None = None) -> dict:
    """What every viewer of the room sees: the same for all (nothing personal), serialised once per push."""
    from realtime.rooms import room_viewer_count

    now = now or timezone.now()
    state = StreamState.objects.filter(stream_id=stream_id).select_related("pinned_product").first()
    status = state.status if state else Status.SCHEDULED
    latest = QuizRound.objects.filter(stream_id=stream_id).order_by("-opened_at").first()
    return {
        "stream": stream_id,
        "status": status,
        "viewers": room_viewer_count(services.ROOM_KIND, str(stream_id)),
        "pinned": services.product_out(state.pinned_product) if state else None,
        "reactions": dict(ReactionCount.objects.filter(stream_id=stream_id).values_list("kind", "count")),
        "quiz": services.quiz_round_out(latest, now=now) if latest else None,
        "top": quiz_top(stream_id=stream_id),
        "chat": recent_chat(stream_id=stream_id),
    }


def room_may_watch(key: str, user) -> bool:
    if not key.isdigit():
        return False
    stream = live_stream(stream_id=int(key))
    return stream is not None and services.may_watch(user, stream)


def room_snapshot_for(key: str, user) -> dict:
    return room_snapshot(stream_id=int(key))


def replay(*, stream: StreamPage) -> dict:
    """The replay beside the recording: every chat message and pin with its offset, the chapters."""
    chat = [
        services.chat_message_out(m)
        for m in ChatMessage.objects.filter(stream=stream, deleted_at__isnull=True)
        .select_related("author")
        .order_by("offset_seconds", "pk")
    ]
    pins = [
        {"offset": round(p.offset_seconds, 1), "product": services.product_out(p.product)}
        for p in PinEvent.objects.filter(stream=stream).select_related("product").order_by("offset_seconds", "pk")
    ]
    chapters = [{"at": c.at_seconds, "title": c.title} for c in stream.chapters.order_by("at_seconds")]
    return {"chat": chat, "pins": pins, "chapters": chapters}


def host_key(*, stream: StreamPage) -> str | None:
    row = StreamKey.objects.filter(stream=stream, revoked_at__isnull=True).order_by("-created_at").first()
    return row.key if row else None


def stream_report(*, stream: StreamPage) -> dict:
    """The host's and staff's figures for one stream."""
    state = state_of(stream)
    watch = WatchSession.objects.filter(stream=stream).aggregate(
        live=Sum("live_seconds"), replay=Sum("replay_seconds"), people=Count("pk")
    )
    live_total = watch["live"] or 0.0
    rounds = []
    for round_ in QuizRound.objects.filter(stream=stream).order_by("opened_at"):
        answers = round_.answers.aggregate(n=Count("pk"), right=Count("pk", filter=Q(correct=True)), avg=Avg("points"))
        rounds.append(
            {
                "id": round_.pk,
                "text": round_.text,
                "answers": answers["n"],
                "right": answers["right"],
                "average_points": round(answers["avg"] or 0),
            }
        )
    clicks = (
        ProductClick.objects.filter(stream=stream)
        .values("product_id", "product__name")
        .annotate(clicks=Count("pk"))
        .order_by("-clicks", "product_id")
    )
    return {
        "stream_id": stream.pk,
        "title": stream.title,
        "status": state.status,
        "live_seconds": round(state.live_seconds),
        "peak_viewers": state.peak_viewers,
        "average_viewers": round(live_total / state.live_seconds, 1) if state.live_seconds else 0.0,
        "viewers": watch["people"],
        "live_watch_seconds": round(live_total),
        "replay_watch_seconds": round(watch["replay"] or 0.0),
        "chat_messages": ChatMessage.objects.filter(stream=stream).count(),
        "quiz": rounds,
        "top": quiz_top(stream_id=stream.pk),
        "product_clicks": [
            {"product_id": c["product_id"], "name": c["product__name"], "clicks": c["clicks"]} for c in clicks
        ],
    }


def attendance_by_unit(*, stream: StreamPage) -> list[dict]:
    """Who attended, per organisation unit: people who watched live, those of them who earned attendance."""
    from core.activity.models import Statement
    from core.activity.vocabulary import Verb

    attended = set(
        Statement.objects.trusted()
        .filter(verb_id=Verb.ATTENDED, object_id=stream.activity_iri, voided=False)
        .values_list("actor_user_id", flat=True)
    )
    units: dict[str, dict] = {}
    sessions = (
        WatchSession.objects.filter(stream=stream, live_seconds__gt=0)
        .select_related("user__org_unit")
        .order_by("user__org_unit__path", "user_id")
    )
    for session in sessions:
        unit = session.user.org_unit
        key = unit.code if unit else ""
        row = units.setdefault(
            key, {"unit": unit.name if unit else "", "code": key, "watched": 0, "attended": 0, "people": []}
        )
        row["watched"] += 1
        if session.user_id in attended:
            row["attended"] += 1
            row["people"].append(str(session.user))
    return list(units.values())


def recommendable_streams() -> list[Item]:
    """Streams as items for the recommender (its "done" verbs: attended, watched)."""
    items = []
    for stream in StreamPage.objects.live().order_by("pk"):
        items.append(
            Item(
                item_id=stream.item_id,
                title=stream.title,
                url=stream.url or "",
                summary="",
                category="livestream",
                audience=tuple(stream.audience_roles or ()),
                first_published_at=stream.first_published_at,
            )
        )
    return items
