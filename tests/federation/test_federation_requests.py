"""The origin answers its feed and its files only to a fresh, unreplayed signature of an active
peer's current key, addressed to this node, and refuses bad cursors and checksums.

Requests go over real HTTP with `requests`, signed by `federation.httpsig` with a real node's key
(or with a key or a time chosen to be wrong), to a real node.
"""

from __future__ import annotations

import datetime
import io
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from http_message_signatures import HTTPMessageSigner, algorithms
from http_message_signatures.resolvers import HTTPSignatureKeyResolver

from content import attachments, changelog, services
from federation import httpsig, keys, peers
from federation.models import Peer
from network.extensions import db
from network.models import User

CHANGES = "/federation/v1/changes"
FILES = "/federation/v1/attachments/"


@pytest.fixture
def nodes(make_node) -> Iterator[tuple[Any, Any]]:
    """jakarta (the origin, one public document) knows bangkok as an active peer."""
    jakarta, bangkok = make_node("jakarta", ["ID"]), make_node("bangkok", ["TH"])
    jakarta.add_peer(bangkok)
    jakarta.publish("ID", "public", title="A public case study")
    yield jakarta, bangkok


def key_of(node) -> keys.NodeKey:
    with node.context():
        return keys.node_key()


def prepare(url: str) -> requests.PreparedRequest:
    return requests.Request("GET", url, headers={"Accept": "application/json"}).prepare()


def signed(url: str, signer, private: Ed25519PrivateKey | None = None,
           base_url: str | None = None) -> requests.PreparedRequest:  # fmt: skip
    """A GET of `url` signed as `signer` would sign it (or with another key, or another key id URL)."""
    private = private or key_of(signer).private
    fingerprint = keys.NodeKey(private).fingerprint
    request = prepare(url)
    httpsig.sign(request, private, httpsig.key_id(base_url or signer.url, fingerprint))
    return request


class _Key(HTTPSignatureKeyResolver):
    def __init__(self, private: Ed25519PrivateKey) -> None:
        self.private = private

    def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
        return self.private


def signed_at(url: str, signer, created: datetime.datetime) -> requests.PreparedRequest:
    """Signed as httpsig.sign does (label, components, nonce), but created at the given time."""
    key = key_of(signer)
    request = prepare(url)
    HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=_Key(key.private)).sign(
        request, key_id=httpsig.key_id(signer.url, key.fingerprint), nonce=secrets.token_urlsafe(24),
        label="rndd", covered_component_ids=httpsig.COVERED, created=created,
    )  # fmt: skip
    return request


def send(request: requests.PreparedRequest) -> requests.Response:
    with requests.Session() as session:
        return session.send(request, timeout=10, allow_redirects=False)


