"""Live rooms of volunteer services, through the shared broadcaster (realtime.rooms):

- "volunteering:<activity id>": the places left on each shift of the activity's next occurrences;
- "volunteer_board:<unit id>": the unit's volunteer leaderboard (approved hours, this week and all time).

Services call `activity_changed` / `board_changed` after commit; the snapshots are selectors (reads only).
"""

from __future__ import annotations

from realtime.rooms import room_changed

ACTIVITY_ROOM = "volunteering"
BOARD_ROOM = "volunteer_board"


def activity_changed(activity_id: int) -> None:
    room_changed(ACTIVITY_ROOM, str(activity_id))


def board_changed(unit_id: int) -> None:
    """The unit's board and every board above it (a county's board counts its departments' teams)."""
    from core.people.models import OrgUnit

    unit = OrgUnit.objects.filter(pk=unit_id).first()
    if unit is None:
        return
    for ancestor in [*unit.get_ancestors(), unit]:
        room_changed(BOARD_ROOM, str(ancestor.pk))
