"""Report fixtures: the Sahm mentions indexed on the real test node, and a configuration pointing at it."""

from __future__ import annotations

import pytest

from index.bulk import mention_action
from index.templates import brand_keywords, setup
from report_mentions import MENTIONS


@pytest.fixture
def indexed_mentions(es_client, index_names, test_config_dir):
    """The fixture mentions in the private indices, with templates and the brand-health index set up."""
    from config import load_config

    setup(es_client, index_names, brand_keywords(load_config(test_config_dir).brands))
    operations = []
    for record in MENTIONS:
        action = mention_action(record, index_names)
        operations += [{"index": {"_index": action["_index"], "_id": action["_id"]}}, action["_source"]]
    response = es_client.bulk(operations=operations, refresh=True)
    assert not response["errors"]
    return MENTIONS


@pytest.fixture
def report_config(test_config_dir, indexed_mentions):
    """The loaded test configuration, its mentions indexed."""
    from config import load_config

    return load_config(test_config_dir)
