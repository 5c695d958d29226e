"""Settings: one frozen object loaded once from YAML, with errors that name the key.

Every key lives in `config.example.yaml`, which documents it. Unknown keys are
errors, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from domain.text import name_key


class ConfigError(Exception):
    """A configuration problem, worded for the person who runs the bot."""


@dataclass(frozen=True)
class WebhookSettings:
    url: str | None = None
    listen: str = "127.0.0.1"
    port: int = 8443
    secret_token: str | None = None


@dataclass(frozen=True)
class TelegramSettings:
    token: str | None = None
    base_url: str | None = None
    webhook: WebhookSettings | None = None


@dataclass(frozen=True)
class MatrixSettings:
    """The bot's account on a Matrix homeserver (Tchap): secrets may come from the environment instead."""

    homeserver: str | None = None  # e.g. https://matrix.agent.tchap.gouv.fr
    user_id: str | None = None  # e.g. @assistant-spaser:agent.tchap.gouv.fr
    access_token: str | None = None  # or SPASER_MATRIX_TOKEN
    password: str | None = None  # or SPASER_MATRIX_PASSWORD; used to log in once, then the token is kept
    device_id: str = "ASSISTANTSPASER"  # the same device at every start: the server deduplicates per device
    store_path: str = "data/matrix-store"  # the encryption keys: a secret, backed up, never committed
    allowed_domains: tuple[str, ...] = ()  # invitations accepted from these servers only (empty: the bot's own)
    rate_per_second: float = 1.0  # announcements, as DINUM advises for Tchap

    @property
    def configured(self) -> bool:
        return bool(self.homeserver and self.user_id)

    def secret_token(self) -> str | None:
        return os.environ.get("SPASER_MATRIX_TOKEN") or self.access_token

    def secret_password(self) -> str | None:
        return os.environ.get("SPASER_MATRIX_PASSWORD") or self.password

    def domains(self) -> tuple[str, ...]:
        own = (self.user_id or "").partition(":")[2]
        return tuple(d.lower() for d in self.allowed_domains) or ((own.lower(),) if own else ())


@dataclass(frozen=True)
class StorageSettings:
    path: str = "data/spaser.db"


@dataclass(frozen=True)
class FaqSettings:
    answer_threshold: float | None = None
    suggest_threshold: float | None = None


@dataclass(frozen=True)
class BroadcastSettings:
    rate_per_second: float = 25.0


@dataclass(frozen=True)
class PrivacySettings:
    controller: str = ""  # who is responsible for the processing (the operator's structure)
    contact: str = ""  # where people exercise their rights (the DPO's address)
    retention_days: int = 365

    def unset(self) -> list[str]:
        """The keys left empty or as the example's placeholder: never shown to anyone as if true."""
        return [
            f"privacy.{key}" for key in ("controller", "contact")
            if not getattr(self, key).strip() or getattr(self, key).strip() in PRIVACY_PLACEHOLDERS
        ]


# What config.example.yaml holds, to be replaced by the operator.
PRIVACY_PLACEHOLDERS = {"Nom de la structure responsable du traitement", "dpo@exemple.fr"}


@dataclass(frozen=True)
class LoggingSettings:
    level: str = "INFO"  # DEBUG, INFO, WARNING or ERROR
    file: str | None = None  # None: standard error (journald under systemd)
    max_megabytes: float = 10.0  # a file log turns over at this size…
    keep: int = 5  # …and this many old files are kept


@dataclass(frozen=True)
class Settings:
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    matrix: MatrixSettings = field(default_factory=MatrixSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    exports_dir: str = "exports"
    content_dir: str | None = None  # None: the content installed with the software
    timezone: str = "Europe/Paris"
    admins: tuple[int, ...] = ()  # Telegram ids
    faq: FaqSettings = field(default_factory=FaqSettings)
    broadcast: BroadcastSettings = field(default_factory=BroadcastSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)
    # Animators on other channels, channel-qualified (« console:camille »),
    # read from the same « admins » list; not a key of its own.
    named_admins: tuple[str, ...] = field(default=(), metadata={"derived": True})

    def token(self) -> str | None:
        """Return the bot token; the environment wins so secrets stay out of files."""
        return os.environ.get("SPASER_BOT_TOKEN") or self.telegram.token

    def is_admin_identity(self, channel: str, address: str) -> bool:
        """Whether this address on this channel is one of `admin_identities()`."""
        return (channel, address) in self.admin_identities()

    def admin_identities(self) -> list[tuple[str, str]]:
        """Every configured animator as (channel, address), as the adapters write addresses: a bare number
        in « admins » is a Telegram id, anything else is « channel:address » (a console name folded)."""
        found = [("telegram", str(i)) for i in self.admins]
        for item in self.named_admins:
            channel, _, address = item.partition(":")
            found.append((channel, name_key(address) if channel == "console" else address))
        return found


DEFAULT_CONFIG_FILE = "config.yaml"


def load_settings(path: str | os.PathLike | None = None) -> Settings:
    """Load settings from `path`, else `config.yaml` here if present, else defaults."""
    if path is None:
        if not Path(DEFAULT_CONFIG_FILE).is_file():
            return Settings()
        path = DEFAULT_CONFIG_FILE
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"Fichier de configuration introuvable : {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Impossible de lire {path} : {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} n'est pas un YAML valide : {exc}") from None
    if data is None:
        data = {}
    named: list[str] = []
    if isinstance(data, dict) and isinstance(data.get("admins"), list):
        data = {**data, "admins": _telegram_admins(data["admins"], named, path)}
    settings = _build(Settings, data, prefix="", source=path)
    settings = dataclasses.replace(settings, named_admins=tuple(named))
    check_ranges(settings, path)
    return settings


