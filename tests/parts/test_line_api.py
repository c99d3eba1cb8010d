# ruff: noqa: F811 — the fixtures imported from tests.parts.fixtures are used as arguments
"""API of the parts lines (PRT-1 a–f, PRT-2, PRT-3, FIN-2, SEC-5): request, sign, issue on a
slip, use, return, the old part's receipt; 400 with field errors for bad input and nothing
written; 403 for a role without the right or outside reach; reads within reach."""

from decimal import Decimal

import pytest

from aftersales.parts.models import ChargeRule, LineStatus, PartLine, Receivable, Slip
from tests.parts.fixtures import (  # noqa: F401
    catalogue,
    hz_customer,
    hz_unit,
    in_progress,
    issued,
    new_order,
    requested,
    signed,
    used,
    working_order,
)

pytestmark = pytest.mark.django_db
D = Decimal
LINES = "/api/part-lines/"


def _create(client, on_order, of_part, **data):
    return client.post(
        LINES, {"order": on_order.pk, "part": of_part.pk, "quantity": 1, **data}, format="json"
    )


def test_prt_1d_the_whole_path_through_the_api(api_for, working_order, people, catalogue):
    """create → sign (paid) → slips/issue → use → receive-old-part → deposit reversed."""
    tech, fin, keeper = (api_for(people[p]) for p in ("technician", "finance", "keeper"))
    sensor = catalogue["parts"]["sensor"]
    resp = _create(tech, working_order, sensor, quantity=2)
    assert resp.status_code == 201, resp.data
    line = resp.data
    assert (line["charge_rule"], line["amount"], line["is_deposit"]) == ("d", "170.00", True)
    assert line["status"] == "requested" and line["order_number"] == working_order.number

    resp = fin.post(
        f"{LINES}{line['id']}/sign/", {"approve": True, "payment": "paid"}, format="json"
    )
    assert resp.status_code == 200 and resp.data["status"] == "signed"
    assert resp.data["signed_by"] == people["finance"].pk

    resp = keeper.post(
        "/api/slips/issue/",
        {"order": working_order.pk, "lines": [line["id"]], "warehouse": catalogue["central"].pk},
        format="json",
    )
    assert resp.status_code == 201, resp.data
    slip = resp.data
    assert slip["number"].startswith("CK-") and slip["kind"] == "outbound"
    assert [x["id"] for x in slip["lines"]] == [line["id"]]
    assert slip["lines"][0]["old_part_due_at"] is not None

    resp = tech.post(f"{LINES}{line['id']}/use/", format="json")
    assert resp.status_code == 200 and resp.data["status"] == "used"

    resp = keeper.post(f"{LINES}{line['id']}/receive-old-part/", {}, format="json")
    assert resp.status_code == 200
    assert resp.data["deposit_reversed_at"] is not None
    assert (resp.data["charged"], resp.data["deposit_credit"]) == ("0.00", "170.00")
    assert keeper.get(f"/api/slips/{slip['id']}/").data["old_part_received_at"] is not None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": -3}, "quantity"),
        ({"quantity": 1.5}, "quantity"),
        ({"quantity": "two"}, "quantity"),
        ({"quantity": True}, "quantity"),
        ({"quantity": None}, "quantity"),
        ({"part": 999999}, "part"),
        ({"order": "x"}, "order"),
        ({"user_caused": "perhaps"}, "user_caused"),
        ({"user_caused": True}, "evidence"),  # PRT-1 a needs the evidence (the service)
    ],
)
def test_prt_1_bad_requests_are_400_with_field_errors_and_nothing_written(
    data, field, api_for, working_order, people, catalogue
):
    resp = _create(
        api_for(people["technician"]), working_order, catalogue["parts"]["sensor"], **data
    )
    assert resp.status_code == 400 and field in resp.data, resp.data
    assert not PartLine.objects.exists()


def test_prt_1b_a_seal_is_waived_only_by_its_rule_400(api_for, working_order, people, catalogue):
    resp = _create(
        api_for(people["technician"]),
        working_order,
        catalogue["parts"]["seal"],
        waiver_requested=True,
    )
    assert resp.status_code == 400 and "waiver_requested" in resp.data
    assert not PartLine.objects.exists()


def test_prt_1_the_keeper_and_another_branch_cannot_request(
    api_for, working_order, people, catalogue
):
    sensor = catalogue["parts"]["sensor"]
    resp = _create(api_for(people["keeper"]), working_order, sensor)
    assert resp.status_code == 403 and "add_partline" in str(resp.data["detail"])
    resp = _create(api_for(people["outsider"]), working_order, sensor)
    assert resp.status_code == 403 and "outside your reach" in str(resp.data["detail"])
    assert not PartLine.objects.exists()


