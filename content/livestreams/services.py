"""Writes of the livestreams app: the media server's callbacks, chat and moderation, reactions, pinned products,
in-stream quizzes, watch time and learning credit, reminders.

Every rule is decided here, on the server. Permissions are checked first, then one transaction; live rooms hear
about it only after commit (`realtime.rooms`). What counts as learning becomes a statement through
`core.activity.services.activity_record`, recorded once (its natural key names the act):

| act | verb | natural key |
| --- | --- | --- |
| watched the live stream for `ATTEND_SHARE` of it | attended | ("livestream-attended", user, stream) |
| watched the replay for `REPLAY_SHARE` of it | watched | ("livestream-watched", user, stream) |
| answered a quiz question during the stream | answered | ("livestream-answered", user, round) |

All three have the stream as object (activity type livestream) and, when the stream belongs to a course, the
course as context parent; attending also enrols the person in that course through learning's `course_enrol`.

Watch time comes from heartbeats the player sends over the room's socket. Each heartbeat credits the time since
the person's previous one, at most `HEARTBEAT_MAX_GAP` seconds: a client that sends heartbeats faster than time
passes only splits the same wall time into smaller pieces, and a tab left alone earns nothing after the gap.
`now` parameters exist for tests and the demo seed; requests never pass them.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

import limits
from django.conf import settings
from django.core.cache import cache as django_cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.activity.items import item_iri
from core.activity.services import activity_record
from core.activity.vocabulary import ActivityType, Extension, Verb
from core.errors import ApplicationError, NotFound, PermissionDenied
from core.people.models import Role

from .models import (
    BannedWord,
    ChatMessage,
    PinEvent,
    ProductClick,
    QuizAnswer,
    QuizRound,
    Reaction,
    ReactionCount,
    Status,
    StreamKey,
    StreamMute,
    StreamPage,
    StreamProduct,
    StreamQuestion,
    StreamReminder,
    StreamState,
    WatchSession,
)

logger = logging.getLogger(__name__)

ROOM_KIND = "livestreams"

# The encoder may publish from this long before the start until this long after the expected end.
PUBLISH_EARLY = timedelta(minutes=30)
PUBLISH_LATE = timedelta(hours=1)
# Chat: at most this long, and at most this many messages per person and stream.
CHAT_MAX_CHARS = 200
CHAT_RATE = "5 per 10 seconds"
REACTION_RATE = "10 per 10 seconds"
CLICK_RATE = "20 per minute"
# Watch credit: one heartbeat credits at most this many seconds since the previous one.
HEARTBEAT_MAX_GAP = 30.0
# Attending live for this share of the stream, or watching this share of the replay, is a statement.
ATTEND_SHARE = 0.5
REPLAY_SHARE = 0.8
# A quiz answer scores up to QUIZ_MAX_POINTS: the full amount at once, half at the last moment (as Kahoot does).
QUIZ_MAX_POINTS = 1000
QUIZ_MIN_SECONDS, QUIZ_MAX_SECONDS = 5, 120


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


# --- after commit: the live room -------------------------------------------------------------------


def _room_send(stream_id: int, payload: dict) -> None:
    transaction.on_commit(lambda: _room_send_now(stream_id, [payload]))


def _room_send_now(stream_id: int, payloads: list[dict]) -> None:
    from realtime.rooms import room_send

    room_send(ROOM_KIND, str(stream_id), *payloads)


def _room_changed(stream_id: int) -> None:
    from realtime.rooms import room_changed

    transaction.on_commit(lambda: room_changed(ROOM_KIND, str(stream_id)))


# --- who may do what -------------------------------------------------------------------------------


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def _require_signed_in(user) -> None:
    if not _signed_in(user):
        raise PermissionDenied(_("Sign in first."))


def is_editor(user) -> bool:
    return _signed_in(user) and (user.is_superuser or user.has_role(Role.EDITOR))


def may_host(user, stream: StreamPage) -> bool:
    """The host, an editor or a superuser: stream key, pinned products, quiz questions, ending the stream."""
    return _signed_in(user) and (stream.host_id == user.pk or is_editor(user))


def may_moderate(user, stream: StreamPage) -> bool:
    """Besides those who may host: the stream's moderators (delete messages, mute people)."""
    return may_host(user, stream) or (_signed_in(user) and stream.moderators.filter(pk=user.pk).exists())


