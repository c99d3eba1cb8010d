"""Hostile input on the pages anyone can reach (issue 6 §4, REQ-1, FUP-2, SEC-4): the web
repair form (/repair/), its API twin (/api/public/repair-requests/), the status and thank-you
pages, and the survey page (/survey/<token>/).

Fuzzed with hypothesis (derandomized: the same cases on every run) and a fixed list of nasty
strings: HTML/JS (<script>, onerror=, javascript: URLs), SQL-looking text, template and
format strings, emoji and astral-plane CJK, NUL and control characters, RTL marks, spreadsheet
formulas, 10 MB text, wrong content types, missing and duplicated fields, invalid UTF-8.

Asserted: no 5xx, ever; nothing stored that is shown unescaped on the staff pages that display
it (intake queue, web request page, order page, survey page); the order's PDF voucher and the
Excel downloads are still produced. The rate limits are raised in these tests (they must not
be what makes them pass); one test checks the 429 answers on their own.
"""

from __future__ import annotations

import io
import re
import time
from urllib.parse import quote, urlencode

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from aftersales.followup.models import Survey
from aftersales.service import public, services
from aftersales.service.models import WebRequest
from tests.followup import survey_fixtures as fx
from tests.followup.conftest import completed_order, make_completed  # noqa: F401
from tests.service.conftest import hz_customer, hz_unit, new_order  # noqa: F401

pytestmark = pytest.mark.django_db

outbox, send_now, sent_survey = fx.outbox, fx.send_now, fx.sent_survey

NASTY = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "javascript:alert(document.cookie)",
    '<a href="javascript:alert(1)">点我</a>',
    "' OR '1'='1' --",
    "1; DROP TABLE service_webrequest; --",
    "%s%s%n %(name)s {0} {{7*7}} ${7*7} {% debug %}",
    '=HYPERLINK("http://evil.example","点")',
    "+cmd|' /C calc'!A0",
    "🙂👍🏽 👨‍👩‍👧 家",
    "𠀀𪚥𡃁𤆍 𠮷野家",
    "\u202eevil.exe\u202c \u200f\u200e\u2066x\u2069",
    "a\x00b",
    "tab\tform\x0cfeed\x0bvt\x1besc\x7fdel",
    "Ｆｕｌｌｗｉｄｔｈ　ｓｐａｃｅ",
    "   ",
    "",
    "x" * 2001,
]
# Markup that must never reach a staff page as markup (it may appear escaped as text).
RAW_MARKUP = re.compile(r"<script>alert|<img src=x|<svg/onload|<a href=\"javascript", re.I)

# hypothesis: nasty strings, and any text (NUL, controls, astral planes; no lone surrogates,
# which cannot travel in UTF-8).
TEXT = st.one_of(st.sampled_from(NASTY), st.text(max_size=300))
VALUE = st.one_of(TEXT, st.lists(TEXT, min_size=2, max_size=3))  # a list: a duplicated field
FUZZ = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    # The database fixture is reset per test, not per example: the examples pile up their
    # requests on purpose (the staff pages then show them all).
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
REPAIR_FIELDS = [
    "name",
    "phone",
    "address",
    "product_text",
    "serial_number",
    "order_type",
    "description",
]
TEN_MB = 10 * 1024 * 1024


@pytest.fixture(autouse=True)
def generous_limits(settings):
    """The limiter is not what makes these tests pass: it is raised, and its counts start
    empty (test_the_public_limits_answer_429_with_a_clear_message checks it)."""
    settings.AFTERSALES_PUBLIC_RATE = "100000/h"
    settings.AFTERSALES_STATUS_RATE = "100000/h"
    settings.AFTERSALES_SURVEY_RATE = "100000/h"
    cache.clear()
    yield
    cache.clear()


def aged_token() -> str:
    """The repair form's timing token as handed out a minute ago (a person's pace)."""
    return signing.dumps({"t": int(time.time() - 60)}, salt=public.TOKEN_SALT)


def valid_form() -> dict:
    return {
        "name": "李女士",
        "phone": "13812345678",
        "address": "杭州市上城区解放路 10 号",
        "product_text": "空气能热水器",
        "serial_number": "",
        "order_type": "repair",
        "description": "热水器不制热",
    }


@st.composite
def repair_input(draw) -> dict:
    """A mostly valid request with a few fields replaced by hostile values or dropped."""
    data = valid_form()
    for name in draw(st.sets(st.sampled_from(REPAIR_FIELDS), max_size=4)):
        data[name] = draw(VALUE)
    for name in draw(st.sets(st.sampled_from(REPAIR_FIELDS), max_size=2)):
        data.pop(name)
    return data


def no_5xx(response, what: str = "") -> None:
    assert response.status_code < 500, f"{response.status_code} for {what}"


