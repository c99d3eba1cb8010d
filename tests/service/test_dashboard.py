"""The manager dashboard on the home page (issue 7; SVC-6, SVC-7, ORG-3): its figures, the
cache and its invalidation, a constant number of queries, and who sees it."""

import datetime as dt

import freezegun
import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aftersales.accounts.reach import reach_of
from aftersales.service import dashboard, services
from aftersales.service.models import ServiceOrder

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    """Figures cached by another test (same reach, same generation) must not leak in."""
    cache.clear()
    yield
    cache.clear()


def _set(order, **fields):
    """Test set-up straight in the table — no service, so no generation bump either."""
    ServiceOrder.objects.filter(pk=order.pk).update(**fields)


def _order_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "service_serviceorder" in q["sql"]]


def _month_start() -> dt.datetime:
    today = timezone.localdate()
    return timezone.make_aware(dt.datetime.combine(today.replace(day=1), dt.time.min))


def test_svc_6_figures_of_open_orders_time_limits_intake_and_closures(people, org, new_order):
    """Open by status and unit, overdue / due soon / breached (the time-limit overview's
    definitions), received today and in 7 days, closed this month and last month."""
    # given
    now = timezone.now()
    overdue = new_order()
    _set(overdue, next_due_at=now - dt.timedelta(hours=1), sla_breached=True)
    due_soon = new_order()
    _set(due_soon, next_due_at=now + dt.timedelta(hours=1))
    later = new_order(received_at=now - dt.timedelta(days=3))
    _set(later, next_due_at=now + dt.timedelta(days=2), status="dispatched")
    nanjing = new_order(org_unit=org["units"]["BR-NJ"])
    _set(nanjing, next_due_at=now - dt.timedelta(minutes=5))
    old = new_order(received_at=now - dt.timedelta(days=20))
    _set(old, status="closed", closed_at=now, next_due_at=None)
    last_month = new_order(received_at=now - dt.timedelta(days=40))
    _set(
        last_month,
        status="closed",
        closed_at=_month_start() - dt.timedelta(days=1),
        next_due_at=None,
        sla_breached=True,  # closed: not among the open breached
    )

    # when
    figures = dashboard.dashboard_figures(people["company_manager"])

    # then
    assert figures["open"]["total"] == 4
    assert figures["open"]["by_status"]["received"] == 3
    assert figures["open"]["by_status"]["dispatched"] == 1
    assert figures["open"]["by_status"]["waiting_parts"] == 0
    assert figures["time_limits"] == {"overdue": 2, "due_soon": 1, "breached": 1}
    assert figures["received"] == {"today": 3, "last_7_days": 4}
    assert figures["closed"] == {"this_month": 1, "last_month": 1}
    units = {u["code"]: u for u in figures["units"]}
    assert set(units) == {"BR-HZ", "BR-NJ"}
    assert (units["BR-HZ"]["open"], units["BR-HZ"]["overdue"]) == (3, 1)
    assert (units["BR-NJ"]["open"], units["BR-NJ"]["overdue"]) == (1, 1)
    # Most overdue first, then by code.
    assert [u["code"] for u in figures["units"]] == ["BR-HZ", "BR-NJ"]


def test_org_3_figures_count_only_the_orders_in_reach(people, org, new_order):
    """A branch manager counts their branch's orders; another branch's manager none of them."""
    new_order()
    new_order()
    new_order(org_unit=org["units"]["BR-NJ"])

    hangzhou = dashboard.dashboard_figures(people["branch_manager"])
    nanjing = dashboard.dashboard_figures(people["outsider"])
    everything = dashboard.dashboard_figures(people["info_manager"])

    assert hangzhou["open"]["total"] == 2
    assert [u["code"] for u in hangzhou["units"]] == ["BR-HZ"]
    assert nanjing["open"]["total"] == 1
    assert [u["code"] for u in nanjing["units"]] == ["BR-NJ"]
    assert everything["open"]["total"] == 3


def test_cache_is_shared_by_people_of_the_same_reach(people):
    """Keyed by reach, not by person: two HQ managers share one entry; branches differ."""
    assert dashboard.reach_key(people["company_manager"]) == dashboard.reach_key(
        people["info_manager"]
    )
    assert dashboard.reach_key(people["branch_manager"]) != dashboard.reach_key(people["outsider"])
    # A technician's own assigned orders are in their reach, so the key names them.
    assert dashboard.reach_key(people["technician"]) != dashboard.reach_key(
        people["branch_manager"]
    )


def test_an_order_write_drops_the_cached_figures(
    people, new_order, django_capture_on_commit_callbacks
):
    """Invalidation: figures cached, an order written through a service, the next view
    shows the new figure (the generation is bumped when the write commits)."""
    manager = people["branch_manager"]
    with django_capture_on_commit_callbacks(execute=True):
        first = new_order()
    assert dashboard.dashboard_figures(manager)["open"]["total"] == 1
    # A change that bypasses the services is not seen: the figures come from the cache.
    _set(first, status="closed", closed_at=timezone.now())
    assert dashboard.dashboard_figures(manager)["open"]["total"] == 1

    # when: intake and a workflow transition, each through its service
    with django_capture_on_commit_callbacks(execute=True):
        second = new_order()
    after_intake = dashboard.dashboard_figures(manager)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_order(actor=people["agent"], order=second, reason="客户已自行修好")
    after_cancel = dashboard.dashboard_figures(manager)

    # then
    assert after_intake["open"]["total"] == 1  # the first is closed now, the second open
    assert after_intake["received"]["today"] == 2
    assert after_cancel["open"]["total"] == 0