def may_watch(user, stream: StreamPage) -> bool:
    """A published stream with no audience is for everyone; otherwise for people with one of its roles."""
    if not stream.live:
        return False
    if not stream.audience_roles:
        return True
    if not _signed_in(user):
        return False
    return bool(user.role_codes() & set(stream.audience_roles)) or may_moderate(user, stream)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _state(stream: StreamPage, *, lock: bool = False) -> StreamState:
    rows = StreamState.objects.select_for_update() if lock else StreamState.objects
    state = rows.filter(stream=stream).first()
    if state is None:
        state = stream_state_ensure(stream=stream)
        if lock:
            state = StreamState.objects.select_for_update().get(pk=state.pk)
    return state


# --- the stream's life -----------------------------------------------------------------------------


def _new_key() -> str:
    return secrets.token_urlsafe(24)


def stream_state_ensure(*, stream: StreamPage, now: datetime | None = None) -> StreamState:
    """Give a new stream its state and a first secret key (once; called when the page is created)."""
    now = _now(now)
    with transaction.atomic():
        state, created = StreamState.objects.get_or_create(
            stream=stream, defaults={"public_name": f"s{stream.pk}-{secrets.token_hex(6)}"}
        )
        if created and not StreamKey.objects.filter(stream=stream, revoked_at__isnull=True).exists():
            StreamKey.objects.create(stream=stream, key=_new_key(), created_at=now)
    return state


def stream_key_rotate(*, user, stream: StreamPage, now: datetime | None = None) -> StreamKey:
    """Revoke the stream's keys and issue a new one (the host pasted it somewhere public, for example)."""
    _require(may_host(user, stream), _("Only the host or an editor may change the stream key."))
    now = _now(now)
    with transaction.atomic():
        _state(stream, lock=True)
        StreamKey.objects.filter(stream=stream, revoked_at__isnull=True).update(revoked_at=now)
        return StreamKey.objects.create(stream=stream, key=_new_key(), created_at=now)


def stream_key_revoke(*, user, stream: StreamPage, now: datetime | None = None) -> int:
    """Revoke every key of the stream: nobody can publish until a new one is issued."""
    _require(may_host(user, stream), _("Only the host or an editor may change the stream key."))
    return StreamKey.objects.filter(stream=stream, revoked_at__isnull=True).update(revoked_at=_now(now))


class PublishRefused(ApplicationError):
    status = 403


def stream_publish_authorise(*, key: str, now: datetime | None = None) -> StreamState:
    """The media server's `on_publish`: an encoder wants to publish with `key`. Refuses (PublishRefused) an unknown
    or revoked key, an unpublished stream and a stream outside its window; otherwise marks the stream live and
    returns its state, whose `public_name` the media server publishes under (the key never appears in a URL)."""
    now = _now(now)
    row = StreamKey.objects.select_related("stream").filter(key=key).first() if key else None
    if row is None:
        raise PublishRefused(_("Unknown stream key."))
    if row.revoked_at is not None:
        raise PublishRefused(_("This stream key was revoked."))
    stream = row.stream
    if not stream.live:
        raise PublishRefused(_("This stream is not published."))
    if now < stream.starts_at - PUBLISH_EARLY or now > stream.ends_at + PUBLISH_LATE:
        raise PublishRefused(
            _("This stream may be published from %(start)s to %(end)s.")
            % {
                "start": timezone.localtime(stream.starts_at - PUBLISH_EARLY).strftime("%Y-%m-%d %H:%M"),
                "end": timezone.localtime(stream.ends_at + PUBLISH_LATE).strftime("%Y-%m-%d %H:%M"),
            }
        )
    with transaction.atomic():
        state = _state(stream, lock=True)
        state.status = Status.LIVE
        state.live_started_at = state.live_started_at or now
        state.ended_at = None
        state.save(update_fields=["status", "live_started_at", "ended_at"])
        _room_send(stream.pk, {"kind": "status", "status": Status.LIVE})
        _room_changed(stream.pk)
    return state


