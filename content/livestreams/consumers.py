"""The stream room socket `ws/livestreams/<stream id>/`: the shared live-room broadcaster (realtime.rooms) pushes
the room's snapshot and events; a viewer sends chat, reactions, heartbeats, quiz answers and product clicks.

Thin: each message calls one service in the database thread and answers the sender only when something went
wrong (`{"type": "error", "status": 429, "message": ...}`) or with its own result (`{"type": "answer", ...}`);
what everybody sees comes back through the room, after commit.

    {"type": "chat", "text": "..."}          {"type": "reaction", "reaction": "like"}
    {"type": "heartbeat"}                    {"type": "answer", "round": 3, "choice": 1}
    {"type": "click", "product": 7}
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.utils import translation
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from realtime.rooms import RoomConsumer, room_viewer_count

from . import services
from .models import QuizRound, StreamPage


def _stream(key: str) -> StreamPage | None:
    return StreamPage.objects.live().filter(pk=int(key)).first()


def _handle(user, key: str, content: dict) -> dict | None:
    stream = _stream(key)
    if stream is None:
        raise ApplicationError(_("This stream is not published."), status=404)
    kind = content.get("type")
    if kind == "chat":
        text = content.get("text")
        services.chat_post(user=user, stream=stream, text=text if isinstance(text, str) else "")
    elif kind == "reaction":
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
