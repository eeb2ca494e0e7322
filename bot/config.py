"""Configuration: one TOML file validated by pydantic, plus ``HEARTH_*`` environment overrides.

Secrets never live here: see ``bot.secrets``. Errors name the file, the key, what is wrong and
what is allowed, so ``hearth config check`` can be read by someone who never opened this module.
"""

from __future__ import annotations

import os
import re
import tomllib
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from cogs import AVAILABLE
from cogs.badges.config import BadgesConfig
from cogs.ideas.config import IdeasConfig
from cogs.launches.config import LaunchesConfig
from cogs.lifecycle.config import LifecycleConfig
from cogs.metrics.config import MetricsConfig
from cogs.onboarding.config import OnboardingConfig
from cogs.points.config import PointsConfig
from cogs.polls.config import PollsConfig
from cogs.proof.config import ProofConfig
from cogs.purchases.config import PurchasesConfig
from cogs.qa.config import QaConfig
from cogs.referrals.config import ReferralsConfig
from cogs.rituals.config import RitualsConfig
from cogs.tiers.config import TiersConfig
from cogs.ugc.config import UgcConfig

DEFAULT_CONFIG_PATH = Path("config.toml")
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/hearth.db"
SECRET_WORDS = ("token", "secret", "password", "api_key")
URL_PASSWORD = re.compile(r"(://[^/:@\s]*):[^@/\s]*@")
SECRET_HINT = (
    "secrets don't belong in the config file: set them in the environment "
    "(HEARTH_SECRET, HEARTH_DISCORD_TOKEN, HEARTH_TELEGRAM_TOKEN, HEARTH_<PROVIDER>_WEBHOOK_SECRET)"
)


class Section(BaseModel):
    """A config table: unknown keys are errors, so a typo never silently falls back to a default."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class CommunityConfig(Section):
    name: str = Field("Our Community", min_length=1, max_length=80)
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{value}' is not an IANA timezone; use e.g. 'Europe/Berlin' or 'UTC'") from None
        return value


class DatabaseConfig(Section):
    url: str = DEFAULT_DATABASE_URL

    @field_validator("url")
    @classmethod
    def _supported(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///path/to/file.db or postgresql+asyncpg://user@host/db")
        # Caught here, not as a traceback when the engine is built: an unreadable URL, and a SQLite URL
        # without a file (in memory, everything would be lost on restart; the points writer opens the file).
        try:
            url = make_url(value)
        except (ArgumentError, ValueError) as error:
            raise ValueError(f"not a URL SQLAlchemy can read ({error})") from None
        if url.get_backend_name() == "sqlite" and (not url.database or url.database == ":memory:" or url.host
                                                   or "\x00" in url.database):
            raise ValueError("a SQLite database needs a file: sqlite+aiosqlite:///path/to/file.db "
                             "(three slashes, then the path)")
        return value


class WebConfig(Section):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    public_url: str = ""


class LogConfig(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class CogsConfig(Section):
    enabled: list[str] = Field(default_factory=lambda: ["help", "profile", "link", "points", "privacy", "rituals",
                                                        "purchases", "onboarding", "lifecycle", "tiers", "badges",
                                                        "polls", "ideas", "qa", "ugc", "referrals", "launches",
                                                        "metrics", "proof"])

    @field_validator("enabled")
    @classmethod
    def _known_cogs(cls, value: list[str]) -> list[str]:
        unknown = [name for name in value if name not in AVAILABLE]
        if unknown:
            raise ValueError(f"unknown cog {unknown[0]!r}; available: {', '.join(AVAILABLE)}")
        if len(set(value)) != len(value):
            raise ValueError("a cog is listed twice")
        return value


class LinkConfig(Section):
    code_ttl_minutes: int = Field(10, ge=1, le=1440)


class ConsoleConfig(Section):
    default_member: str = Field("you", pattern=r"^[A-Za-z0-9_]{1,32}$")
    channel: str = Field("general", pattern=r"^[A-Za-z0-9_-]{1,32}$")


class DiscordConfig(Section):
    guild_ids: list[int] = Field(default_factory=list)
    moderator_role_ids: list[int] = Field(default_factory=list)
    # The Discord permission that makes someone a moderator (and hides /mod … from everyone else).
    moderator_permission: Literal["manage_guild", "manage_messages", "moderate_members", "manage_roles",
                                  "kick_members", "ban_members", "administrator"] = "manage_guild"
    # Ceiling for role grants/revokes: a 10k-member tier sync is queued, never a burst.
    role_changes_per_second: float = Field(10.0, gt=0, le=50)
    # Sharding, for bots in thousands of servers: shard_count is the total across every process, shard_ids
    # the ones this process runs (default: all of them). Unset: one connection, no sharding.
    shard_count: int | None = Field(None, ge=1, le=100_000)
    shard_ids: list[int] | None = None

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _id_list(cls, value: Any) -> Any:
        # HEARTH_DISCORD_SHARD_IDS="0,1": one config file, each process given its shards by the environment.
        if isinstance(value, str):
            try:
                return [int(part) for part in value.replace(",", " ").split()]
            except ValueError:
                raise ValueError('list shard ids as numbers, e.g. [0, 1] or HEARTH_DISCORD_SHARD_IDS="0,1"') from None
        return value

    @model_validator(mode="after")
    def _shards(self) -> DiscordConfig:
        ids, count = self.shard_ids, self.shard_count
        if ids is None:
            return self
        if count is None:
            raise ValueError("shard_ids needs shard_count: the total number of shards across all "
                             "your processes")
        if not ids:
            raise ValueError("shard_ids is empty: list this process's shards, e.g. [0, 1], or leave it out "
                             "to run all of them")
        outside = [i for i in ids if not 0 <= i < count]
        if outside:
            raise ValueError(f"shard_ids: shard {outside[0]} doesn't exist with shard_count = {count} "
                             f"(ids go from 0 to {count - 1})")
        if len(set(ids)) != len(ids):
            raise ValueError("shard_ids lists a shard twice")
        return self


class TelegramConfig(Section):
    base_url: str = ""
    webhook_url: str = ""
    moderator_user_ids: list[int] = Field(default_factory=list)

    @field_validator("base_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        # Caught here, a typo is one clear line from `hearth config check`, not a failed start.
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be empty or a URL starting with https:// (or http:// for a local Bot API server)")
        return value


class HearthConfig(Section):
    community: CommunityConfig = CommunityConfig()
    database: DatabaseConfig = DatabaseConfig()
    web: WebConfig = WebConfig()
    log: LogConfig = LogConfig()
    cogs: CogsConfig = CogsConfig()
    link: LinkConfig = LinkConfig()
    console: ConsoleConfig = ConsoleConfig()
    discord: DiscordConfig = DiscordConfig()
    telegram: TelegramConfig = TelegramConfig()
    points: PointsConfig = PointsConfig()
    purchases: PurchasesConfig = PurchasesConfig()
    rituals: RitualsConfig = RitualsConfig()
    tiers: TiersConfig = TiersConfig()
    badges: BadgesConfig = BadgesConfig()
    polls: PollsConfig = PollsConfig()
    ideas: IdeasConfig = IdeasConfig()
    qa: QaConfig = QaConfig()
    onboarding: OnboardingConfig = OnboardingConfig()
    lifecycle: LifecycleConfig = LifecycleConfig()
    ugc: UgcConfig = UgcConfig()
    referrals: ReferralsConfig = ReferralsConfig()
    launches: LaunchesConfig = LaunchesConfig()
    metrics: MetricsConfig = MetricsConfig()
    proof: ProofConfig = ProofConfig()
    data_dir: str = "data"

    @field_validator("tiers", "badges")
    @classmethod
    def _condition_names(cls, value: TiersConfig | BadgesConfig, info: ValidationInfo) -> TiersConfig | BadgesConfig:
        # Badge and tier conditions name points rules and tiers: checked against the sections validated before.
        return value.check_names(info.data.get("points"), info.data.get("tiers"))


# Environment variable → the config key it overrides.
ENV_OVERRIDES: Mapping[str, tuple[str, ...]] = {
    "HEARTH_DATABASE_URL": ("database", "url"),
    "HEARTH_WEB_HOST": ("web", "host"),
    "HEARTH_WEB_PORT": ("web", "port"),
    "HEARTH_LOG_LEVEL": ("log", "level"),
    "HEARTH_TELEGRAM_BASE_URL": ("telegram", "base_url"),
    "HEARTH_POINTS_WRITER": ("points", "writer"),
    "HEARTH_DISCORD_SHARD_IDS": ("discord", "shard_ids"),
    "HEARTH_DISCORD_SHARD_COUNT": ("discord", "shard_count"),
}


class ConfigError(Exception):
    """Invalid configuration; ``problems`` holds one readable line per mistake."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _find_secret_keys(table: Mapping[str, Any], prefix: str = "") -> list[str]:
    found = []
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            found.extend(_find_secret_keys(value, dotted + "."))
        elif any(word in key.lower() for word in SECRET_WORDS):
            found.append(dotted)
    return found