def stream_go_live(*, user, stream: StreamPage, now: datetime | None = None) -> StreamState:
    """The host starts a stream without the media server (an uploaded video plays): the embedded default."""
    _require(may_host(user, stream), _("Only the host or an editor may start the stream."))
    now = _now(now)
    with transaction.atomic():
        state = _state(stream, lock=True)
        if state.status == Status.ENDED:
            raise ApplicationError(_("This stream has ended."), status=409)
        state.status = Status.LIVE
        state.live_started_at = state.live_started_at or now
        state.save(update_fields=["status", "live_started_at"])
        _room_send(stream.pk, {"kind": "status", "status": Status.LIVE})
        _room_changed(stream.pk)
    return state


def stream_publish_done(*, name: str, now: datetime | None = None) -> StreamState:
    """The media server's `on_publish_done`: the encoder stopped. Ends the stream, makes the replay from the kept
    HLS playlist and credits attendance. `name` is the stream's public name (or, from an older media server
    configuration, its key)."""
    state = StreamState.objects.filter(public_name=name).first() if name else None
    if state is None and name:
        row = StreamKey.objects.filter(key=name).first()
        state = StreamState.objects.filter(stream_id=row.stream_id).first() if row else None
    if state is None:
        raise NotFound(_("No stream publishes under this name."))
    return _stream_end(stream=StreamPage.objects.get(pk=state.stream_id), now=_now(now))


def stream_end(*, user, stream: StreamPage, now: datetime | None = None) -> StreamState:
    """The host ends the stream by hand (without a media server, or when the encoder hangs)."""
    _require(may_host(user, stream), _("Only the host or an editor may end the stream."))
    return _stream_end(stream=stream, now=_now(now))


def _stream_end(*, stream: StreamPage, now: datetime) -> StreamState:
    with transaction.atomic():
        state = _state(stream, lock=True)
        if state.status != Status.LIVE:
            raise ApplicationError(_("This stream is not live."), status=409)
        state.status = Status.ENDED
        state.ended_at = now
        state.pinned_product = None
        recording = hls_replay_make(state.public_name)
        state.recording_url = recording or state.recording_url
        state.save(update_fields=["status", "ended_at", "pinned_product", "recording_url"])
        sessions = WatchSession.objects.filter(stream=stream).select_related("user")
        required = ATTEND_SHARE * state.live_seconds
        for session in sessions:
            if required and session.live_seconds >= required:
                _attended(session=session, stream=stream, now=now, of_seconds=state.live_seconds)
        _room_send(stream.pk, {"kind": "status", "status": Status.ENDED})
        _room_changed(stream.pk)
    return state


def hls_replay_make(public_name: str) -> str:
    """The replay's address, from the HLS playlist the media server kept (hls_cleanup off): written again as a
    VOD playlist (`#EXT-X-PLAYLIST-TYPE:VOD` … `#EXT-X-ENDLIST`) beside it, so players start at the beginning and
    can seek. Nothing is transcoded. Without `LIVESTREAMS_HLS_DIR` (the media server on another machine) the
    kept playlist itself; "" when the media server wrote nothing for this stream."""
    base = settings.LIVESTREAMS_HLS_URL.rstrip("/")
    if not settings.LIVESTREAMS_HLS_DIR:
        return f"{base}/{public_name}.m3u8" if settings.LIVESTREAMS_RTMP_URL else ""
    live = Path(settings.LIVESTREAMS_HLS_DIR) / f"{public_name}.m3u8"
    try:
        lines = live.read_text().splitlines()
    except OSError:
        return ""
    if not any(line.startswith("#EXTINF") for line in lines):
        return ""
    body = [line for line in lines if line and not line.startswith(("#EXT-X-PLAYLIST-TYPE", "#EXT-X-ENDLIST"))]
    body.insert(1, "#EXT-X-PLAYLIST-TYPE:VOD")
    body.append("#EXT-X-ENDLIST")
    replay = live.with_name(f"{public_name}-replay.m3u8")
    temporary = replay.with_suffix(".tmp")
    temporary.write_text("\n".join(body) + "\n")
    temporary.replace(replay)
    return f"{base}/{replay.name}"


# --- chat and moderation ---------------------------------------------------------------------------


