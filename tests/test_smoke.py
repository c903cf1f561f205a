import pytest


@pytest.mark.django_db
class TestLogin:
    def test_login_page_renders_for_anonymous_users(self, client):
        response = client.get("/login/")

        assert response.status_code == 200
        assert b'name="username"' in response.content

    def test_dashboard_requires_login(self, client):
        response = client.get("/")

        assert response.status_code == 302
        assert response["Location"].startswith("/login/")

    def test_valid_credentials_sign_in_and_show_the_company(self, client, rep):
        response = client.post("/login/", {"username": "rep", "password": "pass-word-123"}, follow=True)

        assert response.status_code == 200
        assert response.context["user"] == rep
        assert b"Acme Sales" in response.content

    def test_wrong_password_is_refused_with_a_message(self, client, rep):
        response = client.post("/login/", {"username": "rep", "password": "nope"})

        assert response.status_code == 200
        assert not response.wsgi_request.user.is_authenticated
        assert b"alert-danger" in response.content

    def test_logout_is_a_post(self, rep_client):
        response = rep_client.post("/logout/")

        assert response.status_code == 302
        assert rep_client.get("/").status_code == 302


@pytest.mark.django_db
class TestLongSearch:
    @pytest.mark.parametrize("path", ["/leads/", "/accounts/", "/contacts/", "/deals/"])
    def test_a_pasted_essay_in_the_search_box_is_not_an_error(self, rep_client, path):
        essay = " ".join(["%_" * 300 + "x"] * 50)

        response = rep_client.get(path, {"q": essay})

        assert response.status_code == 200
