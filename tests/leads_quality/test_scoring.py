"""Lead score: the rule-based prior below 50 outcomes, a per-Company logistic regression above, explained."""

import math
import random
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from crm.models import Source
from leads.models import AuthorityLevel, BudgetRange, Lead, LeadScoreModel, LeadStage, LeadStatus, Timeline
from leads.quality import assess_quality, assess_quality_batch, scoring
from leads.quality.jobs import retrain_company_scores, retrain_lead_scores
from leads.quality.scoring import PRIOR_VERSION, PRIOR_WEIGHTS, score_batch, scorer_for, train_company_model
from tests.factories import LeadFactory

PLANTED = {"budget_range=gt_500k", "authority_level=decision_maker"}


def synthetic_history(company, *, n=400, seed=7):
    """Closed leads whose conversion depends on two planted features only; everything else is noise."""
    rng = random.Random(seed)
    leads = []
    for i in range(n):
        budget = rng.choice(BudgetRange.values)
        authority = rng.choice(AuthorityLevel.values)
        logit = -2.5 + 3.5 * (budget == BudgetRange.OVER_500K) + 3.5 * (authority == AuthorityLevel.DECISION_MAKER)
        converted = rng.random() < 1 / (1 + math.exp(-logit))
        leads.append(
            Lead(
                company=company,
                first_name=f"Person{i}",
                last_name="Example",
                email=f"p{i}@{rng.choice(['corp', 'gmail'])}.example.com",
                country=rng.choice(["US", "GB", "IN", "DE"]),
                source=rng.choice(Source.values),
                campaign=rng.choice(["spring", "summer", "autumn"]),
                medium=rng.choice(["cpc", "email", "social"]),
                stage=rng.choice(LeadStage.values),
                timeline=rng.choice(Timeline.values),
                budget_range=budget,
                authority_level=authority,
                interest_product=rng.choice(["engine", "loom", ""]),
                status=LeadStatus.CONVERTED if converted else LeadStatus.DISQUALIFIED,
                disqualified_reason="" if converted else "No fit",
            )
        )
    Lead.objects.bulk_create(leads)
    return leads


def closed_leads(company, *, converted, disqualified):
    LeadFactory.create_batch(converted, company=company, status=LeadStatus.CONVERTED)
    LeadFactory.create_batch(disqualified, company=company, status=LeadStatus.DISQUALIFIED)


def new_lead(company, **fields):
    values = {"email": "ada@analytical.example.com", "phone": "", "status": LeadStatus.NEW}
    values.update(fields)
    return LeadFactory.build(company=company, **values)


class TestRuleBasedPrior:
    def test_below_fifty_outcomes_no_model_is_trained_and_the_prior_scores(self, company):
        closed_leads(company, converted=20, disqualified=29)
        lead = new_lead(company)

        result = train_company_model(company)
        assess_quality(lead)

        assert result.model is None
        assert "49 outcomes" in result.message
        assert not LeadScoreModel.objects.exists()
        assert lead.score_model_version == PRIOR_VERSION

    def test_fifty_outcomes_of_one_kind_only_are_not_enough(self, company):
        closed_leads(company, converted=0, disqualified=50)

        assert train_company_model(company).model is None

    def test_a_good_bant_fit_scores_higher_than_a_poor_one(self, company):
        good = new_lead(
            company,
            budget_range=BudgetRange.OVER_500K,
            authority_level=AuthorityLevel.DECISION_MAKER,
            timeline=Timeline.IMMEDIATE,
            stage=LeadStage.DECISION,
            source=Source.REFERRAL,
            interest_product="Engine",
        )
        poor = new_lead(
            company,
            budget_range="",
            authority_level=AuthorityLevel.UNKNOWN,
            timeline=Timeline.LATER,
            source=Source.COLD_CALL,
            email="someone@gmail.com",
            job_title="",
        )

        assess_quality_batch([good, poor])

        assert good.lead_score >= 80
        assert poor.lead_score <= 30

    def test_the_prior_explains_itself_with_its_own_points(self, company):
        lead = new_lead(company, budget_range=BudgetRange.OVER_500K, authority_level=AuthorityLevel.DECISION_MAKER)

        assess_quality(lead)

        factors = {factor["feature"]: factor["contribution"] for factor in lead.score_factors}
        assert len(lead.score_factors) == 5
        assert factors["budget_range=gt_500k"] == PRIOR_WEIGHTS["budget_range=gt_500k"]
        assert factors["authority_level=decision_maker"] == PRIOR_WEIGHTS["authority_level=decision_maker"]
        magnitudes = [abs(factor["contribution"]) for factor in lead.score_factors]
        assert magnitudes == sorted(magnitudes, reverse=True)

    def test_spam_and_invalid_data_are_penalised(self, company):
        clean = new_lead(company)
        spammy = new_lead(company, email="win@mailinator.com", first_name="Asdfgh", phone="12345")

        assess_quality_batch([clean, spammy])

        assert spammy.lead_score < clean.lead_score - 30
        assert {"spam_score", "invalid"} <= {factor["feature"] for factor in spammy.score_factors}