@cache
def _limiter():
    from limits.storage import MemoryStorage, RedisStorage
    from limits.strategies import MovingWindowRateLimiter

    if settings.REDIS_URL:
        storage = RedisStorage(
            settings.REDIS_URL,
            key_prefix=f"{settings.REDIS_KEY_PREFIX}:cache:livestreams",
            socket_connect_timeout=0.5,
            socket_timeout=0.5,
        )
    else:
        storage = MemoryStorage()
    return MovingWindowRateLimiter(storage), storage


def _within_rate(rate: str, *keys: object) -> bool:
    limiter, _storage = _limiter()
    try:
        return limiter.hit(limits.parse(rate), "livestreams", *[str(k) for k in keys])
    except Exception as exc:  # noqa: BLE001 - Redis away: let people talk rather than silence everyone
        logger.warning("livestream rate limit unavailable: %s", exc)
        return True


def rate_limits_reset() -> None:
    """Forget every count (tests)."""
    _limiter()[1].reset()


BANNED_WORDS_CACHE_KEY = "livestreams:banned-words"


def banned_words_pattern() -> re.Pattern | None:
    words = django_cache.get(BANNED_WORDS_CACHE_KEY)
    if words is None:
        words = sorted(BannedWord.objects.values_list("word", flat=True), key=len, reverse=True)
        django_cache.set(BANNED_WORDS_CACHE_KEY, words, 300)
    words = [w for w in words if w.strip()]
    if not words:
        return None
    return re.compile("|".join(re.escape(w.strip()) for w in words), re.IGNORECASE)


def banned_words_changed() -> None:
    django_cache.delete(BANNED_WORDS_CACHE_KEY)


def chat_text_filter(text: str, pattern: re.Pattern | None) -> str:
    """The editors' word filter (`banned_words_pattern()`, read once per batch): each filtered word is shown as
    asterisks."""
    return pattern.sub(lambda m: "*" * len(m.group(0)), text) if pattern else text


def _offset(state: StreamState, now: datetime) -> float:
    return max(0.0, (now - state.live_started_at).total_seconds()) if state.live_started_at else 0.0


def chat_message_out(message: ChatMessage) -> dict:
    return {
        "kind": "chat",
        "id": message.pk,
        "author_id": message.author_id,
        "author": str(message.author),
        "text": message.text,
        "sent_at": message.sent_at.isoformat(),
        "offset": round(message.offset_seconds, 1),
    }


def chat_post(*, user, stream: StreamPage, text: str, now: datetime | None = None) -> ChatMessage:
    """A viewer writes in the chat: signed in, allowed to watch, not muted, within the length and rate limits.
    The filtered text goes to every viewer."""
    (outcome,) = chat_post_many(stream=stream, posts=[ChatPost(user=user, text=text)], now=now)
    if isinstance(outcome, ApplicationError):
        raise outcome
    return outcome


@dataclass(frozen=True)
class ChatPost:
    user: object
    text: str


def _too_long_text() -> str:
    return _("A message holds at most %(limit)d characters.") % {"limit": CHAT_MAX_CHARS}


_too_long = lazy(_too_long_text, str)


def _chat_refusal(post: ChatPost, stream: StreamPage, watchers: dict) -> ApplicationError | None:
    """What is wrong with one message before the stream's state is read (no database work for open streams)."""
    if not _signed_in(post.user):
        return PermissionDenied(gettext_lazy("Sign in first."))
    if post.user.pk not in watchers:
        watchers[post.user.pk] = may_watch(post.user, stream)
    if not watchers[post.user.pk]:
        return PermissionDenied(gettext_lazy("This stream is not for you."))
    text = (post.text or "").strip()
    if not text:
        return ApplicationError(gettext_lazy("Write something first."))
    if len(text) > CHAT_MAX_CHARS:
        return ApplicationError(
            _too_long(),
            extra={"limit": CHAT_MAX_CHARS},
        )
    return None


