"""The cockpit's REST snapshot: the same figures the live room pushes."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Query, Router, Schema

from core.cockpit import selectors
from core.errors import errors
from core.people.auth import request_person, signed_in

router = Router(tags=["cockpit"])


class CockpitUnitOut(Schema):
    id: int
    name: str
    kind: str
    path: str


class CockpitChildOut(Schema):
    id: int
    name: str
    kind: str


class CockpitChildFigureOut(CockpitChildOut):
    value: float
    colour: str


class CockpitPointOut(Schema):
    day: str
    value: float


class CockpitIndicatorOut(Schema):
    key: str
    label: str
    owner: str
    help: str
    display: str
    better: str
    period: str
    thresholds: list[float]
    value: float
    previous: float
    trend: float
    colour: str
    paced: bool
    elapsed: float
    series: list[CockpitPointOut]
    children: list[CockpitChildFigureOut]


class CockpitWarningOut(Schema):
    indicator: str
    label: str
    colour: str
    unit: str
    unit_id: int
    person: str
    text: str
    url: str
    value: float | None = None


class CockpitOut(Schema):
    unit: CockpitUnitOut
    children: list[CockpitChildOut]
    indicators: list[CockpitIndicatorOut]
    warnings: list[CockpitWarningOut]
    colours: list[str]
    at: str


@router.get("/cockpit", response={200: CockpitOut, **errors(401, 403, 404, 422)}, auth=signed_in)
def cockpit(request, unit: int | None = Query(None, ge=1, le=2**31 - 1)):
    """A unit's cockpit (your own unit by default): every registered indicator with its figure, trend, colour,
    daily series and the units below, and the warning list. Staff see their subtree, editors every unit."""
    org_unit = selectors.cockpit_unit(user=request_person(request), unit_id=unit)
    # The kept snapshot's text as it is: every viewer of a unit gets the same figures, serialised once.
    return HttpResponse(selectors.cockpit_snapshot_json(unit=org_unit), content_type="application/json")