def not_raw(html: str, values) -> None:
    """Stored text shows as text: no nasty markup as markup, and no user value containing a
    tag opening appears verbatim (escaped it would read &lt;…)."""
    assert not RAW_MARKUP.search(html), RAW_MARKUP.search(html).group(0)
    for value in values:
        if re.search(r"<[A-Za-z/!?]", value or "") and len(value) >= 6:
            assert value not in html, f"unescaped: {value!r}"


def shown_escaped_to_staff(client_for, people, hz_customer, requests) -> None:  # noqa: F811
    """Every stored web request on the intake queue, its own page and — accepted into an
    order — the order page and the printable voucher, as the HQ agent sees them."""
    agent = client_for(people["agent"])
    values = [v for r in requests for v in (r.name, r.address, r.description, r.product_text)]
    for page in range(1, len(requests) // 25 + 2):  # the queue shows 25 a page
        queue = agent.get("/orders/requests/", {"page": page})
        assert queue.status_code == 200
        not_raw(queue.content.decode(), values)
    for req in requests:
        detail = agent.get(f"/orders/requests/{req.pk}/")
        assert detail.status_code == 200
        not_raw(detail.content.decode(), [req.name, req.address, req.description])
        order = services.accept_web_request(
            actor=people["agent"], request_obj=req, customer=hz_customer, confirm_duplicate=True
        )
        page = agent.get(f"/orders/{order.pk}/")
        assert page.status_code == 200
        not_raw(page.content.decode(), [req.name, req.address, req.description])
        pdf = agent.get(f"/orders/{order.pk}/voucher.pdf")
        assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")


# --- the web repair form ------------------------------------------------------------------


def test_req_1_repair_form_fuzzed_never_5xx_and_stored_text_shows_escaped(
    client_for,
    people,
    hz_customer,  # noqa: F811
):
    """REQ-1, issue 6 §4: the form as multipart and as urlencoded, hostile values, missing
    and duplicated fields: a form error or the thank-you page, never a 5xx; what is stored
    is text everywhere staff see it."""
    visitor = Client(headers={"accept-language": "en"})
    answers: dict[int, int] = {}

    @FUZZ
    @given(data=repair_input(), urlencoded=st.booleans())
    def send(data, urlencoded):
        body = {**data, public.TOKEN_FIELD: aged_token(), public.HONEYPOT_FIELD: ""}
        if urlencoded:
            response = visitor.post(
                "/repair/",
                urlencode(body, doseq=True),
                content_type="application/x-www-form-urlencoded",
            )
        else:
            response = visitor.post("/repair/", body)
        no_5xx(response, repr(data)[:300])
        answers[response.status_code] = answers.get(response.status_code, 0) + 1
        if response.status_code == 200:  # the form again, with the input kept: escaped
            not_raw(response.content.decode(), [v for v in data.values() if isinstance(v, str)])

    send()
    stored = list(WebRequest.objects.order_by("pk"))
    # Both outcomes happened: refused with form errors, and kept.
    assert answers.get(200) and answers.get(302) and len(stored) == answers[302]
    shown_escaped_to_staff(client_for, people, hz_customer, stored)


@pytest.mark.parametrize("value", NASTY, ids=range(len(NASTY)))
def test_req_1_each_nasty_string_in_each_field_is_refused_or_kept_as_text(value):
    """Every nasty string in every text field of the form: a form error or stored exactly
    as text (stripped), never a 5xx."""
    visitor = Client()
    for field in ("name", "address", "product_text", "serial_number", "description"):
        body = {**valid_form(), field: value, public.TOKEN_FIELD: aged_token()}
        response = visitor.post("/repair/", body)
        no_5xx(response, f"{field}={value!r}")
        if response.status_code == 302:
            kept = WebRequest.objects.latest("pk")
            expected = value.strip().upper() if field == "serial_number" else value.strip()
            assert getattr(kept, field) == expected


def test_req_1_repair_form_wrong_content_types_and_encodings_are_refused_kindly():
    """JSON, text/plain, XML, a broken multipart body and invalid UTF-8 sent to the HTML
    form: the form with its errors (nothing stored), never a 5xx."""
    visitor = Client()
    token = aged_token()
    bodies = [
        ("application/json", b'{"name": "x", "phone": "13812345678"}'),
        ("text/plain", b"name=x&phone=13812345678"),
        ("application/xml", b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>"),
        ("multipart/form-data; boundary=zz", b"--zz\r\nbroken"),
        ("multipart/form-data", b"no boundary at all"),
        ("application/x-www-form-urlencoded", b"name=%ff%fe%fa&phone=%00&description=%c3%28"),
        ("application/x-www-form-urlencoded", b"\xff\xfe\xfa\x00" * 100),
        (
            "application/x-www-form-urlencoded; charset=utf-16",
            urlencode({**valid_form(), public.TOKEN_FIELD: token}).encode(),
        ),
    ]
    for content_type, raw in bodies:
        response = visitor.post("/repair/", raw, content_type=content_type)
        no_5xx(response, content_type)
        assert response.status_code in (200, 400), (content_type, response.status_code)
    assert not WebRequest.objects.exists()


def test_req_1_a_10_mb_description_is_refused_not_a_crash():
    """Just under Django's 10 MB body limit: a form error (2000 characters at most); over
    it: 400. Nothing stored either way."""
    visitor = Client()
    under = {**valid_form(), "description": "x" * (TEN_MB - 4096), public.TOKEN_FIELD: ""}
    response = visitor.post(
        "/repair/", urlencode(under), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert "2000" in response.content.decode()
    over = {**valid_form(), "description": "x" * (TEN_MB + 1)}
    response = visitor.post(
        "/repair/", urlencode(over), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    response = visitor.post("/repair/", over)  # multipart: the same limit
    assert response.status_code == 400
    assert not WebRequest.objects.exists()


def test_req_1_public_get_parameters_fuzzed_never_5xx_nor_reflected_raw():
    """The QR link's serial (?sn=), the status page's number, the thank-you link's signed
    value and the status lookup itself, with hostile text."""
    visitor = Client()

    @FUZZ
    @given(value=TEXT)
    def probe(value):
        for url, params in (
            ("/repair/", {"sn": value}),
            ("/repair/status/", {"number": value}),
            ("/repair/thanks/", {"r": value}),
        ):
            response = visitor.get(f"{url}?{urlencode(params)}")
            no_5xx(response, f"{url} {value!r}")
            if response.status_code == 200:
                not_raw(response.content.decode(), [value])
        response = visitor.post("/repair/status/", {"number": value, "phone": value})
        no_5xx(response, f"status {value!r}")
        not_raw(response.content.decode(), [value])

    probe()


# --- the public API ------------------------------------------------------------------------


def test_req_1_public_api_fuzzed_never_5xx_and_stored_text_shows_escaped(
    api_for,
    client_for,
    people,
    hz_customer,  # noqa: F811
):
    """REQ-1, issue 6 §4: the public endpoint with hostile JSON, form and multipart bodies:
    201 or 400 with field errors, never a 5xx; what is stored is shown as text."""
    api = api_for()
    answers: dict[int, int] = {}

    @FUZZ
    @given(data=repair_input(), as_json=st.booleans(), via_qr=st.one_of(st.booleans(), TEXT))
    def send(data, as_json, via_qr):
        body = {**data, "via_qr": via_qr}
        if as_json:
            response = api.post("/api/public/repair-requests/", body, format="json")
        else:
            response = api.post("/api/public/repair-requests/", body, format="multipart")
        no_5xx(response, repr(body)[:300])
        assert response.status_code in (201, 400), response.status_code
        answers[response.status_code] = answers.get(response.status_code, 0) + 1

    send()
    stored = list(WebRequest.objects.order_by("pk"))
    assert answers.get(400) and answers.get(201) and len(stored) == answers[201]
    shown_escaped_to_staff(client_for, people, hz_customer, stored)


def test_req_1_public_api_wrong_content_types_sizes_and_encodings():
    """Every way a body can be wrong: 400, 413 or 415 with a message, nothing stored."""
    api = Client()
    url = "/api/public/repair-requests/"
    good = {**valid_form(), "description": "不制热"}
    cases = [
        ("application/json", b"{not json", 400),
        ("application/json", b"null", 400),
        ("application/json", b"[]", 400),
        ("application/json", b"\xff\xfe\xfa invalid utf-8", 400),
        ("application/json", b'{"name": "\\ud800", "phone": "1"}', 400),
        ("application/json", b"[" * 100_000 + b"]" * 100_000, 400),  # nested too deep
        ("application/json", b'{"name": "x", "name": "y"}', 400),  # duplicated key, no phone
        ("text/plain", b"name=x&phone=13812345678", 415),
        ("application/xml", b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>", 415),
        ("multipart/form-data; boundary=zz", b"--zz\r\nbroken", 400),
        ("multipart/form-data", b"no boundary", 400),
        ("application/x-www-form-urlencoded", b"name=%ff%fe&phone=%00", 400),
        ("application/json", ('{"description": "' + "x" * (TEN_MB + 1) + '"}').encode(), 413),
        ("application/x-www-form-urlencoded", urlencode({**good, "address": "x" * TEN_MB}), 413),
    ]
    for content_type, raw, expected in cases:
        response = api.post(url, raw, content_type=content_type)
        no_5xx(response, content_type)
        assert response.status_code == expected, (content_type, raw[:40], response.content[:200])
        assert response.json(), "an answer that says why"
    big = {**good, "description": "x" * (TEN_MB + 1)}
    response = api.post(url, big)  # multipart: Django's own parser keeps the limit too
    assert response.status_code in (400, 413)
    assert not WebRequest.objects.exists()


# --- the survey page -------------------------------------------------------------------------


def test_fup_2_survey_page_fuzzed_never_5xx_and_answers_show_escaped(
    sent_survey, client_for, people
):
    """FUP-2, SEC-4: forged tokens of every shape, invalid grades and hostile texts: 404,
    400 with the form again (the texts kept, escaped), never a 5xx. Valid answers with
    hostile texts are stored as text and shown escaped on the survey's staff page."""
    survey, token = sent_survey
    visitor = Client()
    staff = client_for(people["agent"])
    grade = st.one_of(
        st.sampled_from(["1", "5", "0", "6", "-1", "1e9", "", "五", "1.5", "NaN"]), TEXT
    )

    @FUZZ
    @given(
        fake_token=TEXT,
        ratings=st.fixed_dictionaries({name: grade for name in fx.GOOD}),
        suggestions=VALUE,
        other_needs=TEXT,
    )
    def answer(fake_token, ratings, suggestions, other_needs):
        forged = visitor.get(f"/survey/{quote(fake_token or 'x', safe='')}/")
        no_5xx(forged, repr(fake_token))
        posted = {**ratings, "suggestions": suggestions, "other_needs": other_needs}
        response = visitor.post(f"/survey/{token}/", posted)
        no_5xx(response, repr(posted)[:300])
        texts = [t for t in (suggestions, other_needs) if isinstance(t, str)]
        not_raw(response.content.decode(), texts)
        if response.status_code == 302:
            page = staff.get(f"/followup/surveys/{survey.pk}/")
            assert page.status_code == 200
            not_raw(page.content.decode(), texts)
            # Answered once per link: open it again for the next example.
            Survey.objects.filter(pk=survey.pk).update(answered_at=None)

    answer()
    for text in NASTY:
        if "\x00" in text or len(text) > 2000:
            continue  # refused as input (NUL, too long): the fuzz above covers those
        Survey.objects.filter(pk=survey.pk).update(answered_at=None)
        response = visitor.post(f"/survey/{token}/", {**fx.GOOD, "suggestions": text})
        assert response.status_code == 302, text
        survey.refresh_from_db()
        assert survey.suggestions == text.strip()
        not_raw(staff.get(f"/followup/surveys/{survey.pk}/").content.decode(), [text])
    export = staff.get("/followup/satisfaction/export/")
    assert export.status_code == 200


# --- outputs --------------------------------------------------------------------------------


def test_excel_downloads_keep_hostile_text_as_text(client_for, people, hz_customer):  # noqa: F811
    """A customer name with control characters Excel cannot hold, or a formula: the
    download still works and the cell holds text, never a formula."""
    from openpyxl import load_workbook

    hz_customer.name = '=HYPERLINK("http://evil.example","点")\x0b\x1b'
    hz_customer.save(update_fields=["name"])
    response = client_for(people["admin"]).get("/customers/export/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
    assert cells and all(c.data_type == "s" for c in cells)
    assert cells[0].value == '=HYPERLINK("http://evil.example","点")'


# --- the limits themselves -------------------------------------------------------------------


def test_sec_4_the_public_limits_answer_429_with_a_clear_message(settings, sent_survey):
    """SEC-4: past the limit each public entry answers 429 with Retry-After and a message
    that says what happened (form, API, status page, survey page)."""
    survey, token = sent_survey
    settings.AFTERSALES_PUBLIC_RATE = "1/h"
    settings.AFTERSALES_STATUS_RATE = "1/h"
    settings.AFTERSALES_SURVEY_RATE = "1/h"
    cache.clear()
    visitor = Client(headers={"accept-language": "en"})
    body = {**valid_form(), public.TOKEN_FIELD: aged_token()}
    assert visitor.post("/repair/", body).status_code == 302
    form = visitor.post("/repair/", body)
    api = visitor.post(
        "/api/public/repair-requests/", valid_form(), content_type="application/json"
    )
    visitor.post("/repair/status/", {"number": "WR-1", "phone": "13812345678"})
    status = visitor.post("/repair/status/", {"number": "WR-1", "phone": "13812345678"})
    visitor.get(f"/survey/{token}/")
    answer = visitor.get(f"/survey/{token}/")
    for response in (form, api, status, answer):
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
    for page in (form, status, answer):
        assert re.search(r"too many|try again", page.content.decode(), re.I)
    assert "Too many requests" in api.json()["detail"]
    assert WebRequest.objects.count() == 1
