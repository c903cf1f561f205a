"""Lead score 0-100, explained: a per-Company logistic regression, or a rule-based prior until one exists.

Features (`lead_features`): one-hot source, medium, campaign, country, stage, budget range, authority level,
timeline, product of interest, company size and email type (corporate / free / disposable / none), plus
completeness (share of the ten qualifying fields filled, 0-1), spam score (0-1) and invalid data (0/1).

**The trained model.** `train_company_model` fits scikit-learn's `LogisticRegression` on the Company's closed
history: converted leads are positives, disqualified ones negatives. It needs `MIN_OUTCOMES` (50) outcomes
with at least `MIN_PER_CLASS` of each. The AUC is measured on a stratified 25% holdout, then the model is refit
on every outcome and stored as plain numbers (`LeadScoreModel`: vocabulary, coefficients, intercept, the
average lead) - scoring is a numpy dot product, nothing is unpickled from the database.
Score = 100 x sigmoid(w.x + b): the estimated chance, in percent, that the lead converts (no class
re-weighting, so the score stays a calibrated probability).

**The rule-based prior** (`PRIOR_WEIGHTS`, version "prior-v1") scores while a Company has no trained model:
`PRIOR_BASE` points, plus BANT fit (budget, authority, timeline, a named product, the buying stage), source
quality, a corporate email, completeness (up to 10 points), minus penalties for spam (up to 50 points) and
invalid data (15 points), clipped to 0-100.

**Factors.** Each lead keeps its top five factors `{"feature", "label", "contribution"}`, grouped by field
(the lead's own value names it, e.g. "budget_range=gt_500k") and measured in score points: for the prior, the
points the rule gave; for the model, the field's share of the lead's distance from the average lead
(w_j (x_j - mean_j), rescaled so that the contributions add up to score - average lead's score).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import get_language, gettext, gettext_lazy
from django_countries import countries

from accounts.models import CompanySize
from crm.models import Source
from leads.models import (
    AuthorityLevel,
    BudgetRange,
    Lead,
    LeadScoreModel,
    LeadStage,
    LeadStatus,
    Timeline,
    ValidationStatus,
)
from leads.quality.free_email import is_free_email_domain

from .spam import is_disposable_domain
from .text import fold
from .validation import raw_country

MIN_OUTCOMES = 50
MIN_PER_CLASS = 5
HOLDOUT_SHARE = 0.25
MIN_CATEGORY_COUNT = 3  # rarer values of a field share one "(other)" feature
TOP_FACTORS = 5
MEMO_SIZE = 4096  # distinct feature rows a scorer remembers (their scores and factors)
PRIOR_VERSION = "prior-v1"
BLANK = "(blank)"
OTHER = "(other)"

CATEGORICAL_FIELDS = (
    "source",
    "medium",
    "campaign",
    "country",
    "stage",
    "budget_range",
    "authority_level",
    "timeline",
    "interest_product",
    "company_size",
    "email_type",
)
FREE_TEXT_FIELDS = frozenset({"medium", "campaign", "interest_product"})
NUMERIC_FEATURES = ("completeness", "spam_score", "invalid")

FIELD_LABELS = {
    "source": gettext_lazy("Source"),
    "medium": gettext_lazy("Medium"),
    "campaign": gettext_lazy("Campaign"),
    "country": gettext_lazy("Country"),
    "stage": gettext_lazy("Stage"),
    "budget_range": gettext_lazy("Budget"),
    "authority_level": gettext_lazy("Authority"),
    "timeline": gettext_lazy("Timeline"),
    "interest_product": gettext_lazy("Product of interest"),
    "company_size": gettext_lazy("Company size"),
    "email_type": gettext_lazy("Email"),
}
CHOICE_LABELS = {
    "source": dict(Source.choices),
    "stage": dict(LeadStage.choices),
    "budget_range": dict(BudgetRange.choices),
    "authority_level": dict(AuthorityLevel.choices),
    "timeline": dict(Timeline.choices),
    "company_size": dict(CompanySize.choices),
    "email_type": {
        "corporate": gettext_lazy("corporate domain"),
        "free": gettext_lazy("free mailbox"),
        "disposable": gettext_lazy("disposable mailbox"),
        "none": gettext_lazy("none"),
    },
}

PRIOR_BASE = 20.0
PRIOR_WEIGHTS: dict[str, float] = {
    # BANT - budget
    "budget_range=gt_500k": 15,
    "budget_range=100k_500k": 12,
    "budget_range=50k_100k": 8,
    "budget_range=10k_50k": 4,
    f"budget_range={BLANK}": -3,
    # BANT - authority
    "authority_level=decision_maker": 15,
    "authority_level=influencer": 8,
    "authority_level=end_user": 3,
    # BANT - need: a product named, and how far along the buying journey
    f"interest_product={BLANK}": -4,
    "stage=decision": 8,
    "stage=consideration": 4,
    # BANT - timeline
    "timeline=immediate": 12,
    "timeline=1_3_months": 9,
    "timeline=3_6_months": 5,
    "timeline=6_12_months": 2,
    "timeline=12_plus_months": -3,
    # Source quality
    "source=referral": 10,
    "source=partner": 8,
    "source=event": 6,
    "source=web": 5,
    "source=email": 3,
    "source=social": 2,
    "source=advertisement": 2,
    # Who they are
    "email_type=corporate": 6,
    "email_type=disposable": -10,
    "email_type=none": -4,
    # Completeness: up to 10 points; penalties: spam up to -50, invalid data -15
    "completeness": 10,
    "spam_score": -50,
    "invalid": -15,
}


def email_type(email: str) -> str:
    domain = email.rsplit("@", 1)[1].lower() if "@" in (email or "") else ""
    if not domain:
        return "none"
    if is_disposable_domain(domain):
        return "disposable"
    return "free" if is_free_email_domain(domain) else "corporate"


def completeness(lead) -> float:
    filled = (
        bool(lead.first_name or lead.last_name or lead.lead_name),
        bool(lead.email),
        bool(lead.phone),
        bool(lead.company_name),
        bool(lead.job_title),
        bool(raw_country(lead)),
        bool(lead.interest_product),
        bool(lead.budget_range),
        lead.authority_level not in ("", AuthorityLevel.UNKNOWN),
        lead.timeline not in ("", Timeline.UNKNOWN),
    )
    return sum(filled) / len(filled)


def _category(lead, name: str) -> str:
    if name == "email_type":
        return email_type(lead.email)
    if name == "country":
        return raw_country(lead) or BLANK
    value = str(getattr(lead, name) or "").strip()
    if name in FREE_TEXT_FIELDS:
        value = fold(value)[:60]
    return value or BLANK


def profile_features(lead) -> dict[str, float]:
    """The features that read only what the lead says about itself (set once validation has normalised it):
    {"source=web": 1.0, ..., "completeness": 0.8}."""
    features = {f"{name}={_category(lead, name)}": 1.0 for name in CATEGORICAL_FIELDS}
    features["completeness"] = completeness(lead)
    return features


def lead_features(lead, profile: dict[str, float] | None = None) -> dict[str, float]:
    """{"source=web": 1.0, ..., "completeness": 0.8, "spam_score": 0.1, "invalid": 0.0}; `profile` is what
    `profile_features` returned for the lead, when it ran ahead."""
    features = dict(profile) if profile is not None else profile_features(lead)
    features["spam_score"] = (lead.spam_score or 0) / 100
    features["invalid"] = 1.0 if lead.validation_status == ValidationStatus.INVALID else 0.0
    return features


def group_of(feature: str) -> str:
    return feature.split("=", 1)[0]


def feature_label(feature: str, value: float = 1.0, language: str | None = None) -> str:
    """ "budget_range=gt_500k" -> "Budget: Over 500k"; "completeness" (0.8) -> "Completeness: 80%"."""
    if "=" not in feature:
        if feature == "completeness":
            return gettext("Completeness: %(share)s") % {"share": f"{value:.0%}"}
        if feature == "spam_score":
            return gettext("Spam score: %(score)s") % {"score": f"{value * 100:.0f}"}
        return gettext("Invalid data") if value else gettext("Valid data")
    return _category_label(feature, language or get_language())


@lru_cache(maxsize=4096)
def _category_label(feature: str, language: str | None) -> str:
    name, raw = feature.split("=", 1)
    if raw == BLANK:
        shown = gettext("not given")
    elif name == "country":
        shown = countries.name(raw) or raw
    else:
        shown = str(CHOICE_LABELS.get(name, {}).get(raw, raw))
    return gettext("%(field)s: %(value)s") % {"field": FIELD_LABELS.get(name, name), "value": shown}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


@dataclass
class LinearScorer:
    """A linear scorer over `lead_features`: the prior (additive points) or a logistic regression."""

    version: str
    features: list[str]
    coefficients: np.ndarray
    intercept: float
    means: np.ndarray | None = None  # None: additive points (the prior)
    index: dict[str, int] = field(init=False)
    groups: list[str] = field(init=False)
    group_matrix: np.ndarray = field(init=False)
    _memo: dict[str | None, dict[tuple, tuple[float, list[dict]]]] = field(init=False, default_factory=dict, repr=False)

    def __post_init__(self):
        self.index = {name: j for j, name in enumerate(self.features)}
        self.groups = list(dict.fromkeys(group_of(name) for name in self.features))
        group_index = {name: g for g, name in enumerate(self.groups)}
        self.group_matrix = np.zeros((len(self.features), len(self.groups)))
        for j, name in enumerate(self.features):
            self.group_matrix[j, group_index[group_of(name)]] = 1.0

    @classmethod
    def prior(cls) -> LinearScorer:
        names = list(PRIOR_WEIGHTS)
        return cls(PRIOR_VERSION, names, np.array([PRIOR_WEIGHTS[name] for name in names]), PRIOR_BASE)

    @classmethod
    def from_model(cls, model: LeadScoreModel) -> LinearScorer:
        return cls(
            model.label,
            list(model.features),
            np.asarray(model.coefficients, dtype=float),
            float(model.intercept),
            np.asarray(model.means, dtype=float),
        )

    @property
    def is_prior(self) -> bool:
        return self.means is None

    def vectorize(self, rows: Sequence[dict[str, float]]) -> np.ndarray:
        matrix = np.zeros((len(rows), len(self.features)))
        for i, row in enumerate(rows):
            for name, value in row.items():
                j = self.index.get(name)
                if j is None and "=" in name:
                    j = self.index.get(f"{group_of(name)}={OTHER}")
                if j is not None:
                    matrix[i, j] = value
        return matrix

    def score(self, rows: Sequence[dict[str, float]]) -> tuple[np.ndarray, list[list[dict]]]:
        """Scores (0-100) and top factors for many leads at once: one matrix product.

        Leads of one import or campaign mostly share their feature values (half the rows of a thousand-row batch
        repeat an earlier row, more across batches), so each distinct row is scored and explained once: the
        scorer remembers the last `MEMO_SIZE` rows it saw. Leads with the same features get the same factors list
        (the import encodes it once): give a lead new factors, never edit its list in place.
        """
        if not rows:
            return np.zeros(0), []
        language = get_language()
        memo = self._memo.setdefault(language, {})
        # Feature names, then values: one flat tuple (the names' hashes are cached, so it hashes fast).
        keys = [(*row, *row.values()) for row in rows]
        results = [memo.get(key) for key in keys]
        todo: dict[tuple, dict[str, float]] = {}
        for key, row, result in zip(keys, rows, results, strict=True):
            if result is None:
                todo.setdefault(key, row)
        if todo:
            if len(memo) + len(todo) > MEMO_SIZE:
                memo.clear()
            scores, factors = self._score_distinct(list(todo.values()), language)
            for key, value, key_factors in zip(todo, scores, factors, strict=True):
                memo[key] = (float(value), key_factors)
            results = [memo[key] if result is None else result for key, result in zip(keys, results, strict=True)]
        return (
            np.array([value for value, _factors in results]),
            [key_factors for _value, key_factors in results],
        )

    def _score_distinct(self, rows: Sequence[dict[str, float]], language: str | None) -> tuple[np.ndarray, list]:
        matrix = self.vectorize(rows)
        if self.is_prior:
            scores = np.clip(self.intercept + matrix @ self.coefficients, 0, 100)
            contributions = matrix * self.coefficients
        else:
            z = matrix @ self.coefficients + self.intercept
            z0 = float(self.means @ self.coefficients + self.intercept)
            p, p0 = _sigmoid(z), float(_sigmoid(np.array([z0]))[0])
            scores = 100 * p
            dz = z - z0
            near = np.abs(dz) < 1e-9
            scale = np.where(near, 100 * p0 * (1 - p0), 100 * (p - p0) / np.where(near, 1.0, dz))
            contributions = (matrix - self.means) * self.coefficients * scale[:, None]
        by_group = contributions @ self.group_matrix
        return scores, [self._top(row, by_group[i], language) for i, row in enumerate(rows)]

    def _top(self, row: dict[str, float], group_contributions: np.ndarray, language: str | None) -> list[dict]:
        own = {group_of(name): name for name in row}
        order = np.argsort(-np.abs(group_contributions))[:TOP_FACTORS]
        factors = []
        for g in order:
            contribution = float(group_contributions[g])
            if abs(contribution) < 0.05:
                break
            feature = own.get(self.groups[g], self.groups[g])
            factors.append(
                {
                    "feature": feature,
                    "label": feature_label(feature, row.get(feature, 0.0), language),
                    "contribution": round(contribution, 1),
                }
            )
        return factors


def scorer_for(company_id: int) -> LinearScorer:
    """The Company's latest trained model, or the prior (one query)."""
    model = LeadScoreModel.objects.filter(company_id=company_id).order_by("-version").first()
    return LinearScorer.from_model(model) if model else LinearScorer.prior()


