"""Shared fixtures: two Companies, a user of each role, logged-in clients."""

import pytest
from django.conf import settings
from django.test import override_settings

from crm.models import Role

from .factories import CompanyFactory, member

# What the suite serves under /static/: the plain files, straight from static/ and the apps (whitenoise's finders).
# Never the checkout's STATIC_ROOT: after a `collectstatic` there, the manifest storage would name hashed files
# that the test server does not serve (and stale copies would shadow the sources).
PLAIN_STATICFILES_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"


@pytest.fixture(scope="session", autouse=True)
def static_files_from_the_sources(tmp_path_factory, django_test_environment):
    """The suite never reads `staticfiles/`: plain storage, and an empty STATIC_ROOT of its own."""
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": PLAIN_STATICFILES_STORAGE}}
    with override_settings(
        STORAGES=storages, STATIC_ROOT=tmp_path_factory.mktemp("static_root"), WHITENOISE_USE_FINDERS=True
    ):
        yield


FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Hashing every factory user's password the production way costs seconds per test."""
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS


@pytest.fixture
def company(db):
    return CompanyFactory(name="Acme Sales", slug="acme")


@pytest.fixture
def other_company(db):
    return CompanyFactory(name="Globex", slug="globex")


@pytest.fixture
def rep(company):
    return member(company, Role.REP, username="rep")


@pytest.fixture
def other_rep(company):
    return member(company, Role.REP, username="other-rep")


@pytest.fixture
def manager(company):
    return member(company, Role.MANAGER, username="manager")


@pytest.fixture
def admin_user(company):
    return member(company, Role.ADMIN, username="company-admin", is_staff=True)


@pytest.fixture
def outsider(other_company):
    """A manager of another Company: sees everything there, nothing here."""
    return member(other_company, Role.MANAGER, username="outsider")


@pytest.fixture
def superuser(db):
    from .factories import UserFactory

    return UserFactory(username="root", is_staff=True, is_superuser=True)


def _logged_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def rep_client(client, rep):
    return _logged_in(client, rep)


@pytest.fixture
def manager_client(client, manager):
    return _logged_in(client, manager)


@pytest.fixture
def admin_client_company(client, admin_user):
    return _logged_in(client, admin_user)


@pytest.fixture
def outsider_client(client, outsider):
    return _logged_in(client, outsider)


@pytest.fixture
def worker_in_test_transaction(monkeypatch):
    """Let a worker run inside the test's transaction: it must not recycle the database connection between jobs
    (on PostgreSQL that would close the connection the test's transaction lives on)."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


@pytest.fixture
def run_jobs(db, worker_in_test_transaction):
    """Run every queued background job (as `make jobs` does) and return how many ran."""
    from django.core.management import call_command
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    def run(queue: str = "*") -> int:
        before = set(DBTaskResult.objects.filter(status=TaskResultStatus.READY).values_list("pk", flat=True))
        call_command("run_jobs", queue_name=queue, verbosity=0)
        return DBTaskResult.objects.filter(pk__in=before).exclude(status=TaskResultStatus.READY).count()

    return run
