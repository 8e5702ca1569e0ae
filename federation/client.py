"""Requests to other nodes: the public node document, and signed GETs of the feed and files.

Every answer is read with a size cap and timeouts, so a peer that answers slowly, not at all,
or with too much, costs a bounded time and memory and ends as a clear error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from flask import current_app

from federation import httpsig, keys

TIMEOUT = (5, 30)  # seconds to connect, and between bytes of the answer
NODE_MAX = 256 * 1024
PAGE_MAX = 32 * 1024 * 1024
CHUNK = 64 * 1024
_shared: ContextVar[requests.Session | None] = ContextVar("rndd_federation_session", default=None)


class PeerUnreachable(Exception):
    """No usable answer now (down, slow, 5xx, cut short): try again later."""


class PeerRefused(Exception):
    """The peer answered with a 4xx; `code` is its error code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code = status, code


class BadAnswer(Exception):
    """An answer that is not what the protocol says (malformed JSON, wrong shape, too large)."""


def node_document(base_url: str) -> dict[str, Any]:
    """GET <base_url>/federation/v1/node, unsigned. Raises PeerUnreachable, PeerRefused, BadAnswer."""
    with _get(base_url.rstrip("/") + "/federation/v1/node", signed=False) as response:
        return _json(_read(response, NODE_MAX))


def signed_json(base_url: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
    with _get(_url(base_url, path, params), signed=True) as response:
        return _json(_read(response, PAGE_MAX))


@contextmanager
def signed_stream(base_url: str, path: str) -> Iterator[requests.Response]:
    with _get(_url(base_url, path, {}), signed=True) as response:
        yield response


def _url(base_url: str, path: str, params: dict[str, Any]) -> str:
    query = f"?{urlencode(params)}" if params else ""
    return base_url.rstrip("/") + path + query


@contextmanager
def _get(url: str, signed: bool) -> Iterator[requests.Response]:
    if urlsplit(url).scheme not in ("http", "https"):
        raise BadAnswer(f"not an http(s) address: {url}")
    request = requests.Request("GET", url, headers={"Accept": "application/json"}).prepare()
    if signed:
        key = keys.node_key()
        httpsig.sign(request, key.private, httpsig.key_id(current_app.config["BASE_URL"], key.fingerprint))
    try:
        with _session() as session:
            response = session.send(request, timeout=TIMEOUT, stream=True, allow_redirects=False)
            with response:
                _check_status(response)
                yield response
    except requests.RequestException as error:
        raise PeerUnreachable(f"{url}: {type(error).__name__}: {error}") from error


@contextmanager
def connections() -> Iterator[None]:
    """Keep connections open for the requests made inside (a pull makes a thousand)."""
    with requests.Session() as session:
        token = _shared.set(session)
        try:
            yield
        finally:
            _shared.reset(token)


@contextmanager
def _session() -> Iterator[requests.Session]:
    shared = _shared.get()
    if shared is not None:
        yield shared
        return
    with requests.Session() as session:
        yield session


def _check_status(response: requests.Response) -> None:
    if response.status_code >= 500 or response.status_code == 429:
        raise PeerUnreachable(f"{response.url} answered {response.status_code}")
    if response.status_code >= 300:
        try:
            error = json.loads(_read(response, NODE_MAX))["error"]
            code, message = str(error["code"]), str(error["message"])
        except (BadAnswer, ValueError, KeyError, TypeError):
            code, message = "unknown", f"HTTP {response.status_code}"
        raise PeerRefused(response.status_code, code, message)


def _read(response: requests.Response, limit: int) -> bytes:
    body = bytearray()
    for chunk in response.iter_content(CHUNK):
        body += chunk
        if len(body) > limit:
            raise BadAnswer(f"the answer is larger than {limit // 1024} KB")
    return bytes(body)


def _json(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except ValueError as error:
        raise BadAnswer(f"malformed JSON: {error}") from error
    if not isinstance(value, dict):
        raise BadAnswer("the answer is not a JSON object")
    return value
