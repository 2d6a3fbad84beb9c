"""The lesson-progress socket `ws/learning/lessons/<id>/progress/`: a playing video or audio reports its
position over one connection instead of one HTTP request every second (README, "Machine interfaces").

Thin: the rule is `services.lesson_progress_reports`, the one the progress API calls, and every answer has the
API's shape (`selectors.progress_state`). The client sends `{"position_seconds": 12.5}` and waits for the
answer, `{"type": "progress", "percent": ..., ...}` or `{"type": "error", "status": 409, "message": ...}`.
The reports of all sockets of a process are written together (ReportQueue): one transaction for what arrived
while the previous one was written, which is what lets two workers credit well over 500 reports a second
(platform/BENCHMARKS.md) where one request per report stops near 100.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from typing import NamedTuple

import limits
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from core.errors import ApplicationError

from . import selectors, services

logger = logging.getLogger(__name__)

# Close codes a client can tell apart (4000-4999 are the application's); the player then falls back to HTTP.
CLOSE_NOT_FOUND = 4404
CLOSE_FORBIDDEN = 4403
# A report is a few dozen bytes; anything much longer is not one.
MAX_MESSAGE_CHARS = 256
# A player reports about once a second of playback (twice at double speed, once more after a seek). Reports
# beyond this rate, per person over all their sockets in this process, are answered with an error and cost no
# database work.
REPORT_RATE = limits.parse("4/second")
report_limiter = MovingWindowRateLimiter(MemoryStorage())


# At most this many reports go into one transaction.
MAX_BATCH = 200


class Report(NamedTuple):
    user: object
    lesson_id: int
    position_seconds: float


def _report_batch(reports: list[Report]) -> list:
    """Each report's answer, or its ApplicationError, in one transaction (sync: runs in the database thread)."""
    lessons = {lesson_id: selectors.live_lesson(lesson_id=lesson_id) for lesson_id in {r.lesson_id for r in reports}}
    answers: list = [ApplicationError(gettext_lazy("This page is not published."), status=404)] * len(reports)
    live = [n for n, report in enumerate(reports) if lessons[report.lesson_id] is not None]
    credited = services.lesson_progress_reports(
        [
            services.ProgressReport(reports[n].user, lessons[reports[n].lesson_id], reports[n].position_seconds)
            for n in live
        ]
    )
    for n, progress in zip(live, credited, strict=True):
        answers[n] = progress if isinstance(progress, ApplicationError) else selectors.progress_state(progress)
    return answers


class ReportQueue:
    """The reports of every progress socket of one process (one event loop), written in batches: while one
    batch is written in the database thread, the reports arriving meanwhile wait and go together in the next.
    At low load a batch is one report, written at once; at high load one transaction carries many."""

    def __init__(self):
        self.waiting: list[tuple[Report, asyncio.Future]] = []
        self.writer: asyncio.Task | None = None

    @classmethod
    def current(cls) -> ReportQueue:
        loop = asyncio.get_running_loop()
        queue = _queues.get(loop)
        if queue is None:
            queue = _queues[loop] = cls()
        return queue

    async def submit(self, *, user, lesson_id: int, position_seconds: float) -> dict:
        """The answer to one report: the credited state, or raises its ApplicationError."""
        future = asyncio.get_running_loop().create_future()
        self.waiting.append((Report(user, lesson_id, position_seconds), future))
        if self.writer is None or self.writer.done():
            self.writer = asyncio.create_task(self._write())
        answer = await future
        if isinstance(answer, ApplicationError):
            raise answer
        return answer

    async def _write(self) -> None:
        while self.waiting:
            batch, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
            try:
                answers = await database_sync_to_async(_report_batch)([report for report, _future in batch])
            except Exception:
                logger.exception("progress reports could not be written")
                answers = [ApplicationError(gettext_lazy("Could not save your progress; try again."), status=503)]
                answers *= len(batch)
            for (_report, future), answer in zip(batch, answers, strict=True):
                if not future.done():
                    future.set_result(answer)


_queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ReportQueue] = weakref.WeakKeyDictionary()


def _position(text: str) -> float | None:
    """The reported position in seconds, if the report is {"position_seconds": <0 to the longest lesson>}."""
    try:
        report = json.loads(text)
    except ValueError:
        return None
    position = report.get("position_seconds") if isinstance(report, dict) else None
    if isinstance(position, bool) or not isinstance(position, int | float):
        return None
    return float(position) if 0 <= position <= services.MAX_POSITION_SECONDS else None


def _language(scope) -> str:
    """The language a page would be in for this person: their language cookie, else the browser's languages."""
    wanted = [scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME, "")]
    for name, value in scope.get("headers", []):
        if name == b"accept-language":
            wanted += [part.split(";")[0].strip() for part in value.decode("latin-1").split(",")]
    for code in wanted:
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


class LessonProgressConsumer(AsyncWebsocketConsumer):
    """One playing lesson's reports, from its signed-in learner, answered one at a time in arrival order."""

    # A progress socket receives nothing from other processes: it needs no channel-layer subscription.
    channel_layer_alias = "progress-sockets-have-no-channel"

    async def connect(self):
        user = self.scope.get("user")
        self.user = user if user is not None and user.is_authenticated else None
        self.lesson_id = self.scope["url_route"]["kwargs"]["lesson_id"]
        self.language = _language(self.scope)
        lesson = await database_sync_to_async(selectors.live_lesson)(lesson_id=self.lesson_id) if self.user else None
        # Accepted before a refusal, so that the page sees the close code (a refused handshake reaches a browser
        # only as 1006) and stays on HTTP instead of reconnecting.
        await self.accept()
        if self.user is None:
            await self.close(code=CLOSE_FORBIDDEN)
        elif lesson is None:
            await self.close(code=CLOSE_NOT_FOUND)

    async def receive(self, text_data=None, bytes_data=None):
        if self.user is None:  # refused, closing
            return
        with translation.override(self.language):
            answer = await self._answer(text_data)
        await self.send(text_data=json.dumps(answer, ensure_ascii=False, separators=(",", ":")))

    async def _answer(self, text_data) -> dict:
        if not report_limiter.hit(REPORT_RATE, "lesson-progress", str(self.user.pk)):
            return _error(_("Too many progress reports; slow down."), 429)
        if text_data is None or len(text_data) > MAX_MESSAGE_CHARS:
            return _error(_("A progress report is a short JSON object."), 400)
        position = _position(text_data)
        if position is None:
            return _error(_("The position is not a number."), 400)
        try:
            state = await ReportQueue.current().submit(
                user=self.user, lesson_id=self.lesson_id, position_seconds=position
            )
        except ApplicationError as error:
            return _error(error.message, error.status)
        return {"type": "progress", **state}


def _error(message: str, status: int) -> dict:
    return {"type": "error", "status": status, "message": str(message)}
