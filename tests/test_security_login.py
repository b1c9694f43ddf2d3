"""Login throttling behind proxies, and a limit per username across addresses.

Every attempt is a real POST to the admin login. ``peer`` is the address the
connection comes from (REMOTE_ADDR: a proxy, when there is one) and
``forwarded`` the X-Forwarded-For header as the site receives it.
"""

import datetime as dt
import ipaddress

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.db.models import F
from django.test import Client, RequestFactory
from django.urls import reverse

from newsroom.proxies import client_address

pytestmark = pytest.mark.django_db

PASSWORD = "the-right-password"
PROXY = "10.0.0.1"
ATTACKER = "203.0.113.5"
READER = "198.51.100.7"


@pytest.fixture
def account():
    return get_user_model().objects.create_user(
        "editor", password=PASSWORD, is_staff=True
    )


def log_in(
    username: str, password: str, *, peer: str, forwarded: str | None = None
) -> int:
    """POST the admin login form from a new browser; the response's status."""
    headers = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    response = Client().post(
        reverse("admin:login"),
        {"username": username, "password": password},
        **headers,
    )
    return response.status_code


def fail_until_locked(settings, *, peer: str, forwarded=lambda i: None) -> None:
    """AXES_FAILURE_LIMIT wrong passwords for ``editor``: the last one is refused."""
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [
        log_in("editor", "wrong", peer=peer, forwarded=forwarded(i))
        for i in range(limit)
    ]
    assert statuses == [200] * (limit - 1) + [429]


@pytest.fixture
def one_proxy(settings):
    settings.NEWSROOM_TRUSTED_PROXY_COUNT = 1
    settings.NEWSROOM_TRUSTED_PROXY_NETWORKS = ()


@pytest.fixture
def proxy_network(settings):
    settings.NEWSROOM_TRUSTED_PROXY_COUNT = 0
    settings.NEWSROOM_TRUSTED_PROXY_NETWORKS = (ipaddress.ip_network("10.0.0.0/8"),)


# Which proxies are trusted


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings, account):
    """A client cannot name a new address on each try to escape its lock-out."""
    fail_until_locked(settings, peer=ATTACKER, forwarded=lambda i: f"192.0.2.{i}")
    assert log_in("editor", PASSWORD, peer=ATTACKER, forwarded="192.0.2.99") == 429


def test_behind_a_trusted_proxy_one_client_locked_out_leaves_the_others_free(
    settings, account, one_proxy
):
    """The finding: every reader shares the proxy's address, so one lock-out was everyone's."""
    fail_until_locked(settings, peer=PROXY, forwarded=lambda i: ATTACKER)
    assert log_in("editor", PASSWORD, peer=PROXY, forwarded=ATTACKER) == 429
    assert log_in("editor", PASSWORD, peer=PROXY, forwarded=READER) == 302


def test_behind_a_trusted_proxy_the_client_cannot_forge_its_address(
    settings, account, one_proxy
):
    """Only the entry the proxy appended counts; what the client sent before it does not."""
    fail_until_locked(
        settings, peer=PROXY, forwarded=lambda i: f"192.0.2.{i}, {ATTACKER}"
    )
    assert (
        log_in("editor", PASSWORD, peer=PROXY, forwarded=f"192.0.2.99, {ATTACKER}")
        == 429
    )


def test_trusted_proxy_networks_find_the_client_behind_a_chain(
    settings, account, proxy_network
):
    chain = f"{ATTACKER}, 10.0.0.2"
    fail_until_locked(settings, peer=PROXY, forwarded=lambda i: f"192.0.2.{i}, {chain}")
    assert log_in("editor", PASSWORD, peer=PROXY, forwarded=chain) == 429
    assert (
        log_in("editor", PASSWORD, peer=PROXY, forwarded=f"{READER}, 10.0.0.2") == 302
    )


def test_a_request_from_outside_the_trusted_networks_keys_on_its_own_address(
    settings, account, proxy_network
):
    """Reaching the site directly, past the proxies, a forwarded header counts for nothing."""
    fail_until_locked(settings, peer=ATTACKER, forwarded=lambda i: f"192.0.2.{i}")
    assert log_in("editor", PASSWORD, peer=ATTACKER, forwarded=READER) == 429


