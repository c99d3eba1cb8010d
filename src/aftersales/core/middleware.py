"""Measurement middleware for the benchmark runner (issue 7): never on in production.

``QueryCountMiddleware`` counts the SQL queries a request runs on the default database and
sends the count in an ``X-Query-Count`` response header, so ``bench/run.py`` can report the
queries of each page it measures through a real server. settings.py adds it to MIDDLEWARE
only when the environment sets ``AFTERSALES_QUERY_COUNT_HEADER=1``; even when listed, it
steps aside (MiddlewareNotUsed) unless that setting is on.
"""

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import connection

HEADER = "X-Query-Count"


class QueryCountMiddleware:
    def __init__(self, get_response):
        if not getattr(settings, "AFTERSALES_QUERY_COUNT_HEADER", False):
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response[HEADER] = str(count)
        return response
