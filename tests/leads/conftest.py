import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Factory users hash a password each; a fast hasher keeps these tests quick (never used in production)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
