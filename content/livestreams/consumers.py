"""The stream room socket `ws/livestreams/<stream id>/`: the shared live-room broadcaster (realtime.rooms) pushes
the room's snapshot and events; a viewer sends chat, reactions, heartbeats, quiz answers and product clicks.

Thin: each message calls one service in the database thread and answers the sender only when something went
wrong (`{"type": "error", "status": 429, "message": ...}`) or with its own result (`{"type": "answer", ...}`);
what everybody sees comes back through the room, after commit. Chat messages of every room socket of a process go
to the database together (ChatQueue, as learning's progress reports do): the messages that arrive while one batch
is written are checked and written in the next, in one transaction per stream, and reach the room as one notice.

    {"type": "chat", "text": "..."}          {"type": "reaction", "reaction": "like"}
    {"type": "heartbeat"}                    {"type": "answer", "round": 3, "choice": 1}
    {"type": "click", "product": 7}
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import NamedTuple

from channels.db import database_sync_to_async
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError
from realtime.rooms import RoomConsumer, room_viewer_count

from . import services
from .models import QuizRound, StreamPage

logger = logging.getLogger(__name__)

# At most this many chat messages go into one batch.
MAX_CHAT_BATCH = 200


def _stream(key: str) -> StreamPage | None:
    return StreamPage.objects.live().filter(pk=int(key)).first()


def _not_published() -> ApplicationError:
    return ApplicationError(gettext_lazy("This stream is not published."), status=404)


class Chat(NamedTuple):
    key: str
    post: services.ChatPost


def _chat_batch(chats: list[Chat]) -> list:
    """Each chat message's outcome (its ChatMessage or its ApplicationError), one transaction per stream (sync:
    runs in the database thread)."""
    outcomes: list = [None] * len(chats)
    for key in dict.fromkeys(chat.key for chat in chats):
        numbers = [n for n, chat in enumerate(chats) if chat.key == key]
        stream = _stream(key)
        if stream is None:
            for n in numbers:
                outcomes[n] = _not_published()
            continue
        written = services.chat_post_many(stream=stream, posts=[chats[n].post for n in numbers])
        for n, outcome in zip(numbers, written, strict=True):
            outcomes[n] = outcome
    return outcomes


class ChatQueue:
    """The chat messages of every room socket of one process (one event loop), written in batches: while one batch
    is written in the database thread, the messages arriving meanwhile wait and go together in the next. At low
    load a batch is one message, written at once."""

    def __init__(self):
        self.waiting: list[tuple[Chat, asyncio.Future]] = []
        self.writer: asyncio.Task | None = None

    @classmethod
    def current(cls) -> ChatQueue:
        loop = asyncio.get_running_loop()
        queue = _queues.get(loop)
        if queue is None:
            queue = _queues[loop] = cls()
        return queue

    async def submit(self, *, key: str, user, text: str) -> None:
        """Returns once the message is stored (it reaches the room after commit), or raises its refusal."""
        future = asyncio.get_running_loop().create_future()
        self.waiting.append((Chat(key, services.ChatPost(user=user, text=text)), future))
        if self.writer is None or self.writer.done():
            self.writer = asyncio.create_task(self._write())
        outcome = await future
        if isinstance(outcome, ApplicationError):
            raise outcome

    async def _write(self) -> None:
        while self.waiting:
            batch, self.waiting = self.waiting[:MAX_CHAT_BATCH], self.waiting[MAX_CHAT_BATCH:]
            try:
                outcomes = await database_sync_to_async(_chat_batch)([chat for chat, _future in batch])
            except Exception:
                logger.exception("chat messages could not be written")
                outcomes = [ApplicationError(gettext_lazy("Your message was not sent; try again."), status=503)]
                outcomes *= len(batch)
            for (_chat, future), outcome in zip(batch, outcomes, strict=True):
                if not future.done():
                    future.set_result(outcome)


_queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ChatQueue] = weakref.WeakKeyDictionary()


def _handle(user, key: str, content: dict) -> dict | None:
    stream = _stream(key)
    if stream is None:
        raise _not_published()
    kind = content.get("type")
    if kind == "reaction":
        services.reaction_send(user=user, stream=stream, kind=str(content.get("reaction", "")))
    elif kind == "heartbeat":
        viewers = room_viewer_count(services.ROOM_KIND, key)
        session = services.stream_heartbeat(user=user, stream=stream, viewers=viewers)
        return {
            "type": "watched",
            "live_seconds": round(session.live_seconds),
            "replay_seconds": round(session.replay_seconds),
        }
    elif kind == "answer":
        round_id, choice = content.get("round"), content.get("choice")
        round_ = (
            QuizRound.objects.select_related("stream").filter(pk=round_id, stream=stream).first()
            if isinstance(round_id, int)
            else None
        )
        if round_ is None:
            raise ApplicationError(_("This stream has no such question."), status=404)
        verdict = services.quiz_answer(user=user, round_=round_, choice=choice if isinstance(choice, int) else -1)
        return {"type": "answer", "round": round_.pk, "correct": verdict.correct, "points": verdict.points}
    elif kind == "click":
        product = content.get("product")
        services.product_click(user=user, stream=stream, product_id=product if isinstance(product, int) else 0)
    return None


class StreamRoomConsumer(RoomConsumer):
    kind = services.ROOM_KIND

    async def receive_json(self, content, **kwargs):
        language = self.scope.get("cookies", {}).get("django_language") or "zh-hans"
        with translation.override(language):
            try:
                if content.get("type") == "chat":
                    text = content.get("text")
                    await ChatQueue.current().submit(
                        key=self.key, user=self.user, text=text if isinstance(text, str) else ""
                    )
                    answer = None
                else:
                    answer = await database_sync_to_async(_handle)(self.user, self.key, content)
            except ApplicationError as error:
                answer = {
                    "type": "error",
                    "status": error.status,
                    "message": str(error.message),
                    "for": content.get("type"),
                }
        if answer is not None:
            await self.send_json(answer)
