from pathlib import Path

import pytest

from bot.config import ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def problems(path: Path, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as error:
        load_config(path, environ=env or {})
    return error.value.problems


def test_example_config_is_valid_and_matches_defaults() -> None:
    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    assert load_config(example, environ={}) == load_config(Path("/nonexistent.toml"), environ={})


def test_unknown_key_names_the_key_and_what_is_allowed(tmp_path: Path) -> None:
    found = problems(write(tmp_path, "[web]\nprot = 80\n"))
    assert found == [f"{tmp_path}/config.toml: web.prot: unknown key; allowed here: host, port, public_url"]


def test_wrong_type_and_range(tmp_path: Path) -> None:
    found = problems(write(tmp_path, '[web]\nport = "abc"\n[link]\ncode_ttl_minutes = 0\n'))
    assert any(p.startswith(f"{tmp_path}/config.toml: web.port: Input should be a valid integer") for p in found)
    assert any("link.code_ttl_minutes: Input should be greater than or equal to 1" in p for p in found)


def test_bad_timezone_and_cog(tmp_path: Path) -> None:
    found = problems(write(tmp_path, '[community]\ntimezone = "Mars/Olympus"\n[cogs]\nenabled = ["help", "nope"]\n'))
    assert any("community.timezone: 'Mars/Olympus' is not an IANA timezone" in p for p in found)
    assert any("cogs.enabled: unknown cog 'nope'; available: help" in p for p in found)


def test_secrets_in_the_file_are_refused(tmp_path: Path) -> None:
    found = problems(write(tmp_path, '[discord]\ntoken = "abc"\n'))
    assert "discord.token: secrets don't belong in the config file" in found[0]


def test_invalid_toml_says_where(tmp_path: Path) -> None:
    found = problems(write(tmp_path, "[web\nport = 1\n"))
    assert "not valid TOML" in found[0] and "line 1" in found[0]


def test_environment_overrides_win_and_are_named_in_errors(tmp_path: Path) -> None:
    path = write(tmp_path, "[web]\nport = 9000\n")
    config = load_config(path, environ={"HEARTH_WEB_PORT": "9100", "HEARTH_LOG_LEVEL": "debug",
                                        "HEARTH_DATABASE_URL": "postgresql+asyncpg://h@127.0.0.1/h"})
    assert config.web.port == 9100 and config.log.level == "DEBUG"
    assert config.database.url.startswith("postgresql+asyncpg://")
    found = problems(path, {"HEARTH_WEB_PORT": "eighty"})
    assert found[0].startswith("HEARTH_WEB_PORT (web.port): Input should be a valid integer")


def test_hearth_config_env_selects_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[community]\nname = "Acme"\n')
    assert load_config(environ={"HEARTH_CONFIG": str(path)}).community.name == "Acme"
