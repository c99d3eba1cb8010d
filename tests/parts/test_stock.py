# ruff: noqa: F811 — the fixtures imported from stock_fixtures are used as arguments
"""The warehouse's stock (PRT-2, PRT-8, SEC-1, SEC-5): receipts, transfers, scrap, reorder
points and the shortage list, stock counts — services, pages and API.

Stock is a ledger (PRT-8 "on-hand is their sum"): every test that moves stock checks that
the summary row equals the sum of the ledger rows, and that a refusal writes nothing.
"""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.accounts import services as account_services
from aftersales.audit.models import AuditEntry
from aftersales.core.exceptions import ServiceError
from aftersales.parts import stock
from aftersales.parts.models import (
    CountStatus,
    MoveKind,
    Part,
    PartSerial,
    StockCount,
    StockLevel,
    StockMove,
    Warehouse,
)
from tests.parts.stock_fixtures import (  # noqa: F401
    branch,
    central,
    ledger_sum,
    level,
    nanjing,
    other_part,
    part,
    valuable,
)

pytestmark = pytest.mark.django_db


def _nothing_written(before: tuple) -> None:
    assert _state() == before


def _state() -> tuple:
    return (
        StockMove.objects.count(),
        sorted(StockLevel.objects.values_list("warehouse_id", "part_id", "on_hand")),
        sorted(PartSerial.objects.values_list("serial_number", "warehouse_id")),
        AuditEntry.objects.filter(action__startswith="parts.stock").count(),
    )


def _no_inline_code(html: str) -> None:
    """The CSP forbids inline scripts and styles."""
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html and "<style" not in html


@pytest.fixture
def keeper(people):
    return people["keeper"]


@pytest.fixture
def stocked(keeper, central, part):
    """10 capacitors received into the HQ warehouse."""
    stock.receive_stock(actor=keeper, warehouse=central, part=part, quantity=10)
    return central


# --- receipts, transfers, scrap: on hand is the ledger's sum (PRT-8) -------------------------


def test_prt_8_receipt_transfer_and_scrap_move_on_hand_and_the_ledger_sums_to_it(
    keeper, central, branch, part
):
    """PRT-8: on hand per location is the sum of its ledger rows after every kind of move."""
    received = stock.receive_stock(
        actor=keeper, warehouse=central, part=part, quantity=12, note="采购单 PO-1"
    )
    moved = stock.transfer_stock(actor=keeper, source=central, target=branch, part=part, quantity=5)
    scrapped = stock.scrap_stock(
        actor=keeper, warehouse=branch, part=part, quantity=2, reason="运输途中受潮"
    )

    assert (level(central, part), level(branch, part)) == (7, 3)
    assert ledger_sum(central, part) == 7 and ledger_sum(branch, part) == 3
    assert [received.kind, moved.kind, scrapped.kind] == [
        MoveKind.RECEIPT,
        MoveKind.TRANSFER,
        MoveKind.SCRAP,
    ]
    assert (moved.from_warehouse, moved.to_warehouse) == (central, branch)
    assert (scrapped.from_warehouse, scrapped.to_warehouse, scrapped.note) == (
        branch,
        None,
        "运输途中受潮",
    )
    assert received.actor == keeper and received.note == "采购单 PO-1"


def test_sec_1_every_stock_move_is_audited(keeper, central, branch, part):
    """SEC-1: each receipt, transfer and scrap writes its audit row, by whom."""
    stock.receive_stock(actor=keeper, warehouse=central, part=part, quantity=3)
    stock.transfer_stock(actor=keeper, source=central, target=branch, part=part, quantity=1)
    stock.scrap_stock(actor=keeper, warehouse=central, part=part, quantity=1, reason="损坏")
    actions = list(
        AuditEntry.objects.filter(action__startswith="parts.stock.")
        .order_by("at", "id")
        .values_list("action", "actor")
    )
    assert actions == [
        ("parts.stock.received", keeper.pk),
        ("parts.stock.transferred", keeper.pk),
        ("parts.stock.scrapped", keeper.pk),
    ]


@pytest.mark.parametrize("how", ["transfer", "scrap"])
def test_prt_8_taking_more_than_on_hand_is_refused_and_nothing_is_written(
    how, keeper, stocked, branch, part
):
    """PRT-8: stock never goes negative; the refusal names the quantity and writes nothing."""
    before = _state()
    with pytest.raises(ServiceError) as exc:
        if how == "transfer":
            stock.transfer_stock(
                actor=keeper, source=stocked, target=branch, part=part, quantity=11
            )
        else:
            stock.scrap_stock(actor=keeper, warehouse=stocked, part=part, quantity=11, reason="x")
    assert "quantity" in exc.value.message_dict
    assert "10" in exc.value.message_dict["quantity"][0]
    _nothing_written(before)
    assert level(stocked, part) == ledger_sum(stocked, part) == 10


def test_prt_8_taking_from_a_location_that_never_had_the_part_is_refused(
    keeper, central, branch, part
):
    before = _state()
    with pytest.raises(ServiceError) as exc:
        stock.transfer_stock(actor=keeper, source=branch, target=central, part=part, quantity=1)
    assert "quantity" in exc.value.message_dict
    _nothing_written(before)


@pytest.mark.parametrize("quantity", [0, -3, 1.5, "3", "abc", None, True, 10**12])
def test_prt_8_a_quantity_that_is_not_a_positive_whole_number_is_refused(
    quantity, keeper, central, part
):
    """PRT-8, bad input: negative, zero, fractional, text or huge quantities → a field
    error, nothing written."""
    before = _state()
    with pytest.raises(ServiceError) as exc:
        stock.receive_stock(actor=keeper, warehouse=central, part=part, quantity=quantity)
    assert list(exc.value.message_dict) == ["quantity"]
    _nothing_written(before)


