"""Yes/no settings must be YAML booleans and numbers must be numbers: quoted look-alikes and YAML 1.1 forms are refused."""

from __future__ import annotations

import pytest

from config import ConfigError, load_config

# (file, text to replace, replacement, the error line expected; {dir} is the configuration directory)
REFUSED = [
    pytest.param("sources.yaml", "keep_author_names: true    #", 'keep_author_names: "on"    #',
                 "{dir}/sources.yaml: sources[1].options.keep_author_names: expected true or false, got 'on'",
                 id="a quoted 'on' for a boolean"),
    pytest.param("settings.yaml", "show_author_names: false", 'show_author_names: "no"',
                 "{dir}/settings.yaml: privacy.show_author_names: expected true or false, got 'no'",
                 id="a quoted 'no' for a boolean"),
    pytest.param("settings.yaml", "verify_certs: true", "verify_certs: 1",
                 "{dir}/settings.yaml: elasticsearch.verify_certs: expected true or false, got 1",
                 id="a number for a boolean"),
    pytest.param("settings.yaml", "port: 9200", 'port: "9271"',
                 "{dir}/settings.yaml: elasticsearch.local.port: expected a whole number, got '9271'",
                 id="a quoted port"),
    pytest.param("settings.yaml", "send_hour: 7 ", "send_hour: 7.0 ",
                 "{dir}/settings.yaml: report.send_hour: expected a whole number, got 7.0",
                 id="a float for a whole number"),
    pytest.param("settings.yaml", "max_retries: 5", "max_retries: true",
                 "{dir}/settings.yaml: elasticsearch.max_retries: expected a whole number, got True",
                 id="a boolean for a whole number"),
]

YAML_11_BOOLEANS = [
    pytest.param("sources.yaml", "keep_author_names: true    #", "keep_author_names: on    #", "on", id="on"),
    pytest.param("settings.yaml", "show_author_names: false", "show_author_names: No", "No", id="No"),
    pytest.param("settings.yaml", "starttls: false", "starttls: yes", "yes", id="yes"),
    pytest.param("settings.yaml", "verify_certs: true", "verify_certs: OFF", "OFF", id="OFF"),
]


@pytest.mark.parametrize(("file", "old", "new", "expected"), REFUSED)
def test_a_value_of_the_wrong_yaml_type_is_refused_naming_file_key_and_expectation(config_dir, replace_in, file, old, new, expected):
    replace_in(config_dir / file, old, new)
    with pytest.raises(ConfigError) as failure:
        load_config(config_dir)
    assert expected.format(dir=config_dir) in str(failure.value).splitlines()


@pytest.mark.parametrize(("file", "old", "new", "word"), YAML_11_BOOLEANS)
def test_an_unquoted_yaml_1_1_boolean_is_refused_with_how_to_write_it(config_dir, replace_in, file, old, new, word):
    replace_in(config_dir / file, old, new)
    rows = (config_dir / file).read_text(encoding="utf-8").splitlines()
    line = next(number for number, row in enumerate(rows, start=1) if new in row)
    column = rows[line - 1].index(f": {word}") + 3
    with pytest.raises(ConfigError) as failure:
        load_config(config_dir)
    assert str(failure.value) == (
        f"{config_dir}/{file}: line {line}, column {column}: "
        f"{word!r} is a yes/no word that YAML 1.1 reads as a boolean and YAML 1.2 as text: "
        f"write true or false for a setting, or quote it ('{word}') for text"
    )


def test_true_and_false_in_any_case_and_quoted_words_as_text_are_accepted(config_dir, replace_in):
    replace_in(config_dir / "settings.yaml", "show_author_names: false", "show_author_names: False")
    replace_in(config_dir / "settings.yaml", "verify_certs: true", "verify_certs: TRUE")
    replace_in(config_dir / "brands.yaml", "exclude_terms: [رفيق دربي", "exclude_terms: ['no', رفيق دربي")
    config = load_config(config_dir)
    assert config.settings.privacy.show_author_names is False and config.settings.elasticsearch.verify_certs is True
    assert "no" in config.brand("rafeeq").exclude_terms

