"""Shared by the community tests: a fixed clock and small helpers."""

from __future__ import annotations

import datetime as dt

# A fixed Wednesday, 10:00 in Shanghai (02:00 UTC).
WEDNESDAY_10 = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)