class TestTrainedModel:
    def test_on_a_planted_history_the_holdout_auc_is_above_075(self, company):
        synthetic_history(company)

        result = train_company_model(company)

        assert result.model is not None
        assert result.auc > 0.75
        assert result.model.auc == result.auc
        assert (result.model.version, result.model.n_samples) == (1, 400)

    def test_the_biggest_weights_are_the_planted_features(self, company):
        synthetic_history(company)

        model = train_company_model(company).model

        weights = sorted(zip(model.coefficients, model.features, strict=True), key=lambda pair: -abs(pair[0]))
        assert {feature for _weight, feature in weights[:2]} == PLANTED

    def test_a_leads_top_factors_are_the_planted_ones_with_their_sign(self, company):
        synthetic_history(company)
        train_company_model(company)
        hot = new_lead(company, budget_range=BudgetRange.OVER_500K, authority_level=AuthorityLevel.DECISION_MAKER)
        cold = new_lead(company, budget_range=BudgetRange.UNDER_10K, authority_level=AuthorityLevel.GATEKEEPER)

        assess_quality_batch([hot, cold])

        assert hot.score_model_version == cold.score_model_version == "lr-v1"
        assert {factor["feature"] for factor in hot.score_factors[:2]} == PLANTED
        assert all(factor["contribution"] > 0 for factor in hot.score_factors[:2])
        cold_factors = {factor["feature"]: factor["contribution"] for factor in cold.score_factors}
        assert cold_factors["budget_range=lt_10k"] < 0
        assert cold_factors["authority_level=gatekeeper"] < 0
        assert hot.lead_score > 70
        assert cold.lead_score < 25

    def test_the_model_is_stored_as_plain_numbers(self, company):
        synthetic_history(company)

        model = train_company_model(company).model

        model.refresh_from_db()
        assert all(isinstance(value, float) for value in model.coefficients)
        assert len(model.coefficients) == len(model.features) == len(model.means)
        assert scorer_for(company.pk).version == "lr-v1"

    def test_each_training_run_is_a_new_version_and_the_latest_scores(self, company):
        synthetic_history(company)
        train_company_model(company)

        train_company_model(company)

        assert list(LeadScoreModel.objects.values_list("version", flat=True)) == [2, 1]
        assert scorer_for(company.pk).version == "lr-v2"

    def test_another_companys_model_is_not_used(self, company, other_company):
        synthetic_history(other_company)
        train_company_model(other_company)
        lead = new_lead(company)

        assess_quality(lead)

        assert lead.score_model_version == PRIOR_VERSION

    def test_a_batch_is_scored_with_one_query(self, company, django_assert_num_queries):
        synthetic_history(company, n=120)
        train_company_model(company)
        leads = [new_lead(company, email=f"p{i}@example.com") for i in range(300)]

        with django_assert_num_queries(1):
            score_batch(leads)

        assert {lead.score_model_version for lead in leads} == {"lr-v1"}
        assert all(0 <= lead.lead_score <= 100 and lead.scored_at for lead in leads)

    @pytest.mark.parametrize("memo_size", [4096, 2], ids=["memo", "memo-overflowing"])
    @pytest.mark.parametrize("trained", [False, True], ids=["prior", "trained"])
    def test_repeated_rows_score_as_if_each_lead_were_alone(self, company, trained, memo_size, monkeypatch):
        monkeypatch.setattr(scoring, "MEMO_SIZE", memo_size)
        if trained:
            synthetic_history(company, n=120)
            train_company_model(company)
        kinds = [
            {"budget_range": BudgetRange.OVER_500K, "authority_level": AuthorityLevel.DECISION_MAKER},
            {"email": "x@mailinator.com", "first_name": "Asdfgh"},
            {"timeline": Timeline.IMMEDIATE, "country": "GB"},
        ]
        shared = scorer_for(company.pk)  # as an import keeps one scorer for all its batches
        first = [new_lead(company, **kinds[i % 3]) for i in range(9)]
        second = [new_lead(company, **kinds[i % 3]) for i in range(9)]
        alone = [new_lead(company, **kinds[i % 3]) for i in range(9)]

        score_batch(first, scorer=shared)
        score_batch(second, scorer=shared)
        for lead in alone:
            score_batch([lead])

        for batch in (first, second):
            assert [lead.lead_score for lead in batch] == [lead.lead_score for lead in alone]
            assert [lead.score_factors for lead in batch] == [lead.score_factors for lead in alone]
        assert len({lead.lead_score for lead in first}) == 3

    def test_a_remembered_row_is_labelled_in_the_current_language(self, company, monkeypatch):
        monkeypatch.setattr(scoring, "feature_label", lambda feature, value, language: f"{feature} in {language}")
        scorer = scorer_for(company.pk)
        english, german, english_again = (new_lead(company, budget_range=BudgetRange.OVER_500K) for _ in range(3))

        for lead, language in ((english, "en"), (german, "de"), (english_again, "en")):
            with translation.override(language):
                score_batch([lead], scorer=scorer)

        assert english.score_factors[0]["label"] == "budget_range=gt_500k in en"
        assert german.score_factors[0]["label"] == "budget_range=gt_500k in de"
        assert english_again.score_factors == english.score_factors


