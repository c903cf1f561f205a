"""Imports flow one way (STYLE.md): `crm/site -> activities -> leads -> deals -> contacts -> accounts -> crm`.

Every module of the apps is read with `ast`: its imports (module level and inside functions, relative ones
resolved), the modules it names as strings (`import_module`, `include`) and the models it names as strings
(`apps.get_model("leads", "Lead")`, `get_model("leads.Lead")`, `ForeignKey("leads.Lead")`). A module may use its
own app and anything below it; naming a higher app is a back-edge, whatever the route. No exception list.
Migrations are left out: they name models by string by design (and only their own app's or lower ones).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Top first. `crm.site` is the roof, `crm` the floor; `activities` arrives with a later issue.
LAYERS = ("crm.site", "activities", "leads", "deals", "contacts", "accounts", "crm")
APPS = ("crm", "activities", "leads", "deals", "contacts", "accounts")
APP_LABELS = {"crm_site": "crm.site"}  # an app label that is not its package's name
MODEL_FIELDS = {"ForeignKey", "OneToOneField", "ManyToManyField"}
MODULE_CALLS = {"import_module", "include"}


@dataclass(frozen=True)
class BackEdge:
    module: str
    line: int
    target: str
    how: str

    def __str__(self):
        return f"{self.module}:{self.line} -> {self.target} ({self.how})"


def layer_of(name: str) -> int | None:
    """The layer of a dotted module name (0 is the top), or None for a module outside the apps (django, ...)."""
    if name == "crm.site" or name.startswith("crm.site."):
        return 0
    top = name.split(".")[0]
    return LAYERS.index(top) if top in LAYERS else None


def app_of_label(value: str) -> str:
    """`"leads.Lead"` or `"leads"` -> `"leads"`; an app label -> its package (`"crm_site"` -> `"crm.site"`)."""
    label = value.split(".")[0]
    return APP_LABELS.get(label, label)


def _package(module: str, *, is_package: bool, level: int) -> list[str]:
    parts = module.split(".") if is_package else module.split(".")[:-1]
    return parts[: len(parts) - (level - 1)] if level > 1 else parts


def _string_arg(node: ast.Call, index: int = 0) -> str | None:
    if len(node.args) > index and isinstance(node.args[index], ast.Constant):
        value = node.args[index].value
        return value if isinstance(value, str) else None
    return None


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def references(module: str, source: str, *, is_package: bool = False):
    """(line, target module, how) for everything `module` imports or names by string."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, "import"
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package(module, is_package=is_package, level=node.level)
                parent = ".".join([*base, node.module] if node.module else base)
            else:
                parent = node.module
            # `from crm import site` reaches crm.site: each imported name may be a submodule.
            for alias in node.names:
                yield node.lineno, f"{parent}.{alias.name}" if alias.name != "*" else parent, "import"
        elif isinstance(node, ast.Call):
            name = _call_name(node)
            if name == "get_model":
                value = _string_arg(node)
                if value:
                    yield node.lineno, app_of_label(value), "get_model"
            elif name in MODEL_FIELDS:
                value = _string_arg(node)
                if value and "." in value:
                    yield node.lineno, app_of_label(value), f"{name} by string"
            elif name in MODULE_CALLS:
                value = _string_arg(node)
                if value:
                    yield node.lineno, value, f"{name} by string"


def back_edges(module: str, source: str, *, is_package: bool = False) -> list[BackEdge]:
    """The references of `module` that point up the layers."""
    own = layer_of(module)
    if own is None:
        return []
    found = []
    for line, target, how in references(module, source, is_package=is_package):
        target_layer = layer_of(target)
        if target_layer is not None and target_layer < own:
            found.append(BackEdge(module, line, target, how))
    return found


def app_modules():
    """(dotted name, path, is_package) of every module of the apps, migrations left out."""
    for app in APPS:
        directory = ROOT / app
        if not directory.is_dir():
            continue
        for path in sorted(directory.rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts:
                continue
            is_package = path.name == "__init__.py"
            parts = relative.parent.parts if is_package else relative.with_suffix("").parts
            yield ".".join(parts), path, is_package


class TestImportsFlowOneWay:
    def test_no_module_of_the_apps_reaches_a_higher_app(self):
        modules = list(app_modules())

        edges = [
            edge
            for module, path, is_package in modules
            for edge in back_edges(module, path.read_text(encoding="utf-8"), is_package=is_package)
        ]

        assert len(modules) > 50  # the walk found the apps (a test that reads nothing passes nothing)
        assert {module.split(".")[0] for module, _path, _package in modules} >= {"crm", "leads", "deals"}
        assert not edges, "Back-edges against " + " -> ".join(LAYERS) + ":\n" + "\n".join(map(str, edges))


class TestTheChecker:
    """The checker itself, on made-up modules: it must be able to fail."""

    @pytest.mark.parametrize(
        ("module", "source", "is_package", "target"),
        [
            ("crm.models", "from leads.models import Lead\n", False, "leads.models.Lead"),
            ("crm.dashboard", "def f():\n    from deals import forecast\n", False, "deals.forecast"),
            ("crm.gdpr", "import contacts.models\n", False, "contacts.models"),
            ("crm.admin", "from .site import urls\n", False, "crm.site.urls"),
            ("crm.admin", "from crm import site\n", False, "crm.site"),
            ("accounts.models", "from django.apps import apps\nM = apps.get_model('deals', 'Deal')\n", False, "deals"),
            ("contacts.models", "def f(apps):\n    return apps.get_model('leads.Lead')\n", False, "leads"),
            ("deals.models", "from django.db import models\nx = models.ForeignKey('leads.Lead')\n", False, "leads"),
            ("crm.templatetags", "from ..site import dashboard\n", True, "crm.site.dashboard"),
            ("crm.site", "", True, None),
            ("deals.views", "include('activities.urls')\n", False, "activities.urls"),
            ("leads.views", "from crm.site.urls import urlpatterns\n", False, "crm.site.urls.urlpatterns"),
        ],
    )
    def test_a_reference_up_the_layers_is_reported(self, module, source, is_package, target):
        edges = back_edges(module, source, is_package=is_package)

        if target is None:
            assert edges == []
        else:
            assert [edge.target for edge in edges] == [target]

    @pytest.mark.parametrize(
        ("module", "source", "is_package"),
        [
            ("crm.site.urls", "from leads import capture\nfrom crm import admin\n", False),
            ("leads.views", "from deals.models import Deal\nfrom accounts import services\n", False),
            ("leads.conversion.service", "from ..models import Lead\nfrom .matching import propose\n", False),
            ("activities.models", "from leads.models import Lead\n", False),
            ("accounts.models", "from crm.models import TenantModel\nfrom django.db import models\n", False),
            ("deals.models", "from django.db import models\nx = models.ForeignKey('accounts.Account')\n", False),
        ],
    )
    def test_a_reference_down_or_within_an_app_is_allowed(self, module, source, is_package):
        assert back_edges(module, source, is_package=is_package) == []

    def test_relative_imports_resolve_from_the_package(self):
        found = list(references("leads.conversion.service", "from ..models import Lead\n"))
        package_found = list(references("leads.conversion", "from . import service\n", is_package=True))

        assert found == [(1, "leads.models.Lead", "import")]
        assert package_found == [(1, "leads.conversion.service", "import")]