def test_sec_5_signing_needs_finance_and_valid_input(api_for, working_order, people, catalogue):
    line = requested(working_order, people, catalogue["parts"]["sensor"])
    url = f"{LINES}{line.pk}/sign/"
    resp = api_for(people["technician"]).post(
        url, {"approve": True, "payment": "paid"}, format="json"
    )
    assert resp.status_code == 403 and "sign_partline" in str(resp.data["detail"])
    fin = api_for(people["finance"])
    assert "approve" in fin.post(url, {}, format="json").data
    resp = fin.post(url, {"approve": True, "payment": "maybe"}, format="json")
    assert resp.status_code == 400 and "payment" in resp.data
    resp = fin.post(url, {"approve": True}, format="json")  # PRT-1 e/f: paid or unpaid?
    assert resp.status_code == 400 and "payment" in resp.data
    resp = fin.post(url, {"approve": False}, format="json")
    assert resp.status_code == 400 and "comment" in resp.data
    assert PartLine.objects.get().status == LineStatus.REQUESTED
    resp = fin.post(url, {"approve": False, "comment": "不需要"}, format="json")
    assert resp.status_code == 200 and resp.data["status"] == "refused"


def test_prt_1c_the_waiver_through_the_api(api_for, working_order, people, catalogue):
    line = requested(working_order, people, catalogue["parts"]["compressor"], waiver_requested=True)
    resp = api_for(people["finance"]).post(
        f"{LINES}{line.pk}/sign/", {"approve": True, "waiver_approved": True}, format="json"
    )
    assert resp.status_code == 200
    assert (resp.data["charge_rule"], resp.data["amount"], resp.data["payment"]) == (
        ChargeRule.WAIVED,
        "0.00",
        "none",
    )


def test_prt_2_issue_checks_its_input_and_the_rules(
    api_for, working_order, new_order, people, catalogue
):  # noqa: F811
    compressor = catalogue["parts"]["compressor"]
    line = signed(working_order, people, compressor, payment="unpaid")
    keeper = api_for(people["keeper"])
    base = {"order": working_order.pk, "lines": [line.pk], "warehouse": catalogue["central"].pk}

    def issue(**data):
        return keeper.post("/api/slips/issue/", {**base, **data}, format="json")

    assert "lines" in issue(lines=[]).data
    assert "lines" in issue(lines=["a"]).data
    assert "warehouse" in issue(warehouse=999999).data
    assert "serials" in issue(serials={"x": ["C-0001"]}).data
    assert "serials" in issue(serials={str(line.pk): "C-0001"}).data  # a list per line
    resp = issue()  # PRT-2: a valuable part needs its serial
    assert resp.status_code == 400 and "serial_numbers" in resp.data
    resp = issue(warehouse=catalogue["zone"].pk)  # not from the old-part zone
    assert resp.status_code == 400 and "warehouse" in resp.data
    assert not Slip.objects.exists()
    resp = api_for(people["finance"]).post("/api/slips/issue/", base, format="json")
    assert resp.status_code == 403 and "issue_partline" in str(resp.data["detail"])
    resp = issue(serials={str(line.pk): ["C-0002"]}, loan=True)
    assert resp.status_code == 201, resp.data
    assert resp.data["kind"] == "loan" and resp.data["number"].startswith("JC-")
    assert resp.data["lines"][0]["serial_numbers"] == ["C-0002"]
    # a line of another order is refused
    other = signed(in_progress(new_order(), people), people, catalogue["parts"]["seal"])
    resp = issue(lines=[other.pk])
    assert resp.status_code == 400 and "lines" in resp.data


def test_prt_1_nothing_is_issued_before_finance_signs_api(
    api_for, working_order, people, catalogue
):
    line = requested(working_order, people, catalogue["parts"]["sensor"])
    resp = api_for(people["keeper"]).post(
        "/api/slips/issue/",
        {"order": working_order.pk, "lines": [line.pk], "warehouse": catalogue["central"].pk},
        format="json",
    )
    assert resp.status_code == 400 and "only lines signed by finance" in str(resp.data)
    assert not Slip.objects.exists()


def test_prt_3_use_return_and_receive_rights(api_for, working_order, people, catalogue):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    keeper, tech = api_for(people["keeper"]), api_for(people["technician"])
    assert keeper.post(f"{LINES}{line.pk}/use/").status_code == 403
    assert tech.post(f"{LINES}{line.pk}/return/").status_code == 403
    assert tech.post(f"{LINES}{line.pk}/receive-old-part/").status_code == 403
    resp = keeper.post(f"{LINES}{line.pk}/receive-old-part/", {}, format="json")
    assert resp.status_code == 400 and "used first" in str(resp.data)
    resp = keeper.post(f"{LINES}{line.pk}/return/", {"warehouse": "x"}, format="json")
    assert resp.status_code == 400 and "warehouse" in resp.data
    resp = keeper.post(f"{LINES}{line.pk}/return/", {}, format="json")
    assert resp.status_code == 200 and resp.data["status"] == "returned"


