"""The xAPI 1.0.3 statements resource as a client meets it: the specification's examples go in and come back,
bad statements are refused with the reason and leave nothing behind, ids are idempotent, paging is exact,
voided statements disappear from lists."""

from __future__ import annotations

import copy
import uuid
from datetime import datetime

import pytest
from activity_xapi_helpers import example, statement

from core.activity.models import Statement

pytestmark = pytest.mark.django_db

EXAMPLES = ["simplest", "simple", "long", "substatement", "group"]
LRS_FIELDS = {"stored", "authority", "version"}


def same_statement(sent: dict, returned: dict) -> bool:
    """Equivalent for xAPI: the LRS's own fields aside, the same content and the same instant."""
    sent = {k: v for k, v in sent.items() if k not in LRS_FIELDS}
    returned = {k: v for k, v in returned.items() if k not in LRS_FIELDS}
    if "timestamp" in sent:
        instant = datetime.fromisoformat(sent.pop("timestamp").replace("Z", "+00:00"))
        assert datetime.fromisoformat(returned.pop("timestamp")) == instant
    else:
        returned.pop("timestamp")
    return sent == returned


# --- the specification's examples ---------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_spec_example_is_accepted_and_returned(lrs, name):
    sent = example(name)
    response = lrs.api.post(sent)
    assert response.status_code == 200, response.content
    assert response.json() == [sent["id"]]
    assert response["X-Experience-API-Version"] == "1.0.3"

    got = lrs.api.get(params={"statementId": sent["id"]})
    assert got.status_code == 200
    returned = got.json()
    assert same_statement(sent, returned)
    assert returned["version"] == "1.0.3"
    assert returned["authority"]["account"]["name"] == f"client:{lrs.trusted.key}"
    assert datetime.fromisoformat(returned["stored"]).tzinfo is not None


@pytest.mark.embedded
def test_spec_examples_in_one_batch_come_back_in_a_list(lrs):
    batch = [example(name) for name in EXAMPLES]
    response = lrs.api.post(batch)
    assert response.status_code == 200
    assert response.json() == [s["id"] for s in batch]
    listed = lrs.api.get(params={"ascending": "true"}).json()
    assert listed["more"] == ""
    by_id = {s["id"]: s for s in listed["statements"]}
    assert set(by_id) == {s["id"] for s in batch}
    for sent in batch:
        assert same_statement(sent, by_id[sent["id"]])


def test_statement_without_id_gets_one(lrs):
    response = lrs.api.post(statement(1))
    [statement_id] = response.json()
    assert str(uuid.UUID(statement_id)) == statement_id
    assert Statement.objects.get().pk == uuid.UUID(statement_id)


# --- bad statements -----------------------------------------------------------------------------------


def _without_actor():
    body = example("simple")
    del body["actor"]
    return body


def _bad_verb():
    body = example("simple")
    body["verb"]["id"] = "sent a statement"
    return body


def _bad_timestamp():
    body = example("simple")
    body["timestamp"] = "2015-13-45T12:17:00+00:00"
    return body


def _unknown_property():
    body = example("simple")
    body["mood"] = "happy"
    return body


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_without_actor, "statement 0: actor: is required"),
        (_bad_verb, "statement 0: verb.id: must be an IRI"),
        (_bad_timestamp, "statement 0: timestamp: is not a real date and time"),
        (_unknown_property, "statement 0: mood: is not an xAPI statement property"),
    ],
    ids=["no-actor", "verb-not-iri", "bad-timestamp", "unknown-property"],
)
def test_bad_statement_is_refused_and_nothing_is_stored(lrs, make, message):
    response = lrs.api.post(make())
    assert response.status_code == 400
    assert response.json()["message"] == message
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert Statement.objects.count() == 0


@pytest.mark.embedded
def test_batch_with_one_bad_statement_stores_none(lrs):
    batch = [statement(1), statement(2), _bad_verb(), statement(3)]
    response = lrs.api.post(batch)
    assert response.status_code == 400
    assert response.json() == {
        "message": "statement 2: verb.id: must be an IRI",
        "extra": {"property": "verb.id"},
    }
    assert Statement.objects.count() == 0


