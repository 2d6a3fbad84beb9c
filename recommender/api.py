"""``GET /api/recommendations?kind=course|lesson|livestream&limit=10`` for the signed-in person."""

from typing import Literal

from ninja import Query, Router, Schema
from pydantic import Field

from core.errors import errors
from core.people.auth import request_person, signed_in

from .serving import MAX_LIMIT, recommendations_for

router = Router(tags=["recommendations"])


class RecommenderRecommendationsQuery(Schema):
    kind: Literal["course", "lesson", "livestream"] | None = None
    limit: int = Field(10, ge=1, le=MAX_LIMIT)


class RecommenderRecommendationOut(Schema):
    item_id: str
    kind: str
    title: str
    url: str
    reason: str
    reason_code: str


class RecommenderRecommendationsOut(Schema):
    items: list[RecommenderRecommendationOut]


@router.get("/recommendations", response={200: RecommenderRecommendationsOut, **errors(400, 401, 422)}, auth=signed_in)
def recommendations(request, query: Query[RecommenderRecommendationsQuery]):
    """What to learn next, best first, each with a short reason."""
    return {"items": recommendations_for(request_person(request), kind=query.kind, limit=query.limit)}