def test_prt_2_a_valuable_old_part_comes_back_by_serial_api(
    api_for, working_order, people, catalogue
):
    line = used(
        working_order, people, catalogue, catalogue["parts"]["compressor"], serials=["C-0001"]
    )
    keeper = api_for(people["keeper"])
    url = f"{LINES}{line.pk}/receive-old-part/"
    assert "serial_numbers" in keeper.post(url, {"serial_numbers": "OLD"}, format="json").data
    resp = keeper.post(url, {}, format="json")
    assert resp.status_code == 400 and "serial_numbers" in resp.data
    resp = keeper.post(url, {"serial_numbers": ["OLD-1"]}, format="json")
    assert resp.status_code == 200 and resp.data["old_part_received_at"] is not None


def test_org_3_lines_and_slips_are_read_within_reach(api_for, working_order, people, catalogue):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    requested(working_order, people, catalogue["parts"]["seal"])
    tech = api_for(people["technician"])
    assert tech.get(LINES).data["count"] == 2
    assert tech.get(LINES, {"status": "issued"}).data["count"] == 1
    assert tech.get(LINES, {"part": catalogue["parts"]["seal"].pk}).data["count"] == 1
    assert tech.get(LINES, {"order": working_order.pk}).data["count"] == 2
    outsider = api_for(people["outsider"])
    assert outsider.get(LINES).data["count"] == 0
    assert outsider.get(f"{LINES}{line.pk}/").status_code == 403
    assert outsider.get("/api/slips/").data["count"] == 0
    assert outsider.get(f"/api/slips/{line.slip_id}/").status_code == 403
    assert tech.get(f"/api/slips/{line.slip_id}/").status_code == 200
    assert api_for(people["salesperson"]).get(LINES).status_code == 403
    assert api_for().get(LINES).status_code in (401, 403)


def test_fin_2_receivables_finance_sees_all_a_technician_only_own(
    api_for, working_order, people, catalogue
):
    issued(working_order, people, catalogue, catalogue["parts"]["sensor"], payment="unpaid")
    receivable = Receivable.objects.get()
    fin = api_for(people["finance"])
    rows = fin.get("/api/receivables/").data["results"]
    assert [(r["id"], r["amount"], r["owner"]) for r in rows] == [
        (receivable.pk, "85.00", people["technician"].pk)
    ]
    assert fin.get("/api/receivables/", {"owner": people["finance"].pk}).data["count"] == 0
    assert fin.get("/api/receivables/", {"open": "true"}).data["count"] == 1
    assert api_for(people["technician"]).get("/api/receivables/").data["count"] == 1
    assert api_for(people["branch_manager"]).get("/api/receivables/").data["count"] == 0
    resp = api_for(people["keeper"]).get("/api/receivables/")
    assert resp.status_code == 403 and "view_receivable" in str(resp.data["detail"])


def test_prt_1_the_line_list_costs_the_same_queries_for_2_or_8(
    api_for, working_order, people, catalogue, django_assert_max_num_queries
):
    tech = api_for(people["technician"])
    for _ in range(2):
        issued(working_order, people, catalogue, catalogue["parts"]["seal"])
    with django_assert_max_num_queries(15) as few:
        tech.get(LINES)
        tech.get("/api/slips/")
    for _ in range(6):
        issued(working_order, people, catalogue, catalogue["parts"]["seal"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        lines = tech.get(LINES)
        slips = tech.get("/api/slips/")
    assert lines.data["count"] == 8 and slips.data["count"] == 8
    assert D(lines.data["results"][0]["amount"]) == D("0.00")


def test_prt_1f_fee_4_agree_unpaid_through_the_api(api_for, working_order, people, catalogue):
    """Finance's "unpaid" is a 400 until the order's technician agrees (POST agree-unpaid);
    someone else's agreement is a 403."""
    tech, fin = api_for(people["technician"]), api_for(people["finance"])
    resp = _create(
        tech, working_order, catalogue["parts"]["sensor"], user_caused=True, evidence="摔"
    )
    line_id = resp.data["id"]
    sign = {"approve": True, "payment": "unpaid"}
    refused = fin.post(f"{LINES}{line_id}/sign/", sign, format="json")
    assert refused.status_code == 400 and "payment" in refused.data
    assert PartLine.objects.get(pk=line_id).status == LineStatus.REQUESTED
    assert (
        api_for(people["branch_manager"]).post(f"{LINES}{line_id}/agree-unpaid/").status_code == 403
    )
    agreed = tech.post(f"{LINES}{line_id}/agree-unpaid/")
    assert (
        agreed.status_code == 200 and agreed.data["credit_approved_by"] == people["technician"].pk
    )
    assert fin.post(f"{LINES}{line_id}/sign/", sign, format="json").status_code == 200