@pytest.mark.parametrize(
    ("count", "networks", "peer", "forwarded", "expected"),
    [
        (0, (), PROXY, ATTACKER, PROXY),
        (1, (), PROXY, None, PROXY),
        (1, (), PROXY, f"1.1.1.1, {ATTACKER}", ATTACKER),
        (2, (), PROXY, f"1.1.1.1, {ATTACKER}, 10.0.0.2", ATTACKER),
        # Fewer entries than proxies, or one no proxy writes: the peer.
        (2, (), PROXY, ATTACKER, PROXY),
        (1, (), PROXY, "1.1.1.1, unknown", PROXY),
        (1, (), PROXY, "1.1.1.1,2001:DB8:0:0::1", "2001:db8::1"),
        (0, ("10.0.0.0/8",), PROXY, f"{ATTACKER}, 10.0.0.2, 10.0.0.3", ATTACKER),
        (0, ("10.0.0.0/8",), PROXY, "10.0.0.2, 10.0.0.3", "10.0.0.2"),
        (0, ("10.0.0.0/8",), PROXY, f"{ATTACKER}, bogus", PROXY),
        (0, ("10.0.0.0/8",), READER, ATTACKER, READER),
        (0, ("10.0.0.1", "2001:db8::/32"), "2001:db8::7", ATTACKER, ATTACKER),
    ],
)
def test_the_client_address_is_read_as_documented(
    settings, count, networks, peer, forwarded, expected
):
    settings.NEWSROOM_TRUSTED_PROXY_COUNT = count
    settings.NEWSROOM_TRUSTED_PROXY_NETWORKS = tuple(
        map(ipaddress.ip_network, networks)
    )
    headers = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_address(RequestFactory().get("/", **headers)) == expected


# The limit per username, across every address


def stuff(settings, username: str, *, first: int = 0) -> None:
    """One wrong password from each of NEWSROOM_LOGIN_USERNAME_LIMIT addresses."""
    for i in range(first, first + settings.NEWSROOM_LOGIN_USERNAME_LIMIT):
        log_in(username, "wrong", peer=f"192.0.2.{i}")


def test_failures_from_many_addresses_hold_the_username_back(settings, account):
    """Credential stuffing: one try per address never meets the limit per address."""
    settings.NEWSROOM_LOGIN_USERNAME_LIMIT = 8
    stuff(settings, "editor")
    assert log_in("editor", PASSWORD, peer="192.0.2.200") == 429
    # Other accounts are not held back, from the same addresses either.
    get_user_model().objects.create_user("other", password=PASSWORD, is_staff=True)
    assert log_in("other", PASSWORD, peer="192.0.2.1") == 302


def test_failures_below_the_username_limit_hold_nothing_back(settings, account):
    settings.NEWSROOM_LOGIN_USERNAME_LIMIT = 8
    for i in range(7):
        log_in("editor", "wrong", peer=f"192.0.2.{i}")
    assert log_in("editor", PASSWORD, peer="192.0.2.200") == 302


def test_the_username_is_held_back_only_until_the_window_passes(settings, account):
    settings.NEWSROOM_LOGIN_USERNAME_LIMIT = 8
    stuff(settings, "editor")
    assert log_in("editor", "wrong", peer="192.0.2.200") == 429
    # The attacker stops; the window passes.
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time")
        - settings.NEWSROOM_LOGIN_USERNAME_WINDOW
        - dt.timedelta(seconds=1)
    )
    assert log_in("editor", PASSWORD, peer="192.0.2.201") == 302


def test_the_user_at_an_address_they_logged_in_from_is_not_held_back(settings, account):
    """The attacker can slow the account down, but not lock its owner out of it."""
    settings.NEWSROOM_LOGIN_USERNAME_LIMIT = 8
    assert log_in("editor", PASSWORD, peer=READER) == 302
    stuff(settings, "editor")
    assert log_in("editor", PASSWORD, peer="192.0.2.200") == 429
    assert log_in("editor", PASSWORD, peer=READER) == 302


def test_a_username_limit_of_zero_turns_it_off(settings, account):
    settings.NEWSROOM_LOGIN_USERNAME_LIMIT = 0
    for i in range(30):
        log_in("editor", "wrong", peer=f"192.0.2.{i}")
    assert log_in("editor", PASSWORD, peer="192.0.2.200") == 302
