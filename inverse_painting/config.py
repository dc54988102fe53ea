"""One frozen config per stage: parsed once from its ``params.yaml`` section, strict, and the
only place defaults live.

A stage's config is a frozen dataclass whose fields are its settings (nested dataclasses for a
backend's own settings). :func:`parse_config` builds it from a mapping and refuses anything
it does not know: a misspelt key is an error naming it (with the setting it probably meant),
a value of the wrong type is an error naming the setting. ``pipelines/<stage>.py`` parses its
section once; everything deeper receives the dataclass, never the mapping. The command line
takes its defaults from the same dataclasses.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from dataclasses import dataclass, fields, is_dataclass
from typing import Any, Literal, Mapping, TypeVar, get_args, get_origin

from .pipeline.errors import UserError

C = TypeVar("C")
# Settings that steer how a stage runs, not what it produces: they never invalidate finished items.
EXECUTION_KEYS = ("workers", "executor", "ray_address", "max_failure_fraction")


class ConfigError(UserError):
    """A settings section that does not fit its config: unknown key, wrong type, bad value."""

    exit_code = 2


@dataclass(frozen=True)
class Execution:
    """How a per-item stage runs (``workers`` processes, or Ray tasks); hashed into nothing."""

    workers: int = 2
    executor: Literal["process", "ray"] = "process"
    ray_address: str | None = None  # a Ray cluster for executor: ray; None starts a local one
    max_failure_fraction: float = 0.5  # the stage fails when more of its items than this failed


def parse_config(cls: type[C], values: Mapping[str, Any] | None, where: str) -> C:
    """``cls`` built from ``values``; unknown keys and wrong types raise :class:`ConfigError`."""
    if values is None:
        values = {}
    if not isinstance(values, Mapping):
        raise ConfigError(f"{where}: expected a mapping of settings, got {type(values).__name__}")
    known = [f.name for f in fields(cls) if f.init]
    for key in values:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ConfigError(f"{where}.{key}: unknown setting{hint} (known: {', '.join(known)})")
    hints = typing.get_type_hints(cls)
    kwargs = {name: _coerce(values[name], hints[name], f"{where}.{name}") for name in known if name in values}
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _coerce(value: Any, tp: Any, where: str) -> Any:
    origin, args = get_origin(tp), get_args(tp)
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in (a for a in args if a is not type(None)):
            try:
                return _coerce(value, arg, where)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0] if errors else f"{where}: {value!r} does not fit")
    if origin is Literal:
        if value not in args:
            raise ConfigError(f"{where}: {value!r} is not one of {', '.join(repr(a) for a in args)}")
        return value
    if is_dataclass(tp):
        return parse_config(tp, value, where)
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        item = args[0] if args else Any
        return tuple(_coerce(v, item, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict or tp is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}")
        vt = args[1] if len(args) == 2 else Any
        return {str(k): _coerce(v, vt, f"{where}.{k}") for k, v in value.items()}
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected a whole number, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ConfigError(f"{where}: expected text, got {value!r}")
        return str(value)
    return value


def work_settings(config: Any) -> dict[str, Any]:
    """What an item's result depends on: every setting but the execution ones (JSON-able)."""
    return {k: v for k, v in dataclasses.asdict(config).items() if k not in EXECUTION_KEYS}


def execution_of(config: Any) -> Execution:
    """The execution settings of a stage config (defaults when it has none)."""
    return Execution(**{k: getattr(config, k) for k in EXECUTION_KEYS if hasattr(config, k)})


def setting_type(cls: type, name: str) -> Any:
    """The annotated type of one setting (the command line uses a setting's ``Literal`` choices)."""
    return typing.get_type_hints(cls)[name]


def replace(config: C, **changes: Any) -> C:
    """A copy of ``config`` with ``changes`` (None values are left out: the default stays)."""
    return dataclasses.replace(config, **{k: v for k, v in changes.items() if v is not None})
