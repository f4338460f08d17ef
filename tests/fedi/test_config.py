"""Settings: defaults, validation, and the one-line errors that stop start-up."""

from pathlib import Path

import pytest

from fedi.config import load_settings
from fedi.errors import ConfigError


def test_defaults_describe_a_local_node() -> None:
    settings = load_settings({"FEDI_SCHEME": "http"})
    assert settings.domain == "localhost:8000"
    assert settings.base_url == "http://localhost:8000"
    assert settings.host == "localhost"
    assert settings.languages == ("en",)
    assert settings.registrations == "closed"
    assert settings.database_url is None
    assert settings.data_dir == Path("var").resolve()
    assert not settings.authorized_fetch


def test_scheme_defaults_to_https() -> None:
    assert load_settings({"FEDI_DOMAIN": "social.example.org"}).scheme == "https"


def test_domain_is_normalised() -> None:
    settings = load_settings({"FEDI_DOMAIN": "Bücher.Example.", "FEDI_LANGUAGES": "en, fr,ar"})
    assert settings.domain == "xn--bcher-kva.example"
    assert settings.languages == ("en", "fr", "ar")


def test_http_refused_for_a_public_domain() -> None:
    with pytest.raises(ConfigError, match=r"^FEDI_SCHEME: 'http' is allowed only"):
        load_settings({"FEDI_DOMAIN": "social.example.org", "FEDI_SCHEME": "http"})


def test_http_allowed_in_dev_mode_or_on_loopback() -> None:
    dev = {"FEDI_DOMAIN": "social.example.org", "FEDI_SCHEME": "http", "FEDI_DEV": "1"}
    assert load_settings(dev).scheme == "http"
    assert load_settings({"FEDI_DOMAIN": "127.0.0.1:9000", "FEDI_SCHEME": "http"}).scheme == "http"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"FEDI_DOMAIN": "exa mple.org"}, r"^FEDI_DOMAIN: 'exa mple.org' is not a valid host"),
        ({"FEDI_DOMAIN": "example.org:99999"}, r"^FEDI_DOMAIN: .*invalid port"),
        ({"FEDI_SCHEME": "gopher"}, r"^FEDI_SCHEME: must be 'https' or 'http'"),
        ({"FEDI_DEV": "maybe"}, r"^FEDI_DEV: expected 1/0"),
        ({"FEDI_LANGUAGES": "english"}, r"^FEDI_LANGUAGES: 'english' is not a language code"),
        ({"FEDI_LANGUAGES": " , "}, r"^FEDI_LANGUAGES: give at least one"),
        ({"FEDI_REGISTRATIONS": "sometimes"}, r"^FEDI_REGISTRATIONS: must be one of"),
        ({"DATABASE_URL": "mysql://x"}, r"^DATABASE_URL: must start with postgresql://"),
        ({"FEDI_INSTANCE_NAME": "  "}, r"^FEDI_INSTANCE_NAME: must not be empty"),
        ({"FEDI_CONFIG": "/nonexistent/fedi.toml"}, r"^FEDI_CONFIG: file .* does not exist"),
    ],
)
def test_malformed_setting_is_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings(env)
    assert "\n" not in str(caught.value)


def test_toml_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    config = tmp_path / "fedi.toml"
    config.write_text(
        'domain = "ngo.example.org"\ninstance_name = "Shelter Network"\n'
        'languages = ["en", "fr"]\nauthorized_fetch = true\n'
    )
    settings = load_settings({"FEDI_CONFIG": str(config), "FEDI_INSTANCE_NAME": "Override"})
    assert settings.domain == "ngo.example.org"
    assert settings.languages == ("en", "fr")
    assert settings.authorized_fetch is True
    assert settings.instance_name == "Override"


def test_malformed_toml_is_named(tmp_path: Path) -> None:
    config = tmp_path / "fedi.toml"
    config.write_text("domain = \n")
    with pytest.raises(ConfigError, match=r"^FEDI_CONFIG: .* is not valid TOML"):
        load_settings({"FEDI_CONFIG": str(config)})