def test_a_rolled_back_write_bumps_nothing(people, django_capture_on_commit_callbacks):
    dashboard.dashboard_figures(people["company_manager"])
    generation = dashboard._generation()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            dashboard.orders_changed()
            raise RuntimeError("the write fails")

    assert callbacks == []
    assert dashboard._generation() == generation


def test_query_count_is_constant_whatever_the_number_of_orders_and_units(
    people, org, new_order, django_assert_num_queries
):
    """Three aggregate queries (open by unit and status, received, closed) for one order
    in one unit as for many orders in three units."""
    manager = people["company_manager"]
    reach_of(manager)
    new_order()
    with django_assert_num_queries(3):
        few = dashboard.compute_figures(manager)

    for code in ("BR-HZ", "BR-NJ", "HQ-SVC"):
        for _ in range(3):
            new_order(org_unit=org["units"][code])
    with django_assert_num_queries(3):
        many = dashboard.compute_figures(manager)

    assert (few["open"]["total"], many["open"]["total"]) == (1, 10)
    assert len(many["units"]) == 3


def test_second_view_within_the_ttl_runs_no_order_query(people, new_order, client_for):
    new_order()
    client = client_for(people["branch_manager"])
    with CaptureQueriesContext(connection) as first:
        assert client.get("/").status_code == 200
    with CaptureQueriesContext(connection) as second:
        response = client.get("/")

    assert len(_order_queries(first.captured_queries)) == 3
    assert response.status_code == 200
    assert 'data-testid="dashboard"' in response.content.decode()
    assert _order_queries(second.captured_queries) == []


def test_svc_7_overdue_is_never_older_than_the_ttl(people, new_order, settings):
    """An order falls overdue with no write at all: the cached entry expires after the TTL,
    so the overdue figure is at most that many seconds old."""
    settings.AFTERSALES_DASHBOARD_TTL = 60
    manager = people["branch_manager"]
    start = timezone.now()
    order = new_order()
    _set(order, next_due_at=start + dt.timedelta(seconds=30))

    with freezegun.freeze_time(start):
        assert dashboard.dashboard_figures(manager)["time_limits"]["overdue"] == 0
    with freezegun.freeze_time(start + dt.timedelta(seconds=45)):
        # Within the TTL the cached figure may lag (documented).
        assert dashboard.dashboard_figures(manager)["time_limits"]["overdue"] == 0
    with freezegun.freeze_time(start + dt.timedelta(seconds=61)):
        assert dashboard.dashboard_figures(manager)["time_limits"]["overdue"] == 1


@pytest.mark.parametrize(
    "persona", ["company_manager", "branch_manager", "info_manager", "agent", "admin"]
)
def test_managers_see_the_dashboard_on_the_home_page(people, client_for, new_order, persona):
    order = new_order()
    _set(order, next_due_at=timezone.now() - dt.timedelta(hours=1))

    html = client_for(people[persona]).get("/").content.decode()

    assert 'data-testid="dashboard"' in html
    unit = people["branch_manager"].org_unit
    queue = reverse("service:order_list")
    # Each figure leads into the work queue with the matching filter.
    assert f"{queue}?clock=overdue&amp;org_unit={unit.pk}" in html
    assert f"{queue}?state=open&amp;org_unit={unit.pk}" in html
    assert f"{queue}?status=received" in html
    assert f"{queue}?state=open&amp;clock=breached" in html


@pytest.mark.parametrize("persona", ["technician", "salesperson", "finance", "keeper"])
def test_others_get_their_home_page_without_the_figures(people, client_for, new_order, persona):
    new_order()
    client = client_for(people[persona])
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")

    assert response.status_code == 200
    assert 'data-testid="dashboard"' not in response.content.decode()
    assert _order_queries(queries.captured_queries) == []


def test_api_dashboard_gives_the_figures_to_managers(people, api_for, new_order):
    new_order()

    response = api_for(people["branch_manager"]).get("/api/dashboard/")

    assert response.status_code == 200
    data = response.json()
    assert data["open"]["total"] == 1
    assert data["open"]["by_status"]["received"] == 1
    assert data["units"][0]["code"] == "BR-HZ"
    assert set(data) == {"computed_at", "open", "time_limits", "received", "closed", "units"}


@pytest.mark.parametrize("persona", ["technician", "finance", "salesperson"])
def test_api_dashboard_is_403_without_the_right(people, api_for, persona):
    response = api_for(people[persona]).get("/api/dashboard/")

    assert response.status_code == 403
    assert "service.view_sla_overview" in response.json()["detail"]


def test_api_dashboard_is_in_the_openapi_schema(api_for):
    schema = api_for().get("/api/schema/?format=json").json()

    operation = schema["paths"]["/api/dashboard/"]["get"]
    assert operation["operationId"] == "dashboard"
    assert "200" in operation["responses"]


def test_page_is_translated(people, client_for):
    """zh-Hans labels through gettext (the catalogue has the dashboard's msgids)."""
    manager = people["company_manager"]
    manager.language = "zh-hans"
    manager.save(update_fields=["language"])

    html = client_for(manager).get("/").content.decode()

    assert 'data-testid="dashboard"' in html
    assert "已超时" in html


def test_demo_company_shows_non_zero_figures():
    """The demo data fills the dashboard the company manager and the Hangzhou manager see."""
    from aftersales.accounts.models import User
    from aftersales.core.demo import load

    load()

    for username in ("jingli", "hz_zhuguan"):
        figures = dashboard.compute_figures(User.objects.get(username=username))
        assert figures["open"]["total"] > 0
        assert figures["time_limits"]["overdue"] > 0
        assert figures["time_limits"]["due_soon"] > 0
        assert figures["received"]["today"] > 0
        assert figures["closed"]["this_month"] > 0
        assert figures["units"]