@pytest.mark.parametrize("bad_part", [None, "CAP-35UF", "unsaved"])
def test_prt_8_an_unknown_part_is_refused(bad_part, keeper, central, part):
    before = _state()
    if bad_part == "unsaved":
        bad_part = Part(code="NEW", name="new")
    with pytest.raises(ServiceError) as exc:
        stock.receive_stock(actor=keeper, warehouse=central, part=bad_part, quantity=1)
    assert "part" in exc.value.message_dict
    _nothing_written(before)


def test_prt_8_an_inactive_part_is_not_received(keeper, central, part):
    Part.objects.filter(pk=part.pk).update(is_active=False)
    with pytest.raises(ServiceError) as exc:
        stock.receive_stock(actor=keeper, warehouse=central, part=part, quantity=1)
    assert "part" in exc.value.message_dict
    assert not StockMove.objects.exists()


def test_prt_8_an_inactive_warehouse_or_a_technicians_stock_is_refused(
    keeper, central, branch, part, people
):
    """PRT-8: only active warehouses take receipts; a technician's own stock is filled on a
    slip naming the order (PRT-2), not by a receipt or transfer."""
    Warehouse.objects.filter(pk=branch.pk).update(is_active=False)
    van = stock.personal_stock(people["technician"])
    before = _state()
    with pytest.raises(ServiceError) as exc:
        stock.receive_stock(actor=keeper, warehouse=branch, part=part, quantity=1)
    assert "warehouse" in exc.value.message_dict
    with pytest.raises(ServiceError) as exc:
        stock.receive_stock(actor=keeper, warehouse=van, part=part, quantity=1)
    assert "warehouse" in exc.value.message_dict
    with pytest.raises(ServiceError) as exc:
        stock.transfer_stock(actor=keeper, source=central, target=van, part=part, quantity=1)
    assert "target" in exc.value.message_dict
    _nothing_written(before)


def test_prt_8_transfer_to_the_same_warehouse_is_refused(keeper, stocked, part):
    with pytest.raises(ServiceError) as exc:
        stock.transfer_stock(actor=keeper, source=stocked, target=stocked, part=part, quantity=1)
    assert "target" in exc.value.message_dict


def test_prt_8_scrap_needs_a_reason(keeper, stocked, part):
    before = _state()
    with pytest.raises(ServiceError) as exc:
        stock.scrap_stock(actor=keeper, warehouse=stocked, part=part, quantity=1, reason="  ")
    assert "reason" in exc.value.message_dict
    _nothing_written(before)


def test_prt_8_several_bad_fields_are_all_named_at_once(keeper, people, part):
    van = stock.personal_stock(people["technician"])
    with pytest.raises(ServiceError) as exc:
        stock.scrap_stock(actor=keeper, warehouse=van, part=None, quantity=-1, reason="")
    assert {"warehouse", "part", "quantity", "reason"} <= set(exc.value.message_dict)


@pytest.mark.parametrize("persona", ["technician", "finance", "agent"])
def test_prt_8_moving_stock_needs_the_right(persona, people, central, part):
    with pytest.raises(PermissionDenied):
        stock.receive_stock(actor=people[persona], warehouse=central, part=part, quantity=1)
    assert not StockMove.objects.exists()


def test_org_3_a_branch_keeper_moves_only_the_stock_of_their_branch(
    org, people, branch, nanjing, part
):
    """ORG-3: a keeper of the Hangzhou branch cannot receive into Nanjing's warehouse."""
    hz_keeper = account_services.create_user(
        actor=people["admin"],
        username="hz_cangku",
        password=None,
        roles=["warehouse_keeper"],
        org_unit=org["units"]["BR-HZ"],
    )
    stock.receive_stock(actor=hz_keeper, warehouse=branch, part=part, quantity=1)
    with pytest.raises(PermissionDenied):
        stock.receive_stock(actor=hz_keeper, warehouse=nanjing, part=part, quantity=1)
    assert list(stock.levels_visible_to(hz_keeper).values_list("warehouse", flat=True)) == [
        branch.pk
    ]


# --- valuable parts by serial (PRT-2) --------------------------------------------------------


def test_prt_2_serials_are_traced_both_ways_through_receipt_transfer_and_scrap(
    keeper, central, branch, valuable
):
    """PRT-2: where each serial is now, and from a serial its moves / from a move its
    serials."""
    received = stock.receive_stock(
        actor=keeper, warehouse=central, part=valuable, quantity=2, serials=["SN-001", "SN-002"]
    )
    moved = stock.transfer_stock(
        actor=keeper, source=central, target=branch, part=valuable, quantity=1, serials=["SN-001"]
    )
    scrapped = stock.scrap_stock(
        actor=keeper,
        warehouse=central,
        part=valuable,
        quantity=1,
        reason="来料不良",
        serials=["SN-002"],
    )

    # the serial → where it is and which moves carried it
    assert PartSerial.objects.get(serial_number="SN-001").warehouse == branch
    assert PartSerial.objects.get(serial_number="SN-002").warehouse is None
    assert list(stock.serial_moves(valuable, "SN-001")) == [moved, received]
    assert list(stock.serial_moves(valuable, "SN-002")) == [scrapped, received]
    assert not stock.serial_moves(valuable, "SN-00").exists()  # exact, not a prefix
    # the move → its serials
    assert received.serial_numbers == ["SN-001", "SN-002"]
    assert moved.serial_numbers == ["SN-001"]
    assert (level(central, valuable), level(branch, valuable)) == (0, 1)
    assert ledger_sum(central, valuable) == 0 and ledger_sum(branch, valuable) == 1


