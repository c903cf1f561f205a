import pytest


@pytest.mark.django_db(transaction=True)
class TestLoginInTheBrowser:
    def test_a_rep_signs_in_and_sees_the_dashboard(self, page, login, rep):
        login(rep)

        assert page.get_by_role("heading", name="Dashboard").is_visible()
        assert "Acme Sales" in page.get_by_test_id("current-user").inner_text()

    def test_a_wrong_password_keeps_the_user_on_the_login_page(self, page, rep):
        page.goto("/login/")
        page.get_by_label("Username").fill("rep")
        page.get_by_label("Password").fill("wrong")
        page.get_by_role("button", name="Sign in").click()

        assert page.locator(".alert-danger").is_visible()
        assert page.url.endswith("/login/")
