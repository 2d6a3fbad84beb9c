import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The fixture world and the demo logins hash passwords many times; the real hasher only makes these tests
    slow (what is checked is that a password works, not how it is stored)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