@pytest.mark.parametrize(
    "serials, quantity",
    [([], 2), (["SN-1"], 2), (["SN-1", "SN-1"], 2), ([3, 4], 2), ("x" * 61, 1)],
)
def test_prt_2_a_valuable_part_needs_one_serial_per_piece(
    serials, quantity, keeper, central, valuable
):
    """PRT-2: missing, too few, repeated, non-text or over-long serials are refused."""
    before = _state()
    with pytest.raises(ServiceError) as exc:
        stock.receive_stock(
            actor=keeper, warehouse=central, part=valuable, quantity=quantity, serials=serials
        )
    assert list(exc.value.message_dict) == ["serial_numbers"]
    _nothing_written(before)


def test_prt_2_a_serial_already_in_stock_elsewhere_is_refused(keeper, central, branch, valuable):
    stock.receive_stock(actor=keeper, warehouse=central, part=valuable, quantity=1, serials=["A1"])
    before = _state()
    with pytest.raises(ServiceError) as exc:
        stock.receive_stock(
            actor=keeper, warehouse=branch, part=valuable, quantity=2, serials=["B1", "A1"]
        )
    assert "A1" in exc.value.message_dict["serial_numbers"][0]
    _nothing_written(before)  # B1 was not created either


def test_prt_2_a_serial_not_at_the_source_cannot_leave_it(keeper, central, branch, valuable):
    stock.receive_stock(actor=keeper, warehouse=central, part=valuable, quantity=1, serials=["A1"])
    stock.receive_stock(actor=keeper, warehouse=branch, part=valuable, quantity=1, serials=["B1"])
    before = _state()
    with pytest.raises(ServiceError) as exc:
        stock.transfer_stock(
            actor=keeper, source=central, target=branch, part=valuable, quantity=1, serials=["B1"]
        )
    assert "serial_numbers" in exc.value.message_dict
    _nothing_written(before)


def test_prt_2_a_plain_part_takes_no_serials(keeper, central, part):
    with pytest.raises(ServiceError) as exc:
        stock.receive_stock(actor=keeper, warehouse=central, part=part, quantity=1, serials=["X"])
    assert "serial_numbers" in exc.value.message_dict


# --- reorder points and the shortage list (PRT-8) --------------------------------------------


def test_prt_8_shortage_list_names_what_is_below_its_reorder_point_and_how_much_to_order(
    keeper, central, branch, part, other_part
):
    """PRT-8: below the reorder point → on the list with reorder point + reserve − on hand;
    at or above it → not on the list."""
    stock.receive_stock(actor=keeper, warehouse=central, part=part, quantity=3)
    stock.receive_stock(actor=keeper, warehouse=central, part=other_part, quantity=5)
    stock.set_stock_limits(actor=keeper, warehouse=central, part=part, reorder_point=5, reserve=2)
    stock.set_stock_limits(
        actor=keeper, warehouse=central, part=other_part, reorder_point=5, reserve=9
    )
    # never stocked in the branch, but it should hold some
    stock.set_stock_limits(actor=keeper, warehouse=branch, part=part, reorder_point=1, reserve=0)

    rows = [(lv.warehouse, lv.part, lv.to_order) for lv in stock.shortage_list()]
    assert rows == [(central, part, 4), (branch, part, 1)] or rows == [
        (branch, part, 1),
        (central, part, 4),
    ]
    assert [lv.to_order for lv in stock.shortage_list(central)] == [4]
    assert AuditEntry.objects.filter(action="parts.stocklevel.limits_set").count() == 3


def test_prt_8_shortage_list_takes_one_query(keeper, central, branch, part, other_part):
    for warehouse in (central, branch):
        for p in (part, other_part):
            stock.set_stock_limits(
                actor=keeper, warehouse=warehouse, part=p, reorder_point=2, reserve=1
            )
    with CaptureQueriesContext(connection) as queries:
        rows = [(lv.warehouse.code, lv.part.code, lv.to_order) for lv in stock.shortage_list()]
    assert len(rows) == 4 and len(queries) == 1


@pytest.mark.parametrize("bad", [-1, "5", 1.5, None])
def test_prt_8_limits_are_non_negative_whole_numbers(bad, keeper, central, part):
    with pytest.raises(ServiceError) as exc:
        stock.set_stock_limits(
            actor=keeper, warehouse=central, part=part, reorder_point=bad, reserve=bad
        )
    assert {"reorder_point", "reserve"} <= set(exc.value.message_dict)
    assert not StockLevel.objects.exists()


def test_prt_8_limits_need_the_change_right(people, central, part):
    with pytest.raises(PermissionDenied):
        stock.set_stock_limits(
            actor=people["finance"], warehouse=central, part=part, reorder_point=1, reserve=1
        )


# --- stock counts (PRT-8, SEC-5) -------------------------------------------------------------


@pytest.fixture
def approver(people):
    return people["finance"]  # finance head: parts.approve_stockcount


@pytest.fixture
def two_parts_stocked(keeper, central, part, other_part):
    stock.receive_stock(actor=keeper, warehouse=central, part=part, quantity=10)
    stock.receive_stock(actor=keeper, warehouse=central, part=other_part, quantity=4)
    return central


def _counted(keeper, count, figures: dict) -> None:
    for p, n in figures.items():
        stock.record_counted(actor=keeper, count=count, part=p, counted=n)


def test_prt_8_start_count_takes_the_books_of_every_part_there(
    keeper, two_parts_stocked, part, other_part
):
    count = stock.start_count(actor=keeper, warehouse=two_parts_stocked)
    assert re.fullmatch(r"PD-\d{8}-\d{4}", count.number)
    assert count.status == CountStatus.OPEN and count.counted_by == keeper
    assert [(ln.part, ln.expected, ln.counted) for ln in count.lines.order_by("part__code")] == [
        (part, 10, None),
        (other_part, 4, None),
    ]
    assert AuditEntry.objects.for_object(count).filter(action="parts.stockcount.started").exists()


