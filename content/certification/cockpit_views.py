"""The digital cockpit (数字驾驶舱): a unit's registered indicators as figures with trend, chart and colour, and a
warning list; live over the "cockpit" room (one room per unit). Reads the spine's summaries only
(core.cockpit.selectors); every figure comes from the apps' registered indicators, none from their models."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from core.cockpit import selectors
from core.errors import NotFound, PermissionDenied

ROOM = "cockpit"
COLOUR_NAMES = [
    ("green", _("green: on track")),
    ("blue", _("blue: fine")),
    ("yellow", _("yellow: watch")),
    ("orange", _("orange: act")),
    ("red", _("red: urgent")),
]


def room_snapshot(key: str, user) -> dict:
    """The room's snapshot (and the REST one): the same for every viewer of the unit."""
    unit = selectors.OrgUnit.objects.filter(pk=int(key)).first() if key.isdigit() else None
    return selectors.cockpit_snapshot(unit=unit) if unit is not None else {}


def room_may_watch(key: str, user) -> bool:
    return key.isdigit() and selectors.cockpit_may_watch(user, int(key))


def units_changed(unit_ids: set[int]) -> None:
    """After a statement batch moved these units' summaries: push their cockpits (coalesced by the room)."""
    from realtime.rooms import room_changed

    for unit_id in unit_ids:
        room_changed(ROOM, str(unit_id))


def _unit(request):
    unit_id = request.GET.get("unit")
    try:
        return selectors.cockpit_unit(user=request.user, unit_id=int(unit_id) if unit_id else None)
    except ValueError as exc:
        raise Http404 from exc
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _render(request, template: str):
    unit = _unit(request)
    return render(
        request,
        template,
        {
            "unit": unit,
            "figures": selectors.cockpit_snapshot(unit=unit),
            "ancestors": selectors.cockpit_ancestors(user=request.user, unit=unit),
            "room_path": f"/ws/cockpit/{unit.pk}/",
            "colour_names": COLOUR_NAMES,
        },
    )


@login_required
@require_GET
def cockpit(request):
    return _render(request, "certification/cockpit.html")


@login_required
@require_GET
def cockpit_screen(request):
    """The wall-screen mode: the same figures, large, dark, without the site's chrome."""
    return _render(request, "certification/cockpit_screen.html")
