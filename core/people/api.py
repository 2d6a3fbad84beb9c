from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.throttling import AnonRateThrottle
from wagtail.models import APIToken

from core.errors import ApplicationError, errors

from .auth import request_person, signed_in
from .selectors import person_profile
from .throttle import client_address, sign_in_throttled

router = Router(tags=["people"])


class AddressRateThrottle(AnonRateThrottle):
    """Requests per client address, the address as the sign-in throttle sees it (X-Forwarded-For only from a
    trusted proxy)."""

    def get_ident(self, request):
        return client_address(request)


class PeopleTokenIn(Schema):
    username: str
    password: str
    name: str = "mobile"


class PeopleTokenOut(Schema):
    token: str
    token_type: str = "Bearer"


class PeopleUnitOut(Schema):
    code: str
    name: str
    kind: str
    path: str


class PeopleBranchOut(Schema):
    code: str
    name: str


class PeopleShopOut(Schema):
    licence_number: str
    name: str
    tier: int
    grid: str


class PeopleMeOut(Schema):
    username: str
    name: str
    roles: list[str]
    unit: PeopleUnitOut | None
    branches: list[PeopleBranchOut]
    shops: list[PeopleShopOut]
    village: str | None


@router.post(
    "/auth/token",
    auth=None,
    response={201: PeopleTokenOut, **errors(400, 422, 429)},
    throttle=[AddressRateThrottle("10/m")],
    summary="Exchange a username and password for a bearer token",
)
def create_token(request, payload: PeopleTokenIn):
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        if sign_in_throttled(request, payload.username):
            raise ApplicationError(_("Too many failed sign-ins. Wait a few minutes and try again."), status=429)
        raise ApplicationError(_("The username or password is wrong."))
    _token, plaintext = APIToken.create_token(user=user, name=payload.name[:255])
    return Status(201, {"token": plaintext})


@router.get(
    "/me",
    auth=signed_in,
    response={200: PeopleMeOut, **errors(401)},
    summary="The signed-in person, their roles, unit, branch and shop",
)
def me(request):
    profile = person_profile(user=request_person(request))
    unit = profile["unit"]
    return {
        "username": profile["user"].username,
        "name": str(profile["user"]),
        "roles": [assignment.role for assignment in profile["roles"]],
        "unit": {"code": unit.code, "name": unit.name, "kind": unit.kind, "path": profile["unit_path"]}
        if unit
        else None,
        "branches": [{"code": b.code, "name": b.name} for b in profile["branches"]],
        "shops": [
            {"licence_number": s.licence_number, "name": s.name, "tier": s.tier, "grid": s.grid.name}
            for s in profile["shops"]
        ],
        "village": profile["village"].name if profile["village"] else None,
    }
