"""The authorisation matrix (issue 6 §1; ORG-2, ORG-3, SEC-5): every page and API endpoint
called as every role persona, anonymously and as people of another branch, each answer
checked against the one declared matrix in ``matrix.py``.

The demo company is loaded once for the module (one transaction, rolled back at the end);
each request runs in a savepoint that is rolled back, so a POST changes nothing the next
request sees. Mismatches are collected and reported together.
"""

from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import PERSONAS
from tests.security import matrix
from tests.security.matrix import ENTRIES, ME, OBJECTS, Entry, Obj

ANONYMOUS = "anonymous"
ALLOWED, DENIED, SIGN_IN = "allowed", "403", "sign-in"


def png() -> bytes:
    """A small real PNG: the upload services judge files by their content."""
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "PNG")
    return out.getvalue()


# --- the URL configuration -------------------------------------------------------------------


def url_patterns() -> dict[str, str]:
    """Every URL pattern outside Django's admin, by name (namespace:name) or, when unnamed,
    by route; the API router's ``.<format>`` variants are the same views and are left out."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if route.startswith("admin/"):
                    continue
                inner = pattern.namespace
                ns = f"{namespace}:{inner}" if namespace and inner else inner or namespace
                walk(pattern.url_patterns, route, ns)
            elif isinstance(pattern, URLPattern):
                if "<format>" in route or "<drf_format_suffix:format>" in route:
                    continue
                name = pattern.name
                key = (f"{namespace}:{name}" if namespace else name) if name else route
                found.setdefault(key, route)

    walk(get_resolver().url_patterns, "", None)
    return found


def test_every_url_has_a_matrix_entry():
    """Issue 6 §1: a URL in the URL configuration (or the API router) without an entry in
    matrix.py fails — a new page or endpoint must say who may use it."""
    declared = {entry.name for entry in ENTRIES}
    missing = sorted(set(url_patterns()) - declared)
    assert missing == [], "URLs without an entry in tests/security/matrix.py: " + ", ".join(missing)


def test_every_matrix_entry_names_a_url_and_known_personas():
    """The matrix names only URLs that exist, personas that exist and objects it defines."""
    urls, personas = set(url_patterns()), set(PERSONAS)
    problems = []
    for entry in ENTRIES:
        if entry.name not in urls:
            problems.append(f"{entry.label}: no such URL")
        for persona in (*entry.allow, *entry.deny, *entry.gaps):
            if persona not in personas:
                problems.append(f"{entry.label}: unknown persona {persona}")
        for name in _object_names(entry):
            if name not in OBJECTS:
                problems.append(f"{entry.label}: unknown object {name}")
    labels = [entry.label for entry in ENTRIES]
    problems += [
        f"{label}: declared twice" for label in sorted(set(labels)) if labels.count(label) > 1
    ]
    assert problems == []


def _object_names(entry: Entry) -> list[str]:
    names = []
    if isinstance(entry.obj, str):
        names.append(entry.obj)
    elif isinstance(entry.obj, dict):
        names.extend(entry.obj.values())
    names.extend(v.name for v in (entry.query or {}).values() if isinstance(v, Obj))
    return names


# --- the personas' rights, from the role table --------------------------------------------------


@dataclass(frozen=True)
class Persona:
    name: str
    username: str
    superuser: bool
    perms: frozenset[str]
    reaches_hangzhou: bool


def personas() -> dict[str, Persona]:
    """Each persona's rights and reach, read from the role table and the demo's people (the
    tables the app itself is built from), not from what the app answers."""
    from aftersales.accounts.demo import HQ_DEPARTMENTS, PEOPLE
    from aftersales.accounts.roles import ROLES_BY_CODE

    hq_units = {"HQ", *(code for code, _name in HQ_DEPARTMENTS)}
    people = {username: (unit, roles) for username, _n, unit, _r, roles in PEOPLE}
    people["admin"] = ("HQ", ["administrator"])  # the demo's superuser
    found = {}
    for persona, username in PERSONAS.items():
        unit, roles = people[username]
        perms = frozenset(p for code in roles for p in ROLES_BY_CODE[code].permissions)
        wide = any(ROLES_BY_CODE[code].wide_reach for code in roles)
        # ORG-3: HQ roles see every unit; others their own unit (the Hangzhou branch here).
        reaches = (wide and unit in hq_units) or unit == "BR-HZ"
        found[persona] = Persona(persona, username, username == "admin", perms, reaches)
    return found


def holds(persona: Persona, rule: matrix.Rule) -> bool:
    if rule.kind in ("public", "login"):
        return True
    if rule.kind == "superuser":
        return persona.superuser
    if rule.kind == "personal":
        return False  # only the persons the entry allows
    if persona.superuser:
        return True
    held = [p in persona.perms for p in rule.perms]
    return all(held) if rule.kind == "all" else any(held)


def expected(entry: Entry, persona: Persona | None) -> str:
    """The answer the matrix asks for: allowed, 403, or the sign-in."""
    if persona is None:
        return ALLOWED if entry.rule is matrix.PUBLIC else SIGN_IN
    if persona.name in entry.deny:
        return DENIED
    if persona.name in entry.allow:
        return ALLOWED
    if not holds(persona, entry.rule):
        return DENIED
    if entry.reach and not persona.reaches_hangzhou:
        return DENIED
    return ALLOWED


def test_personas_rights_come_from_the_role_table():
    """The expansion itself: a few facts of the role table, so a broken reading fails here."""
    found = personas()
    assert found["admin"].superuser and found["admin"].reaches_hangzhou
    assert "service.dispatch_serviceorder" in found["agent"].perms
    assert "service.dispatch_serviceorder" not in found["technician"].perms
    assert found["technician"].reaches_hangzhou and found["branch_manager"].reaches_hangzhou
    assert not found["outsider"].reaches_hangzhou
    assert not found["service_centre"].reaches_hangzhou
    assert found["finance"].reaches_hangzhou  # HQ, wide reach
    entry = matrix.GET("x", matrix.PERM("service.view_serviceorder"), reach=True)
    assert expected(entry, found["outsider"]) == DENIED
    assert expected(entry, found["salesperson"]) == ALLOWED
    assert expected(entry, None) == SIGN_IN


# --- the demo company, loaded once -------------------------------------------------------------


@pytest.fixture(scope="module")
def matrix_media(tmp_path_factory):
    return tmp_path_factory.mktemp("matrix-media")


@pytest.fixture(autouse=True)
def media_root(settings, matrix_media):
    """The module's uploads (the demo's signatures) stay where the demo wrote them."""
    settings.MEDIA_ROOT = matrix_media
    return matrix_media


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, matrix_media):
    """The demo company and the few records it lacks, in one transaction rolled back when
    the module is done — loaded once for all the matrix tests of a worker."""
    from aftersales.core.demo import load

    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=matrix_media):
        atomic = transaction.atomic()
        atomic.__enter__()  # spans the module's tests: each test's own atomic nests in it
        try:
            ctx = load()
            _add_missing_records(ctx)
            yield ctx
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _add_missing_records(ctx: dict) -> None:
    """Records a URL needs that the demo has not — an order's photo and paper voucher, an
    exchange form's file, an inquiry on a Hangzhou order, an API token, everyone's own
    notification, an access-log line — made through the services (the paper voucher, a
    plain file of the order, directly)."""
    from django.core.files.base import ContentFile
    from django.test import RequestFactory

    from aftersales.accounts.models import User
    from aftersales.accounts.services import issue_api_token
    from aftersales.audit.services import record_access
    from aftersales.customers.models import Customer
    from aftersales.exchanges import services as exchange_services
    from aftersales.notifications.models import Topic
    from aftersales.notifications.services import notify
    from aftersales.parts import purchasing
    from aftersales.service import services as service_services

    users = {u.username: u for u in User.objects.all()}
    tech, seller = users["hz_jishi"], users["hz_xiaoshou"]
    order = _lookup("order", None)
    service_services.add_attachment(actor=tech, order=order, content=png(), name="photo.png")
    completed = _lookup("order_completed", None)
    completed.paper_voucher.save("matrix-paper-voucher.png", ContentFile(png()), save=True)
    draft = _lookup("exchange_draft", None)
    exchange_services.add_attachment(actor=seller, request=draft, content=png(), name="a.png")
    purchasing.ask_purchasing(actor=tech, order=order, quantity=1, description="matrix gasket")
    notify(users.values(), topic=Topic.ORDER_ASSIGNED, title="matrix")
    issue_api_token(actor=tech, user=tech, name="matrix")
    request = RequestFactory().get("/customers/")
    request.user = users["admin"]
    record_access(request, "view", Customer.objects.order_by("pk").first())


def _lookup(name: str, user):
    """The first record (by id) of ``OBJECTS[name]``; ME is the persona's own."""
    label, filters = OBJECTS[name]
    model = apps.get_model(label)
    if user is None:
        filters = {k: v for k, v in filters.items() if v != ME}
    else:
        filters = {k: (user if v == ME else v) for k, v in filters.items()}
    found = model.objects.filter(**filters).order_by("pk").first()
    if found is None:
        raise LookupError(f"no {label} with {filters}")
    return found