def test_prt_8_a_count_of_named_parts_and_one_count_per_location_at_a_time(
    keeper, two_parts_stocked, part, valuable
):
    count = stock.start_count(actor=keeper, warehouse=two_parts_stocked, parts=[part, valuable])
    assert sorted(count.lines.values_list("part__code", "expected")) == [
        ("CAP-35UF", 10),
        ("PCB-MAIN", 0),
    ]
    with pytest.raises(ServiceError) as exc:
        stock.start_count(actor=keeper, warehouse=two_parts_stocked)
    assert count.number in exc.value.message_dict["warehouse"][0]


def test_prt_8_submit_needs_every_line_counted(keeper, two_parts_stocked, part):
    count = stock.start_count(actor=keeper, warehouse=two_parts_stocked)
    _counted(keeper, count, {part: 9})
    with pytest.raises(ServiceError) as exc:
        stock.submit_count(actor=keeper, count=count)
    assert "FAN-M01" in exc.value.message_dict["lines"][0]
    assert StockCount.objects.get(pk=count.pk).status == CountStatus.OPEN


def test_prt_8_approving_a_count_posts_one_adjustment_per_variance(
    keeper, approver, two_parts_stocked, part, other_part
):
    """PRT-8: counted 8 of 10 and 6 of 4 → a shortfall of 2 out, a surplus of 2 in, both
    noting the count number; on hand equals the counted figures and the ledger's sum."""
    central = two_parts_stocked
    count = stock.start_count(actor=keeper, warehouse=central)
    _counted(keeper, count, {part: 8, other_part: 6})
    stock.submit_count(actor=keeper, count=count)

    decided = stock.decide_count(actor=approver, count=count, approve=True, comment="")

    assert decided.status == CountStatus.APPROVED and decided.decided_by == approver
    adjustments = StockMove.objects.filter(kind=MoveKind.ADJUSTMENT).order_by("part__code")
    assert [
        (m.part, m.quantity, m.from_warehouse, m.to_warehouse, count.number in m.note)
        for m in adjustments
    ] == [(part, 2, central, None, True), (other_part, 2, None, central, True)]
    assert (level(central, part), level(central, other_part)) == (8, 6)
    assert ledger_sum(central, part) == 8 and ledger_sum(central, other_part) == 6
    assert AuditEntry.objects.for_object(count).filter(action="parts.stockcount.approved").exists()


def test_prt_8_approval_after_stock_moved_keeps_the_moves_made_since(
    keeper, approver, two_parts_stocked, branch, part
):
    """PRT-8: books 10, counted 8 (variance −2); 3 were transferred out after counting
    began → on hand becomes 7 − 2 = 5, not the counted 8."""
    central = two_parts_stocked
    count = stock.start_count(actor=keeper, warehouse=central, parts=[part])
    _counted(keeper, count, {part: 8})
    stock.transfer_stock(actor=keeper, source=central, target=branch, part=part, quantity=3)
    stock.submit_count(actor=keeper, count=count)

    stock.decide_count(actor=approver, count=count, approve=True)

    assert level(central, part) == ledger_sum(central, part) == 5
    move = StockMove.objects.get(kind=MoveKind.ADJUSTMENT)
    assert move.quantity == 2 and "10" in move.note and "7" in move.note


def test_prt_8_a_shortfall_larger_than_on_hand_now_is_refused_and_nothing_posted(
    keeper, approver, two_parts_stocked, branch, part
):
    """PRT-8: never negative — books 10, counted 2, then 9 moved out: −8 cannot be taken
    from 1; the count stays submitted."""
    central = two_parts_stocked
    count = stock.start_count(actor=keeper, warehouse=central, parts=[part])
    _counted(keeper, count, {part: 2})
    stock.submit_count(actor=keeper, count=count)
    stock.transfer_stock(actor=keeper, source=central, target=branch, part=part, quantity=9)
    before = _state()
    with pytest.raises(ServiceError) as exc:
        stock.decide_count(actor=approver, count=count, approve=True)
    assert "lines" in exc.value.message_dict
    _nothing_written(before)
    assert StockCount.objects.get(pk=count.pk).status == CountStatus.SUBMITTED


def test_prt_8_rejecting_a_count_posts_nothing_and_needs_a_comment(
    keeper, approver, two_parts_stocked, part, other_part
):
    count = stock.start_count(actor=keeper, warehouse=two_parts_stocked)
    _counted(keeper, count, {part: 1, other_part: 1})
    stock.submit_count(actor=keeper, count=count)
    with pytest.raises(ServiceError) as exc:
        stock.decide_count(actor=approver, count=count, approve=False, comment=" ")
    assert "comment" in exc.value.message_dict

    decided = stock.decide_count(
        actor=approver, count=count, approve=False, comment="差异太大，重盘"
    )

    assert decided.status == CountStatus.REJECTED and decided.decision_comment == "差异太大，重盘"
    assert not StockMove.objects.filter(kind=MoveKind.ADJUSTMENT).exists()
    assert level(two_parts_stocked, part) == 10
    # the location is free for a new count
    assert stock.start_count(actor=keeper, warehouse=two_parts_stocked).status == "open"


def test_sec_5_the_counter_cannot_approve_their_own_count(people, two_parts_stocked, part):
    """SEC-5: approver ≠ counter — even someone holding both rights (the administrator)."""
    admin = people["admin"]
    count = stock.start_count(actor=admin, warehouse=two_parts_stocked, parts=[part])
    _counted(admin, count, {part: 7})
    stock.submit_count(actor=admin, count=count)
    with pytest.raises(PermissionDenied):
        stock.decide_count(actor=admin, count=count, approve=True)
    assert StockCount.objects.get(pk=count.pk).status == CountStatus.SUBMITTED
    assert not StockMove.objects.filter(kind=MoveKind.ADJUSTMENT).exists()