def test_timestamp_without_time_zone_is_refused(lrs):
    body = statement(1, timestamp="2015-11-18T12:17:00")
    response = lrs.api.post(body)
    assert response.status_code == 400
    assert response.json()["message"] == "statement 0: timestamp: must be an ISO 8601 date-time with a time zone"


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        ("{not json", "application/json", "The request body is not valid JSON."),
        ("[]", "application/json", "The batch is empty."),
        (
            "actor=me",
            "application/x-www-form-urlencoded",
            "Send statements as application/json, or multipart/mixed with attachments.",
        ),
    ],
)
def test_unreadable_bodies_are_refused(lrs, client, body, content_type, message):
    response = client.post("/xapi/statements", body, content_type=content_type, **lrs.api.headers)
    assert response.status_code == 400
    assert response.json()["message"] == message


def test_batch_cap(lrs, settings):
    settings.XAPI_MAX_BATCH = 3
    response = lrs.api.post([statement(n) for n in range(4)])
    assert response.status_code == 400
    assert response.json() == {"message": "A batch holds at most 3 statements.", "extra": {"limit": 3}}
    assert Statement.objects.count() == 0


def test_body_size_cap(lrs, monkeypatch):
    from core.activity import api

    monkeypatch.setattr(api, "MAX_BODY_BYTES", 1000)
    response = lrs.api.post([statement(n) for n in range(10)])
    assert response.status_code == 400
    assert response.json() == {"message": "The request body is larger than 1000 bytes.", "extra": {"limit": 1000}}
    assert Statement.objects.count() == 0


# --- ids: idempotent, conflicts are 409 ---------------------------------------------------------------


@pytest.mark.embedded
def test_same_id_same_content_is_accepted_once(lrs):
    sent = example("long")
    assert lrs.api.post(sent).json() == [sent["id"]]
    again = lrs.api.post(copy.deepcopy(sent))
    assert again.status_code == 200
    assert again.json() == [sent["id"]]
    assert Statement.objects.count() == 1


def test_same_id_other_content_is_409_and_batch_stores_nothing(lrs):
    sent = example("simple")
    lrs.api.post(sent)
    other = example("simple")
    other["verb"]["display"]["en-US"] = "mailed"
    response = lrs.api.post([statement(1), other])
    assert response.status_code == 409
    assert response.json() == {
        "message": f"Statement id {sent['id']} is already stored with different content.",
        "extra": {"id": sent["id"]},
    }
    assert Statement.objects.count() == 1
    assert Statement.objects.get().full["verb"]["display"] == {"en-US": "sent"}


def test_same_id_twice_in_one_batch(lrs):
    sent = example("simple")
    response = lrs.api.post([sent, copy.deepcopy(sent)])
    assert response.status_code == 200
    assert response.json() == [sent["id"], sent["id"]]
    assert Statement.objects.count() == 1
    other = statement(1, id=str(uuid.uuid4()))
    clash = copy.deepcopy(other)
    clash["verb"]["id"] = "http://adlnet.gov/expapi/verbs/completed"
    response = lrs.api.post([other, clash])
    assert response.status_code == 409
    assert response.json()["message"] == (
        f"Statement id {other['id']} appears twice in the batch with different content."
    )
    assert Statement.objects.count() == 1


# --- PUT ----------------------------------------------------------------------------------------------


def test_put_with_statement_id(lrs):
    statement_id = str(uuid.uuid4())
    body = statement(7)
    response = lrs.api.put(body, statement_id)
    assert response.status_code == 204
    assert response.content == b""
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert same_statement({**body, "id": statement_id}, lrs.api.get(params={"statementId": statement_id}).json())
    assert lrs.api.put(body, statement_id).status_code == 204
    changed = statement(8)
    response = lrs.api.put(changed, statement_id)
    assert response.status_code == 409
    assert Statement.objects.count() == 1


