"""content/ opens its index through the one factory, named by RNDD_SEARCH_BACKEND."""

from __future__ import annotations

from pathlib import Path

import pytest

from content import indexing
from network import create_app
from network.config import ConfigError
from search_index import SearchIndex


def test_the_app_opens_the_configured_backend_on_its_index_dir(app):
    assert app.config["SEARCH_BACKEND"] == "whoosh"
    opened = indexing.search_index()
    assert isinstance(opened, SearchIndex)
    assert opened.root == Path(app.config["INDEX_DIR"])
    assert indexing.search_index() is opened  # one per process, searcher kept open


def test_an_unknown_search_backend_stops_the_start():
    with pytest.raises(ConfigError, match="RNDD_SEARCH_BACKEND must be one of whoosh"):
        create_app({"TESTING": True, "SEARCH_BACKEND": "opensearch", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
