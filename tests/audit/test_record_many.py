"""record_many (issue 7: the SLA sweep's audit rows, written as plain rows without model
instances) writes the rows record writes: same fields, same changes, the time of the call
(SEC-1)."""

import pytest
from django.utils import timezone

from aftersales.audit.models import AuditEntry
from aftersales.audit.services import record, record_many

pytestmark = pytest.mark.django_db

FIELDS = ("actor_id", "actor_name", "action", "content_type_id", "object_id", "object_repr")
FIELDS += ("changes", "note")


def _calls(people, org):
    unit = org["units"]["BR-NJ"]
    admin = people["admin"]
    return [
        # a service write by a person, with explicit before and after (JSON of every kind)
        {
            "obj": unit,
            "action": "test.changed",
            "actor": admin,
            "before": {"sla.REQ-5": None, "level": 0, "names": ["甲", "乙"], "same": 1},
            "after": {"sla.REQ-5": "2026-01-02T03:04:05+08:00", "level": 1, "same": 1},
            "note": 'REQ-5：维修时限 · "quoted" \\ back\tslash\nline',
        },
        # the system, with the object's snapshot as the after state
        {"obj": people["technician"], "action": "test.created", "actor": None},
        # a named non-user actor, and a deletion
        {"obj": unit, "action": "test.deleted", "actor": "import job", "deleted": True},
    ]


def _row(entry):
    return {name: getattr(entry, name) for name in FIELDS}


def test_sec_1_issue_7_record_many_writes_the_rows_record_writes(people, org):
    calls = _calls(people, org)
    expected = [_row(record(**call)) for call in calls]
    singles = set(
        AuditEntry.objects.filter(action__startswith="test.").values_list("pk", flat=True)
    )

    before = timezone.now()
    assert record_many(calls) == 3
    after = timezone.now()

    written = list(
        AuditEntry.objects.filter(action__startswith="test.").exclude(pk__in=singles).order_by("pk")
    )
    assert [_row(entry) for entry in written] == expected
    # one time for the whole call, stored as an aware time at the moment of the call
    assert len({entry.at for entry in written}) == 1
    assert before <= written[0].at <= after
    # the JSON is the diff record makes, read back as JSON (not a string)
    assert written[0].changes == {
        "sla.REQ-5": [None, "2026-01-02T03:04:05+08:00"],
        "level": [0, 1],
        "names": [["甲", "乙"], None],
    }
    assert written[0].actor == people["admin"] and written[0].actor_name == "admin"
    assert written[1].actor is None and written[1].actor_name == "system"
    assert written[2].actor_name == "import job" and written[2].changes == {}


def test_sec_1_issue_7_record_many_of_nothing_writes_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert record_many([]) == 0


def test_sec_1_issue_7_rows_written_after_record_many_get_new_ids(people, org):
    """The ids of record_many's rows are not handed out again (PostgreSQL writes them with
    COPY, which takes them from the table's own sequence)."""
    record_many(_calls(people, org))
    last = AuditEntry.objects.order_by("-pk").first()
    entry = record(org["units"]["BR-NJ"], "test.after", actor=None)
    assert entry.pk > last.pk