def test_sec_5_someone_who_recorded_a_line_cannot_approve_either(
    keeper, people, two_parts_stocked, part
):
    """SEC-5: whoever recorded a figure of the count counted it too."""
    admin = people["admin"]
    count = stock.start_count(actor=keeper, warehouse=two_parts_stocked, parts=[part])
    _counted(admin, count, {part: 7})
    stock.submit_count(actor=keeper, count=count)
    assert not stock.may_decide(admin, count)
    with pytest.raises(PermissionDenied):
        stock.decide_count(actor=admin, count=count, approve=True)


def test_sec_5_deciding_needs_the_approval_right(keeper, people, two_parts_stocked, part):
    count = stock.start_count(actor=keeper, warehouse=two_parts_stocked, parts=[part])
    _counted(keeper, count, {part: 7})
    stock.submit_count(actor=keeper, count=count)
    with pytest.raises(PermissionDenied):
        stock.decide_count(actor=people["agent"], count=count, approve=True)


def test_prt_8_counts_change_only_in_their_state(keeper, approver, two_parts_stocked, part):
    """A submitted count takes no more figures; an open one cannot be decided; a decided one
    not again."""
    count = stock.start_count(actor=keeper, warehouse=two_parts_stocked, parts=[part])
    with pytest.raises(ServiceError):
        stock.decide_count(actor=approver, count=count, approve=True)
    _counted(keeper, count, {part: 10})
    stock.submit_count(actor=keeper, count=count)
    with pytest.raises(ServiceError):
        stock.record_counted(actor=keeper, count=count, part=part, counted=3)
    stock.decide_count(actor=approver, count=count, approve=True)
    with pytest.raises(ServiceError):
        stock.decide_count(actor=approver, count=count, approve=False, comment="x")
    assert not StockMove.objects.filter(kind=MoveKind.ADJUSTMENT).exists()  # no variance


@pytest.mark.parametrize("counted", [-1, 2.5, "7", None])
def test_prt_8_a_counted_figure_is_a_whole_number_from_zero(
    counted, keeper, two_parts_stocked, part
):
    count = stock.start_count(actor=keeper, warehouse=two_parts_stocked, parts=[part])
    with pytest.raises(ServiceError) as exc:
        stock.record_counted(actor=keeper, count=count, part=part, counted=counted)
    assert "counted" in exc.value.message_dict


def test_prt_8_a_part_found_that_the_count_did_not_list_joins_it(
    keeper, approver, two_parts_stocked, part, valuable, other_part
):
    """A part found with none on the books: the line joins with expected 0 and its surplus
    is posted on approval."""
    count = stock.start_count(actor=keeper, warehouse=two_parts_stocked, parts=[part])
    line = stock.record_counted(actor=keeper, count=count, part=other_part, counted=5)
    assert (line.expected, line.counted) == (4, 5)
    _counted(keeper, count, {part: 10})
    stock.submit_count(actor=keeper, count=count)
    stock.decide_count(actor=approver, count=count, approve=True)
    assert level(two_parts_stocked, other_part) == 5


def test_prt_2_a_valuable_parts_variance_is_not_posted_without_serials(
    keeper, approver, central, valuable
):
    """PRT-2: a count does not record serial numbers, so a valuable part's variance must be
    settled by a receipt or scrap naming them; the approval says so and posts nothing."""
    stock.receive_stock(actor=keeper, warehouse=central, part=valuable, quantity=1, serials=["S1"])
    count = stock.start_count(actor=keeper, warehouse=central)
    _counted(keeper, count, {valuable: 0})
    stock.submit_count(actor=keeper, count=count)
    with pytest.raises(ServiceError) as exc:
        stock.decide_count(actor=approver, count=count, approve=True)
    assert "PCB-MAIN" in exc.value.message_dict["lines"][0]
    assert level(central, valuable) == 1


# --- pages -----------------------------------------------------------------------------------


def test_prt_8_the_stock_list_shows_on_hand_and_filters(
    client_for, keeper, stocked, branch, part, other_part
):
    stock.receive_stock(actor=keeper, warehouse=branch, part=other_part, quantity=2)
    stock.set_stock_limits(
        actor=keeper, warehouse=branch, part=other_part, reorder_point=5, reserve=0
    )
    c = client_for(keeper)
    resp = c.get("/parts/stock/")
    html = resp.content.decode()
    assert resp.status_code == 200 and html.count('data-testid="level-row"') == 2
    _no_inline_code(html)
    assert (
        c.get("/parts/stock/", {"warehouse": branch.pk})
        .content.decode()
        .count('data-testid="level-row"')
        == 1
    )
    assert "FAN-M01" in c.get("/parts/stock/", {"q": "风机"}).content.decode()
    below = c.get("/parts/stock/", {"below": "true"}).content.decode()
    assert below.count('data-testid="level-row"') == 1 and "FAN-M01" in below


def test_prt_8_the_stock_list_takes_the_same_queries_for_3_or_30_rows(
    client_for, keeper, central, branch
):
    """PRT-8: constant queries, however many levels are listed."""
    c = client_for(keeper)

    def add(n, start):
        for i in range(start, start + n):
            p = Part.objects.create(code=f"P-{i:03d}", name=f"零件 {i}")
            StockLevel.objects.create(warehouse=central if i % 2 else branch, part=p, on_hand=i)

    add(3, 0)
    c.get("/parts/stock/")  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as few:
        assert c.get("/parts/stock/").status_code == 200
    add(27, 3)
    with CaptureQueriesContext(connection) as many:
        assert c.get("/parts/stock/").content.decode().count('data-testid="level-row"') == 30
    assert len(many) == len(few)


