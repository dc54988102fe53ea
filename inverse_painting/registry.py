"""Named backends of one family (canvas detectors, depth, fetchers, ...), chosen by name.

Each family is a :class:`Registry` of :class:`Backend` entries: a name, a builder that takes
the backend's own config (imports its heavy module only when called) and the optional
packages it needs. ``registry.build(name, config)`` checks those packages first, so a missing
one is one message saying what to install, and an unknown name lists the known ones.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any, Callable, Generic, Iterable, TypeVar

from .pipeline.errors import UserError

T = TypeVar("T")


class UnknownBackend(UserError):
    exit_code = 2


class MissingDependency(UserError):
    """A backend's optional package is not installed."""


@dataclass(frozen=True)
class Backend(Generic[T]):
    name: str
    build: Callable[..., T]  # build(config, **context) -> the backend
    requires: tuple[str, ...] = ()  # import names it needs beyond the core install
    install: str = ""  # what to pip install for them
    summary: str = ""  # one line for --help and the docs


class Registry(Generic[T]):
    """The backends of one family, by name, in the order they were declared."""

    def __init__(self, family: str, backends: Iterable[Backend[T]]):
        self.family = family
        self._backends = {b.name: b for b in backends}

    def names(self) -> tuple[str, ...]:
        return tuple(self._backends)

    def get(self, name: str) -> Backend[T]:
        try:
            return self._backends[name]
        except KeyError:
            raise UnknownBackend(f"unknown {self.family} {name!r}; choose one of {', '.join(self._backends)}") from None

    def build(self, name: str, *args: Any, **kwargs: Any) -> T:
        backend = self.get(name)
        missing = [m for m in backend.requires if importlib.util.find_spec(m) is None]
        if missing:
            raise MissingDependency(f"{self.family} {name!r} needs {', '.join(missing)}: "
                                    f"pip install {backend.install or ' '.join(missing)}")
        return backend.build(*args, **kwargs)
