"""The Whoosh backend (SearchIndex in a real directory) against the backend contract."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from search_index import SearchBackend, SearchIndex, open_backend
from tests.search_index.backend_contract import BackendContract


class TestWhooshBackend(BackendContract):
    @pytest.fixture
    def reopen(self, tmp_path: Path) -> Iterator[Callable[[], SearchBackend]]:
        opened: list[SearchBackend] = []

        def another() -> SearchBackend:
            opened.append(open_backend("whoosh", tmp_path / "index"))
            return opened[-1]

        yield another
        for backend in opened:
            backend.close()

    @pytest.fixture
    def index_backend(self, reopen: Callable[[], SearchBackend]) -> SearchBackend:
        return reopen()


def test_the_factory_opens_the_whoosh_backend_on_a_directory(tmp_path):
    backend = open_backend("whoosh", str(tmp_path / "index"))
    assert isinstance(backend, SearchIndex)
    assert backend.root == tmp_path / "index"


def test_the_factory_refuses_an_unknown_kind(tmp_path):
    with pytest.raises(ValueError, match="whoosh"):
        open_backend("opensearch", tmp_path)