def chat_post_many(
    *, stream: StreamPage, posts: list[ChatPost], now: datetime | None = None
) -> list[ChatMessage | ApplicationError]:
    """Chat messages for one stream, in the order they arrived (a room socket's batch, or one from `chat_post`):
    each is checked as one would be, and those accepted are written in one transaction and reach the room as one
    event batch, in this order. Returns each post's message or its refusal (translated when shown: a batch holds
    people of several languages).

    The stream's state row is locked while the batch is checked and written, as `stream_mute` locks it: a mute
    either sees this batch's messages (and takes them down) or this batch sees the mute."""
    now = _now(now)
    watchers: dict = {}
    outcomes: list[ChatMessage | ApplicationError | None] = [_chat_refusal(post, stream, watchers) for post in posts]
    if all(outcome is not None for outcome in outcomes):
        return outcomes
    with transaction.atomic():
        state = _state(stream, lock=True)
        ended = state.status == Status.ENDED
        authors = {post.user.pk for post, outcome in zip(posts, outcomes, strict=True) if outcome is None}
        muted = set(StreamMute.objects.filter(stream=stream, user_id__in=authors).values_list("user_id", flat=True))
        pattern = banned_words_pattern()
        offset = _offset(state, now)
        accepted = []
        for n, post in enumerate(posts):
            if outcomes[n] is not None:
                continue
            if ended:
                outcomes[n] = ApplicationError(gettext_lazy("This stream has ended; the chat is closed."), status=409)
            elif post.user.pk in muted:
                outcomes[n] = PermissionDenied(gettext_lazy("You are muted in this stream."))
            elif not _within_rate(CHAT_RATE, "chat", stream.pk, post.user.pk):
                outcomes[n] = ApplicationError(gettext_lazy("You are writing too fast; wait a moment."), status=429)
            else:
                outcomes[n] = ChatMessage(
                    stream=stream,
                    author=post.user,
                    text=chat_text_filter(post.text.strip(), pattern),
                    sent_at=now,
                    offset_seconds=offset,
                )
                accepted.append(outcomes[n])
        if accepted:
            ChatMessage.objects.bulk_create(accepted)  # in order: their ids increase as they arrived
            payloads = [chat_message_out(message) for message in accepted]
            transaction.on_commit(lambda: _room_send_now(stream.pk, payloads))
    return outcomes


def chat_message_delete(*, user, message: ChatMessage, now: datetime | None = None) -> ChatMessage:
    """The host or a moderator takes a message down: it disappears from every viewer and from the replay."""
    _require(may_moderate(user, message.stream), _("Only the host or a moderator may delete messages."))
    with transaction.atomic():
        updated = ChatMessage.objects.filter(pk=message.pk, deleted_at__isnull=True).update(
            deleted_at=_now(now), deleted_by=user
        )
        if updated:
            _room_send(message.stream_id, {"kind": "chat-deleted", "id": message.pk})
    message.refresh_from_db()
    return message