def _allowed_keys(model: type[BaseModel], location: tuple[Any, ...]) -> list[str]:
    current: type[BaseModel] | None = model
    for part in location[:-1]:
        field = current.model_fields.get(str(part)) if current else None
        annotation = field.annotation if field else None
        current = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return sorted(current.model_fields) if current else []


def _describe(error: Mapping[str, Any], source: str, env_keys: Mapping[str, str]) -> str:
    location = tuple(error["loc"])
    dotted = ".".join(str(part) for part in location)
    origin = f"{env_keys[dotted]} ({dotted})" if dotted in env_keys else f"{source}: {dotted}"
    if error["type"] == "extra_forbidden":
        allowed = ", ".join(_allowed_keys(HearthConfig, location))
        return f"{origin}: unknown key; allowed here: {allowed}"
    message = str(error["msg"]).removeprefix("Value error, ")
    got = error.get("input")
    if isinstance(got, str):
        got = URL_PASSWORD.sub(r"\1:***@", got)  # the error is printed, often into CI logs: never a password
    shown = f" (got {got!r})" if got is not None and not isinstance(got, dict) else ""
    return f"{origin}: {message}{shown}"


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> HearthConfig:
    """Read and validate the config file; a missing file means all defaults."""
    environ = os.environ if environ is None else environ
    path = path or Path(environ.get("HEARTH_CONFIG", DEFAULT_CONFIG_PATH))
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise ConfigError([f"{path}: not valid TOML: {error}"]) from None
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError([f"{path}: can't be read: {error}"]) from None
    secret_keys = _find_secret_keys(raw)
    if secret_keys:
        raise ConfigError([f"{path}: {key}: {SECRET_HINT}" for key in secret_keys])
    env_keys: dict[str, str] = {}
    for variable, (section, key) in ENV_OVERRIDES.items():
        if variable in environ:
            table = raw.setdefault(section, {})
            if not isinstance(table, dict):
                raise ConfigError([f"{path}: {section}: must be a table ([{section}])"])
            table[key] = environ[variable]
            env_keys[f"{section}.{key}"] = variable
    try:
        return HearthConfig.model_validate(raw)
    except ValidationError as error:
        raise ConfigError([_describe(e, str(path), env_keys) for e in error.errors()]) from None