def score(lead, *, scorer: LinearScorer | None = None) -> None:
    score_batch([lead], scorer=scorer)


def score_batch(leads: Sequence, *, scorer: LinearScorer | None = None, profiles: Sequence | None = None) -> None:
    """Score leads of one Company with one model call: sets lead_score, score_model_version, scored_at, factors.

    `profiles`: each lead's `profile_features`, when they were worked out ahead (in the leads' order)."""
    if not leads:
        return
    scorer = scorer or scorer_for(leads[0].company_id)
    profiles = profiles or [None] * len(leads)
    rows = [lead_features(lead, profile) for lead, profile in zip(leads, profiles, strict=True)]
    scores, factors = scorer.score(rows)
    now = timezone.now()
    for lead, value, lead_factors in zip(leads, scores, factors, strict=True):
        lead.lead_score = int(np.clip(np.rint(value), 0, 100))
        lead.score_model_version = scorer.version
        lead.scored_at = now
        lead.score_factors = lead_factors


@dataclass
class TrainResult:
    n_samples: int
    n_positive: int
    model: LeadScoreModel | None = None
    auc: float | None = None
    message: str = ""


def build_vocabulary(rows: Sequence[dict[str, float]], *, min_count: int = MIN_CATEGORY_COUNT) -> list[str]:
    """Categorical values seen at least `min_count` times, an "(other)" bucket per field, the numeric features."""
    counts: dict[str, int] = {}
    for row in rows:
        for name in row:
            if "=" in name:
                counts[name] = counts.get(name, 0) + 1
    vocabulary = []
    for field_name in CATEGORICAL_FIELDS:
        kept = sorted(name for name, n in counts.items() if group_of(name) == field_name and n >= min_count)
        rare = any(group_of(name) == field_name and n < min_count for name, n in counts.items())
        vocabulary.extend(kept)
        if rare:
            vocabulary.append(f"{field_name}={OTHER}")
    return vocabulary + list(NUMERIC_FEATURES)


