"""Opening hours: is a station (or one of its services) open at a moment, and when does that change.

Pure functions over plain rows, so the station page, the search and the live snapshot agree, and tests can ask
any moment. Times are wall-clock times in the station's own time zone: a station in Urumqi that opens at 10:00
opens at 10:00 Asia/Urumqi. A period whose closing time is at or before its opening time runs past midnight and
belongs to the day it starts on. An exception (holiday, temporary closure, short hours) replaces the weekly hours
of every day it covers; a period that starts the evening before an exception keeps running into it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class Period:
    weekday: int  # 0 Monday .. 6 Sunday
    opens: dt.time
    closes: dt.time


@dataclass(frozen=True)
class Exception_:
    starts_on: dt.date
    ends_on: dt.date
    closed: bool
    opens: dt.time | None = None
    closes: dt.time | None = None
    reason: str = ""


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """The time zone of that name; Asia/Shanghai for a name this machine does not know."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Shanghai")


def _span(day: dt.date, opens: dt.time, closes: dt.time) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, opens)
    end = dt.datetime.combine(day, closes)
    if end <= start:
        end += dt.timedelta(days=1)
    return start, end


def periods_on(
    day: dt.date, weekly: Iterable[Period], exceptions: Iterable[Exception_]
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The opening spans (naive local datetimes) that start on `day`."""
    for exception in exceptions:
        if exception.starts_on <= day <= exception.ends_on:
            if exception.closed or exception.opens is None or exception.closes is None:
                return []
            return [_span(day, exception.opens, exception.closes)]
    return sorted(_span(day, p.opens, p.closes) for p in weekly if p.weekday == day.weekday())


def local_now(moment: dt.datetime, time_zone: str) -> dt.datetime:
    """`moment` (aware) as naive wall-clock time in `time_zone`."""
    return moment.astimezone(zone(time_zone)).replace(tzinfo=None)


def is_open(
    moment: dt.datetime, time_zone: str, weekly: Iterable[Period], exceptions: Iterable[Exception_] = ()
) -> bool:
    """Whether the hours are open at `moment` (an aware datetime)."""
    weekly, exceptions = list(weekly), list(exceptions)
    local = local_now(moment, time_zone)
    for offset in (0, -1):  # today's periods, and yesterday's that run past midnight
        for start, end in periods_on(local.date() + dt.timedelta(days=offset), weekly, exceptions):
            if start <= local < end:
                return True
    return False


def next_change(
    moment: dt.datetime,
    time_zone: str,
    weekly: Iterable[Period],
    exceptions: Iterable[Exception_] = (),
    *,
    days: int = 8,
) -> dt.datetime | None:
    """The next moment (aware, in the station's zone) the hours open or close after `moment`; None when they
    neither open nor close in the next `days` days."""
    weekly, exceptions = list(weekly), list(exceptions)
    tz = zone(time_zone)
    local = local_now(moment, time_zone)
    edges = []
    for offset in range(-1, days):
        for start, end in periods_on(local.date() + dt.timedelta(days=offset), weekly, exceptions):
            edges += [start, end]
    later = sorted(edge for edge in edges if edge > local)
    now_open = is_open(moment, time_zone, weekly, exceptions)
    for edge in later:
        # An edge that does not change the state (one period ends as the next begins) is no change.
        if is_open(edge.replace(tzinfo=tz), time_zone, weekly, exceptions) != now_open:
            return edge.replace(tzinfo=tz)
    return None


def utc_offset_hours(time_zone: str, moment: dt.datetime) -> float:
    """The zone's offset from UTC at `moment`, in hours (HSDS schedules carry a number)."""
    offset = moment.astimezone(zone(time_zone)).utcoffset() or dt.timedelta(0)
    return offset.total_seconds() / 3600
