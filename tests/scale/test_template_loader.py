"""Templates are compiled once per process: the cached loader wraps the project's loaders (Django's default when
`TEMPLATES` names no loaders), so a list page does not parse its templates again on every request."""

from django.template import engines
from django.template.loaders.cached import Loader as CachedLoader


def test_the_cached_template_loader_is_active(settings):
    assert settings.DEBUG is False
    assert "loaders" not in settings.TEMPLATES[0].get("OPTIONS", {})  # else Django leaves caching to the list

    loaders = engines["django"].engine.template_loaders

    assert len(loaders) == 1 and isinstance(loaders[0], CachedLoader)


def test_a_template_is_compiled_once():
    loader = engines["django"].engine.template_loaders[0]
    first = loader.get_template("leads/lead_filter.html")

    assert loader.get_template("leads/lead_filter.html") is first
