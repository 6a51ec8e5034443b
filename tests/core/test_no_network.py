"""Tests never reach the network (the guard in tests/conftest.py): with real WhatsApp, TriPay or
Komerce keys in the settings, a test without a fake is refused before any byte leaves the machine."""

import contextlib
import os
import socket
import threading

import pytest
import requests
import responses


def test_a_request_to_a_public_host_is_refused_naming_it(network_guard):
    with pytest.raises(requests.ConnectionError, match=r"Tests never reach the network: refused tripay\.co\.id:443"):
        requests.post("https://tripay.co.id/api/transaction/create", json={"method": "BRIVA"}, timeout=5)
    assert network_guard.take() == ["tripay.co.id:443"]


def test_a_public_address_is_refused_without_a_name_lookup(network_guard):
    with pytest.raises(ConnectionRefusedError, match=r"refused 8\.8\.8\.8:53"):
        socket.create_connection(("8.8.8.8", 53), timeout=5)
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock, pytest.raises(ConnectionRefusedError):
        sock.connect_ex(("2001:4860:4860::8888", 443))
    assert network_guard.take() == ["8.8.8.8:53", "2001:4860:4860::8888:443"]


def test_a_refusal_the_code_swallows_is_still_kept_for_the_test(network_guard):
    # As a sender that marks the message failed and retries later would.
    with contextlib.suppress(requests.RequestException):
        requests.get("https://graph.facebook.com/v23.0/109876543210987/messages", timeout=5)
    # The guard fails the test at teardown unless the test takes the refusal, as here.
    assert network_guard.take() == ["graph.facebook.com:443"]


def test_requests_faked_by_responses_never_reach_the_guard(network_guard):
    with responses.RequestsMock() as fake:
        fake.post("https://api.collaborator.komerce.id/tariff/api/v1/calculate", json={"data": []})
        answer = requests.post("https://api.collaborator.komerce.id/tariff/api/v1/calculate", timeout=5)
    assert answer.json() == {"data": []}
    assert network_guard.take() == []


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_this_machine_stays_reachable(host):
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        accepted = threading.Thread(target=lambda: server.accept()[0].close())
        accepted.start()
        with socket.create_connection((host, port), timeout=5):
            pass
        accepted.join(5)


def test_unix_sockets_stay_reachable(tmp_path):
    path = str(tmp_path / "s.sock")
    with socket.socket(socket.AF_UNIX) as server, socket.socket(socket.AF_UNIX) as client:
        server.bind(path)
        server.listen()
        client.connect(path)


def test_no_proxy_is_left_to_carry_a_request_out_past_the_guard():
    assert not [name for name in os.environ if name.lower() in ("http_proxy", "https_proxy", "all_proxy")]


@pytest.mark.parametrize(
    "host, local",
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("localhost", True),
        ("db.internal", True),  # named by the settings, as a database server on another machine is
        ("10.0.0.5", False),
        ("api.tripay.co.id", False),
        ("::ffff:8.8.8.8", False),
    ],
)
def test_what_counts_as_this_machine(network_guard, host, local):
    assert type(network_guard)({"db.internal"}).is_local(host) is local
