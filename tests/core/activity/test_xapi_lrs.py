"""What the ADL xAPI 1.0.3 conformance suite asks of the statements resource beyond storing and listing, checked
from the outside (HTTP) so the ordinary test command catches a regression: response headers, validation of
authority, interactions, timestamps, durations and attachments, attachments and signed statements in
multipart/mixed, formats, voiding with filters, HEAD, the alternate request syntax and deep JSON."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import urlencode

import pytest
from activity_xapi_helpers import statement

from core.activity.models import Statement, StatementAttachment

pytestmark = pytest.mark.django_db

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
FORM = "application/x-www-form-urlencoded"


# --- headers and language ----------------------------------------------------------------------------------


def test_every_answer_has_a_date_and_get_statements_errors_the_consistency_header(lrs):
    ok = lrs.api.get()
    bad = lrs.api.get(params={"statementId": str(uuid.uuid4()), "verb": "http://example.com/v"})
    missing = lrs.api.get(params={"statementId": str(uuid.uuid4())})
    assert (bad.status_code, missing.status_code) == (400, 404)
    for response in (ok, bad, missing, lrs.api.post(statement(1)), lrs.api.get("/xapi/about")):
        assert response["Date"].endswith("GMT")
    for response in (ok, bad, missing):
        assert "X-Experience-API-Consistent-Through" in response


def test_client_without_accept_language_gets_english(lrs):
    silent = lrs.as_(lrs.trusted.key, lrs.secret, language=None)
    response = silent.get(params={"limit": "lots"})
    assert response.status_code == 400
    assert response["Content-Language"] == "en"
    assert response.json()["message"] == "limit must be a whole number."


# --- validation --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"authority": {"objectType": 123, "mbox": "mailto:a@example.com"}}, "authority.objectType: must be a string"),
        (
            {"authority": {"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}]}},
            "authority: a Group authority must be anonymous with exactly two members",
        ),
        ({"actor": {"objectType": {"a": 1}, "mbox": "mailto:a@example.com"}}, "actor.objectType: must be a string"),
        (
            {"object": {"id": "http://example.com/q", "definition": {"interactionType": {"a": 1}}}},
            "object.definition.interactionType: is not an xAPI interaction type",
        ),
        (
            {"object": {"id": "http://example.com/q", "definition": {"correctResponsesPattern": ["true"]}}},
            "object.definition.correctResponsesPattern: needs an interactionType",
        ),
        ({"timestamp": "2026-01-01T10:00:00-00:00"}, "timestamp: must not use the offset -00:00"),
        ({"timestamp": "2026-01-01T10:00:00-0000"}, "timestamp: must not use the offset -00:00"),
        ({"result": {"duration": "P4W1D"}}, "result.duration: must be an ISO 8601 duration"),
    ],
)
def test_malformed_statements_are_400_with_the_reason(lrs, changes, message):
    response = lrs.api.post(statement(1, **changes))
    assert response.status_code == 400
    assert response.json()["message"] == f"statement 0: {message}"
    assert Statement.objects.count() == 0


ATTACHMENT = {
    "usageType": "http://example.com/attachment-usage/test",
    "display": {"en-US": "A test attachment"},
    "contentType": "text/plain",
    "length": 5,
    "sha2": hashlib.sha256(b"hello").hexdigest(),
}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("length", "should fail", "attachments[0].length: must be a whole number"),
        ("display", {"not a tag!": "x"}, "attachments[0].display: 'not a tag!' is not a language tag"),
        ("usageType", "not an iri", "attachments[0].usageType: must be an IRI"),
        ("contentType", 12, "attachments[0].contentType: must be an Internet media type"),
    ],
)
def test_attachment_metadata_is_checked(lrs, field, value, message):
    attachment = dict(ATTACHMENT, fileUrl="http://example.com/hello.txt", **{field: value})
    response = lrs.api.post(statement(1, attachments=[attachment]))
    assert response.status_code == 400
    assert response.json()["message"] == f"statement 0: {message}"


def test_single_context_activity_is_stored_and_returned_as_a_list(lrs):
    parent = {"id": "http://example.com/courses/1", "objectType": "Activity"}
    [statement_id] = lrs.api.post(statement(1, context={"contextActivities": {"parent": parent}})).json()
    got = lrs.api.get(params={"statementId": statement_id}).json()
    assert got["context"]["contextActivities"]["parent"] == [parent]


# --- attachments and signatures in multipart/mixed --------------------------------------------------------


def multipart(statements, parts, boundary="xapi-boundary"):
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), json.dumps(statements).encode()]
    for content_type, content, headers in parts:
        chunks.append(f"\r\n--{boundary}\r\nContent-Type: {content_type}\r\n{headers}\r\n".encode())
        chunks.append(content)
    chunks.append(f"\r\n--{boundary}--".encode())
    return b"".join(chunks), f"multipart/mixed; boundary={boundary}"


def binary(sha2: str) -> str:
    return f"Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {sha2}\r\n"


@pytest.mark.embedded
def test_attachment_sent_in_multipart_comes_back_with_attachments_true(lrs):
    sent = statement(1, attachments=[ATTACHMENT])
    body, content_type = multipart(sent, [("text/plain", b"hello", binary(ATTACHMENT["sha2"]))])
    response = lrs.api.client.post("/xapi/statements", body, content_type=content_type, **lrs.api.headers)
    assert response.status_code == 200, response.content
    [statement_id] = response.json()
    assert bytes(StatementAttachment.objects.get().content) == b"hello"

    got = lrs.api.get(params={"statementId": statement_id, "attachments": "true"})
    assert got["Content-Type"].startswith("multipart/mixed; boundary=")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + got["Content-Type"].encode() + b"\r\n\r\n" + got.content
    )
    first, second = message.iter_parts()
    assert json.loads(first.get_payload(decode=True))["id"] == statement_id
    assert second["X-Experience-API-Hash"] == ATTACHMENT["sha2"]
    assert second.get_payload(decode=True) == b"hello"
    assert lrs.api.get(params={"statementId": statement_id})["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ([], "has neither a fileUrl nor a part"),
        ([("text/plain", b"hello", "Content-Transfer-Encoding: binary\r\n")], "X-Experience-API-Hash"),
        ([("text/plain", b"hellO", binary(ATTACHMENT["sha2"]))], "does not match its X-Experience-API-Hash"),
    ],
)
def test_multipart_without_the_right_parts_is_refused(lrs, parts, message):
    body, content_type = multipart(statement(1, attachments=[ATTACHMENT]), parts)
    response = lrs.api.client.post("/xapi/statements", body, content_type=content_type, **lrs.api.headers)
    assert response.status_code == 400
    assert message in response.json()["message"]
    assert Statement.objects.count() == 0


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_request(sent: dict, algorithm: str):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signing_input = f"{_b64(json.dumps({'alg': algorithm}).encode())}.{_b64(json.dumps(sent).encode())}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    jws = f"{signing_input}.{_b64(signature)}".encode()
    sha2 = hashlib.sha256(jws).hexdigest()
    attachment = {
        "usageType": "http://adlnet.gov/expapi/attachments/signature",
        "display": {"en-US": "Signature"},
        "contentType": "application/octet-stream",
        "length": len(jws),
        "sha2": sha2,
    }
    return multipart(dict(sent, attachments=[attachment]), [("application/octet-stream", jws, binary(sha2))])


@pytest.mark.parametrize(("algorithm", "status"), [("RS256", 200), ("HS256", 400)])
def test_signed_statement_needs_an_rs_algorithm(lrs, algorithm, status):
    sent = statement(1, id=str(uuid.uuid4()))
    body, content_type = signed_request(sent, algorithm)
    response = lrs.api.client.post("/xapi/statements", body, content_type=content_type, **lrs.api.headers)
    assert response.status_code == status, response.content


# --- formats and filters -----------------------------------------------------------------------------------


def test_format_canonical_and_ids(lrs):
    verb = {"id": "http://example.com/verbs/met", "display": {"en-US": "met", "en-GB": "met up", "zh-CN": "见面"}}
    [statement_id] = lrs.api.post(statement(1, verb=verb)).json()
    british = lrs.as_(lrs.trusted.key, lrs.secret, language="en-GB")
    canonical = british.get(params={"statementId": statement_id, "format": "canonical"})
    assert canonical.json()["verb"] == {"id": verb["id"], "display": {"en-GB": "met up"}}
    exact = british.get(params={"statementId": statement_id})
    assert exact.json()["verb"] == verb
    ids = lrs.api.get(params={"statementId": statement_id, "format": "ids"}).json()
    assert ids["verb"] == {"id": verb["id"]}
    assert ids["actor"] == {"objectType": "Agent", "mbox": "mailto:learner1@example.com"}
    assert ids["object"] == {"id": "http://example.com/activities/1"}


def test_filter_returns_the_statements_that_target_a_voided_match(lrs):
    verb = {"id": "http://example.com/verbs/unique"}
    [voided_id] = lrs.api.post(statement(1, verb=verb)).json()
    [voiding_id] = lrs.api.post(
        statement(2, verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": voided_id})
    ).json()
    listed = [s["id"] for s in lrs.api.get(params={"verb": verb["id"]}).json()["statements"]]
    assert listed == [voiding_id]


def test_related_activities_and_agents(lrs):
    parent = "http://example.com/courses/9"
    [with_parent] = lrs.api.post(statement(1, context={"contextActivities": {"parent": [{"id": parent}]}})).json()
    lrs.api.post(statement(2))
    assert lrs.api.get(params={"activity": parent}).json()["statements"] == []
    related = lrs.api.get(params={"activity": parent, "related_activities": "true"}).json()["statements"]
    assert [s["id"] for s in related] == [with_parent]
    instructor = {"mbox": "mailto:teacher@example.com"}
    [taught] = lrs.api.post(statement(3, context={"instructor": instructor})).json()
    agent = json.dumps(instructor)
    assert lrs.api.get(params={"agent": agent}).json()["statements"] == []
    related = lrs.api.get(params={"agent": agent, "related_agents": "true"}).json()["statements"]
    assert [s["id"] for s in related] == [taught]


# --- HEAD, alternate request syntax, deep JSON -------------------------------------------------------------


def test_head_answers_as_get_without_a_body(lrs):
    [statement_id] = lrs.api.post(statement(1)).json()
    for path, params in [
        ("/xapi/statements", {"statementId": statement_id}),
        ("/xapi/activities", {"activityId": "http://example.com/activities/1"}),
        ("/xapi/about", {}),
    ]:
        response = lrs.api.client.head(path, params, **lrs.api.headers)
        assert response.status_code == 200, path
        assert response.content == b""
        assert response["X-Experience-API-Version"] == "1.0.3"


def test_alternate_request_syntax(lrs, client):
    statement_id = str(uuid.uuid4())
    auth = lrs.api.headers["HTTP_AUTHORIZATION"]
    form = {
        "statementId": statement_id,
        "content": json.dumps(statement(1)),
        "X-Experience-API-Version": "1.0.3",
        "Authorization": auth,
    }
    put = client.post("/xapi/statements?method=PUT", urlencode(form), content_type=FORM)
    assert put.status_code == 204, put.content
    fields = {"statementId": statement_id, "Authorization": auth, "X-Experience-API-Version": "1.0.3"}
    got = client.post("/xapi/statements?method=GET", urlencode(fields), content_type=FORM)
    assert got.json()["id"] == statement_id
    # Parameters in the query string beside method, or the syntax on another method, are refused.
    extra = client.post(f"/xapi/statements?method=PUT&statementId={statement_id}", urlencode(form), content_type=FORM)
    assert extra.status_code == 400
    not_post = client.put("/xapi/statements?method=PUT", "", **lrs.api.headers)
    assert not_post.status_code == 400


def test_deeply_nested_json_is_a_400(lrs, client):
    body = "[" * 1500 + "]" * 1500
    response = client.post("/xapi/statements", body, content_type="application/json", **lrs.api.headers)
    assert response.status_code == 400
    deep = statement(1, result={"extensions": {"http://example.com/x": json.loads("[" * 900 + "]" * 900)}})
    assert lrs.api.post(deep).status_code in (200, 400)