def check_ranges(settings: Settings, source: Path | str = "configuration") -> None:
    """Values of the right type but out of range: a retention of 0 days would erase every account."""
    def fail(key: str, value, expected: str) -> None:
        raise ConfigError(f"{source} : « {key} » doit être {expected} (reçu : {value!r}).")

    telegram = settings.telegram
    if telegram.base_url is not None and urlparse(telegram.base_url).scheme not in ("http", "https"):
        fail("telegram.base_url", telegram.base_url, "une adresse http:// ou https://")
    if telegram.webhook is not None:
        hook = telegram.webhook
        if hook.url is not None and urlparse(hook.url).scheme not in ("http", "https"):
            fail("telegram.webhook.url", hook.url, "une adresse https:// (http:// pour un essai local)")
        if not 1 <= hook.port <= 65535:
            fail("telegram.webhook.port", hook.port, "un port entre 1 et 65535")
        if hook.secret_token is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", hook.secret_token):
            fail("telegram.webhook.secret_token", "…", "1 à 256 caractères parmi A-Z, a-z, 0-9, _ et -")
    matrix = settings.matrix
    if matrix.homeserver is not None and urlparse(matrix.homeserver).scheme not in ("http", "https"):
        fail("matrix.homeserver", matrix.homeserver, "une adresse https:// (http:// pour un serveur de test local)")
    if matrix.user_id is not None and not re.fullmatch(r"@[^:\s]+:[^\s]+", matrix.user_id):
        fail("matrix.user_id", matrix.user_id, "un identifiant Matrix de la forme @nom:serveur")
    if not math.isfinite(matrix.rate_per_second) or not 0 < matrix.rate_per_second <= 30:
        fail("matrix.rate_per_second", matrix.rate_per_second, "un nombre de messages par seconde entre 0 (exclu) et 30")
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        fail("timezone", settings.timezone, "un fuseau horaire connu, par exemple « Europe/Paris »")
    rate = settings.broadcast.rate_per_second
    if not math.isfinite(rate) or not 0 < rate <= 30:
        fail("broadcast.rate_per_second", rate, "un nombre de messages par seconde entre 0 (exclu) et 30")
    if not 30 <= settings.privacy.retention_days <= 3650:
        fail("privacy.retention_days", settings.privacy.retention_days, "un nombre de jours entre 30 et 3650")
    logs = settings.logging
    if logs.level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        fail("logging.level", logs.level, "DEBUG, INFO, WARNING ou ERROR")
    if not math.isfinite(logs.max_megabytes) or not 0.1 <= logs.max_megabytes <= 1000:
        fail("logging.max_megabytes", logs.max_megabytes, "une taille en Mo entre 0,1 et 1000")
    if not 1 <= logs.keep <= 100:
        fail("logging.keep", logs.keep, "un nombre de fichiers entre 1 et 100")
    faq = settings.faq
    for key, value in (("faq.answer_threshold", faq.answer_threshold), ("faq.suggest_threshold", faq.suggest_threshold)):
        if value is not None and (not math.isfinite(value) or not 0 <= value <= 100):
            fail(key, value, "un score entre 0 et 100")
    if faq.answer_threshold is not None and faq.suggest_threshold is not None and faq.suggest_threshold >= faq.answer_threshold:
        fail("faq.suggest_threshold", faq.suggest_threshold, "inférieur à faq.answer_threshold")


ADMIN_CHANNELS = ("telegram", "console", "matrix")


def _telegram_admins(items: list, named: list[str], source: Path) -> list:
    """« 123 » and « telegram:123 » are Telegram ids; « console:nom », « matrix:@x:domaine » go to `named`."""
    telegram = []
    for i, item in enumerate(items):
        if isinstance(item, str) and ":" in item:
            channel, _, address = item.partition(":")
            channel, address = channel.strip().lower(), address.strip()
            if channel == "telegram" and address.lstrip("-").isdigit():
                telegram.append(int(address))
                continue
            if channel in ("console", "matrix") and address:
                named.append(f"{channel}:{address}")
                continue
            raise ConfigError(
                f"{source} : « admins[{i}] » doit être un identifiant Telegram (nombre) ou de la forme "
                f"telegram:123, console:nom ou matrix:@nom:domaine (reçu : {item!r})."
            )
        telegram.append(item)  # checked as an integer with the other keys
    return telegram


def _build(cls, data, prefix: str, source: Path):
    if not isinstance(data, dict):
        where = prefix.rstrip(".") or "la racine"
        raise ConfigError(f"{source} : « {where} » doit être une table de clés.")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls) if not f.metadata.get("derived")}
    for key in data:
        if key not in known:
            raise ConfigError(f"{source} : clé inconnue « {prefix}{key} ».")
    values = {}
    for name in known:
        if name in data:
            values[name] = _coerce(hints[name], data[name], f"{prefix}{name}", source)
    return cls(**values)


def _coerce(hint, value, key: str, source: Path):
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _coerce(inner[0], value, key, source)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, prefix=f"{key}.", source=source)
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(f"{source} : « {key} » doit être une liste.")
        return tuple(_coerce(args[0], item, f"{key}[{i}]", source) for i, item in enumerate(value))
    if hint is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if hint in (int, str) and isinstance(value, hint) and not isinstance(value, bool):
        return value
    expected = {int: "un nombre entier", float: "un nombre", str: "un texte"}.get(hint, str(hint))
    raise ConfigError(f"{source} : « {key} » doit être {expected} (reçu : {value!r}).")
