import pytest

from tests.deals_pipeline import scenario


@pytest.fixture
def today(monkeypatch):
    scenario.pin_today(monkeypatch)
    return scenario.TODAY


@pytest.fixture
def world(today, company, rep, other_rep, manager, outsider):
    """The hand-computed deals and leads of `scenario` (with today pinned to 2026-11-16)."""
    return scenario.build(company=company, rep=rep, other_rep=other_rep, outsider=outsider)
