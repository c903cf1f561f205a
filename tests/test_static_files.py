"""Static files in the suite and in the checkout: Bootstrap is the pinned, checksummed copy in static/vendor/, and
the tests serve the sources whatever a `collectstatic` left in the checkout's `staticfiles/`."""

import hashlib
import json
import re

from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.conftest import PLAIN_STATICFILES_STORAGE

VENDOR = settings.BASE_DIR / "static" / "vendor"


def checksums(folder):
    lines = (folder / "SHA256SUMS").read_text().splitlines()
    return {name: digest for digest, name in (line.split(maxsplit=1) for line in lines)}


class TestVendoredBootstrap:
    def test_every_vendored_file_matches_its_checksum(self):
        expected = checksums(VENDOR / "bootstrap")

        actual = {name: hashlib.sha256((VENDOR / "bootstrap" / name).read_bytes()).hexdigest() for name in expected}

        assert actual == expected

    def test_every_file_in_the_vendor_folder_is_checksummed(self):
        folder = VENDOR / "bootstrap"

        present = {str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()}

        assert present - {"SHA256SUMS"} == set(checksums(folder))
        assert {"LICENSE", "css/bootstrap.min.css", "js/bootstrap.bundle.min.js"} <= present

    def test_the_version_file_names_the_version_the_refresh_script_pins(self):
        script = (settings.BASE_DIR / "scripts" / "refresh-vendor.sh").read_text()
        pinned = re.search(r"^PINNED_VERSION=(\S+)$", script, re.MULTILINE).group(1)

        version = (VENDOR / "bootstrap" / "VERSION").read_text()

        assert version.startswith(f"bootstrap@{pinned} ")

    def test_the_base_template_loads_bootstrap_from_the_vendor_folder(self):
        base = (settings.BASE_DIR / "templates" / "base.html").read_text()

        names = re.findall(r"""\{% static '(vendor/[^']+)' %\}""", base)

        assert names == ["vendor/bootstrap/css/bootstrap.min.css", "vendor/bootstrap/js/bootstrap.bundle.min.js"]
        for name in names:
            assert finders.find(name) == str(VENDOR / name.removeprefix("vendor/"))


class TestTheSuiteIgnoresCollectedStaticFiles:
    def test_the_suite_uses_plain_storage_and_not_the_checkouts_static_root(self):
        assert settings.STORAGES["staticfiles"]["BACKEND"] == PLAIN_STATICFILES_STORAGE
        assert settings.STATIC_ROOT != settings.BASE_DIR / "staticfiles"

    def test_pages_name_and_get_the_plain_files_with_a_manifest_in_static_root(self, client, settings, tmp_path):
        # What `collectstatic` leaves behind: a manifest naming hashed copies.
        (tmp_path / "css").mkdir()
        (tmp_path / "css" / "crm.0123456789ab.css").write_text("/* a stale copy */")
        manifest = {"paths": {"css/crm.css": "css/crm.0123456789ab.css"}, "version": "1.1", "hash": "x"}
        (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
        settings.STATIC_ROOT = tmp_path

        page = client.get(reverse("login")).content.decode()
        stylesheet = client.get("/static/css/crm.css")

        assert 'href="/static/css/crm.css"' in page
        assert "0123456789ab" not in page
        assert stylesheet.status_code == 200
        assert b"".join(stylesheet.streaming_content) == (settings.BASE_DIR / "static/css/crm.css").read_bytes()
