"""The API's page numbers: counts that stop where counting gets expensive (issue 7)."""

from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from aftersales.core.listing import CappedPaginator


class ApiCappedPaginator(CappedPaginator):
    cap = 10_000


class CappedPageNumberPagination(PageNumberPagination):
    """Page-number pagination whose ``count`` is exact up to 10 000 rows past the page asked
    for; beyond, ``count_is_floor`` is true and ``count`` is the floor it exceeds. ``next``
    is always right, so a client reads on until it is null."""

    django_paginator_class = ApiCappedPaginator

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response(
            {
                "count": paginator.shown_count,
                "count_is_floor": paginator.capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        properties = response["properties"]
        properties["count"]["description"] = (
            "Rows in all pages, exact unless count_is_floor: then at least this many."
        )
        ordered = {"count": properties.pop("count")}
        ordered["count_is_floor"] = {
            "type": "boolean",
            "description": "True when there are more rows than count (counting stopped).",
            "example": False,
        }
        ordered.update(properties)
        response["properties"] = ordered
        response["required"] = ["count", "count_is_floor", "results"]
        return response
