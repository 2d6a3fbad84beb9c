"""The xAPI document resources as a client meets them: State, Activity Profile and Agent Profile documents (with
ETag concurrency and JSON merging), the Activities and Agents resources, and the trust rule that keeps an
untrusted client's documents to itself."""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest
from activity_xapi_helpers import statement

from core.activity.models import Document

pytestmark = pytest.mark.django_db

ACTIVITY = "http://example.com/activities/lesson-1"
AGENT = {"objectType": "Agent", "mbox": "mailto:learner@example.com"}
STATE = "/xapi/activities/state"
ACTIVITY_PROFILE = "/xapi/activities/profile"
AGENT_PROFILE = "/xapi/agents/profile"


def content(response) -> bytes:
    """A document's bytes (GET streams them)."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def document(response):
    assert response.status_code == 200, response
    return json.loads(content(response))


def state(api, method, body=b"", content_type="application/json", **params):
    base = {"activityId": ACTIVITY, "agent": AGENT}
    base.update(params)
    return api.send(method, STATE, base, body, content_type)


# --- State ------------------------------------------------------------------------------------------------


@pytest.mark.embedded
def test_state_is_stored_and_returned_as_sent(lrs):
    assert state(lrs.api, "PUT", b"bookmark=page-7", "text/plain", stateId="bookmark").status_code == 204
    got = state(lrs.api, "GET", stateId="bookmark")
    assert got.status_code == 200
    assert content(got) == b"bookmark=page-7"
    assert got["Content-Type"] == "text/plain"
    assert got["ETag"] == f'"{hashlib.sha1(b"bookmark=page-7").hexdigest()}"'
    assert "Last-Modified" in got
    head = state(lrs.api, "HEAD", stateId="bookmark")
    assert (head.status_code, head["ETag"], content(head)) == (200, got["ETag"], b"")


def test_state_routes_answer_without_a_trailing_slash_redirect(lrs):
    for path in (STATE, ACTIVITY_PROFILE, AGENT_PROFILE, "/xapi/activities", "/xapi/agents"):
        assert lrs.api.get(path).status_code == 400  # missing parameters, not 301 to a 404


def test_state_post_merges_json_objects_one_level_deep(lrs):
    state(lrs.api, "PUT", {"a": 1, "nested": {"x": 1}}, stateId="progress")
    assert state(lrs.api, "POST", {"b": 2, "nested": {"y": 2}}, stateId="progress").status_code == 204
    merged = document(state(lrs.api, "GET", stateId="progress"))
    assert merged == {"a": 1, "b": 2, "nested": {"y": 2}}


def test_state_post_of_something_else_than_a_json_object_is_refused(lrs):
    state(lrs.api, "PUT", {"a": 1}, stateId="progress")
    response = state(lrs.api, "POST", b"plain", "text/plain", stateId="progress")
    assert response.status_code == 400
    assert document(state(lrs.api, "GET", stateId="progress")) == {"a": 1}


def test_state_list_since_registration_and_delete(lrs):
    registration = str(uuid.uuid4())
    state(lrs.api, "PUT", {"n": 1}, stateId="one")
    state(lrs.api, "PUT", {"n": 2}, stateId="two")
    state(lrs.api, "PUT", {"n": 3}, stateId="three", registration=registration)
    assert sorted(state(lrs.api, "GET").json()) == ["one", "two"]
    assert state(lrs.api, "GET", registration=registration).json() == ["three"]
    later = Document.objects.get(document_id="two").updated.isoformat()
    assert state(lrs.api, "GET", since=later).json() == []
    assert state(lrs.api, "DELETE", stateId="one").status_code == 204
    assert state(lrs.api, "GET", stateId="one").status_code == 404
    assert state(lrs.api, "DELETE").status_code == 204
    assert state(lrs.api, "GET").json() == []
    assert state(lrs.api, "GET", registration=registration).json() == ["three"]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"activityId": "not an iri", "agent": AGENT, "stateId": "s"}, "activityId"),
        ({"activityId": ACTIVITY, "stateId": "s"}, "agent"),
        ({"activityId": ACTIVITY, "agent": {"mbox": "bob"}, "stateId": "s"}, "agent"),
        ({"activityId": ACTIVITY, "agent": AGENT, "stateId": "s", "registration": "nope"}, "registration"),
        ({"activityId": ACTIVITY, "agent": AGENT}, "stateId"),
    ],
)
def test_state_with_bad_parameters_is_refused(lrs, params, parameter):
    response = lrs.api.send("PUT", STATE, params, {"a": 1})
    assert response.status_code == 400
    assert response.json()["extra"]["parameter"] == parameter
    assert Document.objects.count() == 0


def test_untrusted_client_sees_and_changes_only_its_own_documents(lrs):
    state(lrs.api, "PUT", {"who": "platform"}, stateId="shared")
    assert state(lrs.partner, "GET", stateId="shared").status_code == 404
    assert state(lrs.partner, "GET").json() == []
    state(lrs.partner, "PUT", {"who": "partner"}, stateId="shared")
    state(lrs.partner, "DELETE")
    assert document(state(lrs.api, "GET", stateId="shared")) == {"who": "platform"}


# --- Profiles and concurrency ------------------------------------------------------------------------------


def profile(api, method, body=b"", headers=None, **params):
    base = {"activityId": ACTIVITY, "profileId": "settings"}
    base.update(params)
    base = {name: value for name, value in base.items() if value is not None}
    return api.send(method, ACTIVITY_PROFILE, base, body, **(headers or {}))


def test_activity_profile_etag_concurrency(lrs):
    # Creating needs If-None-Match: * (without either header, 400).
    assert profile(lrs.api, "PUT", {"v": 1}).status_code == 400
    created = profile(lrs.api, "PUT", {"v": 1}, {"HTTP_IF_NONE_MATCH": "*"})
    assert created.status_code == 204
    etag = profile(lrs.api, "GET")["ETag"]
    # Overwriting without a precondition is a conflict; If-None-Match: * on an existing document fails.
    assert profile(lrs.api, "PUT", {"v": 2}).status_code == 409
    assert profile(lrs.api, "PUT", {"v": 2}, {"HTTP_IF_NONE_MATCH": "*"}).status_code == 412
    assert profile(lrs.api, "PUT", {"v": 2}, {"HTTP_IF_MATCH": '"0000"'}).status_code == 412
    assert document(profile(lrs.api, "GET")) == {"v": 1}
    assert profile(lrs.api, "PUT", {"v": 2}, {"HTTP_IF_MATCH": etag}).status_code == 204
    assert document(profile(lrs.api, "GET")) == {"v": 2}
    assert profile(lrs.api, "DELETE", headers={"HTTP_IF_MATCH": etag}).status_code == 412
    assert profile(lrs.api, "GET", profileId=None).json() == ["settings"]


def test_agent_profile_round_trip(lrs):
    params = {"agent": AGENT, "profileId": "prefs"}
    put = lrs.api.send("PUT", AGENT_PROFILE, params, {"lang": "zh"}, HTTP_IF_NONE_MATCH="*")
    assert put.status_code == 204
    assert lrs.api.send("POST", AGENT_PROFILE, params, {"theme": "dark"}).status_code == 204
    assert document(lrs.api.send("GET", AGENT_PROFILE, params)) == {"lang": "zh", "theme": "dark"}
    assert lrs.api.send("GET", AGENT_PROFILE, {"agent": AGENT}).json() == ["prefs"]
    assert lrs.api.send("DELETE", AGENT_PROFILE, params).status_code == 204
    assert lrs.api.send("GET", AGENT_PROFILE, params).status_code == 404


def test_document_above_the_size_limit_is_refused(lrs, monkeypatch):
    monkeypatch.setattr("core.activity.documents.DOCUMENT_MAX_BYTES", 10)
    response = state(lrs.api, "PUT", b"x" * 11, "text/plain", stateId="big")
    assert response.status_code == 400
    assert response.json()["message"] == "The document is larger than 10 bytes."
    assert Document.objects.count() == 0


# --- Activities and Agents ---------------------------------------------------------------------------------


def test_activities_joins_the_definitions_statements_gave(lrs):
    first = statement(1, object={"id": ACTIVITY, "definition": {"name": {"en-US": "Lesson one"}}})
    second = statement(2, object={"id": ACTIVITY, "definition": {"name": {"zh-CN": "第一课"}}})
    lrs.api.post([first, second])
    activity = lrs.api.get("/xapi/activities", {"activityId": ACTIVITY}).json()
    assert activity == {
        "objectType": "Activity",
        "id": ACTIVITY,
        "definition": {"name": {"en-US": "Lesson one", "zh-CN": "第一课"}},
    }


def test_agents_returns_a_person(lrs):
    lrs.api.post(statement(1, actor={"name": "Learner", "mbox": "mailto:learner@example.com"}))
    person = lrs.api.get("/xapi/agents", {"agent": json.dumps(AGENT)}).json()
    assert person == {"objectType": "Person", "name": ["Learner"], "mbox": ["mailto:learner@example.com"]}
    assert lrs.api.get("/xapi/agents").status_code == 400
