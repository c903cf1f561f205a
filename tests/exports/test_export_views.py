"""`/leads/export/`, `/accounts/export/`, `/contacts/export/`, `/deals/export/`: exactly the rows the list
shows (visibility, filters, search, order), streamed, formula-safe, UTF-8 with BOM."""

import csv
import io

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from accounts.models import AccountType
from crm.models import Role
from deals.models import DealStage
from leads.importing.models import ImportMode
from leads.importing.service import import_file
from leads.models import Lead, LeadStatus
from tests.factories import AccountFactory, ContactFactory, DealFactory, LeadFactory, member


def _rows(response) -> list[dict]:
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def _export(client, url_name, query=""):
    return client.get(reverse(url_name) + query)


@pytest.mark.django_db
class TestLeadExport:
    def test_a_rep_exports_their_leads_and_the_queue_never_a_colleagues_or_another_companys(
        self, client, company, other_company, rep
    ):
        colleague = member(company, Role.REP, username="colleague")
        own = LeadFactory(company=company, lead_owner=rep)
        queued = LeadFactory(company=company, lead_owner=None)
        LeadFactory(company=company, lead_owner=colleague)
        LeadFactory(company=other_company)
        client.force_login(rep)

        rows = _rows(_export(client, "leads:export"))

        assert {row["id"] for row in rows} == {str(own.pk), str(queued.pk)}

    def test_a_manager_exports_the_whole_company_and_nothing_else(self, manager_client, company, other_company):
        mine = LeadFactory.create_batch(3, company=company)
        LeadFactory(company=other_company)

        rows = _rows(_export(manager_client, "leads:export"))

        assert sorted(int(row["id"]) for row in rows) == sorted(lead.pk for lead in mine)

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("?status=contacted", {"contacted"}),
            ("?q=globex", {"globex"}),
            ("?campaign=autumn", {"autumn"}),
            ("", {"new", "contacted", "globex", "autumn"}),
            ("?spam=only", {"spam"}),
            ("?spam=1", {"new", "contacted", "globex", "autumn", "spam"}),
        ],
    )
    def test_the_lists_filters_apply(self, manager_client, company, query, expected):
        LeadFactory(company=company, job_title="new", status=LeadStatus.NEW)
        LeadFactory(company=company, job_title="contacted", status=LeadStatus.CONTACTED)
        LeadFactory(company=company, job_title="globex", company_name="Globex Corp")
        LeadFactory(company=company, job_title="autumn", campaign="autumn-push")
        LeadFactory(company=company, job_title="spam", spam_score=95)

        rows = _rows(_export(manager_client, "leads:export", query))

        assert {row["job_title"] for row in rows} == expected

    def test_the_export_has_exactly_the_lists_rows_in_its_order(self, manager_client, company):
        for name in ("Cleo", "Abe", "Bea", "Dan"):
            LeadFactory(company=company, first_name=name, last_name="X", lead_name=f"{name} X")
        query = "?o=lead_name&per_page=25&page=1"

        listed = manager_client.get(reverse("leads:list") + query).context["object_list"]
        rows = _rows(_export(manager_client, "leads:export", query))

        assert [row["id"] for row in rows] == [str(lead.pk) for lead in listed]
        assert [row["lead_name"] for row in rows] == ["Abe X", "Bea X", "Cleo X", "Dan X"]

    def test_formula_cells_are_neutralised(self, manager_client, company):
        LeadFactory(
            company=company, lead_name='=HYPERLINK("http://evil.test","x")', phone="+14155550100", notes="@SUM(1)"
        )

        row = _rows(_export(manager_client, "leads:export"))[0]

        assert row["lead_name"] == '\'=HYPERLINK("http://evil.test","x")'
        assert row["phone"] == "'+14155550100"
        assert row["notes"] == "'@SUM(1)"

    def test_the_file_is_named_after_the_company(self, manager_client, company):
        response = _export(manager_client, "leads:export")

        assert response["Content-Disposition"].startswith('attachment; filename="leads-acme-')

    def test_an_export_imported_again_in_skip_mode_creates_nothing(self, manager_client, company, manager):
        import_file(
            fileobj=io.BytesIO(
                "Name,Email,Phone,Company,Country,utm_campaign\n"
                "=Ada Lovelace,ada@example.com,+44 20 7946 0000,Analytical,GB,fair\n"
                "Zoë Çelik,zoe@example.com,,Örnek A.Ş.,TR,=fair\n".encode()
            ),
            file_name="first.csv",
            company=company,
            user=manager,
        )
        exported = b"".join(_export(manager_client, "leads:export").streaming_content)

        again = import_file(
            fileobj=io.BytesIO(exported), file_name="export.csv", company=company, user=manager, mode=ImportMode.SKIP
        )

        assert (again.created_count, again.skipped_duplicates_count, again.error_count) == (0, 2, 0)
        assert set(Lead.objects.values_list("lead_name", "campaign")) == {
            ("=Ada Lovelace", "fair"),
            ("Zoë Çelik", "=fair"),
        }

    def test_the_export_needs_a_login(self, client):
        response = client.get(reverse("leads:export"))

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_the_export_is_a_get(self, manager_client):
        assert manager_client.post(reverse("leads:export")).status_code == 405


