"""Typed config: defaults → TOML file → environment; errors name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccengine.config import ConfigError, load_config


def test_defaults_are_the_embedded_ones() -> None:
    config = load_config(environ={})
    assert config.database.url == "sqlite+aiosqlite:///ccengine.db"
    assert config.ami == ()
    assert config.tickets.number_format.format(year=2026, seq=123) == "TK-2026-000123"
    assert config.transcribe.language == "pl"


def test_file_then_environment(tmp_path: Path) -> None:
    path = tmp_path / "ccengine.toml"
    path.write_text(
        '[database]\nurl = "sqlite+aiosqlite:///file.db"\n'
        '[[ami]]\nname = "warszawa"\nhost = "10.0.0.5"\nusername = "ccengine"\nsecret = "x"\n'
        '[web]\nport = 9000\n'
    )
    config = load_config(path, environ={
        "CCENGINE_DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1/cc",
        "CCENGINE_AMI_0_SECRET": "from-env",
        "CCENGINE_WEB_PORT": "9100",
    })
    assert config.database.url == "postgresql+asyncpg://postgres@127.0.0.1/cc"
    [pbx] = config.ami
    assert (pbx.name, pbx.host, pbx.secret, pbx.port) == ("warszawa", "10.0.0.5", "from-env", 5038)
    assert config.web.port == 9100


@pytest.mark.parametrize(("environ", "message"), [
    ({"CCENGINE_WEB_PORT": "eighty"}, "web.port"),
    ({"CCENGINE_DATABASE_URL": "sqlite:///sync.db"}, "database.url: Value error, must use"),
    ({"CCENGINE_TICKETS_NUMBER_FORMAT": "TK-{yr}"}, "tickets.number_format"),
    ({"CCENGINE_AMI_0_HOST": "pbx"}, "ami.0.name: Field required"),
    ({"CCENGINE_AMI_SECRET": "x"}, "CCENGINE_AMI_SECRET: PBX variables are CCENGINE_AMI_<INDEX>"),
    ({"CCENGINE_WEB_COLOUR": "red"}, "web.colour: Extra inputs are not permitted"),
])
def test_errors_name_the_key_and_the_problem(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("<", ".").replace(">", ".")):
        load_config(environ=environ)


def test_missing_or_broken_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml", environ={})
    broken = tmp_path / "broken.toml"
    broken.write_text("[database\nurl=")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken, environ={})
