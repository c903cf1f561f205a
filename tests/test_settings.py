"""Settings from the environment: every variable is documented, a value that does not parse stops start-up with a
message naming it, the development key never reaches a server with DEBUG off, and the README's production block
is a valid `.env` whose values come out as meant."""

import io
import os
import re
import runpy

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from crm.environment import StrictEnv, env_from_file
from tests.trust.test_deploy import PRODUCTION, SETTINGS_VARIABLES

BASE_DIR = settings.BASE_DIR
SETTINGS_SOURCE = (BASE_DIR / "crm" / "settings.py").read_text()
# Every variable crm/settings.py reads, with how it reads it: {"DEBUG": "bool", "SECURE_HSTS_SECONDS": "int", ...}
READ = {name: kind for kind, name in re.findall(r'\benv\.(\w+)\(\s*"([A-Z_0-9]+)"', SETTINGS_SOURCE)}


def env_with(**variables) -> StrictEnv:
    return env_from_file(io.StringIO("".join(f"{name}={value}\n" for name, value in variables.items())))


def load_settings(monkeypatch, **variables) -> dict:
    """Run crm/settings.py afresh with these variables set, in an environment of its own (os.environ is untouched;
    a .env in the checkout yields to them, as it yields to the real environment)."""
    environment = {name: value for name, value in os.environ.items() if name not in READ}
    monkeypatch.setattr(StrictEnv, "ENVIRON", {**environment, **variables})
    return runpy.run_path(str(BASE_DIR / "crm" / "settings.py"))


def readme_production_block() -> str:
    readme = (BASE_DIR / "README.md").read_text()
    blocks = re.findall(r"^```\w*\n(.*?)^```$", readme, re.DOTALL | re.MULTILINE)
    [block] = [block for block in blocks if "SECURE_SSL_REDIRECT=" in block]
    return block


class TestEverySettingIsDocumented:
    def test_the_settings_read_the_variables_this_test_knows(self):
        assert {"DEBUG", "SECRET_KEY", "LEAD_IMPORT_MAX_UPLOAD_BYTES", "CRM_INSECURE_DEV_KEY"} <= set(READ)

    @pytest.mark.parametrize("name", sorted(READ))
    def test_env_example_gives_the_variable(self, name):
        env_example = (BASE_DIR / ".env.example").read_text()

        assert re.search(rf"^#? ?{name}=", env_example, re.MULTILINE)

    @pytest.mark.parametrize("name", sorted(READ))
    def test_the_readme_configuration_table_names_the_variable(self, name):
        readme = (BASE_DIR / "README.md").read_text()
        table = readme.split("## Configuration", 1)[1].split("\n\n###", 1)[0]

        assert re.search(rf"^\|[^|\n]*`{name}`", table, re.MULTILINE)

    @pytest.mark.parametrize("name", sorted(READ))
    def test_the_deploy_tests_keep_the_variable_out_of_their_production_environment(self, name):
        assert name in SETTINGS_VARIABLES

    def test_every_value_in_env_example_parses(self):
        env = env_from_file(BASE_DIR / ".env.example")

        parsed = {name: getattr(env, READ[name])(name) for name in env.ENVIRON if READ.get(name) in ("bool", "int")}

        assert parsed["DEBUG"] is False
        assert parsed["LEAD_IMPORT_MAX_UPLOAD_BYTES"] == 2 * 1024 * 1024
        assert set(env.ENVIRON) <= set(READ)


