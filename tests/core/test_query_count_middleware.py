"""The X-Query-Count header of the benchmark runner (issue 7): only when switched on."""

import json
import os
import subprocess  # nosec B404 - runs this Python on a fixed snippet
import sys

from django.db import connection
from django.test.utils import CaptureQueriesContext

MIDDLEWARE = "aftersales.core.middleware.QueryCountMiddleware"


def test_no_query_count_header_by_default(people, client_for):
    """Off in production: the header is never sent unless the setting turns it on."""
    response = client_for(people["agent"]).get("/orders/")
    assert response.status_code == 200
    assert "X-Query-Count" not in response.headers


def test_the_header_counts_the_queries_of_the_request(settings, people, client_for):
    """Issue 7 §2: the runner reads each page's SQL query count from the header."""
    settings.AFTERSALES_QUERY_COUNT_HEADER = True
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]
    client = client_for(people["agent"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/orders/")
    assert response.status_code == 200
    assert int(response.headers["X-Query-Count"]) == len(queries) > 0


def test_listed_but_switched_off_it_steps_aside(settings, people, client_for):
    settings.AFTERSALES_QUERY_COUNT_HEADER = False
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]
    response = client_for(people["agent"]).get("/orders/")
    assert response.status_code == 200
    assert "X-Query-Count" not in response.headers


def _middleware_with(env: dict, tmp_path) -> list[str]:
    """MIDDLEWARE of the settings module read afresh in a subprocess with ``env``."""
    code = "import json, aftersales.settings as s; print(json.dumps(s.MIDDLEWARE))"
    base = {k: v for k, v in os.environ.items() if k != "AFTERSALES_QUERY_COUNT_HEADER"}
    out = subprocess.run(  # nosec B603
        [sys.executable, "-c", code],
        env={**base, "AFTERSALES_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_the_environment_variable_adds_it_first(tmp_path):
    assert MIDDLEWARE not in _middleware_with({}, tmp_path)
    assert MIDDLEWARE not in _middleware_with({"AFTERSALES_QUERY_COUNT_HEADER": "0"}, tmp_path)
    assert _middleware_with({"AFTERSALES_QUERY_COUNT_HEADER": "1"}, tmp_path)[0] == MIDDLEWARE
