"""The small rate limit of the public pages (REQ-1): rates, windows, the client address."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory, override_settings

from aftersales.core import ratelimit
from aftersales.core.ratelimit import Rate, RateLimit, client_ip, parse_rate


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("5/h", Rate(5, 3600)),
        ("20/hour", Rate(20, 3600)),
        (" 3 / 10m ", Rate(3, 600)),
        ("100/d", Rate(100, 86400)),
        ("1/S", Rate(1, 1)),
        ("0/h", Rate(0, 3600)),
    ],
)
def test_a_rate_is_read_from_its_text(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["", "5", "h/5", "5/x", "-1/h", "5/0h", None])
def test_a_bad_rate_is_refused(text):
    with pytest.raises(ValueError):
        parse_rate(text)


@override_settings(TEST_RATE="2/h")
def test_hits_are_counted_per_key_until_the_limit():
    limit = RateLimit("test", "TEST_RATE", "9/h")
    assert not limit.exceeded("a")
    assert limit.allow("a") and limit.allow("a")
    assert limit.exceeded("a") and not limit.allow("a")
    assert limit.count("a") == 3
    # another key has its own count
    assert not limit.exceeded("b")
    # peeking does not count
    limit.exceeded("b")
    assert limit.count("b") == 0


def test_the_rate_is_read_when_used_with_the_default_when_unset():
    limit = RateLimit("test", "NO_SUCH_SETTING", "1/h")
    assert limit.rate == Rate(1, 3600)
    with override_settings(NO_SUCH_SETTING="3/m"):
        assert limit.rate == Rate(3, 60)


def test_a_new_window_starts_a_new_count(monkeypatch):
    limit = RateLimit("test", "NO_SUCH_SETTING", "1/m")
    now = [1_000_040.0]  # 20 s into a minute
    monkeypatch.setattr(ratelimit, "_now", lambda: now[0])
    assert limit.allow("a") and not limit.allow("a")
    assert limit.retry_after() == 40
    now[0] += 60
    assert limit.allow("a")


def test_any_key_text_makes_a_safe_cache_key():
    limit = RateLimit("test", "NO_SUCH_SETTING", "5/h")
    for key in ["2001:db8::1", "a b\nc", "键" * 300, ""]:
        assert limit.allow(key)


def test_the_client_address_is_remote_addr_by_default():
    request = RequestFactory().get(
        "/", REMOTE_ADDR="198.51.100.2", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    assert client_ip(request) == "198.51.100.2"


@override_settings(AFTERSALES_TRUST_X_FORWARDED_FOR=True)
def test_behind_a_trusted_proxy_the_address_it_appended_is_used():
    factory = RequestFactory()
    request = factory.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert client_ip(request) == "203.0.113.9"
    # no header: the proxy's own address
    assert client_ip(factory.get("/", REMOTE_ADDR="10.0.0.1")) == "10.0.0.1"