def assert_error(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    """The JSON error shape of DESIGN section 5: {"error": {"code", "message"}}."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body


def last_seq(node) -> int:
    with node.context():
        return changelog.last_seq()


def with_attachment(node, country: str, visibility: str, data: bytes) -> str:
    """A published document of `node` carrying a file; returns the file's sha256."""
    admin_id = node.admin(country).id
    with node.context():
        actor = db.session.get(User, admin_id)
        doc = services.create_document(actor, {"title": f"A {visibility} document with a file"})
        found = attachments.add_attachment(actor, doc.id, io.BytesIO(data), "plan.txt")
        services.publish(actor, doc.id, visibility, [])
        return found.sha256


# --- who may ask --------------------------------------------------------------------------------


def test_a_signed_request_of_an_active_peer_is_answered(nodes):
    jakarta, bangkok = nodes

    response = send(signed(f"{jakarta.url}{CHANGES}?since=0", bangkok))

    assert response.status_code == 200, response.text
    page = response.json()
    assert page["origin"] == "jakarta" and page["has_more"] is False
    assert [item["payload"]["title"] for item in page["items"]] == ["A public case study"]


def test_an_unsigned_request_is_refused(nodes):
    jakarta, _ = nodes
    sha = "a" * 64
    for url in (f"{jakarta.url}{CHANGES}?since=0", f"{jakarta.url}{CHANGES}", f"{jakarta.url}{FILES}{sha}"):
        assert_error(send(prepare(url)), 401, "signature_refused")

    garbled = prepare(f"{jakarta.url}{CHANGES}")
    garbled.headers["Signature-Input"] = "rndd=nonsense"
    garbled.headers["Signature"] = "rndd=:AAAA:"
    assert_error(send(garbled), 401, "signature_refused")


def test_a_signature_whose_headers_were_tampered_with_is_refused(nodes):
    jakarta, bangkok = nodes
    request = signed(f"{jakarta.url}{CHANGES}?since=0", bangkok)
    value = request.headers["Signature"]
    request.headers["Signature"] = value[:12] + ("A" if value[12] != "A" else "B") + value[13:]

    assert_error(send(request), 401, "signature_refused")


def test_a_key_no_peer_has_is_refused(make_node, nodes):
    jakarta, bangkok = nodes
    manila = make_node("manila", ["PH"])
    jakarta.add_peer(manila)
    url = f"{jakarta.url}{CHANGES}?since=0"
    stranger = Ed25519PrivateKey.generate()

    # a fresh key, under the base URL of a registered peer
    assert_error(send(signed(url, bangkok, private=stranger)), 401, "signature_refused")
    # bangkok's own key, under manila's base URL: a key is a peer's only at that peer's URL
    assert_error(send(signed(url, bangkok, base_url=manila.url)), 401, "signature_refused")
    # a fresh key under the URL of no peer at all
    assert_error(send(signed(url, bangkok, private=stranger, base_url="http://127.0.0.1:9")), 401,
                 "signature_refused")  # fmt: skip

    with jakarta.context():  # nobody's key changed on the origin's side
        known = {peer.name: peer.fingerprint for peer in db.session.scalars(db.select(Peer))}
    assert known == {"bangkok": key_of(bangkok).fingerprint, "manila": key_of(manila).fingerprint}
    assert send(signed(url, bangkok)).status_code == 200


def test_a_stale_or_future_signature_is_refused(nodes):
    jakarta, bangkok = nodes
    url = f"{jakarta.url}{CHANGES}?since=0"
    now = datetime.datetime.now(datetime.UTC)

    assert send(signed_at(url, bangkok, now)).status_code == 200  # the same construction, fresh
    assert_error(send(signed_at(url, bangkok, now - datetime.timedelta(minutes=6))), 401, "signature_refused")
    assert_error(send(signed_at(url, bangkok, now + datetime.timedelta(minutes=6))), 401, "signature_refused")


def test_a_replayed_request_is_refused(nodes):
    jakarta, bangkok = nodes
    request = signed(f"{jakarta.url}{CHANGES}?since=0", bangkok)

    first, second = send(request), send(request)

    assert first.status_code == 200
    assert_error(second, 401, "signature_refused")


def test_a_signature_for_another_node_or_another_uri_is_refused(make_node, nodes):
    jakarta, bangkok = nodes
    manila = make_node("manila", ["PH"])
    manila.add_peer(bangkok)

    meant_for_manila = signed(f"{manila.url}{CHANGES}?since=0", bangkok)
    sent_to_jakarta = meant_for_manila.copy()
    sent_to_jakarta.url = f"{jakarta.url}{CHANGES}?since=0"
    assert_error(send(sent_to_jakarta), 401, "signature_refused")
    assert send(meant_for_manila).status_code == 200  # where it was addressed, it is good

    other_query = signed(f"{jakarta.url}{CHANGES}?since=0", bangkok)
    other_query.url = f"{jakarta.url}{CHANGES}?since=1"
    assert_error(send(other_query), 401, "signature_refused")


def test_a_paused_peer_is_forbidden_until_resumed(nodes):
    jakarta, bangkok = nodes
    with jakarta.context():
        peers.pause(None, peers.by_name("bangkok"))

    assert_error(send(signed(f"{jakarta.url}{CHANGES}?since=0", bangkok)), 403, "forbidden")
    assert_error(send(signed(f"{jakarta.url}{FILES}{'a' * 64}", bangkok)), 403, "forbidden")

    with jakarta.context():
        peers.resume(None, peers.by_name("bangkok"))
    assert send(signed(f"{jakarta.url}{CHANGES}?since=0", bangkok)).status_code == 200


def test_after_a_rotation_the_new_key_is_followed_and_the_old_one_refused(nodes):
    jakarta, bangkok = nodes
    url = f"{jakarta.url}{CHANGES}?since=0"
    old = key_of(bangkok)
    with bangkok.context():
        new = keys.rotate()

    assert send(signed(url, bangkok, private=new.private)).status_code == 200  # origin follows it
    with jakarta.context():
        assert peers.by_name("bangkok").fingerprint == new.fingerprint
    assert_error(send(signed(url, bangkok, private=old.private)), 401, "signature_refused")
    assert send(signed(url, bangkok)).status_code == 200


def test_a_rotation_learned_by_pulling_the_peer_refuses_the_old_key(nodes):
    jakarta, bangkok = nodes
    bangkok.add_peer(jakarta)
    with jakarta.context():
        peer = peers.by_name("bangkok")
    with bangkok.context():
        old = keys.node_key()
        keys.rotate()
    assert peer.fingerprint == old.fingerprint

    jakarta.sync("bangkok")  # the origin reads bangkok's node document: it follows the rotation

    url = f"{jakarta.url}{CHANGES}?since=0"
    assert_error(send(signed(url, bangkok, private=old.private)), 401, "signature_refused")
    assert send(signed(url, bangkok)).status_code == 200


# --- what may be asked --------------------------------------------------------------------------


BAD_QUERIES = (
    "since=abc", "since=-1", "since=2147483648", "since=99999999999999999999", "since=", "since=1.5",
    "since=%2B1", "since=%EF%BC%91", "since=0x10", "limit=-5", "limit=abc",
)  # fmt: skip


def test_a_cursor_that_is_not_a_number_in_range_is_a_bad_request(nodes):
    jakarta, bangkok = nodes
    for query in BAD_QUERIES:
        response = send(signed(f"{jakarta.url}{CHANGES}?{query}", bangkok))
        assert_error(response, 400, "bad_request")
        assert "since" in response.json()["error"]["message"] or query.startswith("limit")


def test_a_cursor_past_the_end_of_the_log_is_named_so(nodes):
    jakarta, bangkok = nodes
    end = last_seq(jakarta)
    assert end > 0

    at_end = send(signed(f"{jakarta.url}{CHANGES}?since={end}", bangkok))
    assert at_end.status_code == 200
    assert at_end.json() == {"origin": "jakarta", "items": [], "next": end, "has_more": False}

    for since in (end + 1, 2**31 - 1):
        response = send(signed(f"{jakarta.url}{CHANGES}?since={since}", bangkok))
        assert_error(response, 400, "cursor_past_end")


NOT_SHA256 = ("A" * 64, "a" * 63, "a" * 65, "g" * 64, "a" * 63 + "G", "a" * 63 + "-", "0" * 128)


def test_an_attachment_name_that_is_not_a_sha256_is_not_found(nodes):
    jakarta, bangkok = nodes
    for name in NOT_SHA256:
        assert_error(send(signed(f"{jakarta.url}{FILES}{name}", bangkok)), 404, "not_found")


def test_a_file_only_on_an_unshared_document_is_not_found_like_an_unknown_one(nodes):
    jakarta, bangkok = nodes
    shared = with_attachment(jakarta, "ID", "public", b"The plan everybody may read.\n")
    unshared = with_attachment(jakarta, "ID", "country", b"The plan for Indonesia only.\n")
    with jakarta.context():
        assert attachments.blob_path(unshared).is_file()

    served = send(signed(f"{jakarta.url}{FILES}{shared}", bangkok))
    assert served.status_code == 200 and served.content == b"The plan everybody may read.\n"

    refused = send(signed(f"{jakarta.url}{FILES}{unshared}", bangkok))
    unknown = send(signed(f"{jakarta.url}{FILES}{'0' * 64}", bangkok))
    assert assert_error(refused, 404, "not_found") == assert_error(unknown, 404, "not_found")
    assert b"Indonesia only" not in refused.content


def test_the_feed_has_a_rate_limit_of_its_own(database_url, tmp_path):
    from network import create_app

    limited = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "INDEX_DIR": str(tmp_path / "i"),
        "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
        "FEDERATION_RATE_LIMIT": "4 per minute",
    })  # fmt: skip
    client = limited.test_client()
    feed = [client.get("/federation/v1/changes").status_code for _ in range(5)]
    assert feed == [401, 401, 401, 401, 429]
    assert client.get("/api/v1/countries").status_code == 200  # the rest of the site has its own
