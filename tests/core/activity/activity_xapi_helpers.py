"""Helpers for the xAPI tests: the spec's example statements, a statement maker, requests as a client sends them."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import urlencode

EXAMPLES = Path(__file__).parent / "examples"


def example(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text())


class Xapi:
    """Requests as an xAPI client sends them: Basic credentials, the version header, English messages."""

    def __init__(self, client, key: str, secret: str, *, version: str | None = "1.0.3", language: str | None = "en"):
        self.client = client
        self.headers = {"HTTP_ACCEPT_LANGUAGE": language} if language is not None else {}
        if key is not None:
            token = base64.b64encode(f"{key}:{secret}".encode()).decode()
            self.headers["HTTP_AUTHORIZATION"] = f"Basic {token}"
        if version is not None:
            self.headers["HTTP_X_EXPERIENCE_API_VERSION"] = version

    def post(self, body, path: str = "/xapi/statements", **extra):
        return self.client.post(path, json.dumps(body), content_type="application/json", **self.headers, **extra)

    def put(self, body, statement_id: str | None, **extra):
        path = "/xapi/statements" + (f"?statementId={statement_id}" if statement_id else "")
        return self.client.put(path, json.dumps(body), content_type="application/json", **self.headers, **extra)

    def get(self, path: str = "/xapi/statements", params: dict | None = None, **extra):
        return self.client.get(path, params or {}, **self.headers, **extra)

    def send(
        self, method: str, path: str, params: dict | None = None, body=b"", content_type="application/json", **extra
    ):
        """Any method with query parameters (dicts and lists sent as JSON) and a raw or JSON body."""
        query = urlencode({k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in (params or {}).items()})
        if isinstance(body, dict | list):
            body = json.dumps(body)
        url = f"{path}?{query}" if query else path
        return self.client.generic(method, url, body, content_type=content_type, **self.headers, **extra)


def statement(n: int, **changes) -> dict:
    """A small valid statement numbered n."""
    body = {
        "actor": {"objectType": "Agent", "name": f"Learner {n % 3}", "mbox": f"mailto:learner{n % 3}@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
        "object": {"id": f"http://example.com/activities/{n % 5}", "objectType": "Activity"},
    }
    body.update(changes)
    return body
