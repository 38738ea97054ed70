"""Provides China Standard Time (UTC+8, no daylight saving time), the calendar of every date and time fieldtool shows.

Times are stored in UTC; reports, exports, the programme summary and the demo's working days read
them in China Standard Time, so that an inspection made at 07:30 in Nanjing is dated that day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

from fieldtool.errors import InputError

CHINA_TIME = timezone(timedelta(hours=8), "UTC+8")
"""China Standard Time: UTC+8 all year."""


def local(moment: datetime) -> datetime:
    """A stored time in China Standard Time (a naive time is taken as UTC, as the store writes it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA_TIME)


def minute_text(moment: datetime | str) -> str:
    """A stored time (or its ISO text) as every screen and report prints it: ``2026-12-07 07:06 UTC+8``."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return local(moment).strftime("%Y-%m-%d %H:%M") + " UTC+8"


def day_bounds(since: date | datetime | None, until: date | datetime | None, tz: tzinfo = CHINA_TIME) -> tuple[datetime | None, datetime | None]:
    """The instants that bound a selection of days: from the start of `since` to the end of `until`.

    Args:
        since: the first day (inclusive), or an aware instant (inclusive).
        until: the last day (inclusive), or an aware instant (exclusive).
        tz: the calendar of the days.

    Returns:
        (start, end) as aware datetimes, each None when not given.

    Raises:
        InputError: a naive datetime, or `until` before `since`.
    """
    def instant(value: date | datetime | None, end: bool) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            if value.tzinfo is None or value.utcoffset() is None:
                raise InputError(f"a time bound needs a time zone; got {value.isoformat()}")
            return value
        return datetime.combine(value + timedelta(days=1) if end else value, time(0), tz)

    start, stop = instant(since, False), instant(until, True)
    if start is not None and stop is not None and stop <= start:
        raise InputError(f"the period ends ({_day_text(until)}) before it starts ({_day_text(since)})")
    return start, stop


def _day_text(value: date | datetime | None) -> str:
    return "" if value is None else value.isoformat()
