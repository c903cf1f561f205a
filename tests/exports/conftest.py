import pytest


@pytest.fixture(autouse=True)
def import_export_urls(settings):
    """The import and export routes (see urls.py here), wired or not in the apps yet."""
    settings.ROOT_URLCONF = "tests.leads_import.urls"