# --- calling the URLs -----------------------------------------------------------------------------

LOGIN_PATH = None


def _login_path() -> str:
    global LOGIN_PATH
    if LOGIN_PATH is None:
        LOGIN_PATH = reverse(settings.LOGIN_URL)
    return LOGIN_PATH


def classify(status: int, location: str, *, api: bool, anonymous: bool) -> str:
    if status in (301, 302, 303, 307, 308):
        return SIGN_IN if location.split("?")[0].endswith(_login_path()) else ALLOWED
    if status == 401 or (status == 403 and api and anonymous):
        return SIGN_IN
    if status == 403:
        return DENIED
    # 400: an empty form or body refused with field errors — the person got past the checks.
    if 200 <= status < 300 or status == 400:
        return ALLOWED
    return str(status)


class MatrixClient(Client):
    """The test client without the copy of every rendered template's context (the matrix
    reads the status and the Location only). A view's exception comes back as the site's
    500 page; ``Caller.diagnose`` calls again to name it."""

    def request(self, **request):
        response = self.handler(self._base_environ(**request))
        if response.streaming:
            # Read to the end, as a server would: a file's handle is released and a streamed
            # export's queries run now, inside the request's savepoint.
            for _chunk in response.streaming_content:
                pass
        if response.cookies:
            self.cookies.update(response.cookies)
        return response


