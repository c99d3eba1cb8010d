"""Field work on a service order: the pre-visit checklist (SVC-5), check-in / check-out on
site and the take-back hand-over signed by both, with its return (SVC-3); who may do it
(ORG-3) and the audit trail (SEC-1)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from aftersales.audit.models import AuditEntry
from aftersales.core.exceptions import ServiceError
from aftersales.fieldwork import services
from aftersales.fieldwork.models import ChecklistItem, SiteVisit, TakeBack, VisitCheck
from aftersales.service import services as order_services
from aftersales.service.models import ServiceOrder, Status
from tests.fieldwork.conftest import planned_on_site, tick_all
from tests.service.conftest import in_progress, signature_png

pytestmark = pytest.mark.django_db


def order_actions(order) -> list[str]:
    return list(
        AuditEntry.objects.for_object(order)
        .filter(action__startswith="fieldwork.")
        .order_by("at", "id")
        .values_list("action", flat=True)
    )


def take_back_fields(**overrides):
    fields = {
        "items": "主控板 1 块",
        "serial_numbers": "PCB-0001",
        "condition": "外观完好，带连接线 1 根",
        "promised_return_on": timezone.localdate() + datetime.timedelta(days=5),
        "technician_signature": signature_png(),
        "customer_signature": signature_png(),
        "signer_name": "王经理",
    }
    return {**fields, **overrides}


# SVC-5: the checklist --------------------------------------------------------------------


def test_svc_5_checklist_is_seeded_with_the_pre_visit_items(checklist):
    """SVC-5: tools and parts, model vs delivery note, uniform and badge, service-opinion
    card, shoe covers, mats, cloth and trash bag are on the default list."""
    text = " ".join(item.text for item in checklist)
    for word in [
        "工具",
        "配件",
        "送货单",
        "工作服",
        "胸卡",
        "服务意见卡",
        "鞋套",
        "垫布",
        "抹布",
        "垃圾袋",
    ]:
        assert word in text
    assert all(item.applies_to("on_site") for item in checklist)


def test_svc_5_ticking_records_who_and_when_and_audits(on_site, people, checklist):
    tech = people["technician"]
    # when the technician ticks two items
    ticked = services.tick_checklist(
        actor=tech, order=on_site, item_ids=[checklist[0].pk, str(checklist[1].pk)]
    )
    # then both are recorded with the ticker and the time, and the order's history says so
    assert [c.item_id for c in ticked] == [checklist[0].pk, checklist[1].pk]
    check = VisitCheck.objects.get(order=on_site, item=checklist[0])
    assert check.ticked_by == tech and check.item_text == checklist[0].text
    assert check.ticked_at <= timezone.now()
    assert order_actions(on_site) == ["fieldwork.checklist_ticked"]
    entry = AuditEntry.objects.for_object(on_site).get(action="fieldwork.checklist_ticked")
    assert checklist[0].text in entry.note and entry.actor == tech
    assert AuditEntry.objects.filter(action="fieldwork.checklist_item.ticked").count() == 2
    # ticking again adds only what is new
    again = services.tick_checklist(
        actor=tech, order=on_site, item_ids=[checklist[0].pk, checklist[2].pk]
    )
    assert [c.item_id for c in again] == [checklist[2].pk]
    assert VisitCheck.objects.filter(order=on_site).count() == 3


def test_svc_5_checklist_refuses_foreign_items_and_orders_without_a_field_plan(
    new_order, people, checklist
):
    tech = people["technician"]
    order = planned_on_site(new_order(), people)
    inactive = ChecklistItem.objects.create(text="旧项目", is_active=False)
    for ids in ([], [inactive.pk], [999999], ["x"]):
        with pytest.raises(ServiceError) as exc:
            services.tick_checklist(actor=tech, order=order, item_ids=ids)
        assert "items" in exc.value.message_dict
    phone = in_progress(new_order(), people)  # phone guidance: no visit, no checklist
    with pytest.raises(ServiceError, match="on-site visit or a depot repair"):
        services.tick_checklist(actor=tech, order=phone, item_ids=[checklist[0].pk])
    assert not VisitCheck.objects.exists()


def test_svc_5_checklist_is_for_a_planned_order(new_order, people, checklist):
    tech = people["technician"]
    unplanned = order_services.dispatch_order(
        actor=people["agent"], order=new_order(), technician=tech
    )
    with pytest.raises(ServiceError, match="on-site visit or a depot repair"):
        services.tick_checklist(actor=tech, order=unplanned, item_ids=[checklist[0].pk])
    order = in_progress(
        new_order(), people, appointment_at=timezone.now() + datetime.timedelta(hours=2)
    )
    waiting = order_services.wait_for_parts(actor=tech, order=order, reason="等配件")
    with pytest.raises(ServiceError, match="planned or in progress"):
        services.tick_checklist(actor=tech, order=waiting, item_ids=[checklist[0].pk])
    assert not VisitCheck.objects.exists()


def test_svc_5_depot_items_only_for_a_depot_plan(new_order, people, checklist):
    depot = planned_on_site(new_order(), people, mode="depot")
    on_site_only = [i for i in checklist if not i.applies_to("depot")]
    assert on_site_only, "some items are for a visit only (uniform, shoe covers …)"
    assert on_site_only[0] not in services.checklist_for(depot)
    with pytest.raises(ServiceError):
        services.tick_checklist(
            actor=people["technician"], order=depot, item_ids=[on_site_only[0].pk]
        )


# SVC-3: check-in and check-out -------------------------------------------------------------


def test_svc_5_check_in_refused_until_required_items_ticked_and_names_them(
    on_site, people, checklist
):
    """SVC-5: ticked before departure — check-in on site is refused while a required item
    is not ticked; the message names the missing ones."""
    tech = people["technician"]
    required = [i for i in checklist if i.required]
    services.tick_checklist(actor=tech, order=on_site, item_ids=[i.pk for i in required[:-1]])
    with pytest.raises(ServiceError) as exc:
        services.check_in(actor=tech, order=on_site)
    message = exc.value.message_dict["checklist"][0]
    assert required[-1].text in message
    assert required[0].text not in message
    assert not SiteVisit.objects.exists()
    assert "fieldwork.check_in" not in order_actions(on_site)
    # optional items need no tick
    services.tick_checklist(actor=tech, order=on_site, item_ids=[required[-1].pk])
    visit = services.check_in(actor=tech, order=on_site)
    assert visit.technician == tech and visit.is_open


def test_svc_3_check_in_records_time_and_position_and_keeps_the_status(on_site, people):
    tech = people["technician"]
    tick_all(on_site, tech)
    before = timezone.now()
    visit = services.check_in(
        actor=tech, order=on_site, latitude=30.2740851234, longitude="120.15507"
    )
    assert before <= visit.checked_in_at <= timezone.now()
    visit.refresh_from_db()
    assert visit.latitude == Decimal("30.274085") and visit.longitude == Decimal("120.155070")
    # the service app's workflow owns the status: checking in does not start the work
    assert ServiceOrder.objects.get(pk=on_site.pk).status == Status.PLANNED
    assert order_actions(on_site) == ["fieldwork.checklist_ticked", "fieldwork.check_in"]
    assert AuditEntry.objects.for_object(visit).get().action == "fieldwork.site_visit.checked_in"


@pytest.mark.parametrize(
    ("lat", "lon"),
    [("abc", "120"), ("91", "120"), ("30", "-181"), ("NaN", "1"), ("30", None), (float("inf"), 1)],
)
def test_svc_3_an_unreadable_position_is_refused(on_site, people, lat, lon):
    tick_all(on_site, people["technician"])
    with pytest.raises(ServiceError):
        services.check_in(actor=people["technician"], order=on_site, latitude=lat, longitude=lon)
    assert not SiteVisit.objects.exists()


def test_svc_3_double_check_in_is_refused(on_site, people):
    tech = people["technician"]
    tick_all(on_site, tech)
    services.check_in(actor=tech, order=on_site)
    with pytest.raises(ServiceError, match="Already checked in"):
        services.check_in(actor=tech, order=on_site)
    assert SiteVisit.objects.count() == 1


def test_svc_3_a_technician_is_on_one_site_at_a_time(new_order, people):
    tech = people["technician"]
    first = planned_on_site(new_order(), people)
    second = planned_on_site(new_order(), people)
    tick_all(first, tech)
    tick_all(second, tech)
    services.check_in(actor=tech, order=first)
    with pytest.raises(ServiceError, match=first.number):
        services.check_in(actor=tech, order=second)
    services.check_out(actor=tech, order=first)
    assert services.check_in(actor=tech, order=second).is_open


def test_svc_3_check_in_needs_an_on_site_plan_in_a_working_state(new_order, people, checklist):
    tech = people["technician"]
    depot = planned_on_site(new_order(), people, mode="depot")
    with pytest.raises(ServiceError, match="on-site visit"):
        services.check_in(actor=tech, order=depot)
    waiting = in_progress(
        new_order(), people, appointment_at=timezone.now() + datetime.timedelta(hours=2)
    )
    tick_all(waiting, tech)
    waiting = order_services.wait_for_parts(actor=tech, order=waiting, reason="等配件")
    with pytest.raises(ServiceError, match="planned or in progress"):
        services.check_in(actor=tech, order=waiting)
    assert not SiteVisit.objects.exists()


def test_svc_3_check_out_without_an_open_visit_is_refused(on_site, people):
    with pytest.raises(ServiceError, match="no open visit"):
        services.check_out(actor=people["technician"], order=on_site, note="x")
    assert "fieldwork.check_out" not in order_actions(on_site)


def test_svc_3_check_out_closes_the_visit_with_its_note(on_site, people):
    tech = people["technician"]
    tick_all(on_site, tech)
    services.check_in(actor=tech, order=on_site)
    visit = services.check_out(actor=tech, order=on_site, note="  更换传感器，试机正常  ")
    visit.refresh_from_db()
    assert not visit.is_open and visit.checked_out_at >= visit.checked_in_at
    assert visit.note == "更换传感器，试机正常"
    assert order_actions(on_site)[-1] == "fieldwork.check_out"
    entry = AuditEntry.objects.for_object(visit).get(action="fieldwork.site_visit.checked_out")
    assert set(entry.changes) >= {"checked_out_at", "note"}
    # a second visit may start once the first is closed
    assert services.check_in(actor=tech, order=on_site).is_open


def test_svc_3_a_dispatcher_may_check_in_for_the_technician(on_site, people):
    manager = people["branch_manager"]
    tick_all(on_site, manager)
    visit = services.check_in(actor=manager, order=on_site)
    assert visit.technician == people["technician"]
    assert visit.created_by == manager


# Who may act (ORG-3) ----------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["finance", "keeper", "salesperson", "service_centre"])
def test_org_3_people_without_the_order_cannot_do_its_field_work(
    on_site, people, persona, checklist
):
    """Only the order's technician or a dispatcher: finance, the keeper, a salesperson and
    another technician get PermissionDenied, and nothing is written."""
    actor = people[persona]
    with pytest.raises(PermissionDenied):
        services.tick_checklist(actor=actor, order=on_site, item_ids=[checklist[0].pk])
    with pytest.raises(PermissionDenied):
        services.check_in(actor=actor, order=on_site)
    with pytest.raises(PermissionDenied):
        services.record_take_back(actor=actor, order=on_site, **take_back_fields())
    assert not VisitCheck.objects.exists() and not TakeBack.objects.exists()


def test_org_3_a_dispatcher_outside_reach_is_refused(on_site, people, checklist):
    """The Nanjing manager dispatches, but not Hangzhou's orders."""
    outsider = people["outsider"]
    with pytest.raises(PermissionDenied, match="outside your reach"):
        services.tick_checklist(actor=outsider, order=on_site, item_ids=[checklist[0].pk])
    with pytest.raises(PermissionDenied, match="outside your reach"):
        services.check_out(actor=outsider, order=on_site)
    assert not VisitCheck.objects.exists()


