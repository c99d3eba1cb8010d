"""The access-log tests look at the customer files of the customer tests."""

from tests.customers.conftest import hz_customer, nj_customer  # noqa: F401
