"""The xAPI clients every statements test uses."""

from types import SimpleNamespace

import pytest
from activity_xapi_helpers import Xapi


@pytest.fixture
def lrs(db, client):
    """A trusted client `lrs.trusted` and an untrusted one `lrs.untrusted`, with an Xapi helper for each."""
    from core.activity.services import xapi_client_create

    trusted, trusted_secret = xapi_client_create(name="学习App", trusted=True)
    untrusted, untrusted_secret = xapi_client_create(name="Partner LMS", trusted=False)
    return SimpleNamespace(
        trusted=trusted,
        untrusted=untrusted,
        secret=trusted_secret,
        api=Xapi(client, trusted.key, trusted_secret),
        partner=Xapi(client, untrusted.key, untrusted_secret),
        as_=lambda key, secret, **kw: Xapi(client, key, secret, **kw),
    )