def test_prt_8_the_ledger_page_filters_by_part_warehouse_kind_and_serial(
    client_for, keeper, central, branch, part, valuable
):
    stock.receive_stock(actor=keeper, warehouse=central, part=part, quantity=5)
    stock.transfer_stock(actor=keeper, source=central, target=branch, part=part, quantity=2)
    stock.receive_stock(actor=keeper, warehouse=central, part=valuable, quantity=1, serials=["Q9"])
    c = client_for(keeper)

    def rows(**params):
        resp = c.get("/parts/stock/moves/", params)
        assert resp.status_code == 200
        return resp.content.decode().count('data-testid="move-row"')

    assert rows() == 3
    assert rows(part="cap-35") == 2
    assert rows(warehouse=branch.pk) == 1
    assert rows(kind="transfer") == 1
    assert rows(serial="Q9") == 1
    assert rows(order="SO-") == 0
    assert rows(kind="bogus", warehouse="x") >= 0  # a bad filter never breaks the page
    assert c.get("/parts/stock/moves/", {"page": "x"}).status_code == 404


def test_prt_8_the_ledger_page_is_paginated(client_for, keeper, central, part):
    for _ in range(55):
        stock.receive_stock(actor=keeper, warehouse=central, part=part, quantity=1)
    c = client_for(keeper)
    first = c.get("/parts/stock/moves/").content.decode()
    assert first.count('data-testid="move-row"') == 50
    assert c.get("/parts/stock/moves/?page=2").content.decode().count('data-testid="move-row"') == 5


def test_prt_8_the_receive_screen_works_with_a_barcode_scanner(client_for, keeper, central, part):
    """The part is a text field with the focus (a scanner types the code and Enter), no
    select of every part; the code alone shows the part and moves the focus to the
    quantity; then the receipt is posted and the page is ready for the next scan."""
    c = client_for(keeper)
    html = c.get("/parts/stock/receive/").content.decode()
    assert re.search(r'<input type="text" name="part_code"[^>]*autofocus', html)
    assert '<select name="part"' not in html and '<select name="part_code"' not in html
    _no_inline_code(html)

    scanned = c.post("/parts/stock/receive/", {"warehouse": central.pk, "part_code": "cap-35uf"})
    html = scanned.content.decode()
    assert scanned.status_code == 200 and 'data-testid="scanned-part"' in html
    assert re.search(r'<input type="number" name="quantity"[^>]*autofocus', html)
    assert not re.search(r'name="part_code"[^>]*autofocus', html)
    assert not StockMove.objects.exists()

    done = c.post(
        "/parts/stock/receive/",
        {"warehouse": central.pk, "part_code": "CAP-35UF\n", "quantity": "4"},
    )
    assert (
        done.status_code == 302
        and done["Location"] == f"/parts/stock/receive/?warehouse={central.pk}"
    )
    assert level(central, part) == 4
    again = c.get(done["Location"]).content.decode()
    assert f'<option value="{central.pk}" selected' in again


@pytest.mark.parametrize(
    "data, field",
    [
        ({"part_code": "NO-SUCH"}, "part_code"),
        ({"part_code": "CAP-35UF", "quantity": "abc"}, "quantity"),
        ({"part_code": "CAP-35UF", "quantity": "-2"}, "quantity"),
        ({"part_code": "CAP-35UF", "quantity": "1.5"}, "quantity"),
        ({"part_code": "CAP-35UF", "quantity": "99999999999"}, "quantity"),
        ({"part_code": "", "quantity": "1"}, "part_code"),
        ({"part_code": "CAP-35UF", "quantity": "1", "serial_numbers": "X1"}, "serial_numbers"),
    ],
)
def test_prt_8_bad_input_on_the_receive_screen_is_a_400_with_the_field_error(
    data, field, client_for, keeper, central, part
):
    resp = client_for(keeper).post("/parts/stock/receive/", {"warehouse": central.pk, **data})
    assert resp.status_code == 400
    assert resp.context["form"].errors[field]
    assert not StockMove.objects.exists()


def test_prt_8_transfer_screen_refuses_more_than_on_hand_with_400(
    client_for, keeper, stocked, branch, part
):
    c = client_for(keeper)
    resp = c.post(
        "/parts/stock/transfer/",
        {"source": stocked.pk, "target": branch.pk, "part_code": "CAP-35UF", "quantity": "11"},
    )
    assert resp.status_code == 400 and resp.context["form"].errors["quantity"]
    ok = c.post(
        "/parts/stock/transfer/",
        {"source": stocked.pk, "target": branch.pk, "part_code": "CAP-35UF", "quantity": "4"},
    )
    assert ok.status_code == 302
    assert (level(stocked, part), level(branch, part)) == (6, 4)


def test_prt_2_the_receive_screen_takes_serials_one_per_line(client_for, keeper, central, valuable):
    resp = client_for(keeper).post(
        "/parts/stock/receive/",
        {
            "warehouse": central.pk,
            "part_code": "pcb-main",
            "quantity": "2",
            "serial_numbers": "SN-1\r\nSN-2\r\n",
        },
    )
    assert resp.status_code == 302
    assert sorted(PartSerial.objects.values_list("serial_number", flat=True)) == ["SN-1", "SN-2"]


def test_prt_8_scrap_and_limits_screens(client_for, keeper, stocked, part):
    c = client_for(keeper)
    no_reason = c.post(
        "/parts/stock/scrap/", {"warehouse": stocked.pk, "part_code": "CAP-35UF", "quantity": "1"}
    )
    assert no_reason.status_code == 400 and no_reason.context["form"].errors["reason"]
    assert (
        c.post(
            "/parts/stock/scrap/",
            {"warehouse": stocked.pk, "part_code": "CAP-35UF", "quantity": "1", "reason": "损坏"},
        ).status_code
        == 302
    )
    assert level(stocked, part) == 9
    scanned = c.post("/parts/stock/limits/", {"warehouse": stocked.pk, "part_code": "CAP-35UF"})
    assert scanned.status_code == 200
    assert re.search(r'name="reorder_point"[^>]*autofocus', scanned.content.decode())
    saved = c.post(
        "/parts/stock/limits/",
        {"warehouse": stocked.pk, "part_code": "CAP-35UF", "reorder_point": "12", "reserve": "3"},
    )
    assert saved.status_code == 302
    assert StockLevel.objects.get(warehouse=stocked, part=part).reorder_point == 12
    bad = c.post(
        "/parts/stock/limits/",
        {"warehouse": stocked.pk, "part_code": "CAP-35UF", "reorder_point": "-1", "reserve": "x"},
    )
    assert bad.status_code == 400