def training_outcomes(company):
    return Lead.objects.filter(company=company, status__in=(LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED))


def train_company_model(company, *, min_outcomes: int = MIN_OUTCOMES, random_state: int = 0) -> TrainResult:
    """Train, measure on a holdout and store a new `LeadScoreModel` version for `company` (when it has enough)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    leads = list(training_outcomes(company))
    labels = np.array([lead.status == LeadStatus.CONVERTED for lead in leads], dtype=int)
    n_samples, n_positive = len(leads), int(labels.sum())
    if n_samples < min_outcomes:
        return TrainResult(
            n_samples,
            n_positive,
            message=f"{n_samples} outcomes, fewer than {min_outcomes}: the rule-based prior keeps scoring.",
        )
    if min(n_positive, n_samples - n_positive) < MIN_PER_CLASS:
        return TrainResult(
            n_samples,
            n_positive,
            message=f"Needs at least {MIN_PER_CLASS} converted and {MIN_PER_CLASS} disqualified leads.",
        )
    rows = [lead_features(lead) for lead in leads]
    vocabulary = build_vocabulary(rows)
    matrix = LinearScorer("", vocabulary, np.zeros(len(vocabulary)), 0.0).vectorize(rows)

    def fit(x, y):
        return LogisticRegression(C=1.0, max_iter=2000).fit(x, y)

    x_train, x_test, y_train, y_test = train_test_split(
        matrix, labels, test_size=HOLDOUT_SHARE, stratify=labels, random_state=random_state
    )
    auc = float(roc_auc_score(y_test, fit(x_train, y_train).predict_proba(x_test)[:, 1]))
    final = fit(matrix, labels)
    with transaction.atomic():
        latest = LeadScoreModel.objects.filter(company=company).aggregate(latest=Max("version"))["latest"] or 0
        model = LeadScoreModel.objects.create(
            company=company,
            version=latest + 1,
            auc=auc,
            n_samples=n_samples,
            n_positive=n_positive,
            features=vocabulary,
            coefficients=[float(c) for c in final.coef_[0]],
            means=[float(m) for m in matrix.mean(axis=0)],
            intercept=float(final.intercept_[0]),
        )
    return TrainResult(n_samples, n_positive, model=model, auc=auc, message=f"Holdout AUC {auc:.3f}.")
