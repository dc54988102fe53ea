"""Colour and position priors of the classical labeller, read from a YAML file.

The file (``annotate.label_priors``; empty: the packaged ``label_priors.yaml``) holds::

    band_penalty: 25.0          # Delta E added per picture-height outside a class's band
    classes:
      sky:
        band: [0.0, 0.6]        # where the class lives: 0 = top of the picture, 1 = bottom
        colours:                # typical paint colours, sRGB 0-255, named for the reader
          cerulean and white: [100, 165, 215]

Every key is checked: an unknown or misspelt key, a class outside the vocabulary or a
malformed value is an error naming it, so that a typo never silently drops a class.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from importlib import resources
from typing import Any, Mapping, Sequence

import yaml

DEFAULT_PRIORS = "label_priors.yaml"  # package data beside this module
_TOP_KEYS = {"band_penalty", "classes"}
_CLASS_KEYS = {"band", "colours"}


class LabelPriorsError(ValueError):
    """A priors file that cannot be used; the message names the offending keys."""


@dataclass(frozen=True)
class ClassPrior:
    band: tuple[float, float]  # (top, bottom) share of the picture height
    colours: dict[str, tuple[int, int, int]]  # paint name -> sRGB


@dataclass(frozen=True)
class LabelPriors:
    classes: dict[str, ClassPrior]
    band_penalty: float
    source: str  # the file they were read from ("package default" for the shipped one)
    sha256: str  # of the file's text: annotations name the exact priors that labelled them

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> "LabelPriors":
        """Read and check a priors file; ``None`` or ``""``: the packaged default."""
        if path:
            try:
                text = open(path, encoding="utf-8").read()
            except OSError as exc:
                raise LabelPriorsError(f"label priors {path}: unreadable ({exc})") from exc
            source = str(path)
        else:
            text = resources.files(__package__).joinpath(DEFAULT_PRIORS).read_text(encoding="utf-8")
            source = f"package default ({DEFAULT_PRIORS})"
        return cls.from_mapping(yaml.safe_load(text), source, hashlib.sha256(text.encode()).hexdigest()[:16])

    @classmethod
    def from_mapping(cls, data: Any, source: str = "<mapping>", sha256: str = "") -> "LabelPriors":
        def fail(message: str) -> LabelPriorsError:
            return LabelPriorsError(f"label priors {source}: {message}")

        if not isinstance(data, Mapping):
            raise fail("expected a mapping with 'classes'")
        unknown = sorted(set(data) - _TOP_KEYS)
        if unknown:
            raise fail(f"unknown key(s) {unknown} (known: {sorted(_TOP_KEYS)})")
        if not isinstance(data.get("classes"), Mapping) or not data["classes"]:
            raise fail("'classes' must map class names to {band, colours}")
        classes = {}
        for name, spec in data["classes"].items():
            if not isinstance(spec, Mapping):
                raise fail(f"class {name!r}: expected {{band, colours}}")
            unknown, missing = sorted(set(spec) - _CLASS_KEYS), sorted(_CLASS_KEYS - set(spec))
            if unknown or missing:
                raise fail(f"class {name!r}: " + "; ".join(
                    part for part in (f"unknown key(s) {unknown}" if unknown else "",
                                      f"missing key(s) {missing}" if missing else "") if part))
            classes[str(name)] = ClassPrior(_band(spec["band"], lambda m: fail(f"class {name!r}: band {m}")),
                                            _colours(spec["colours"], lambda m: fail(f"class {name!r}: {m}")))
        try:
            penalty = float(data.get("band_penalty", 25.0))
        except (TypeError, ValueError):
            raise fail(f"band_penalty must be a number, not {data['band_penalty']!r}") from None
        return cls(classes, penalty, source, sha256)

    def classes_for(self, vocabulary: Sequence[str], every_word: bool = True) -> list[str]:
        """The vocabulary's classes these priors can segment, in vocabulary order.

        Priors for a class outside the vocabulary are an error (a misspelt class name);
        so is, with ``every_word``, a vocabulary word without priors (it could never be a label).
        """
        outside = sorted(set(self.classes) - set(vocabulary))
        if outside:
            raise LabelPriorsError(f"label priors {self.source}: class(es) {outside} not in the vocabulary "
                                   f"{list(vocabulary)}")
        lacking = [c for c in vocabulary if c not in self.classes]
        if every_word and lacking:
            raise LabelPriorsError(f"label priors {self.source}: no priors for vocabulary class(es) {lacking}")
        return [c for c in vocabulary if c in self.classes]


def _band(value: Any, fail) -> tuple[float, float]:
    try:
        top, bottom = (float(v) for v in value)
    except (TypeError, ValueError):
        raise fail(f"must be [top, bottom], not {value!r}") from None
    if not 0.0 <= top < bottom <= 1.0:
        raise fail(f"must have 0 <= top < bottom <= 1, not {value!r}")
    return top, bottom


def _colours(value: Any, fail) -> dict[str, tuple[int, int, int]]:
    if not isinstance(value, Mapping) or not value:
        raise fail("colours must map paint names to [r, g, b]")
    colours = {}
    for paint, rgb in value.items():
        if not (isinstance(rgb, Sequence) and len(rgb) == 3 and all(isinstance(c, int) and 0 <= c <= 255
                                                                      for c in rgb)):
            raise fail(f"colour {paint!r} must be [r, g, b] with integers 0-255, not {rgb!r}")
        colours[str(paint)] = (int(rgb[0]), int(rgb[1]), int(rgb[2]))
    return colours
