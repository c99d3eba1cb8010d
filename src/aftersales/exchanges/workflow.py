"""The one table of the exchange form's states (EXC-1…EXC-4, SEC-5).

::

    draft / returned ──submit (filler)──▶ regional_head
    regional_head ──approve (approve_as_regional_head)──▶ office
    office ──approve (check_as_office)──▶ general_manager
    general_manager ──approve (decide_as_general_manager)──▶ approved
    any review step ──reject──▶ rejected (final) · ──return──▶ returned (filler edits, resubmits)
    approved ──receive (receive_exchange_goods)──▶ received
    received ──ledger (write_exchange_ledger; exchange, transfer)──▶ done
    received ──refund (refund_exchange; return)──▶ received, or done when fully refunded
    received ──finish──▶ done          draft / returned ──cancel──▶ cancelled

Statuses change only through ``exchanges.services``, which look the step up here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from aftersales.exchanges.models import ApprovalStep, RequestKind, RequestStatus

ADD = "exchanges.add_exchangerequest"
CHANGE = "exchanges.change_exchangerequest"
VIEW = "exchanges.view_exchangerequest"
VIEW_LEDGER = "exchanges.view_ledgerentry"
APPROVE_REGIONAL = "exchanges.approve_as_regional_head"
CHECK_OFFICE = "exchanges.check_as_office"
DECIDE_GM = "exchanges.decide_as_general_manager"
RECEIVE = "exchanges.receive_exchange_goods"
REFUND = "exchanges.refund_exchange"
LEDGER = "exchanges.write_exchange_ledger"

# Where the filler works on the form.
EDITABLE = (RequestStatus.DRAFT, RequestStatus.RETURNED)
# Where nothing more happens.
FINAL = (RequestStatus.REJECTED, RequestStatus.DONE, RequestStatus.CANCELLED)
# The kinds that end with a replacement and a ledger row; a return ends with a refund.
LEDGER_KINDS = (RequestKind.EXCHANGE, RequestKind.TRANSFER)


@dataclass(frozen=True)
class Review:
    """One signature of the chain: the status it is given in, the right it needs, the
    status an approval leads to."""

    status: str
    step: str
    perm: str
    next_status: str


# The chain, in order (EXC-1): regional market head → office → general manager.
CHAIN: list[Review] = [
    Review(
        RequestStatus.REGIONAL_HEAD,
        ApprovalStep.REGIONAL_HEAD,
        APPROVE_REGIONAL,
        RequestStatus.OFFICE,
    ),
    Review(RequestStatus.OFFICE, ApprovalStep.OFFICE, CHECK_OFFICE, RequestStatus.GENERAL_MANAGER),
    Review(
        RequestStatus.GENERAL_MANAGER,
        ApprovalStep.GENERAL_MANAGER,
        DECIDE_GM,
        RequestStatus.APPROVED,
    ),
]
REVIEW_BY_STATUS = {review.status: review for review in CHAIN}
REVIEW_BY_STEP = {review.step: review for review in CHAIN}
REVIEW_PERMS = [review.perm for review in CHAIN]


def review_for(status: str) -> Review | None:
    """The signature a form in ``status`` waits for, or None when it waits for none."""
    return REVIEW_BY_STATUS.get(status)


def is_reviewer(user) -> bool:
    return any(user.has_perm(perm) for perm in REVIEW_PERMS)


def region_chain(region) -> list[int]:
    """The region and the regions above it (浙江 → 华东): a head of any of them signs."""
    ids, seen = [], set()
    while region is not None and region.pk not in seen:
        seen.add(region.pk)
        ids.append(region.pk)
        region = region.parent
    return ids


def waiting_for(user) -> Q:
    """The forms at a step ``user`` holds the right for (the "waiting for me" tab); the
    regional head's by region, the segregation of duties is the service's to check."""
    condition = Q(pk__in=[])
    if user.has_perm(APPROVE_REGIONAL) and user.region_id:
        condition |= Q(
            status=RequestStatus.REGIONAL_HEAD,
            org_unit__region_id__in=user.region.descendant_ids(),
        )
    if user.has_perm(CHECK_OFFICE):
        condition |= Q(status=RequestStatus.OFFICE)
    if user.has_perm(DECIDE_GM):
        condition |= Q(status=RequestStatus.GENERAL_MANAGER)
    if user.has_perm(RECEIVE):
        condition |= Q(status=RequestStatus.APPROVED)
    if user.has_perm(LEDGER):
        condition |= Q(status=RequestStatus.RECEIVED, kind__in=LEDGER_KINDS)
    if user.has_perm(REFUND):
        condition |= Q(status=RequestStatus.RECEIVED, kind=RequestKind.RETURN)
    if user.has_perm(CHANGE):
        condition |= Q(status=RequestStatus.RETURNED, created_by=user) | Q(
            status=RequestStatus.DRAFT, created_by=user
        )
    return condition