class TestStrictParsing:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            *[("true", True), ("TRUE", True), ("yes", True), ("on", True), ("1", True), (" true ", True)],
            *[("false", False), ("False", False), ("no", False), ("off", False), ("0", False)],
        ],
    )
    def test_a_boolean_reads_the_usual_words(self, value, expected):
        assert env_with(BEHIND_PROXY=value).bool("BEHIND_PROXY", default=not expected) is expected

    @pytest.mark.parametrize("value", ["true  # trust the proxy", "ture", "enabled", "", "2"])
    def test_a_boolean_that_does_not_parse_is_an_error_naming_the_variable(self, value):
        with pytest.raises(ImproperlyConfigured, match=r"^BEHIND_PROXY=.* is not a boolean"):
            env_with(BEHIND_PROXY=value).bool("BEHIND_PROXY", default=False)

    @pytest.mark.parametrize(("value", "expected"), [("31536000", 31536000), (" 0 ", 0), ("-1", -1)])
    def test_a_number_reads_a_whole_number(self, value, expected):
        assert env_with(SECURE_HSTS_SECONDS=value).int("SECURE_HSTS_SECONDS", default=5) == expected

    @pytest.mark.parametrize("value", ["31536000        # HSTS for a year", "1e6", "3.5", "", "a year"])
    def test_a_number_that_does_not_parse_is_an_error_naming_the_variable(self, value):
        with pytest.raises(ImproperlyConfigured, match=r"^SECURE_HSTS_SECONDS=.* is not a whole number"):
            env_with(SECURE_HSTS_SECONDS=value).int("SECURE_HSTS_SECONDS", default=0)

    def test_an_unset_variable_takes_its_default(self):
        env = env_with()

        assert env.bool("BEHIND_PROXY", default=True) is True
        assert env.int("SECURE_HSTS_SECONDS", default=7) == 7

    def test_a_bad_value_stops_the_settings_at_start_up(self, monkeypatch):
        with pytest.raises(ImproperlyConfigured, match="SESSION_COOKIE_SECURE"):
            load_settings(
                monkeypatch,
                DEBUG="false",
                SECRET_KEY="k" * 50,
                SESSION_COOKIE_SECURE="true   # cookies over https only",
            )

    def test_good_values_reach_the_settings(self, monkeypatch):
        loaded = load_settings(
            monkeypatch,
            DEBUG="false",
            SECRET_KEY="k" * 50,
            SECURE_HSTS_SECONDS="3600",
            LEAD_IMPORT_MAX_UPLOAD_BYTES="5000000",
        )

        assert loaded["SECURE_HSTS_SECONDS"] == 3600
        assert loaded["LEAD_IMPORT_MAX_UPLOAD_BYTES"] == 5_000_000
        assert loaded["DEBUG"] is False


class TestTheDevelopmentKey:
    def test_the_insecure_dev_key_switch_is_refused_when_debug_is_off(self, monkeypatch):
        with pytest.raises(ImproperlyConfigured, match="CRM_INSECURE_DEV_KEY is refused when DEBUG is off"):
            load_settings(monkeypatch, DEBUG="false", CRM_INSECURE_DEV_KEY="true")

    def test_the_switch_is_refused_even_with_a_secret_key(self, monkeypatch):
        with pytest.raises(ImproperlyConfigured, match="CRM_INSECURE_DEV_KEY"):
            load_settings(monkeypatch, DEBUG="false", SECRET_KEY="k" * 50, CRM_INSECURE_DEV_KEY="true")

    def test_without_debug_a_missing_secret_key_stops_start_up(self, monkeypatch):
        with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is not set"):
            load_settings(monkeypatch, DEBUG="false", SECRET_KEY="")

    def test_with_debug_the_development_key_is_used(self, monkeypatch):
        loaded = load_settings(monkeypatch, DEBUG="true", SECRET_KEY="")

        assert loaded["SECRET_KEY"].startswith("django-insecure-")


class TestTheReadmeProductionBlock:
    def test_every_line_is_a_comment_or_a_bare_assignment(self):
        lines = [line for line in readme_production_block().splitlines() if line.strip()]

        for line in lines:
            assert line.startswith("#") or re.fullmatch(r"[A-Z_0-9]+=[^#\s]*", line), line

    def test_pasted_into_a_env_file_the_values_come_out_right(self):
        env = env_from_file(io.StringIO(readme_production_block()))

        assert env.bool("DEBUG") is False
        assert env.list("ALLOWED_HOSTS") == ["crm.example.com"]
        assert env.list("CSRF_TRUSTED_ORIGINS") == ["https://crm.example.com"]
        assert env.int("SECURE_HSTS_SECONDS") == 31536000
        for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "BEHIND_PROXY"):
            assert env.bool(name) is True, name
        for name in ("SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD"):
            assert env.bool(name) is True, name
        assert env.db("DATABASE_URL")["ENGINE"] == "django.db.backends.postgresql"

    def test_the_block_holds_every_production_variable_of_the_deploy_tests(self):
        env = env_from_file(io.StringIO(readme_production_block()))

        assert {name: env.str(name) for name in PRODUCTION} == PRODUCTION
