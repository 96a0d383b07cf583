"""Report fixtures: the Sahm mentions indexed on the real test node, and a configuration pointing at it."""

from __future__ import annotations

import pytest

from index.templates import brand_keywords, setup
from report_mentions import MENTIONS
from tests.support.indexing import index_mentions


@pytest.fixture
def indexed_mentions(es_client, index_names, test_config_dir):
    """The fixture mentions in the private indices, with templates and the brand-health index set up."""
    from config import load_config

    setup(es_client, index_names, brand_keywords(load_config(test_config_dir).brands))
    index_mentions(es_client, index_names, MENTIONS)
    return MENTIONS


@pytest.fixture
def report_config(test_config_dir, indexed_mentions):
    """The loaded test configuration, its mentions indexed."""
    from config import load_config

    return load_config(test_config_dir)
