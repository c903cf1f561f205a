"""Production settings, checked the way production runs them: in a fresh process whose environment holds only the
documented production variables (README, .env.example). `check --deploy` is clean; each HTTPS variable left out
is reported; `collectstatic` writes hashed, compressed files and the manifest that `{% static %}` then uses; and
the README's gunicorn command serves the app behind a TLS-terminating proxy with whitenoise serving the statics."""

import http.client
import json
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
HOST = "crm.example.com"

# Everything settings.py reads is dropped from the inherited environment: the subprocess sees production only.
SETTINGS_VARIABLES = {
    # Set by the browser tests' conftest for Playwright's event loop; production never has it (check --deploy warns).
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DEBUG",
    "SECRET_KEY",
    "CRM_INSECURE_DEV_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "TIME_ZONE",
    "LANGUAGE_CODE",
    "DEFAULT_CURRENCY",
    "LEAD_IMPORT_MAX_UPLOAD_BYTES",
    "LOG_LEVEL",
    "DATABASE_URL",
    "CONN_MAX_AGE",
    "CACHE_URL",
    "STATIC_ROOT",
    "STATICFILES_STORAGE",
    "WHITENOISE_USE_FINDERS",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "BEHIND_PROXY",
    "TRUSTED_PROXY_COUNT",
    "CSP_REPORT_ONLY",
    "AXES_FAILURE_LIMIT",
    "AXES_COOLOFF_MINUTES",
    "DJANGO_SETTINGS_MODULE",
}


# The production environment as README.md and .env.example document it.
PRODUCTION = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": HOST,
    "CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
    "SECURE_SSL_REDIRECT": "true",
    "SESSION_COOKIE_SECURE": "true",
    "CSRF_COOKIE_SECURE": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "BEHIND_PROXY": "true",
}


def production_env(tmp_path, **changes) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    env.update(PRODUCTION)
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def manage(env, *args, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py, fixed arguments
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout
    )


def static_url(env, name) -> str:
    code = f"import django; django.setup(); from django.templatetags.static import static; print(static({name!r}))"
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "crm.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


class TestProductionIsDocumented:
    @pytest.mark.parametrize("variable", [*PRODUCTION, "SECRET_KEY"])
    def test_the_readme_and_env_example_give_every_production_variable(self, variable):
        readme = (BASE_DIR / "README.md").read_text()
        env_example = (BASE_DIR / ".env.example").read_text()

        assert re.search(rf"^{variable}=", readme, re.MULTILINE)
        assert re.search(rf"^#? ?{variable}=", env_example, re.MULTILINE)

    def test_the_readme_example_values_are_the_tested_ones(self):
        readme = (BASE_DIR / "README.md").read_text()

        documented = dict(re.findall(r"^([A-Z_]+)=(\S*)", readme, re.MULTILINE))

        assert {key: documented.get(key) for key in PRODUCTION} == PRODUCTION


class TestCheckDeploy:
    def test_production_settings_pass_check_deploy_without_a_warning(self, tmp_path):
        result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")

        assert result.returncode == 0, result.stdout + result.stderr
        assert "System check identified no issues" in result.stdout, result.stdout + result.stderr

    @pytest.mark.parametrize(
        ("variable", "value", "warning"),
        [
            ("SECURE_HSTS_SECONDS", None, "security.W004"),
            ("SECURE_HSTS_INCLUDE_SUBDOMAINS", None, "security.W005"),
            ("SECURE_HSTS_PRELOAD", None, "security.W021"),
            ("SECURE_SSL_REDIRECT", None, "security.W008"),
            ("SESSION_COOKIE_SECURE", None, "security.W012"),
            ("CSRF_COOKIE_SECURE", None, "security.W016"),
            ("DEBUG", "true", "security.W018"),
            ("SECRET_KEY", "short-and-guessable", "security.W009"),
            ("ALLOWED_HOSTS", "", "security.W020"),
        ],
    )
    def test_leaving_out_a_production_variable_fails_check_deploy(self, tmp_path, variable, value, warning):
        result = manage(production_env(tmp_path, **{variable: value}), "check", "--deploy", "--fail-level", "WARNING")

        assert result.returncode != 0
        assert warning in result.stderr

    def test_production_settings_read_from_the_environment(self, tmp_path):
        code = (
            "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({"
            "'proxy': s.SECURE_PROXY_SSL_HEADER, 'hsts': s.SECURE_HSTS_SECONDS, 'proxies': s.TRUSTED_PROXY_COUNT,"
            "'csp': s.SECURE_CSP['script-src'], 'storage': s.STORAGES['staticfiles']['BACKEND']}))"
        )
        env = {**production_env(tmp_path), "DJANGO_SETTINGS_MODULE": "crm.settings"}

        result = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
            [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True
        )

        assert json.loads(result.stdout) == {
            "proxy": ["HTTP_X_FORWARDED_PROTO", "https"],
            "hsts": 31536000,
            "proxies": 1,
            "csp": ["'self'"],
            "storage": "crm.storage.StaticFilesStorage",
        }


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """One `collectstatic` with the production environment, shared by the tests below."""
    tmp_path = tmp_path_factory.mktemp("production")
    env = production_env(tmp_path)
    result = manage(env, "collectstatic", "--noinput", timeout=300)
    assert result.returncode == 0, result.stderr
    return env, Path(env["STATIC_ROOT"])