def test_prt_8_the_shortage_page_lists_what_to_order(client_for, keeper, stocked, part):
    stock.set_stock_limits(actor=keeper, warehouse=stocked, part=part, reorder_point=15, reserve=5)
    html = client_for(keeper).get("/parts/stock/shortages/").content.decode()
    assert html.count('data-testid="shortage-row"') == 1
    assert re.search(r'data-testid="to-order">10 ', html)
    _no_inline_code(html)


def test_prt_8_sec_5_a_count_through_the_pages(
    client_for, keeper, approver, two_parts_stocked, part, other_part
):
    """Start, scan and count each part, submit; the counter gets no approval form and a 403
    when posting one; finance head approves and the variance is posted."""
    central = two_parts_stocked
    c = client_for(keeper)
    started = c.post("/parts/stock/counts/new/", {"warehouse": central.pk, "part_codes": ""})
    count = StockCount.objects.get()
    assert started.status_code == 302 and started["Location"] == f"/parts/stock/counts/{count.pk}/"
    url = started["Location"]

    page = c.get(url).content.decode()
    assert re.search(r'<input type="text" name="part_code"[^>]*autofocus', page)
    _no_inline_code(page)
    scanned = c.post(url, {"part_code": "cap-35uf"})
    assert scanned.status_code == 200
    assert re.search(r'name="counted"[^>]*autofocus', scanned.content.decode())
    assert c.post(url, {"part_code": "CAP-35UF", "counted": "9"}).status_code == 302
    assert c.post(url, {"part_code": "CAP-35UF", "counted": "-1"}).status_code == 400
    early = c.post(f"{url}submit/")
    assert early.status_code == 400 and "FAN-M01" in early.content.decode()
    assert c.post(url, {"part_code": "FAN-M01", "counted": "4"}).status_code == 302
    assert c.post(f"{url}submit/").status_code == 302

    mine = c.get(url).content.decode()
    assert 'data-testid="count-decide-form"' not in mine
    assert c.post(f"{url}decide/", {"decision": "approve"}).status_code == 403

    f = client_for(approver)
    page = f.get(url)
    assert page.status_code == 200 and 'data-testid="count-decide-form"' in page.content.decode()
    assert f.post(f"{url}decide/", {"decision": "reject", "comment": ""}).status_code == 400
    assert f.post(f"{url}decide/", {"decision": "approve"}).status_code == 302
    assert StockCount.objects.get().status == CountStatus.APPROVED
    assert level(central, part) == ledger_sum(central, part) == 9
    assert f.get("/parts/stock/counts/").content.decode().count('data-testid="count-row"') == 1


def test_prt_8_starting_a_count_with_an_unknown_code_is_a_400(client_for, keeper, stocked):
    resp = client_for(keeper).post(
        "/parts/stock/counts/new/", {"warehouse": stocked.pk, "part_codes": "CAP-35UF\nNOPE"}
    )
    assert resp.status_code == 400 and "NOPE" in str(resp.context["form"].errors["part_codes"])
    assert not StockCount.objects.exists()


PAGES = [
    ("get", "/parts/stock/"),
    ("get", "/parts/stock/moves/"),
    ("get", "/parts/stock/shortages/"),
    ("get", "/parts/stock/receive/"),
    ("post", "/parts/stock/receive/"),
    ("get", "/parts/stock/transfer/"),
    ("get", "/parts/stock/scrap/"),
    ("get", "/parts/stock/limits/"),
    ("get", "/parts/stock/counts/"),
    ("get", "/parts/stock/counts/new/"),
]


@pytest.mark.parametrize("method, url", PAGES)
def test_prt_8_a_role_without_the_right_gets_403_on_the_stock_pages(
    method, url, client_for, people, stocked
):
    """ORG-3 / SEC-5: a technician holds none of the warehouse's rights — a clear 403."""
    resp = getattr(client_for(people["technician"]), method)(url, {"part_code": "CAP-35UF"})
    assert resp.status_code == 403
    assert not StockMove.objects.exclude(kind=MoveKind.RECEIPT).exists()


def test_prt_8_finance_reads_stock_but_cannot_move_it(client_for, people, stocked):
    c = client_for(people["finance"])
    assert c.get("/parts/stock/").status_code == 200
    assert c.get("/parts/stock/moves/").status_code == 200
    assert c.get("/parts/stock/receive/").status_code == 403
    assert c.get("/parts/stock/counts/new/").status_code == 403


def test_prt_8_count_pages_403_for_a_technician(client_for, keeper, people, stocked, part):
    count = stock.start_count(actor=keeper, warehouse=stocked)
    c = client_for(people["technician"])
    assert c.get(f"/parts/stock/counts/{count.pk}/").status_code == 403
    assert (
        c.post(
            f"/parts/stock/counts/{count.pk}/", {"part_code": "CAP-35UF", "counted": "1"}
        ).status_code
        == 403
    )
    assert c.post(f"/parts/stock/counts/{count.pk}/submit/").status_code == 403
    assert c.get("/parts/stock/counts/999999/").status_code == 403  # the right comes first


# --- API -------------------------------------------------------------------------------------


