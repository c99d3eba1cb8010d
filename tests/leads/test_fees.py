"""SVC-9: the reporter's information fee — 5 % of the sales commission by default, to the
cent (halves rounded up), the rate in force kept on the lead; bad amounts refused."""

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from aftersales.audit.models import AuditEntry
from aftersales.core.exceptions import ServiceError
from aftersales.leads import services
from aftersales.leads.models import Lead, LeadStatus

pytestmark = pytest.mark.django_db


def test_svc_9_fee_is_5_percent_of_the_commission_to_the_cent(contacted, people):
    # given a lead sales has taken up
    # when sales marks it won with a commission of 1234.57 yuan
    won = services.win_lead(actor=people["salesperson"], lead=contacted, commission="1234.57")
    # then the reporter's fee is 5 % of it, rounded to the cent (61.7285 → 61.73)
    won.refresh_from_db()
    assert won.status == LeadStatus.WON
    assert won.commission == Decimal("1234.57")
    assert won.info_fee_rate == Decimal("0.0500")
    assert won.info_fee == Decimal("61.73")
    assert won.won_at is not None
    entry = AuditEntry.objects.for_object(won).first()
    assert entry.action == "leads.lead.win" and entry.actor == people["salesperson"]
    assert entry.changes["info_fee"] == [None, "61.73"]
    assert entry.changes["status"] == ["contacted", "won"]


@pytest.mark.parametrize(
    ("commission", "fee"),
    [
        ("2000", "100.00"),
        ("2000.00", "100.00"),
        (Decimal("0.10"), "0.01"),  # 0.005 rounds half up, not to even
        ("10.10", "0.51"),  # 0.505 → 0.51
        ("0.01", "0.00"),
        (3, "0.15"),
        ("9999999999.99", "500000000.00"),
    ],
)
def test_svc_9_fee_rounding_half_up(commission, fee, contacted, people):
    won = services.win_lead(actor=people["salesperson"], lead=contacted, commission=commission)
    assert Lead.objects.get(pk=won.pk).info_fee == Decimal(fee)


@given(cents=st.integers(min_value=1, max_value=999_999_999_999))
def test_svc_9_fee_equals_the_integer_computation(cents):
    """For any commission in cents, the fee is cents × 5 / 100 rounded half up."""
    commission = Decimal(cents) / 100
    expected = Decimal((cents * 5 + 50) // 100) / 100  # half up, in integers
    assert services.compute_info_fee(commission, Decimal("0.05")) == expected


def test_svc_9_the_rate_setting_is_used_and_kept_on_the_lead(settings, make_lead, people):
    # given the company pays 8 % instead of the default 5 %
    settings.AFTERSALES_LEAD_INFO_FEE_RATE = Decimal("0.08")
    sales = people["salesperson"]
    first = services.contact_lead(actor=sales, lead=make_lead())
    # when a lead is won
    first = services.win_lead(actor=sales, lead=first, commission="1000")
    # then the fee uses 8 % and the rate is stored with it
    assert (first.info_fee, first.info_fee_rate) == (Decimal("80.00"), Decimal("0.0800"))
    # and a later change of the setting applies to later leads only
    settings.AFTERSALES_LEAD_INFO_FEE_RATE = "0.10"
    second = services.contact_lead(actor=sales, lead=make_lead())
    second = services.win_lead(actor=sales, lead=second, commission="1000")
    first.refresh_from_db()
    assert (first.info_fee, first.info_fee_rate) == (Decimal("80.00"), Decimal("0.0800"))
    assert (second.info_fee, second.info_fee_rate) == (Decimal("100.00"), Decimal("0.1000"))


def test_svc_9_the_default_rate_is_5_percent(settings):
    del settings.AFTERSALES_LEAD_INFO_FEE_RATE
    assert services.info_fee_rate() == Decimal("0.05")


@pytest.mark.parametrize("rate", ["abc", "-0.01", "1.5", "0.00001", "NaN"])
def test_svc_9_a_wrong_rate_setting_is_a_configuration_error(settings, rate):
    settings.AFTERSALES_LEAD_INFO_FEE_RATE = rate
    with pytest.raises(ImproperlyConfigured):
        services.info_fee_rate()


BAD_AMOUNTS = [
    "-5",
    "-0.01",
    "0",
    "0.00",
    "abc",
    "",
    "12.345",
    "0.001",
    "NaN",
    "Infinity",
    "1e20",
    "10000000000",
    None,
    True,
    1.5,  # floats are not money
    "1,000",
]


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_svc_9_bad_commission_is_refused_and_nothing_is_written(amount, contacted, people):
    # given a lead taken up
    audit_before = AuditEntry.objects.count()
    # when sales marks it won with a bad amount
    with pytest.raises(ServiceError) as refused:
        services.win_lead(actor=people["salesperson"], lead=contacted, commission=amount)
    # then the refusal names the field, and the lead and the audit trail are untouched
    assert "commission" in refused.value.message_dict
    contacted.refresh_from_db()
    assert contacted.status == LeadStatus.CONTACTED
    assert contacted.commission is None and contacted.info_fee is None
    assert AuditEntry.objects.count() == audit_before
