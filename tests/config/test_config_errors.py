"""Invalid configuration fails on load with the file, the key path and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import ConfigError, load_config

FEED = "https://news.google.com/rss/search?q={query}&hl=ar&gl=EG&ceid=EG:ar"

# (file, text to replace, replacement, a line the error must start with; {dir} is the config directory)
INVALID_EDITS = [
    pytest.param(
        "brands.yaml",
        "timezone: Asia/Riyadh\n    report_language: ar\n",
        "timezone: Riyadh\n    report_language: ar\n",
        "{dir}/brands.yaml: brands[2].timezone: expected an IANA time zone such as Asia/Riyadh, got 'Riyadh'",
        id="a time zone that is not IANA",
    ),
    pytest.param(
        "brands.yaml", "exclude_terms: [رفيق دربي", "exclude_term: [رفيق دربي",
        "{dir}/brands.yaml: brands[2].exclude_term: unknown key; did you mean 'exclude_terms'?",
        id="a misspelt key",
    ),
    pytest.param(
        "brands.yaml", "competitors: [najm]", "competitors: [najim]",
        "{dir}/brands.yaml: brands[0].competitors[0]: expected the id of a brand in brands.yaml "
        "(sahm, najm, rafeeq), got 'najim'",
        id="an unknown competitor",
    ),
    pytest.param(
        "brands.yaml", "role: competitor", "role: rival",
        "{dir}/brands.yaml: brands[1].role: expected 'brand' or 'competitor', got 'rival'",
        id="a role outside the choices",
    ),
    pytest.param(
        "brands.yaml", "- id: rafeeq", "- id: najm",
        "{dir}/brands.yaml: brands[2].id: duplicate id 'najm' (first at brands[1])",
        id="a duplicate brand id",
    ),
    pytest.param(
        "brands.yaml", 'handles: ["@RafeeqApp"]', 'handles: ["RafeeqApp"]',
        "{dir}/brands.yaml: brands[2].handles[0]: expected a handle starting with @ such as '@SahmTelecom', "
        "got 'RafeeqApp'",
        id="a handle without @",
    ),
    pytest.param(
        "brands.yaml", "arabizi: [rafee2,", "arabizi: [رفيء,",
        "{dir}/brands.yaml: brands[2].arabizi[0]: expected a Latin-script (Arabizi) spelling such as 'sa7m', "
        "got 'رفيء'",
        id="an Arabizi spelling in Arabic script",
    ),
    pytest.param(
        "brands.yaml", "exclude_terms: [رفيق دربي,", "exclude_terms: [رفيق,",
        "{dir}/brands.yaml: brands[2].exclude_terms: expected phrases that rule a mention out, but 'رفيق' is also "
        "a name of the brand and would exclude every mention",
        id="an exclusion that is the brand's own name",
    ),
    pytest.param(
        "brands.yaml", "aliases: [نجم موبايل, Najm Mobile]", "aliases: [نجم موبايل, Najm Mobile, سهم]",
        "{dir}/brands.yaml: brands[1]: expected names unique to one brand, 'سهم' is also a name of 'sahm'",
        id="an alias shared by two brands",
    ),
    pytest.param(
        "brands.yaml", "arabizi: [sahm, sa7m]", "arabizi: [sahm, sa7m, Sa7m]",
        "{dir}/brands.yaml: brands[0].arabizi: expected each entry once, 'Sa7m' appears twice",
        id="a spelling listed twice",
    ),
    pytest.param(
        "sources.yaml", "brands: [sahm, rafeeq]", "brands: [sahm, rafiq]",
        "{dir}/sources.yaml: sources[2].brands[1]: expected the id of a brand in brands.yaml (sahm, najm, rafeeq), "
        "got 'rafiq'",
        id="a source for an unknown brand",
    ),
    pytest.param(
        "sources.yaml", "{brand: rafeeq, store: apple", "{brand: rafiq, store: apple",
        "{dir}/sources.yaml: sources[2].options.apps[2].brand: expected the id of a brand",
        id="a store app for an unknown brand",
    ),
    pytest.param(
        "sources.yaml", 'id: "1500000002"', "id: app.rafeeq",
        "{dir}/sources.yaml: sources[2].options.apps[2].id: expected the numeric App Store id, such as "
        "'1234567890', got 'app.rafeeq'",
        id="an App Store id that is not numeric",
    ),
    pytest.param(
        "sources.yaml", FEED, FEED.replace("{query}", "{brand}"),
        "{dir}/sources.yaml: sources[1].options.feeds[1]: expected a feed URL whose only placeholder is {query}",
        id="a feed template with an unknown placeholder",
    ),
    pytest.param(
        "sources.yaml", '      item_selector: "article.post"\n', "",
        "{dir}/sources.yaml: sources[8].options.item_selector: required key is missing",
        id="an html source without its item selector",
    ),
    pytest.param(
        "sources.yaml", '"article.post"', '"article..post"',
        "{dir}/sources.yaml: sources[8].options.item_selector: expected a CSS selector",
        id="a broken CSS selector",
    ),
    pytest.param(
        "sources.yaml", "max_pages: 5", "max_page: 5",
        "{dir}/sources.yaml: sources[8].options.max_page: unknown key; did you mean 'max_pages'?",
        id="a misspelt option of a kind",
    ),
    pytest.param(
        "sources.yaml", "credentials_env: [NABD_X_BEARER_TOKEN]", "credentials_env: []",
        "{dir}/sources.yaml: sources[4].credentials_env: expected the names of the environment variables holding "
        "the x API credentials, such as [NABD_X_BEARER_TOKEN]",
        id="an x source without credentials",
    ),
    pytest.param(
        "sources.yaml", 'user_agent: "linux:nabd:v0.1.0 (by /u/nabd_listening)"', 'user_agent: "nabd/0.1 (+https://nabd.example)"',
        "{dir}/sources.yaml: sources[3].options.user_agent: expected Reddit's user agent form "
        "'<platform>:<app id>:<version> (by /u/<username>)', such as 'linux:nabd:v0.1.0 (by /u/nabd_listening)', "
        "got 'nabd/0.1 (+https://nabd.example)'",
        id="a reddit user agent not in Reddit's required form",
    ),
    pytest.param(
        "sources.yaml", "kind: mastodon", "kind: bluesky",
        "{dir}/sources.yaml: sources[7].kind: expected 'demo', 'rss', 'app_store',",
        id="an unknown source kind",
    ),
    pytest.param(
        "sources.yaml", "kind: telegram\n    enabled: false\n", "kind: telegram\n",
        "{dir}/sources.yaml: sources[6].enabled: required key is missing",
        id="a source that does not say whether it is enabled",
    ),
    pytest.param(
        "topics.yaml", "- id: pricing", "- id: prices",
        "{dir}/topics.yaml: topics: expected every fixed topic id of DESIGN.md §3 (delivery, product_quality, "
        "pricing, billing_payment, refund_return, customer_service, technical, network_coverage), missing pricing",
        id="a fixed topic missing",
    ),
    pytest.param(
        "topics.yaml", "- id: advocacy", "- id: loyalty",
        "{dir}/topics.yaml: signals[1].id: expected one of the signal ids churn_intent, advocacy, got 'loyalty'",
        id="an unknown signal",
    ),
    pytest.param(
        "topics.yaml", "the brand to others.\n", "the brand to others.\n    colour: green\n",
        "{dir}/topics.yaml: signals[1].colour: unknown key; expected one of: id, name_ar, name_en, description_ar, "
        "description_en, seeds",
        id="an unknown key with no close match",
    ),
    pytest.param(
        "alerts.yaml", "brand: rafeeq", "brand: rafiq",
        "{dir}/alerts.yaml: alert_rules[1].brand: expected the id of a brand in brands.yaml (sahm, najm, rafeeq), "
        "got 'rafiq'",
        id="an alert rule for an unknown brand",
    ),
    pytest.param(
        "alerts.yaml", "- id: rafeeq_negative_spike", "- id: sahm_negative_spike",
        "{dir}/alerts.yaml: alert_rules[1].id: duplicate id 'sahm_negative_spike' (first at alert_rules[0])",
        id="a duplicate alert rule id",
    ),
    pytest.param(
        "alerts.yaml", "- type: email\n        to: [cx-leads@sahm.example]\n", "- type: email\n",
        "{dir}/alerts.yaml: alert_rules[0].channels[1]: an email channel expected 'to' (a list of addresses)",
        id="an email channel without recipients",
    ),
    pytest.param(
        "alerts.yaml", "check_every_minutes: 15\n    min_negative: 8", "check_every_minutes: 90\n    min_negative: 8",
        "{dir}/alerts.yaml: alert_rules[1].check_every_minutes: expected at most window_minutes (60), otherwise "
        "mentions between two checks are never judged, got 90",
        id="checks rarer than the window",
    ),
    pytest.param(
        "alerts.yaml", "window_minutes: 60\n    check_every_minutes: 15\n    min_negative: 8",
        "window_minutes: an hour\n    check_every_minutes: 15\n    min_negative: 8",
        "{dir}/alerts.yaml: alert_rules[1].window_minutes: expected a whole number, got 'an hour'",
        id="text where a number belongs",
    ),
    pytest.param(
        "alerts.yaml", "min_negative_share: 0.35", "min_negative_share: 35",
        "{dir}/alerts.yaml: alert_rules[1].min_negative_share: expected a number <= 1.0, got 35",
        id="a share above one",
    ),
    pytest.param(
        "settings.yaml", "  host: localhost\n", "  host: null\n",
        "{dir}/settings.yaml: smtp: expected smtp.host and smtp.sender, because alert rule 'sahm_negative_spike' "
        "in {dir}/alerts.yaml sends e-mail",
        id="e-mail alerts without a mail server",
    ),
    pytest.param(
        "settings.yaml", "backend: onnx", "backend: tensorflow",
        "{dir}/settings.yaml: model.backend: expected 'torch' or 'onnx', got 'tensorflow'",
        id="an unknown model backend",
    ),
    pytest.param(
        "settings.yaml", "password_env: NABD_ES_PASSWORD", "password: hunter2",
        "{dir}/settings.yaml: elasticsearch.password: unknown key; did you mean 'password_env'?",
        id="a password written into the settings",
    ),
    pytest.param(
        "settings.yaml", "heap: 1g", "heap: 1GB",
        "{dir}/settings.yaml: elasticsearch.local.heap: expected a JVM heap size such as '1g' or '512m', got '1GB'",
        id="a heap size in the wrong unit",
    ),
]


def load_error(config_dir: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(config_dir)
    return str(caught.value).splitlines()


@pytest.mark.parametrize(("file", "old", "new", "expected"), INVALID_EDITS)
def test_invalid_input_is_reported_with_file_key_and_expectation(config_dir, replace_in, file, old, new, expected):
    replace_in(config_dir / file, old, new)
    lines = load_error(config_dir)
    wanted = expected.replace("{dir}", str(config_dir))
    assert any(line.startswith(wanted) for line in lines), "\n".join(lines)


def test_a_webhook_url_in_place_of_its_variable_name_is_rejected_without_echoing_it(config_dir, replace_in):
    webhook = "https://hooks.slack.example/services/T0/B0/very-secret-token"
    replace_in(config_dir / "alerts.yaml", "url_env: NABD_SLACK_WEBHOOK_SAHM_CARE", f"url_env: {webhook}")
    (line,) = load_error(config_dir)
    assert line.startswith(
        f"{config_dir}/alerts.yaml: alert_rules[0].channels[0].url_env: expected the NAME of an environment variable"
    )
    assert "very-secret-token" not in line


def test_a_url_carrying_a_password_is_rejected_without_echoing_it(config_dir, replace_in):
    replace_in(config_dir / "settings.yaml", "url: null ", "url: https://elastic:hunter2@es.sahm.example:9243 ")
    (line,) = load_error(config_dir)
    assert line.startswith(f"{config_dir}/settings.yaml: elasticsearch.url: expected a URL without user:password@")
    assert "hunter2" not in line


def test_every_problem_of_a_file_is_reported_at_once(config_dir, replace_in):
    replace_in(config_dir / "brands.yaml", "competitors: [najm]", "competitors: [najm]\n    colour: blue")
    replace_in(config_dir / "brands.yaml", "role: competitor", "role: rival")
    assert len(load_error(config_dir)) == 2


def test_a_yaml_syntax_error_names_the_line_and_column(config_dir, replace_in):
    replace_in(config_dir / "brands.yaml", "    role: competitor\n", "    role: competitor: yes\n")
    lines = (config_dir / "brands.yaml").read_text(encoding="utf-8").splitlines()
    line_number = lines.index("    role: competitor: yes") + 1
    (line,) = load_error(config_dir)
    assert line == (
        f"{config_dir}/brands.yaml: line {line_number}, column 21: invalid YAML: mapping values are not allowed here"
    )


def test_an_unquoted_handle_gets_a_hint_to_quote_it(config_dir, replace_in):
    replace_in(config_dir / "brands.yaml", 'handles: ["@NajmMobile"]', "handles: [@NajmMobile]")
    (line,) = load_error(config_dir)
    assert "invalid YAML: found character '@' that cannot start any token" in line
    assert line.endswith("(quote values that start with @, such as '@SahmTelecom')")


def test_a_key_written_twice_is_rejected_with_both_lines(config_dir, replace_in):
    replace_in(config_dir / "settings.yaml", "  port: 1025\n", "  port: 1025\n  port: 25\n")
    lines = (config_dir / "settings.yaml").read_text(encoding="utf-8").splitlines()
    first, second = lines.index("  port: 1025") + 1, lines.index("  port: 25") + 1
    (line,) = load_error(config_dir)
    assert line.startswith(f"{config_dir}/settings.yaml: line {second}, column 3: invalid YAML:")
    assert line.endswith(f"found the key 'port' twice (first on line {first})")


def test_an_empty_file_says_what_it_should_hold(config_dir):
    (config_dir / "alerts.yaml").write_text("# no rules yet\n", encoding="utf-8")
    assert load_error(config_dir) == [
        f"{config_dir}/alerts.yaml: the file is empty; expected a mapping with the key 'alert_rules'"
    ]


def test_a_file_that_is_a_list_says_a_mapping_was_expected(config_dir):
    (config_dir / "brands.yaml").write_text("- id: sahm\n", encoding="utf-8")
    assert load_error(config_dir) == [
        f"{config_dir}/brands.yaml: expected a mapping with the key 'brands' at the top level, got a list"
    ]


def test_a_missing_file_is_named_with_its_directory(config_dir):
    (config_dir / "topics.yaml").unlink()
    assert load_error(config_dir) == [f"{config_dir}/topics.yaml: file not found; expected topics.yaml in {config_dir}"]


def test_a_file_that_is_not_utf8_is_rejected(config_dir):
    (config_dir / "brands.yaml").write_bytes("brands:\n  - name_ar: سهم\n".encode("cp1256"))
    (line,) = load_error(config_dir)
    assert line.startswith(f"{config_dir}/brands.yaml: expected UTF-8 text, byte ")
