"""The charges tests' shared fixtures (the parts catalogue and orders of the parts tests)."""

from tests.parts.fixtures import catalogue, make_order, working_order  # noqa: F401
from tests.service.conftest import hz_customer, hz_unit, new_order  # noqa: F401