# SVC-3: the take-back hand-over --------------------------------------------------------------


def test_svc_3_take_back_signed_by_both_is_recorded(new_order, people):
    tech = people["technician"]
    order = in_progress(
        new_order(), people, appointment_at=timezone.now() + datetime.timedelta(hours=2)
    )
    take_back = services.record_take_back(actor=tech, order=order, **take_back_fields())
    take_back.refresh_from_db()
    assert take_back.number.startswith("TB-")
    assert take_back.technician == tech and take_back.signer_name == "王经理"
    assert take_back.items == "主控板 1 块" and take_back.serial_numbers == "PCB-0001"
    assert take_back.technician_signature.name.endswith(f"/{take_back.number}-technician.png")
    assert take_back.customer_signature.name.endswith(f"/{take_back.number}-customer.png")
    assert take_back.customer_signature.name.startswith("takebacks/")
    with take_back.customer_signature.open("rb") as stored:
        assert stored.read() == signature_png()
    assert not take_back.is_returned
    assert order_actions(order) == ["fieldwork.take_back"]
    assert AuditEntry.objects.for_object(take_back).get().action == "fieldwork.take_back.recorded"
    assert ServiceOrder.objects.get(pk=order.pk).status == Status.IN_PROGRESS


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"technician_signature": None}, "technician_signature"),
        ({"customer_signature": None}, "customer_signature"),
        ({"customer_signature": b"%PDF-1.4 not an image"}, "customer_signature"),
        ({"technician_signature": b"\x89PNG\r\n\x1a\n broken"}, "technician_signature"),
        ({"customer_signature": b"x" * (5 * 1024 * 1024 + 1)}, "customer_signature"),
        ({"signer_name": "  "}, "signer_name"),
        ({"items": ""}, "items"),
        ({"condition": ""}, "condition"),
        ({"promised_return_on": None}, "promised_return_on"),
        (
            {"promised_return_on": timezone.localdate() - datetime.timedelta(days=1)},
            "promised_return_on",
        ),
    ],
)
def test_svc_3_take_back_needs_both_signatures_and_writes_nothing_otherwise(
    on_site, people, media_root, overrides, field
):
    """SVC-3: signed by both — a missing or non-image signature is refused by content,
    and neither the record, its files nor an audit row is written."""
    with pytest.raises(ServiceError) as exc:
        services.record_take_back(
            actor=people["technician"], order=on_site, **take_back_fields(**overrides)
        )
    assert field in exc.value.message_dict
    assert not TakeBack.objects.exists()
    assert not (media_root / "takebacks").exists()
    assert order_actions(on_site) == []


