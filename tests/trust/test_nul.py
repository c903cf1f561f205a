import pytest
from django.test import Client

from crm.middleware import NUL_MESSAGE


@pytest.mark.django_db
class TestNulCharacterMiddleware:
    @pytest.mark.parametrize(
        ("method", "data"),
        [
            ("get", {"q": "a\x00b"}),
            ("get", {"a\x00": "b"}),
            ("post", {"username": "x\x00", "password": "y"}),
            ("post", {"user\x00name": "x", "password": "y"}),
        ],
    )
    def test_a_nul_character_in_a_key_or_value_is_a_400(self, method, data):
        client = Client()

        response = getattr(client, method)("/login/", data)

        assert response.status_code == 400
        assert response.content.decode() == NUL_MESSAGE

    def test_a_request_without_nul_passes_through(self):
        client = Client()

        response = client.get("/login/", {"q": "ab"})

        assert response.status_code == 200