@pytest.mark.parametrize(
    ("statement_id", "body", "message"),
    [
        (None, statement(1), "PUT needs the statementId parameter."),
        ("not-a-uuid", statement(1), "statementId: must be a UUID"),
        (
            "9e1f3d5c-5d7a-4a57-9a4e-0f1d8f0e7b1a",
            statement(1, id="0b9c4a79-3f8d-4d0c-8c83-3c4bb1e8b3f0"),
            "id: does not match the statementId parameter",
        ),
        ("9e1f3d5c-5d7a-4a57-9a4e-0f1d8f0e7b1a", [statement(1)], "PUT takes one statement, not a list."),
    ],
    ids=["no-id", "bad-id", "mismatch", "list"],
)
def test_put_refusals(lrs, statement_id, body, message):
    response = lrs.api.put(body, statement_id)
    assert response.status_code == 400
    assert response.json()["message"] == message
    assert Statement.objects.count() == 0


# --- GET: by id and filters ---------------------------------------------------------------------------


def test_get_unknown_id_is_404(lrs):
    response = lrs.api.get(params={"statementId": str(uuid.uuid4())})
    assert response.status_code == 404
    assert response.json()["message"] == "No such statement."


def test_unknown_parameter_is_400(lrs):
    response = lrs.api.get(params={"actor": "me"})
    assert response.status_code == 400
    assert response.json() == {"message": "Unknown parameter actor.", "extra": {"parameter": "actor"}}


def test_filters(lrs):
    registration = "ec531277-b57b-4c15-8d91-d292c5b2b8f7"
    lrs.api.post([statement(n) for n in range(15)])
    lrs.api.post(example("long"))
    lrs.api.post(
        statement(
            20,
            verb={"id": "http://adlnet.gov/expapi/verbs/completed"},
            object={"objectType": "Agent", "mbox": "mailto:learner1@example.com"},
        )
    )

    def ids(**params):
        response = lrs.api.get(params=params)
        assert response.status_code == 200, response.content
        assert "X-Experience-API-Consistent-Through" in response
        return [s["id"] for s in response.json()["statements"]]

    def count(**params):
        return len(ids(**params))

    assert count() == 17
    assert count(verb="http://adlnet.gov/expapi/verbs/experienced") == 15
    assert count(activity="http://example.com/activities/2") == 3
    # As actor (n % 3 == 1: 5 statements) or as the object of the completed statement.
    assert count(agent='{"mbox": "mailto:learner1@example.com"}') == 6
    assert count(agent='{"objectType": "Group", "mbox": "mailto:teampb@example.com"}') == 1
    assert ids(registration=registration) == [example("long")["id"]]
    assert count(limit="4") == 4
    newest_first = ids()
    assert ids(ascending="true") == list(reversed(newest_first))

    stored = {s.pk: s.stored for s in Statement.objects.all()}
    first_batch = Statement.objects.filter(verb_id__endswith="experienced").first().stored
    assert count(until=first_batch.isoformat()) == 15
    assert count(since=first_batch.isoformat()) == 2
    assert len(stored) == 17


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"agent": "learner1"}, "agent must be a JSON Agent or Group."),
        ({"agent": '{"name": "no ifi"}'}, "agent: must have one of mbox, mbox_sha1sum, openid, account"),
        ({"since": "yesterday"}, "since must be an ISO 8601 date-time with a time zone."),
        ({"limit": "-1"}, "limit must be a whole number."),
        ({"ascending": "maybe"}, "ascending must be true or false."),
        ({"registration": "r1"}, "registration must be a UUID."),
        ({"more": "forged"}, "The more link is not valid or has expired; start again."),
    ],
)
def test_bad_query_parameters(lrs, params, message):
    response = lrs.api.get(params=params)
    assert response.status_code == 400
    assert response.json()["message"] == message


# --- paging with `more` -------------------------------------------------------------------------------


