"""Open now: across midnight, with exceptions, in the station's own time zone."""

from __future__ import annotations

import datetime as dt

from content.community.hours import Exception_, Period, is_open, next_change

SHANGHAI = "Asia/Shanghai"
T = dt.time.fromisoformat


def at(text: str, tz: str = "+08:00") -> dt.datetime:
    return dt.datetime.fromisoformat(text + tz)


# Wednesday 2 December 2026: weekday 2.
EVENING = [Period(2, T("18:00"), T("02:00"))]  # Wednesdays, 18:00 to 2:00 the next morning


def test_a_period_past_midnight_is_open_after_midnight_and_closed_after_it_ends():
    assert is_open(at("2026-12-02T23:30"), SHANGHAI, EVENING)
    assert is_open(at("2026-12-03T01:59"), SHANGHAI, EVENING)  # Thursday morning, Wednesday's period
    assert not is_open(at("2026-12-03T02:00"), SHANGHAI, EVENING)
    assert not is_open(at("2026-12-02T17:59"), SHANGHAI, EVENING)
    # Thursday evening has no period of its own.
    assert not is_open(at("2026-12-03T19:00"), SHANGHAI, EVENING)


def test_a_period_that_closes_at_midnight_runs_to_the_end_of_the_day():
    hours = [Period(2, T("08:00"), T("00:00"))]
    assert is_open(at("2026-12-02T23:59"), SHANGHAI, hours)
    assert not is_open(at("2026-12-03T00:00"), SHANGHAI, hours)


def test_a_holiday_closes_the_day_and_short_hours_replace_the_usual_ones():
    hours = [Period(day, T("08:00"), T("20:00")) for day in range(7)]
    holiday = Exception_(dt.date(2026, 12, 2), dt.date(2026, 12, 3), closed=True, reason="元旦")
    assert not is_open(at("2026-12-02T10:00"), SHANGHAI, hours, [holiday])
    assert not is_open(at("2026-12-03T10:00"), SHANGHAI, hours, [holiday])
    assert is_open(at("2026-12-04T10:00"), SHANGHAI, hours, [holiday])
    short = Exception_(dt.date(2026, 12, 2), dt.date(2026, 12, 2), closed=False, opens=T("09:00"), closes=T("12:00"))
    assert is_open(at("2026-12-02T11:00"), SHANGHAI, hours, [short])
    assert not is_open(at("2026-12-02T13:00"), SHANGHAI, hours, [short])


def test_a_closure_the_next_day_does_not_cut_the_evening_before_short():
    closed_thursday = Exception_(dt.date(2026, 12, 3), dt.date(2026, 12, 3), closed=True)
    assert is_open(at("2026-12-03T01:00"), SHANGHAI, EVENING, [closed_thursday])


def test_open_now_is_judged_in_the_stations_time_zone():
    hours = [Period(day, T("09:00"), T("18:00")) for day in range(7)]
    moment = dt.datetime(2026, 12, 2, 3, 30, tzinfo=dt.UTC)  # 11:30 in Shanghai, 09:30 in Urumqi (UTC+6)
    assert is_open(moment, "Asia/Shanghai", hours)
    assert is_open(moment, "Asia/Urumqi", hours)  # 09:30 there
    assert not is_open(moment, "Europe/London", hours)  # 03:30 there
    early = dt.datetime(2026, 12, 2, 2, 30, tzinfo=dt.UTC)  # 10:30 Shanghai, 08:30 Urumqi
    assert is_open(early, "Asia/Shanghai", hours)
    assert not is_open(early, "Asia/Urumqi", hours)


def test_next_change_is_the_next_opening_or_closing_in_local_time():
    hours = [Period(day, T("08:00"), T("20:00")) for day in range(7)]
    change = next_change(at("2026-12-02T10:00"), SHANGHAI, hours)
    assert change.isoformat() == "2026-12-02T20:00:00+08:00"
    change = next_change(at("2026-12-02T21:00"), SHANGHAI, hours)
    assert change.isoformat() == "2026-12-03T08:00:00+08:00"
    # Back-to-back periods are one opening: the change is when the second ends.
    joined = [Period(2, T("08:00"), T("12:00")), Period(2, T("12:00"), T("18:00"))]
    assert next_change(at("2026-12-02T09:00"), SHANGHAI, joined).isoformat() == "2026-12-02T18:00:00+08:00"