def stream_mute(*, user, stream: StreamPage, person, now: datetime | None = None) -> StreamMute:
    """The host or a moderator mutes `person` for this stream: nothing they write reaches anyone, and their
    messages so far are taken down."""
    _require(may_moderate(user, stream), _("Only the host or a moderator may mute people."))
    if may_moderate(person, stream):
        raise ApplicationError(_("The host and moderators cannot be muted."))
    now = _now(now)
    with transaction.atomic():
        _state(stream, lock=True)  # after any chat batch being written, before the next (chat_post_many)
        mute, _created = StreamMute.objects.get_or_create(
            stream=stream, user=person, defaults={"muted_by": user, "muted_at": now}
        )
        taken_down = list(
            ChatMessage.objects.filter(stream=stream, author=person, deleted_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
        ChatMessage.objects.filter(pk__in=taken_down).update(deleted_at=now, deleted_by=user)
        for pk in taken_down:
            _room_send(stream.pk, {"kind": "chat-deleted", "id": pk})
    return mute


def stream_unmute(*, user, stream: StreamPage, person) -> int:
    _require(may_moderate(user, stream), _("Only the host or a moderator may mute people."))
    return StreamMute.objects.filter(stream=stream, user=person).delete()[0]


def reaction_send(*, user, stream: StreamPage, kind: str) -> int:
    """A viewer reacts (like, heart, applause): every viewer sees it; returns the stream's count of that kind."""
    _require_signed_in(user)
    _require(may_watch(user, stream), _("This stream is not for you."))
    if kind not in Reaction.values:
        raise ApplicationError(_("Unknown reaction."))
    if not _within_rate(REACTION_RATE, "reaction", stream.pk, user.pk):
        raise ApplicationError(_("Too many reactions; wait a moment."), status=429)
    with transaction.atomic():
        row, _created = ReactionCount.objects.get_or_create(stream=stream, kind=kind)
        ReactionCount.objects.filter(pk=row.pk).update(count=F("count") + 1)
        count = ReactionCount.objects.values_list("count", flat=True).get(pk=row.pk)
        _room_send(stream.pk, {"kind": "reaction", "reaction": kind, "count": count})
    return count


# --- products ---------------------------------------------------------------------------------------


def product_out(product: StreamProduct | None) -> dict | None:
    if product is None:
        return None
    return {
        "id": product.pk,
        "name": product.name,
        "price": str(product.price.quantize(Decimal("0.01"))),
        "seller": product.seller,
        "stock": product.stock,
        "link": product.link,
        "image": product.image.get_rendition("fill-160x160").url if product.image_id else "",
    }


def product_pin(*, user, stream: StreamPage, product_id: int | None, now: datetime | None = None) -> StreamState:
    """The host pins one of the stream's products under the video (or takes it down with None): every viewer
    sees it at once, and the replay shows it at this moment."""
    _require(may_host(user, stream), _("Only the host or an editor may pin products."))
    product = None
    if product_id is not None:
        product = StreamProduct.objects.filter(stream=stream, pk=product_id).first()
        if product is None:
            raise NotFound(_("This stream shows no such product."))
    now = _now(now)
    with transaction.atomic():
        state = _state(stream, lock=True)
        if state.status != Status.LIVE:
            raise ApplicationError(_("Products are pinned while the stream is live."), status=409)
        state.pinned_product = product
        state.save(update_fields=["pinned_product"])
        PinEvent.objects.create(stream=stream, product=product, at=now, offset_seconds=_offset(state, now))
        _room_send(stream.pk, {"kind": "pin", "product": product_out(product)})
        _room_changed(stream.pk)
    return state


def product_click(*, user, stream: StreamPage, product_id: int, now: datetime | None = None) -> ProductClick:
    """A viewer opens a pinned product's card (counted for the host's report)."""
    _require(may_watch(user, stream), _("This stream is not for you."))
    product = StreamProduct.objects.filter(stream=stream, pk=product_id).first()
    if product is None:
        raise NotFound(_("This stream shows no such product."))
    who = user.pk if _signed_in(user) else "anonymous"
    if not _within_rate(CLICK_RATE, "click", stream.pk, who):
        raise ApplicationError(_("Too many clicks; wait a moment."), status=429)
    return ProductClick.objects.create(
        stream=stream, product=product, user=user if _signed_in(user) else None, at=_now(now)
    )


# --- in-stream quizzes ------------------------------------------------------------------------------


def quiz_round_out(round_: QuizRound, *, now: datetime | None = None) -> dict:
    closed = _now(now) >= round_.closes_at
    return {
        "kind": "quiz",
        "id": round_.pk,
        "text": round_.text,
        "choices": list(round_.choices),
        "seconds": round_.seconds,
        "opened_at": round_.opened_at.isoformat(),
        "closes_at": round_.closes_at.isoformat(),
        "closed": closed,
        "correct": round_.correct if closed else None,
    }


def quiz_open(
    *,
    user,
    stream: StreamPage,
    question_id: int | None = None,
    text: str = "",
    choices: list[str] | None = None,
    correct: int = 0,
    seconds: int = 20,
    now: datetime | None = None,
) -> QuizRound:
    """The host pushes a question to every viewer: one prepared on the page (`question_id`), or one written now.
    It is open for `seconds`; one question at a time."""
    _require(may_host(user, stream), _("Only the host or an editor may ask quiz questions."))
    if question_id is not None:
        question = StreamQuestion.objects.filter(stream=stream, pk=question_id).first()
        if question is None:
            raise NotFound(_("This stream has no such question."))
        choices, correct = question.parsed()
        text, seconds = question.text, question.seconds
    choices = [str(c).strip() for c in (choices or []) if str(c).strip()]
    text = (text or "").strip()
    if not text or len(text) > 200 or not 2 <= len(choices) <= 6 or any(len(c) > 100 for c in choices):
        raise ApplicationError(_("A question needs its text and two to six short choices."))
    if not 0 <= correct < len(choices):
        raise ApplicationError(_("The right answer must be one of the choices."))
    if not QUIZ_MIN_SECONDS <= seconds <= QUIZ_MAX_SECONDS:
        raise ApplicationError(
            _("The countdown is %(min)d to %(max)d seconds.") % {"min": QUIZ_MIN_SECONDS, "max": QUIZ_MAX_SECONDS}
        )
    now = _now(now)
    with transaction.atomic():
        state = _state(stream, lock=True)
        if state.status != Status.LIVE:
            raise ApplicationError(_("Questions are asked while the stream is live."), status=409)
        if QuizRound.objects.filter(stream=stream, closes_at__gt=now).exists():
            raise ApplicationError(_("A question is still open."), status=409)
        round_ = QuizRound.objects.create(
            stream=stream,
            text=text,
            choices=choices,
            correct=correct,
            seconds=seconds,
            opened_at=now,
            closes_at=now + timedelta(seconds=seconds),
            opened_by=user,
        )
        _room_send(stream.pk, quiz_round_out(round_, now=now))
        _room_changed(stream.pk)
    return round_


def quiz_points(*, round_: QuizRound, answered_at: datetime, correct: bool) -> int:
    """Kahoot's rule: a right answer scores QUIZ_MAX_POINTS at once, falling to half at the end of the countdown;
    a wrong one scores nothing."""
    if not correct:
        return 0
    share = min(1.0, max(0.0, (answered_at - round_.opened_at).total_seconds() / round_.seconds))
    return round(QUIZ_MAX_POINTS * (1 - share / 2))


@dataclass(frozen=True)
class QuizVerdict:
    answer: QuizAnswer
    correct: bool
    points: int


def quiz_answer(*, user, round_: QuizRound, choice: int, now: datetime | None = None) -> QuizVerdict:
    """A viewer answers the open question, once, before its countdown ends; scored by how fast."""
    _require_signed_in(user)
    stream = round_.stream
    _require(may_watch(user, stream), _("This stream is not for you."))
    now = _now(now)
    if now >= round_.closes_at:
        raise ApplicationError(_("Time is up for this question."), status=409)
    if not isinstance(choice, int) or isinstance(choice, bool) or not 0 <= choice < len(round_.choices):
        raise ApplicationError(_("Pick one of the choices."))
    correct = choice == round_.correct
    points = quiz_points(round_=round_, answered_at=now, correct=correct)
    try:
        with transaction.atomic():
            answer = QuizAnswer.objects.create(
                round=round_, user=user, choice=choice, answered_at=now, correct=correct, points=points
            )
            _record(
                user=user,
                stream=stream,
                verb=Verb.ANSWERED,
                key=("livestream-answered", user.pk, round_.pk),
                now=now,
                result={
                    "success": correct,
                    "response": round_.choices[choice],
                    "score": {"raw": points, "min": 0, "max": QUIZ_MAX_POINTS},
                    "duration": f"PT{round((now - round_.opened_at).total_seconds(), 1)}S",
                },
            )
            _room_changed(stream.pk)
    except IntegrityError as exc:
        raise ApplicationError(_("You have answered this question."), status=409) from exc
    return QuizVerdict(answer, correct, points)


# --- watch time and learning credit ----------------------------------------------------------------


def _record(*, user, stream: StreamPage, verb: str, key: tuple, now: datetime, result: dict | None = None):
    context: dict = {"language": "zh-CN", "extensions": {Extension.ITEM: stream.item_id}}
    if stream.course_id:
        course_title = stream.course.title if stream.course else ""
        context["contextActivities"] = {
            "parent": [
                {
                    "objectType": "Activity",
                    "id": item_iri(f"course:{stream.course_id}"),
                    "definition": {"type": ActivityType.COURSE, "name": {"zh-CN": course_title}},
                }
            ]
        }
    return activity_record(
        actor=user,
        verb=verb,
        object_id=stream.activity_iri,
        activity_type=ActivityType.LIVESTREAM,
        name=stream.title,
        result=result,
        context=context,
        natural_key=key,
        timestamp=now,
    )


def _course_enrol(*, user, stream: StreamPage, now: datetime) -> None:
    """Attending a course's stream enrols the person in that course (learning's public function)."""
    course = stream.course
    if course is None or not course.live:
        return
    from content.learning.services import course_enrol

    course_enrol(user=user, course=course.specific, now=now)


def _attended(*, session: WatchSession, stream: StreamPage, now: datetime, of_seconds: float) -> bool:
    stored = _record(
        user=session.user,
        stream=stream,
        verb=Verb.ATTENDED,
        key=("livestream-attended", session.user_id, stream.pk),
        now=now,
        result={
            "completion": True,
            "duration": f"PT{round(session.live_seconds, 1)}S",
            "extensions": {Extension.PROGRESS: min(100, round(100 * session.live_seconds / of_seconds))},
        },
    )
    if stored.created:
        _course_enrol(user=session.user, stream=stream, now=now)
    return stored.created


def replay_seconds_of(stream: StreamPage, state: StreamState) -> float:
    """How long the replay is: the recorded stream, else the uploaded video."""
    if state.recording_url and state.live_seconds:
        return state.live_seconds
    return float(stream.video_seconds or 0)


def stream_heartbeat(
    *, user, stream: StreamPage, viewers: int | None = None, now: datetime | None = None
) -> WatchSession:
    """The player of a signed-in viewer says it is still playing. Credits the time since this person's previous
    heartbeat (at most HEARTBEAT_MAX_GAP; never more than wall time however often they beat) to live or replay
    time, by the stream's status; records attendance or a watched replay once the share is reached."""
    _require_signed_in(user)
    _require(may_watch(user, stream), _("This stream is not for you."))
    now = _now(now)
    with transaction.atomic():
        state = _state(stream)
        if state.status == Status.SCHEDULED:
            raise ApplicationError(_("This stream has not started."), status=409)
        session, created = WatchSession.objects.select_for_update().get_or_create(
            stream=stream, user=user, defaults={"first_seen_at": now, "last_beat_at": now}
        )
        if not created:
            credit = min(HEARTBEAT_MAX_GAP, max(0.0, (now - session.last_beat_at).total_seconds()))
            session.last_beat_at = max(session.last_beat_at, now)
            if state.status == Status.LIVE:
                session.live_seconds += credit
            else:
                session.replay_seconds += credit
            session.save(update_fields=["last_beat_at", "live_seconds", "replay_seconds"])
        if viewers is not None and viewers > state.peak_viewers:
            StreamState.objects.filter(pk=state.pk, peak_viewers__lt=viewers).update(peak_viewers=viewers)
        _room_changed(stream.pk)  # the viewer count on every screen (coalesced by the room)
        if state.status == Status.LIVE:
            planned = (stream.ends_at - stream.starts_at).total_seconds()
            if planned > 0 and session.live_seconds >= ATTEND_SHARE * planned:
                _attended(session=session, stream=stream, now=now, of_seconds=planned)
        else:
            length = replay_seconds_of(stream, state)
            if length and session.replay_seconds >= REPLAY_SHARE * length:
                _record(
                    user=user,
                    stream=stream,
                    verb=Verb.WATCHED,
                    key=("livestream-watched", user.pk, stream.pk),
                    now=now,
                    result={
                        "completion": True,
                        "duration": f"PT{round(session.replay_seconds, 1)}S",
                        "extensions": {Extension.PROGRESS: min(100, round(100 * session.replay_seconds / length))},
                    },
                )
    return session


# --- reminders --------------------------------------------------------------------------------------


def stream_remind(*, user, stream: StreamPage, on: bool = True, now: datetime | None = None) -> bool:
    """Subscribe to (or cancel) a reminder of an upcoming stream; returns whether one is now set."""
    _require_signed_in(user)
    _require(may_watch(user, stream), _("This stream is not for you."))
    if not on:
        StreamReminder.objects.filter(stream=stream, user=user).delete()
        return False
    if _state(stream).status != Status.SCHEDULED:
        raise ApplicationError(_("This stream has already started."), status=409)
    StreamReminder.objects.get_or_create(stream=stream, user=user, defaults={"created_at": _now(now)})
    return True
