"""Bad input never breaks the API: every operation in the schema, hostile payloads, no 5xx.

A broad net under the per-endpoint tests (which check the field errors themselves).
"""

import pytest

pytestmark = pytest.mark.django_db

HOSTILE_BODIES = [
    {},
    [],
    "text",
    {"name": "x" * 5000, "code": "y" * 500},
    {"serial_number": None, "owner": "abc", "product_model": -1, "date": "2026-13-45"},
    {"phone": "<script>alert(1)</script>", "credit_code": "' OR 1=1 --", "kind": "🙂"},
    {"start": "not a date", "amount": "NaN", "unit": "x", "year": "9999999999"},
    {"units": "1,2", "customer": {"id": 1}, "start_date": 12, "end_date": [], "months": -5},
    {"parent": 1, "weekday": 9, "opens_at": "25:00", "closes_at": "x", "is_primary": "maybe"},
]
HOSTILE_QUERY = {
    "date": "bad",
    "start": "x",
    "amount": "1e999",
    "year": "x",
    "page": "-1",
    "calendar": "'",
    "org_unit": "9" * 30,
    "search": "%_\\",
}


@pytest.fixture
def demo(transactional_db, django_db_serialized_rollback):
    from aftersales.core.demo import load

    return load()


def test_no_api_operation_answers_5xx_to_hostile_input(api_for, demo):
    api = api_for(demo["people"]["admin"])
    schema = api.get("/api/schema/", {"format": "json"}).json()
    failures, calls = [], 0
    for path, operations in schema["paths"].items():
        concrete = path.replace("{id}", "1").replace("{year}", "2026")
        for method in ("get", "post", "put", "patch"):
            if method not in operations:
                continue
            if method == "get":
                attempts = [api.get(concrete, HOSTILE_QUERY)]
            else:
                attempts = [
                    getattr(api, method)(concrete, body, format="json") for body in HOSTILE_BODIES
                ]
                attempts.append(
                    getattr(api, method)(concrete, "{not json", content_type="application/json")
                )
            for resp in attempts:
                calls += 1
                if resp.status_code >= 500:
                    failures.append((method.upper(), concrete, resp.status_code))
    assert calls > 150
    assert failures == []