class Caller:
    """One signed-in (or anonymous) test client per persona, and the URL of each entry."""

    def __init__(self, ctx: dict):
        from aftersales.accounts.models import User

        self.ctx = ctx
        self.users = {u.username: u for u in User.objects.filter(username__in=PERSONAS.values())}
        self.clients: dict[str, Client] = {}
        self.sessions: dict[str, str] = {}
        self.objects: dict[tuple, object] = {}

    def client(self, persona: str) -> Client:
        if persona not in self.clients:
            client = MatrixClient(HTTP_ACCEPT_LANGUAGE="en")
            if persona != ANONYMOUS:
                client.force_login(self.users[PERSONAS[persona]])
                self.sessions[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
            self.clients[persona] = client
        return self.clients[persona]

    def value(self, name: str, persona: str):
        if name == "survey_token":
            return self.ctx["survey_tokens"]["waiting"]
        user = None if persona == ANONYMOUS else self.users[PERSONAS[persona]]
        own = any(v == ME for v in OBJECTS[name][1].values())
        key = (name, persona if own else None)
        if key not in self.objects:
            self.objects[key] = _lookup(name, user if own else None).pk
        return self.objects[key]

    def url(self, entry: Entry, persona: str) -> str:
        kwargs = dict(entry.kwargs)
        obj = {"pk": entry.obj} if isinstance(entry.obj, str) else (entry.obj or {})
        for kwarg, name in obj.items():
            kwargs[kwarg] = self.value(name, persona)
        path = reverse(entry.name, kwargs=kwargs or None)
        if entry.query:
            query = {
                k: (self.value(v.name, persona) if isinstance(v, Obj) else v)
                for k, v in entry.query.items()
            }
            path = f"{path}?{urlencode(query)}"
        return path

    def _send(self, client: Client, entry: Entry, url: str):
        if entry.rule is matrix.PUBLIC:
            cache.clear()  # the public pages' rate limits count in the cache
        kwargs = {}
        if entry.method != "GET":
            kwargs = {"data": entry.data or {}}
            if entry.is_api and not entry.multipart:
                kwargs["content_type"] = "application/json"
        with transaction.atomic():
            try:
                return getattr(client, entry.method.lower())(url, **kwargs)
            finally:
                transaction.set_rollback(True)

    def call(self, entry: Entry, persona: str) -> tuple[int, str, str]:
        """(status, Location, URL) of the entry's request, in a savepoint rolled back."""
        client = self.client(persona)
        url = self.url(entry, persona)
        response = self._send(client, entry, url)
        # A logout (or a password change) must not sign the persona out for the next call.
        if persona in self.sessions:
            client.cookies = SimpleCookie({settings.SESSION_COOKIE_NAME: self.sessions[persona]})
        return response.status_code, response.get("Location", ""), url

    def diagnose(self, entry: Entry, persona: str) -> str:
        """The exception behind a 5xx, from the same request by Django's own test client."""
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        if persona in self.sessions:
            client.cookies = SimpleCookie({settings.SESSION_COOKIE_NAME: self.sessions[persona]})
        try:
            self._send(client, entry, self.url(entry, persona))
        except Exception as exc:  # noqa: BLE001 — the point is to name it
            return f"{type(exc).__name__}: {exc}"
        return "no exception raised"


_SCHEMA: dict = {}


def _public_schema_once():
    """The public OpenAPI schema is the same for every caller: made once per process (it
    takes seconds) — each persona's request still goes through the schema view's checks."""
    from unittest import mock

    from drf_spectacular.generators import SchemaGenerator

    original = SchemaGenerator.get_schema

    def get_schema(self, request=None, public=False):
        if not public:
            return original(self, request=request, public=public)
        if "schema" not in _SCHEMA:
            _SCHEMA["schema"] = original(self, request=request, public=public)
        return _SCHEMA["schema"]

    return mock.patch.object(SchemaGenerator, "get_schema", get_schema)


@dataclass
class Outcome:
    requests: int = 0
    mismatches: list = field(default_factory=list)
    known: list = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    cost: dict = field(default_factory=dict)  # CPU seconds per entry


def compare(entry: Entry, name: str, want: str, got: str, where: str, outcome: Outcome) -> None:
    gap = entry.gaps.get(name)
    if gap is None:
        if got != want:
            outcome.mismatches.append(f"{entry.label} as {name}: want {want}, got {got} {where}")
    elif got == want:
        outcome.mismatches.append(
            f"{entry.label} as {name}: the known gap is closed ({got}) — "
            "remove its KNOWN_GAP from matrix.py"
        )
    elif got in (ALLOWED, DENIED):
        outcome.known.append(f"{entry.label} as {name}: {got} — {gap.reason}")
    else:
        outcome.mismatches.append(f"{entry.label} as {name}: want {want}, got {got} {where}")


def run(ctx: dict, names: list[str]) -> Outcome:
    """Every entry as each of ``names`` (personas or "anonymous")."""
    found = personas()
    caller = Caller(ctx)
    outcome = Outcome()
    started, cpu_started = time.monotonic(), time.process_time()
    request_logger = logging.getLogger("django.request")
    level = request_logger.level
    request_logger.setLevel(logging.CRITICAL)  # the 403s and 404s are the point, not noise
    try:
        with _public_schema_once():
            for entry in ENTRIES:
                for name in names:
                    persona = None if name == ANONYMOUS else found[name]
                    want = expected(entry, persona)
                    tick = time.process_time()
                    try:
                        status, location, url = caller.call(entry, name)
                    except LookupError as exc:  # the URL's object is missing from the demo
                        outcome.mismatches.append(f"{entry.label} as {name}: {exc}")
                        continue
                    outcome.requests += 1
                    cost = outcome.cost.get(entry.label, 0.0)
                    outcome.cost[entry.label] = cost + time.process_time() - tick
                    got = classify(status, location, api=entry.is_api, anonymous=persona is None)
                    if entry.signs_out and got == SIGN_IN:
                        got = ALLOWED
                    where = f"({status} {url})"
                    if status >= 500:
                        where += " " + caller.diagnose(entry, name)
                    compare(entry, name, want, got, where, outcome)
    finally:
        request_logger.setLevel(level)
    outcome.seconds = time.monotonic() - started
    outcome.cpu_seconds = time.process_time() - cpu_started
    return outcome


def check(ctx: dict, names: list[str]) -> None:
    outcome = run(ctx, names)
    print(
        f"\nauthorisation matrix: {len(ENTRIES)} entries × {len(names)} personas "
        f"({', '.join(names)}): {outcome.requests} requests in {outcome.seconds:.1f} s "
        f"({outcome.cpu_seconds:.1f} s CPU), "
        f"{len(outcome.mismatches)} mismatches, {len(outcome.known)} known gaps"
    )
    for line in outcome.known:
        print("  known gap:", line)
    if os.environ.get("MATRIX_COST"):  # where the time goes: the costliest entries
        for label, cost in sorted(outcome.cost.items(), key=lambda kv: -kv[1])[:30]:
            print(f"  {cost:6.2f} s CPU  {label}")
    assert outcome.mismatches == [], "\n" + "\n".join(outcome.mismatches)


# The personas in groups of about equal work: xdist gives each group its own worker.
HQ_A = ["admin", "agent", "info_manager", "company_manager", "finance"]
HQ_B = ["keeper", "engineer", "office", "supervisor", "specialist"]
BRANCH = ["branch_manager", "technician", "salesperson", ANONYMOUS]
OTHER_BRANCHES = ["outsider", "service_centre"]


def test_persona_groups_cover_every_persona():
    assert sorted(HQ_A + HQ_B + BRANCH + OTHER_BRANCHES) == sorted([*PERSONAS, ANONYMOUS])


def test_matrix_hq_roles_a(demo, db):
    """ORG-2: administrator, customer service, information manager, company manager,
    finance — each page and endpoint answers as the matrix declares."""
    check(demo, HQ_A)


def test_matrix_hq_roles_b(demo, db):
    """ORG-2: warehouse keeper, technical engineer, sales office, market supervision,
    complaint specialist."""
    check(demo, HQ_B)


def test_matrix_hangzhou_branch_and_anonymous(demo, db):
    """ORG-2, ORG-3: the Hangzhou branch manager, technician and salesperson on their own
    branch's records; anonymous callers are sent to sign in (API: 401/403)."""
    check(demo, BRANCH)


def test_org_3_other_branches_get_a_clear_403(demo, db):
    """ORG-3: the Nanjing branch manager and the Ningbo service centre, on every detail,
    edit, action, PDF and export URL of a Hangzhou record: 403 (never 404, never 200); the
    other URLs as the matrix declares for their roles."""
    check(demo, OTHER_BRANCHES)


def test_matrix_covers_every_object_url_with_reach():
    """ORG-3: every entry whose URL takes the id of a branch record checks reach — the
    objects of OBJECTS that belong to no unit (catalogue, calendar, web requests, one's own
    notifications and tokens) are the only ones left without."""
    unitless = {
        "region",
        "calendar_day",
        "working_hours",
        "category",
        "product_model",
        "fault_type",
        "part",
        "part_price",
        "labour_rate",
        "web_request",
        "notification",
        "api_token",
        "access_entry",
        "survey_token",
        "cash_handover",  # a technician's hand-over to HQ finance: the people, not a unit
    }
    missing = [
        entry.label
        for entry in ENTRIES
        if any(name not in unitless for name in _object_names(entry))
        and not entry.reach
        and not re.match(r"^(GET|POST) (public|survey):", entry.label)
    ]
    assert missing == []
