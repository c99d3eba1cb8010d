import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_openapi_schema_is_valid_and_generates_without_warnings(tmp_path):
    """Every endpoint is described: drf-spectacular validates and fails on any warning."""
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in ("/api/customers/", "/api/units/{id}/entitlement/", "/api/calendar/deadline/"):
        assert f"{path}:" in text


def test_a_service_error_becomes_400_with_field_errors():
    """The shared handler turns a domain error into DRF's field-error shape."""
    from aftersales.api.exceptions import exception_handler
    from aftersales.core.exceptions import ServiceError

    resp = exception_handler(ServiceError({"phone": "bad", "__all__": ["x", "y"]}), {})
    assert resp.status_code == 400
    assert resp.data == {"phone": ["bad"], "non_field_errors": ["x", "y"]}
    resp = exception_handler(ServiceError("plain"), {})
    assert resp.data == {"non_field_errors": ["plain"]}