@pytest.mark.django_db
class TestOtherExports:
    def test_accounts_follow_the_lists_default_and_filters(self, manager_client, company, other_company):
        partner = AccountFactory(company=company, name="Partner Co", account_type=AccountType.PARTNER)
        prospect = AccountFactory(company=company, name="Prospect Co", account_type=AccountType.PROSPECT)
        inactive = AccountFactory(company=company, name="Gone Co", is_active=False)
        AccountFactory(company=other_company, name="Not Ours")

        default = _rows(_export(manager_client, "accounts:export"))
        partners = _rows(_export(manager_client, "accounts:export", "?account_type=partner"))
        everything = _rows(_export(manager_client, "accounts:export", "?is_active=all"))

        assert {row["name"] for row in default} == {partner.name, prospect.name}
        assert [row["name"] for row in partners] == [partner.name]
        assert {row["name"] for row in everything} == {partner.name, prospect.name, inactive.name}

    def test_accounts_keep_the_lists_order_even_by_a_computed_column(self, manager_client, company):
        busy = AccountFactory(company=company, name="Busy Co")
        quiet = AccountFactory(company=company, name="Quiet Co")
        ContactFactory.create_batch(2, company=company, account=busy)

        rows = _rows(_export(manager_client, "accounts:export", "?o=-contacts"))

        assert [row["name"] for row in rows] == [busy.name, quiet.name]

    def test_contacts_are_the_companys_and_follow_the_search(self, rep_client, company, other_company):
        ada = ContactFactory(company=company, first_name="Ada", last_name="Lovelace", phone="+442079460000")
        ContactFactory(company=company, first_name="Bob", last_name="Builder")
        ContactFactory(company=other_company, first_name="Ada", last_name="Elsewhere")

        rows = _rows(_export(rep_client, "contacts:export", "?q=ada"))

        assert [row["id"] for row in rows] == [str(ada.pk)]
        assert rows[0]["account"] == ada.account.name
        assert rows[0]["phone"] == "'+442079460000"

    def test_a_rep_exports_only_their_own_deals(self, client, company, other_company, rep):
        colleague = member(company, Role.REP, username="colleague")
        own = DealFactory(company=company, owner=rep, name="Own deal")
        won = DealFactory(company=company, owner=rep, name="Won deal", stage=DealStage.CLOSED_WON)
        DealFactory(company=company, owner=colleague, name="Colleague's deal")
        DealFactory(company=other_company, name="Not ours")
        client.force_login(rep)

        everything = _rows(_export(client, "deals:export"))
        open_only = _rows(_export(client, "deals:export", "?status=open"))

        assert {row["name"] for row in everything} == {own.name, won.name}
        assert [row["name"] for row in open_only] == [own.name]
        assert everything[0]["amount"] == "10000.00"
        assert everything[0]["owner"] == rep.username

    def test_a_deal_shows_its_primary_contacts_name(self, manager_client, company):
        with_contact = DealFactory(company=company, name="With contact")
        with_contact.primary_contact = ContactFactory(
            company=company, account=with_contact.account, first_name="Ada", last_name="Lovelace"
        )
        with_contact.save()
        DealFactory(company=company, name="Without contact")

        rows = _rows(_export(manager_client, "deals:export", "?o=name"))

        assert [(row["name"], row["primary_contact"]) for row in rows] == [
            ("With contact", "Ada Lovelace"),
            ("Without contact", ""),
        ]

    @pytest.mark.parametrize("url_name", ["accounts:export", "contacts:export", "deals:export"])
    def test_another_companys_user_gets_none_of_our_rows(self, outsider_client, company, url_name):
        DealFactory(company=company)
        ContactFactory(company=company)

        assert _rows(_export(outsider_client, url_name)) == []
