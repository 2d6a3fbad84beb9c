"""Signals other parts of the app listen to."""

from django.dispatch import Signal

# Sent after commit when points were written (or removed) and the leaderboard store was updated:
# kwargs `contest_ids: list[int]` (the boards that changed) and `user_ids: list[int]` (the people who scored).
scores_changed = Signal()
