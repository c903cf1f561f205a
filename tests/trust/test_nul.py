from urllib.parse import urlencode

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

        if method == "get":
            response = client.get("/login/", data)
        else:  # what a browser sends for a plain form
            response = client.post("/login/", urlencode(data), content_type="application/x-www-form-urlencoded")

        assert response.status_code == 400
        assert response.content.decode() == NUL_MESSAGE

    def test_a_request_without_nul_passes_through(self):
        client = Client()

        response = client.get("/login/", {"q": "ab"})

        assert response.status_code == 200

    def test_a_multipart_form_is_left_to_the_form_which_refuses_nul_with_a_field_error(self, rep_client):
        response = rep_client.post("/leads/new/", {"last_name": "x\x00y", "campaign": "spring"})

        assert response.status_code == 200
        assert "Null characters are not allowed" in response.content.decode()
