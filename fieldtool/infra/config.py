"""Provides the user's settings (config.toml): language, theme, default programme, the balance connection and the plausibility checks.

The file is read at start-up (`load_settings`) and written by the Settings screen (`save_settings`),
atomically. It is small and flat: ``key = "value"`` lines, plus a few numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from fieldtool.errors import InputError

_MAX_BYTES = 64 * 1024
"""config.toml holds a handful of settings; anything larger is not a file fieldtool wrote."""

BALANCE_PROTOCOL_NAMES = ("mt-sics", "sbi", "and")
"""The balance protocols fieldtool speaks, by short name (each driver's ``protocol``): the one list that the
settings, ``fieldtool balance`` and `fieldtool.balance.probe` share."""

BALANCE_PROTOCOLS = ("auto", *BALANCE_PROTOCOL_NAMES)
"""What ``balance_protocol`` and ``fieldtool balance --protocol`` accept: a protocol, or auto (probe on connecting)."""


@dataclass(frozen=True)
class Settings:
    """What the TUI needs to know besides the database."""

    lang: str = "en"
    """Language of every screen: ``en`` or ``zh``."""
    theme: str = "textual-dark"
    """Textual theme name (``textual-light`` for bright daylight)."""
    programme_id: str = "cn-2012-net-content"
    """The programme shown on Home and offered for new inspections."""
    balance_connection: str = ""
    """Where the balance is (``/dev/ttyUSB0?baud=9600``, ``socket://10.0.0.5:4001`` …); empty: weights are typed."""
    balance_protocol: str = "auto"
    """mt-sics, sbi, and, or auto (probe on connecting)."""
    balance_timeout: float = 20.0
    """Seconds a capture waits for a package that settles."""
    outlier_t: float = 5.0
    """A typed package whose net is beyond Qn ± outlier_t × T is saved only once confirmed (naming the likely
    slip: the point left out, grams typed for kg); 0 turns the question off."""
    tare_outlier_ratio: float = 2.0
    """A typed tare-sample weighing above ratio × (or below 1/ratio ×) the mean of the others is saved only
    once confirmed; 0 turns the question off."""
    density_min: float = 0.5
    """The lowest plausible density in g/mL; a density outside density_min … density_max is saved only once confirmed."""
    density_max: float = 2.0
    """The highest plausible density in g/mL."""
    db_path: str = ""
    """The database file in use (shown in the help screen); not stored in the file."""
    config_path: str = ""
    """The settings file these came from, where the Settings screen saves them; empty: not saved."""


_STRINGS = {"lang", "theme", "programme_id", "balance_connection", "balance_protocol"}
_NUMBERS = {"balance_timeout", "outlier_t", "tare_outlier_ratio", "density_min", "density_max"}
_KEYS = _STRINGS | _NUMBERS


def _check(values: dict[str, object], where: str) -> None:
    if values.get("lang", "en") not in ("en", "zh"):
        raise InputError(f"{where}language must be en or zh; got {values['lang']!r}")
    if values.get("balance_protocol", "auto") not in BALANCE_PROTOCOLS:
        raise InputError(f"{where}balance_protocol must be one of {', '.join(BALANCE_PROTOCOLS)}; got {values['balance_protocol']!r}")
    timeout = values.get("balance_timeout", 20.0)
    if not isinstance(timeout, float) or not 0.5 <= timeout <= 600:
        raise InputError(f"{where}balance_timeout must be seconds between 0.5 and 600; got {timeout!r}")
    for key, low, high in (("outlier_t", 0.0, 1000.0), ("tare_outlier_ratio", 0.0, 1000.0)):
        value = values.get(key, 1.0)
        if not isinstance(value, float) or not low <= value <= high:
            raise InputError(f"{where}{key} must be a number from {low:g} (off) to {high:g}; got {value!r}")
    low_rho, high_rho = values.get("density_min", 0.5), values.get("density_max", 2.0)
    if not isinstance(low_rho, float) or not isinstance(high_rho, float) or not 0 < low_rho < high_rho <= 30:
        raise InputError(f"{where}density_min and density_max must be g/mL with 0 < density_min < density_max ≤ 30; "
                         f"got {low_rho!r} and {high_rho!r}")


def load_settings(path: Path, **overrides: str | None) -> Settings:
    """Read settings from `path` (missing file: defaults); non-None `overrides` win.

    Raises:
        InputError: the file is not valid TOML, has an unknown key, a value of the wrong type, or a bad value.
    """
    values: dict[str, object] = {}
    if path.is_file():
        # The TOML reader only when there is a file to read: the TUI imports this module for `Settings`
        # before its first screen, and a first run has no file.
        from fieldtool.infra.bounded import DocumentError, read_file, read_toml

        try:
            data = read_toml(read_file(path, _MAX_BYTES), str(path), max_bytes=_MAX_BYTES)
        except DocumentError as exc:
            raise InputError(f"{path}: cannot read settings: {exc.problem}") from None
        unknown = sorted(set(data) - _KEYS)
        if unknown:
            raise InputError(f"{path}: unknown setting {unknown[0]!r}; known: {', '.join(sorted(_KEYS))}")
        for key, value in data.items():
            if key in _NUMBERS:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise InputError(f"{path}: {key} must be a number")
                value = float(value)
            elif not isinstance(value, str):
                raise InputError(f"{path}: {key} must be a string")
            values[key] = value
        _check(values, f"{path}: ")
    values.update({k: v for k, v in overrides.items() if v is not None})
    _check(values, "")
    values.setdefault("config_path", str(path))
    return Settings(**values)  # type: ignore[arg-type]


def settings_toml(settings: Settings) -> str:
    """The settings as the text of config.toml (what is not stored in the file is left out)."""
    import json

    lines = ["# fieldtool settings (written by the Settings screen; see 'fieldtool locate')"]
    for f in fields(Settings):
        if f.name in _STRINGS:
            # A JSON string is a valid TOML basic string: the same quotes and escapes.
            lines.append(f"{f.name} = {json.dumps(getattr(settings, f.name), ensure_ascii=False)}")
        elif f.name in _NUMBERS:
            lines.append(f"{f.name} = {float(getattr(settings, f.name))!r}")
    return "\n".join(lines) + "\n"


def save_settings(settings: Settings) -> Path:
    """Write the settings to their file (`Settings.config_path`), atomically.

    Returns:
        The file written.

    Raises:
        InputError: no file to save to, or it cannot be written.
    """
    from fieldtool.infra.files import write_atomically

    if not settings.config_path:
        raise InputError("these settings have no file to be saved to")
    path = Path(settings.config_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot write settings {path}: {exc.strerror or exc}") from None
    write_atomically(path, settings_toml(settings).encode("utf-8"), "settings")
    return path