def test_svc_3_take_back_only_for_a_field_plan_being_worked_on(new_order, people):
    tech = people["technician"]
    phone = in_progress(new_order(), people)
    with pytest.raises(ServiceError, match="depot repair"):
        services.record_take_back(actor=tech, order=phone, **take_back_fields())
    received = new_order()
    with pytest.raises(PermissionDenied):  # not assigned to them yet
        services.record_take_back(actor=tech, order=received, **take_back_fields())
    assert not TakeBack.objects.exists()


def test_svc_3_the_return_is_signed_by_the_customer_once(on_site, people):
    tech = people["technician"]
    take_back = services.record_take_back(actor=tech, order=on_site, **take_back_fields())
    with pytest.raises(ServiceError) as exc:
        services.record_return(
            actor=tech, take_back=take_back, customer_signature=b"GIF89a", signer_name=""
        )
    assert set(exc.value.message_dict) == {"customer_signature", "signer_name"}
    assert not TakeBack.objects.get(pk=take_back.pk).is_returned
    returned = services.record_return(
        actor=tech,
        take_back=take_back,
        customer_signature=signature_png(),
        signer_name="王经理",
        note="主控板已修复，装机试运行正常",
    )
    returned.refresh_from_db()
    assert returned.is_returned and returned.returned_by == tech
    assert returned.return_signer_name == "王经理"
    assert returned.return_note == "主控板已修复，装机试运行正常"
    assert returned.return_signature.name.endswith(f"/{returned.number}-return.png")
    assert order_actions(on_site)[-1] == "fieldwork.take_back_returned"
    entry = AuditEntry.objects.for_object(returned).get(action="fieldwork.take_back.returned")
    assert set(entry.changes) >= {"returned_at", "return_signer_name", "return_signature"}
    with pytest.raises(ServiceError, match="already returned"):
        services.record_return(
            actor=tech, take_back=returned, customer_signature=signature_png(), signer_name="王"
        )


def test_svc_3_a_product_goes_back_even_when_the_order_was_cancelled(on_site, people):
    tech = people["technician"]
    take_back = services.record_take_back(actor=tech, order=on_site, **take_back_fields())
    order_services.cancel_order(actor=people["agent"], order=on_site, reason="客户撤销")
    returned = services.record_return(
        actor=people["branch_manager"],
        take_back=take_back,
        customer_signature=signature_png(),
        signer_name="王经理",
    )
    assert returned.is_returned


def test_org_3_the_return_is_refused_outside_reach(on_site, people):
    take_back = services.record_take_back(
        actor=people["technician"], order=on_site, **take_back_fields()
    )
    for persona in ["outsider", "finance"]:
        with pytest.raises(PermissionDenied):
            services.record_return(
                actor=people[persona],
                take_back=take_back,
                customer_signature=signature_png(),
                signer_name="王经理",
            )
    assert not TakeBack.objects.get(pk=take_back.pk).is_returned
