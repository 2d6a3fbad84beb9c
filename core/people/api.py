from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.throttling import AnonRateThrottle
from wagtail.models import APIToken

from core.api import signed_in
from core.errors import ApplicationError

from .selectors import person_profile

router = Router(tags=["people"])


class TokenIn(Schema):
    username: str
    password: str
    name: str = "mobile"


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"


class ErrorOut(Schema):
    message: str
    extra: dict


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    path: str


class BranchOut(Schema):
    code: str
    name: str


class ShopOut(Schema):
    licence_number: str
    name: str
    tier: int
    grid: str


class MeOut(Schema):
    username: str
    name: str
    roles: list[str]
    unit: UnitOut | None
    branches: list[BranchOut]
    shops: list[ShopOut]
    village: str | None


@router.post(
    "/auth/token",
    auth=None,
    response={201: TokenOut, 400: ErrorOut},
    throttle=[AnonRateThrottle("10/m")],
    summary="Exchange a username and password for a bearer token",
)
def create_token(request, payload: TokenIn):
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        raise ApplicationError(_("The username or password is wrong."))
    _token, plaintext = APIToken.create_token(user=user, name=payload.name[:255])
    return Status(201, {"token": plaintext})


@router.get("/me", auth=signed_in, response=MeOut, summary="The signed-in person, their roles, unit, branch and shop")
def me(request):
    profile = person_profile(user=request.user)
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
