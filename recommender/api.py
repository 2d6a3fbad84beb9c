"""``GET /api/recommendations?kind=course|lesson|livestream&limit=10`` for the signed-in person."""

from typing import Literal

from ninja import Query, Router, Schema
from pydantic import Field

from core.api import signed_in

from .serving import MAX_LIMIT, recommendations_for

router = Router(tags=["recommendations"])


class RecommendationsQuery(Schema):
    kind: Literal["course", "lesson", "livestream"] | None = None
    limit: int = Field(10, ge=1, le=MAX_LIMIT)


class RecommendationOut(Schema):
    item_id: str
    kind: str
    title: str
    url: str
    reason: str
    reason_code: str


class RecommendationsOut(Schema):
    items: list[RecommendationOut]


@router.get("/recommendations", response=RecommendationsOut, auth=signed_in)
def recommendations(request, query: Query[RecommendationsQuery]):
    """What to learn next, best first, each with a short reason."""
    return {"items": recommendations_for(request.user, kind=query.kind, limit=query.limit)}