class TestCommands:
    def test_train_lead_scores_prints_the_holdout_auc(self, company, other_company):
        synthetic_history(company)
        out = StringIO()

        call_command("train_lead_scores", stdout=out)

        assert "acme: model lr-v1 trained on 400 outcomes" in out.getvalue()
        auc = float(re.search(r"holdout AUC (\d\.\d+)", out.getvalue()).group(1))
        assert auc == pytest.approx(LeadScoreModel.objects.get().auc, abs=0.001)
        assert auc > 0.75
        assert "globex: 0 outcomes, fewer than 50" in out.getvalue()

    def test_score_leads_rescores_open_leads_in_batches_with_a_progress_bar(self, company, capsys):
        synthetic_history(company)
        train_company_model(company)
        open_leads = LeadFactory.create_batch(5, company=company)
        converted = LeadFactory(company=company, status=LeadStatus.CONVERTED, score_model_version="old")

        call_command("score_leads", company="acme", batch_size=2)

        for lead in open_leads:
            lead.refresh_from_db()
            assert lead.score_model_version == "lr-v1"
        converted.refresh_from_db()
        assert converted.score_model_version == "old"
        captured = capsys.readouterr()
        assert "Rescored" in captured.out
        assert "acme" in captured.err and "lead" in captured.err

    def test_score_leads_with_all_steps_runs_the_whole_pipeline(self, company):
        lead = LeadFactory(company=company, phone="(415) 555-0100", country="US")

        call_command("score_leads", all_steps=True, stdout=StringIO(), stderr=StringIO())

        lead.refresh_from_db()
        assert (lead.phone, lead.validation_status, lead.score_model_version) == ("+14155550100", "valid", "prior-v1")

    @pytest.mark.parametrize("command", ["train_lead_scores", "score_leads"])
    def test_an_unknown_company_is_an_error(self, db, command):
        with pytest.raises(CommandError):
            call_command(command, company="nope")


class TestNightlyRetraining:
    """The periodic job retrains every active Company's model overnight and rescores its open leads."""

    def test_the_nightly_job_enqueues_one_retraining_per_active_company(self, company, other_company, run_jobs):
        from django_tasks_db.models import DBTaskResult

        from crm.models import Company

        Company.objects.filter(pk=other_company.pk).update(is_active=False)
        synthetic_history(company)
        open_lead = LeadFactory(company=company)

        retrain_lead_scores.enqueue()
        run_jobs()  # the nightly job, which enqueues the per-Company ones
        run_jobs()

        per_company = DBTaskResult.objects.filter(task_path=retrain_company_scores.module_path)
        assert [r.args_kwargs["args"] for r in per_company] == [[company.pk]]
        [result] = per_company
        not_closed = Lead.objects.filter(company=company).exclude(status=LeadStatus.CONVERTED).count()
        assert result.return_value["model"] == 1
        assert result.return_value["rescored"] == not_closed
        open_lead.refresh_from_db()
        assert open_lead.score_model_version == "lr-v1"

    def test_a_company_with_too_few_outcomes_keeps_the_prior(self, company, run_jobs):
        closed_leads(company, converted=3, disqualified=3)

        retrain_company_scores.enqueue(company.pk)
        run_jobs()

        assert not LeadScoreModel.objects.filter(company=company).exists()
