"""Login hardening: throttling with django-axes (username + address, cool-off, reset on success, the admin login
too), no user enumeration, and sessions (new key on login, logout ends it, deactivated users are signed out)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from crm.security import client_ip
from tests.factories import UserFactory

PASSWORD = "pass-word-123"  # every factory user's password
WRONG = "not-the-password"
HOME = "203.0.113.10"
ELSEWHERE = "198.51.100.20"


def sign_in(client, username, password, *, ip=HOME, path="/login/", **extra):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def fail(client, username, times, *, ip=HOME, path="/login/"):
    return [sign_in(client, username, WRONG, ip=ip, path=path).status_code for _ in range(times)]


def is_signed_in(client) -> bool:
    return client.get("/").status_code == 200


@pytest.mark.django_db
class TestLoginThrottling:
    def test_the_fifth_wrong_password_locks_that_username_from_that_address(self, client, rep):
        statuses = fail(client, "rep", 5)

        assert statuses == [200, 200, 200, 200, 429]

    def test_a_locked_out_username_cannot_sign_in_even_with_the_right_password(self, client, rep):
        fail(client, "rep", 5)

        response = sign_in(client, "rep", PASSWORD)

        assert response.status_code == 429
        assert response["Retry-After"] == "900"
        assert b"Too many sign-in attempts" in response.content
        assert not is_signed_in(client)

    def test_four_wrong_passwords_do_not_lock(self, client, rep):
        fail(client, "rep", 4)

        response = sign_in(client, "rep", PASSWORD)

        assert response.status_code == 302
        assert is_signed_in(client)

    def test_the_lock_does_not_reach_the_same_username_from_another_address(self, client, rep):
        fail(client, "rep", 5)

        response = sign_in(client, "rep", PASSWORD, ip=ELSEWHERE)

        assert response.status_code == 302

    def test_the_lock_does_not_reach_another_username_from_the_same_address(self, client, rep, other_rep):
        fail(client, "rep", 5)

        response = sign_in(client, "other-rep", PASSWORD)

        assert response.status_code == 302

    @pytest.mark.parametrize(("minutes_ago", "status"), [(14, 429), (16, 302)])
    def test_the_lock_lifts_after_a_fifteen_minute_cool_off(self, client, rep, minutes_ago, status):
        fail(client, "rep", 5)
        AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=minutes_ago))

        response = sign_in(client, "rep", PASSWORD)

        assert response.status_code == status

    def test_a_failure_during_the_lock_restarts_the_cool_off(self, client, rep):
        fail(client, "rep", 5)
        AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
        fail(client, "rep", 1)
        AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=2))

        response = sign_in(client, "rep", PASSWORD)

        assert response.status_code == 429

    def test_a_successful_sign_in_resets_the_count(self, client, rep):
        fail(client, "rep", 4)
        sign_in(client, "rep", PASSWORD)
        client.post("/logout/")

        statuses = fail(client, "rep", 4)
        response = sign_in(client, "rep", PASSWORD)

        assert statuses == [200, 200, 200, 200]
        assert response.status_code == 302
        assert not AccessAttempt.objects.filter(username="rep", failures_since_start__gt=0).exists()

    def test_the_admin_login_is_throttled_too(self, client, superuser):
        statuses = fail(client, "root", 5, path="/admin/login/")

        response = sign_in(client, "root", PASSWORD, path="/admin/login/")

        assert statuses == [200, 200, 200, 200, 429]
        assert response.status_code == 429
        assert client.get("/admin/").status_code == 302

    @pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
    def test_a_username_longer_than_the_attempt_log_holds_is_logged_cut_and_still_throttled(self, client, path):
        long_name = "x" * 300

        statuses = fail(client, long_name, 5, path=path)

        assert statuses == [200, 200, 200, 200, 429]
        assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["x" * 255]

    def test_failures_on_the_admin_login_and_the_login_page_add_up(self, client, admin_user):
        fail(client, "company-admin", 3)
        fail(client, "company-admin", 2, path="/admin/login/")

        response = sign_in(client, "company-admin", PASSWORD)

        assert response.status_code == 429

    def test_an_unknown_username_is_locked_out_with_the_very_same_page(self, rep):
        known, unknown = Client(), Client()
        fail(known, "rep", 5)
        fail(unknown, "nobody-by-this-name", 5)

        known_page = sign_in(known, "rep", PASSWORD)
        unknown_page = sign_in(unknown, "nobody-by-this-name", PASSWORD)

        assert known_page.status_code == unknown_page.status_code == 429
        assert known_page.content == unknown_page.content
        assert b"nobody-by-this-name" not in unknown_page.content


@pytest.mark.django_db
class TestThrottlingBehindAProxy:
    @pytest.fixture(autouse=True)
    def behind_one_proxy(self, settings):
        settings.TRUSTED_PROXY_COUNT = 1

    def test_clients_behind_the_proxy_are_told_apart_by_the_address_it_forwards(self, client, rep):
        fail(client, "rep", 5, ip="10.0.0.1")  # REMOTE_ADDR is the proxy; no X-Forwarded-For: keyed on it

        response = sign_in(client, "rep", PASSWORD, ip="10.0.0.1", HTTP_X_FORWARDED_FOR=ELSEWHERE)

        assert response.status_code == 302

    def test_a_forged_forwarded_address_does_not_escape_the_lock(self, client, rep):
        for n in range(5):
            sign_in(client, "rep", WRONG, ip="10.0.0.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {HOME}")

        response = sign_in(client, "rep", PASSWORD, ip="10.0.0.1", HTTP_X_FORWARDED_FOR=f"192.0.2.99, {HOME}")

        assert response.status_code == 429


class TestClientIp:
    @pytest.mark.parametrize(
        ("proxies", "remote_addr", "forwarded_for", "expected"),
        [
            (0, "203.0.113.10", "", "203.0.113.10"),
            (0, "203.0.113.10", "192.0.2.1", "203.0.113.10"),  # no proxy: the header is the client's own words
            (1, "10.0.0.1", "192.0.2.1", "192.0.2.1"),
            (1, "10.0.0.1", "6.6.6.6, 192.0.2.1", "192.0.2.1"),  # left of what the proxy appended is forgeable
            (2, "10.0.0.2", "6.6.6.6, 192.0.2.1, 10.0.0.1", "192.0.2.1"),
            (1, "10.0.0.1", "", "10.0.0.1"),
            (2, "10.0.0.2", "192.0.2.1", "10.0.0.2"),  # fewer entries than proxies: fall back to the peer
            (1, "10.0.0.1", "not-an-address", "10.0.0.1"),
            (1, "10.0.0.1", " 2001:db8::1 ", "2001:db8::1"),
        ],
    )
    def test_the_address_throttling_keys_on(self, rf, settings, proxies, remote_addr, forwarded_for, expected):
        settings.TRUSTED_PROXY_COUNT = proxies
        request = rf.get("/", REMOTE_ADDR=remote_addr, HTTP_X_FORWARDED_FOR=forwarded_for)

        address = client_ip(request)

        assert address == expected


@pytest.mark.django_db
class TestNoUserEnumeration:
    @pytest.fixture
    def answers(self, client, rep):
        inactive = UserFactory(username="gone", is_active=False)
        assert inactive.check_password(PASSWORD)

        def answer(username, password):
            response = sign_in(client, username, password)
            return response.status_code, response.context["form"].errors.get_json_data(), response.content

        return answer

    @pytest.mark.parametrize(
        ("username", "password"),
        [("nobody-by-this-name", PASSWORD), ("gone", PASSWORD)],
        ids=["unknown user", "deactivated user"],
    )
    def test_the_answer_is_the_same_as_for_a_wrong_password(self, answers, username, password):
        wrong_password = answers("rep", WRONG)

        other = answers(username, password)

        assert other[0] == wrong_password[0] == 200
        assert other[1] == wrong_password[1]
        assert wrong_password[1]["__all__"][0]["code"] == "invalid_login"

    def test_the_message_does_not_say_which_part_was_wrong(self, answers):
        _, errors, _ = answers("nobody-by-this-name", WRONG)

        message = errors["__all__"][0]["message"]
        assert message == ("Please enter a correct username and password. Note that both fields may be case-sensitive.")
        assert "nobody-by-this-name" not in message


@pytest.mark.django_db
class TestSessions:
    def test_signing_in_gives_the_browser_a_new_session_key(self, client, rep):
        session = client.session
        session["seen_the_login_page"] = True
        session.save()
        before = session.session_key
        client.cookies[settings.SESSION_COOKIE_NAME] = before

        sign_in(client, "rep", PASSWORD)

        after = client.cookies[settings.SESSION_COOKIE_NAME].value
        assert after != before
        assert not Session.objects.filter(session_key=before).exists()
        assert is_signed_in(client)

    def test_signing_out_ends_the_session_on_the_server(self, client, rep):
        sign_in(client, "rep", PASSWORD)
        session_key = client.cookies[settings.SESSION_COOKIE_NAME].value

        client.post("/logout/")

        assert not Session.objects.filter(session_key=session_key).exists()
        replayed = Client()
        replayed.cookies[settings.SESSION_COOKIE_NAME] = session_key
        assert replayed.get("/").status_code == 302

    def test_signing_out_is_post_only(self, rep_client):
        response = rep_client.get("/logout/")

        assert response.status_code == 405
        assert is_signed_in(rep_client)

    def test_a_deactivated_user_is_signed_out_on_the_next_request(self, rep_client, rep):
        assert is_signed_in(rep_client)
        rep.is_active = False
        rep.save(update_fields=["is_active"])

        response = rep_client.get("/leads/")

        assert response.status_code == 302
        assert response["Location"].startswith("/login/")

    def test_the_users_of_a_deactivated_company_are_signed_out_on_the_next_request(self, rep_client, company):
        assert is_signed_in(rep_client)
        company.is_active = False
        company.save(update_fields=["is_active"])

        response = rep_client.get("/")

        assert response.status_code == 302
        assert response["Location"].startswith("/login/")

    def test_the_users_of_a_deactivated_company_cannot_sign_in(self, client, rep, company):
        company.is_active = False
        company.save(update_fields=["is_active"])

        response = sign_in(client, "rep", PASSWORD)

        assert response.status_code == 200
        assert response.context["form"].errors.get_json_data()["__all__"][0]["code"] == "invalid_login"
        assert not is_signed_in(client)

    def test_a_superuser_without_a_company_stays_signed_in(self, client, superuser):
        sign_in(client, "root", PASSWORD, path="/admin/login/")

        response = client.get("/admin/")

        assert response.status_code == 200

    def test_changing_the_password_signs_out_the_other_sessions(self, client, rep):
        sign_in(client, "rep", PASSWORD)
        assert is_signed_in(client)

        rep.set_password("a-brand-new-pass-phrase")
        rep.save()

        assert not is_signed_in(client)