class TestStaticFiles:
    def test_collectstatic_writes_the_manifest_and_compressed_hashed_files(self, collected):
        _, static_root = collected

        manifest = json.loads((static_root / "staticfiles.json").read_text())

        hashed_css = manifest["paths"]["css/crm.css"]
        assert hashed_css != "css/crm.css"
        assert (static_root / hashed_css).exists()
        assert (static_root / f"{hashed_css}.gz").exists()
        assert "vendor/bootstrap/js/bootstrap.bundle.min.js" in manifest["paths"]
        assert "admin/js/core.js" in manifest["paths"]

    def test_pages_name_the_hashed_files_once_the_manifest_exists(self, collected):
        env, static_root = collected
        manifest = json.loads((static_root / "staticfiles.json").read_text())

        url = static_url(env, "css/crm.css")

        assert url == f"/static/{manifest['paths']['css/crm.css']}"

    def test_pages_name_the_plain_files_before_collectstatic(self, tmp_path):
        env = production_env(tmp_path)

        url = static_url(env, "css/crm.css")

        assert url == "/static/css/crm.css"


def readme_gunicorn_command() -> list[str]:
    lines = [line for line in (BASE_DIR / "README.md").read_text().splitlines() if "gunicorn crm.wsgi" in line]
    assert len(lines) == 1, "the README documents one gunicorn command"
    return shlex.split(lines[0], comments=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(port, path, headers):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": HOST, **headers})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def gunicorn(collected):
    """The README's gunicorn command, bound to a free local port with one worker."""
    env, _ = collected
    command = readme_gunicorn_command()
    port = free_port()
    command[0] = str(BASE_DIR / command[0])
    command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
    command[command.index("--workers") + 1] = "1"
    server = subprocess.Popen(  # noqa: S603 - the documented command, our binary
        command, cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                fetch(port, "/login/", {"X-Forwarded-Proto": "https"})
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"gunicorn did not start: {server.stderr.read()}") from None
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


class TestGunicornBehindAProxy:
    def test_the_readme_command_is_gunicorn_serving_the_wsgi_application(self):
        command = readme_gunicorn_command()

        assert command[:2] == [".venv/bin/gunicorn", "crm.wsgi"]
        assert (BASE_DIR / command[0]).exists()

    def test_plain_http_is_redirected_to_https(self, gunicorn):
        status, headers, _ = fetch(gunicorn, "/login/", {})

        assert status == 301
        assert headers["Location"] == f"https://{HOST}/login/"

    def test_https_through_the_proxy_serves_the_page_with_the_security_headers(self, gunicorn):
        status, headers, body = fetch(gunicorn, "/login/", {"X-Forwarded-Proto": "https"})

        assert status == 200
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "; Secure" in headers["Set-Cookie"] and "csrftoken=" in headers["Set-Cookie"]
        assert b'name="username"' in body

    def test_whitenoise_serves_the_hashed_statics_compressed_and_cached_for_ever(self, gunicorn, collected):
        _, static_root = collected
        hashed_css = json.loads((static_root / "staticfiles.json").read_text())["paths"]["css/crm.css"]
        _, _, page = fetch(gunicorn, "/login/", {"X-Forwarded-Proto": "https"})

        status, headers, _ = fetch(
            gunicorn, f"/static/{hashed_css}", {"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"}
        )

        assert f"/static/{hashed_css}".encode() in page
        assert status == 200
        assert headers["Content-Encoding"] == "gzip"
        assert "immutable" in headers["Cache-Control"]