def test_prt_8_api_receive_transfer_scrap_and_levels(api_for, keeper, central, branch, part):
    api = api_for(keeper)
    r = api.post(
        "/api/stock-moves/receive/",
        {"warehouse": central.pk, "part": part.pk, "quantity": 6, "note": "到货"},
        format="json",
    )
    assert r.status_code == 201 and r.json()["kind"] == "receipt"
    r = api.post(
        "/api/stock-moves/transfer/",
        {"source": central.pk, "target": branch.pk, "part": part.pk, "quantity": 2},
        format="json",
    )
    assert r.status_code == 201
    r = api.post(
        "/api/stock-moves/scrap/",
        {"warehouse": branch.pk, "part": part.pk, "quantity": 1, "reason": "坏"},
        format="json",
    )
    assert r.status_code == 201
    levels = api.get("/api/stock-levels/", {"warehouse": central.pk}).json()["results"]
    assert [(lv["part_code"], lv["on_hand"]) for lv in levels] == [("CAP-35UF", 4)]
    moves = api.get("/api/stock-moves/", {"kind": "transfer"}).json()["results"]
    assert len(moves) == 1 and moves[0]["quantity"] == 2
    r = api.post(
        "/api/stock-levels/limits/",
        {"warehouse": central.pk, "part": part.pk, "reorder_point": 5, "reserve": 2},
        format="json",
    )
    assert r.status_code == 200 and r.json()["to_order"] == 3
    below = api.get("/api/stock-levels/", {"below": "true"}).json()["results"]
    assert [lv["warehouse_code"] for lv in below] == ["WH-HQ"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": -5}, "quantity"),
        ({"quantity": 1.5}, "quantity"),
        ({"quantity": "x"}, "quantity"),
        ({"quantity": 11}, "quantity"),  # more than on hand
        ({"part": 999999}, "part"),
        ({"source": 999999}, "source"),
    ],
)
def test_prt_8_api_bad_transfer_is_a_400_naming_the_field(
    body, field, api_for, keeper, stocked, branch, part
):
    before = _state()
    data = {"source": stocked.pk, "target": branch.pk, "part": part.pk, "quantity": 1, **body}
    r = api_for(keeper).post("/api/stock-moves/transfer/", data, format="json")
    assert r.status_code == 400 and field in r.json()
    _nothing_written(before)


def test_prt_8_api_count_start_record_submit_decide(
    api_for, keeper, approver, two_parts_stocked, part, other_part
):
    api = api_for(keeper)
    r = api.post("/api/stock-counts/", {"warehouse": two_parts_stocked.pk}, format="json")
    assert r.status_code == 201
    count = r.json()
    assert [(ln["part_code"], ln["expected"]) for ln in count["lines"]] == [
        ("CAP-35UF", 10),
        ("FAN-M01", 4),
    ]
    base = f"/api/stock-counts/{count['id']}/"
    assert (
        api.post(f"{base}lines/", {"part": part.pk, "counted": 12}, format="json").status_code
        == 200
    )
    assert (
        api.post(f"{base}lines/", {"part": part.pk, "counted": -1}, format="json").status_code
        == 400
    )
    r = api.post(f"{base}submit/")
    assert r.status_code == 400 and "lines" in r.json()
    api.post(f"{base}lines/", {"part": other_part.pk, "counted": 4}, format="json")
    assert api.post(f"{base}submit/").json()["status"] == "submitted"
    # SEC-5: the counter may not decide (no right), the finance head may
    assert api.post(f"{base}decide/", {"approve": True}, format="json").status_code == 403
    fin = api_for(approver)
    assert fin.get(base).json()["lines"][0]["variance"] == 2
    r = fin.post(f"{base}decide/", {"approve": False, "comment": ""}, format="json")
    assert r.status_code == 400 and "comment" in r.json()
    r = fin.post(f"{base}decide/", {"approve": True}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert level(two_parts_stocked, part) == ledger_sum(two_parts_stocked, part) == 12


def test_sec_5_api_the_counter_with_both_rights_is_refused(
    api_for, people, two_parts_stocked, part
):
    admin = people["admin"]
    count = stock.start_count(actor=admin, warehouse=two_parts_stocked, parts=[part])
    _counted(admin, count, {part: 3})
    stock.submit_count(actor=admin, count=count)
    r = api_for(admin).post(
        f"/api/stock-counts/{count.pk}/decide/", {"approve": True}, format="json"
    )
    assert r.status_code == 403


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/api/stock-levels/"),
        ("get", "/api/stock-moves/"),
        ("post", "/api/stock-moves/receive/"),
        ("post", "/api/stock-moves/transfer/"),
        ("post", "/api/stock-levels/limits/"),
        ("get", "/api/stock-counts/"),
        ("post", "/api/stock-counts/"),
    ],
)
def test_prt_8_api_a_role_without_the_right_gets_403(method, url, api_for, people, central, part):
    body = {"warehouse": central.pk, "part": part.pk, "quantity": 1}
    r = (
        getattr(api_for(people["technician"]), method)(url, body, format="json")
        if method == "post"
        else api_for(people["technician"]).get(url)
    )
    assert r.status_code == 403
    assert "right" in r.json()["detail"]
    assert not StockMove.objects.exists()


def test_prt_8_api_count_of_another_branch_is_403(api_for, org, people, nanjing, part):
    stock.receive_stock(actor=people["keeper"], warehouse=nanjing, part=part, quantity=1)
    count = stock.start_count(actor=people["keeper"], warehouse=nanjing)
    hz_keeper = account_services.create_user(
        actor=people["admin"],
        username="hz_cangku",
        password=None,
        roles=["warehouse_keeper"],
        org_unit=org["units"]["BR-HZ"],
    )
    api = api_for(hz_keeper)
    assert api.get(f"/api/stock-counts/{count.pk}/").status_code == 403
    assert api.get("/api/stock-counts/").json()["count"] == 0
    assert api.get("/api/stock-counts/abc/").status_code == 404
