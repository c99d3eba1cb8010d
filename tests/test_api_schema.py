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