def _page_through(lrs, *, total: int, limit: int, ascending: bool) -> None:
    existing = [statement(n, id=str(uuid.uuid4())) for n in range(total)]
    for start in range(0, total, 10):
        assert lrs.api.post(existing[start : start + 10]).status_code == 200
    seen: list[str] = []
    response = lrs.api.get(params={"limit": str(limit), "ascending": str(ascending).lower()}).json()
    pages = 0
    while True:
        pages += 1
        seen.extend(s["id"] for s in response["statements"])
        # New statements keep arriving while the client pages.
        lrs.api.post([statement(1000 + pages), statement(2000 + pages)])
        if not response["more"]:
            break
        assert response["more"].startswith("/xapi/statements?more=")
        response = lrs.api.client.get(response["more"], **lrs.api.headers).json()
    assert pages == -(-total // limit)
    assert len(seen) == len(set(seen))
    assert set(seen) == {s["id"] for s in existing}


@pytest.mark.embedded
@pytest.mark.parametrize("ascending", [False, True])
def test_more_paging_returns_every_statement_once(lrs, ascending):
    _page_through(lrs, total=47, limit=10, ascending=ascending)


@pytest.mark.integration
@pytest.mark.parametrize("ascending", [False, True])
def test_more_paging_returns_every_statement_once_on_postgresql(lrs, ascending):
    _page_through(lrs, total=95, limit=7, ascending=ascending)


# --- voiding ------------------------------------------------------------------------------------------


def _voiding(target_id: str) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "mbox": "mailto:admin@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}},
        "object": {"objectType": "StatementRef", "id": target_id},
    }


@pytest.mark.embedded
def test_voiding_hides_the_target(lrs):
    target = example("simple")
    lrs.api.post([target, statement(1)])
    voiding = _voiding(target["id"])
    assert lrs.api.post(voiding).status_code == 200

    listed = [s["id"] for s in lrs.api.get().json()["statements"]]
    assert target["id"] not in listed
    assert voiding["id"] in listed
    assert len(listed) == 2
    assert lrs.api.get(params={"statementId": target["id"]}).status_code == 404
    voided = lrs.api.get(params={"voidedStatementId": target["id"]})
    assert voided.status_code == 200
    assert same_statement(target, voided.json())
    # Only voided statements are fetched by voidedStatementId.
    assert lrs.api.get(params={"voidedStatementId": voiding["id"]}).status_code == 404


def test_voiding_statement_cannot_be_voided(lrs):
    target = statement(1, id=str(uuid.uuid4()))
    voiding = _voiding(target["id"])
    lrs.api.post([target, voiding])
    response = lrs.api.post(_voiding(voiding["id"]))
    assert response.status_code == 400
    assert response.json()["message"] == "A voiding statement cannot itself be voided."
    assert Statement.objects.count() == 2


def test_voiding_may_arrive_before_its_target(lrs):
    target = statement(1, id=str(uuid.uuid4()))
    lrs.api.post(_voiding(target["id"]))
    lrs.api.post(target)
    assert lrs.api.get(params={"statementId": target["id"]}).status_code == 404
    assert lrs.api.get(params={"voidedStatementId": target["id"]}).status_code == 200


def test_voiding_needs_a_statement_ref(lrs):
    body = _voiding(str(uuid.uuid4()))
    body["object"] = {"objectType": "Activity", "id": "http://example.com/x"}
    response = lrs.api.post(body)
    assert response.status_code == 400
    assert response.json()["message"] == "statement 0: object: a voiding statement's object must be a StatementRef"


# --- the about resource -------------------------------------------------------------------------------


@pytest.mark.embedded
def test_about_needs_no_credentials(client, db):
    response = client.get("/xapi/about")
    assert response.status_code == 200
    assert response.json() == {"version": ["1.0.3"], "extensions": {}}
    assert response["X-Experience-API-Version"] == "1.0.3"


def test_reasons_are_in_chinese_by_default(lrs):
    chinese = lrs.as_(lrs.trusted.key, lrs.secret, language="zh-hans")
    response = chinese.post([statement(1), _without_actor()])
    assert response.status_code == 400
    assert response.json()["message"] == "第 1 条语句：actor: 为必填项"
    assert Statement.objects.count() == 0
