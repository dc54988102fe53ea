"""``data/annotations/<id>/steps.json``: a painting's training steps. One writer (annotate),
read by build, preview and the dataset card."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .io import read_json, write_json

STEPS_NAME = "steps.json"
BLANK_NAME = "blank.png"
FORMAT_VERSION = 3  # 3: outstanding and painted masks per step


@dataclass
class StepRecord:
    """Step k: I_{k-1} (``current``) -> I_k (``next``), files relative to the steps folder.

    A step with exact truth (synthetic) carries the stroke mask and the producer's label; the
    others carry the labeller's class fractions.
    """

    step: int
    current: str
    next: str
    t: float
    dt: float
    dt_estimated: bool
    mask: str  # D(next, current, alpha), 0/255 PNG
    mask_variants: dict[str, str]
    changed_fraction: float
    text: str  # the instruction
    text_source: str  # what made it: a labeller's name, or the producer's truth
    exact_truth: bool = False
    stroke_mask: str | None = None  # exact truth: the pixels the step's strokes covered
    stroke_mask_variants: dict[str, str] = field(default_factory=dict)
    stroke_fraction: float | None = None
    truth: dict[str, Any] | None = None  # exact truth: layer, regions, description, strokes
    class_fractions: dict[str, float] = field(default_factory=dict)  # labeller: share of the mask per class
    outstanding_mask: str | None = None  # D(target, current, alpha), 0/255 PNG: what was still to paint
    outstanding_fraction: float | None = None  # its share of the canvas (at the size it was made)
    painted_mask: str | None = None  # 0/255 PNG: the pixels the step visibly painted
    painted_fraction: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"step": self.step, "current": self.current, "next": self.next, "t": self.t,
                             "dt": self.dt, "dt_estimated": self.dt_estimated, "mask": self.mask,
                             "mask_variants": self.mask_variants, "changed_fraction": self.changed_fraction}
        if self.outstanding_mask is not None:
            d.update({"outstanding_mask": self.outstanding_mask, "outstanding_fraction": self.outstanding_fraction,
                      "painted_mask": self.painted_mask, "painted_fraction": self.painted_fraction})
        if self.exact_truth:
            d.update({"exact_truth": True, "stroke_mask": self.stroke_mask,
                      "stroke_mask_variants": self.stroke_mask_variants, "stroke_fraction": self.stroke_fraction,
                      "text": self.text, "text_source": self.text_source, "truth": self.truth})
        else:
            d.update({"exact_truth": False, "stroke_mask": None, "text": self.text, "text_source": self.text_source,
                      "class_fractions": self.class_fractions})
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "StepRecord":
        return cls(int(d["step"]), d["current"], d["next"], d["t"], d["dt"], bool(d.get("dt_estimated", False)),
                   d["mask"], dict(d.get("mask_variants") or {}), d.get("changed_fraction", 0.0), str(d["text"]),
                   str(d.get("text_source", "")), bool(d.get("exact_truth", False)), d.get("stroke_mask"),
                   dict(d.get("stroke_mask_variants") or {}), d.get("stroke_fraction"), d.get("truth"),
                   dict(d.get("class_fractions") or {}), d.get("outstanding_mask"), d.get("outstanding_fraction"),
                   d.get("painted_mask"), d.get("painted_fraction"))


@dataclass
class StepsDoc:
    """All steps of one painting, with how their masks and instructions were made."""

    painting_id: str
    origin: str
    sequence: str  # the sequence.json annotated (relative)
    target: str  # the finished painting (relative)
    width: int
    height: int
    split_hint: str
    source_url: str
    licence: str
    uploader: str
    title: str
    mask_backend: str
    mask_threshold: float
    label_backend: str
    label_segmented: str | None
    label_priors: dict[str, str] | None
    step_truth: str | None
    vocabulary: list[str]
    steps: list[StepRecord]
    rejected: list[dict[str, Any]]
    root: Path | None = None  # the folder holding steps.json (not stored)
    version: int = FORMAT_VERSION

    @property
    def exact_truth_steps(self) -> int:
        return sum(s.exact_truth for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "painting_id": self.painting_id, "origin": self.origin,
                "sequence": self.sequence, "target": self.target, "width": self.width, "height": self.height,
                "split_hint": self.split_hint, "source_url": self.source_url, "licence": self.licence,
                "uploader": self.uploader, "title": self.title, "mask_backend": self.mask_backend,
                "mask_threshold": self.mask_threshold, "label_backend": self.label_backend,
                "label_segmented": self.label_segmented, "label_priors": self.label_priors,
                "step_truth": self.step_truth, "exact_truth_steps": self.exact_truth_steps,
                "vocabulary": self.vocabulary, "steps": [s.to_dict() for s in self.steps],
                "rejected": self.rejected}

    def write(self, folder: str | os.PathLike) -> Path:
        # Insertion order, one-space indent: the layout steps.json has always had.
        return write_json(Path(folder) / STEPS_NAME, self.to_dict(), sorted_keys=False, indent=1)

    @classmethod
    def read(cls, path: str | os.PathLike) -> "StepsDoc":
        """Read ``steps.json`` (``path`` is the file or its folder); ``root`` is its folder."""
        path = Path(path)
        if path.is_dir():
            path = path / STEPS_NAME
        d = read_json(path, "steps file")
        return cls(str(d["painting_id"]), str(d.get("origin", "real")), d.get("sequence", ""), d["target"],
                   int(d.get("width", 0)), int(d.get("height", 0)), str(d.get("split_hint", "auto")),
                   str(d.get("source_url", "")), str(d.get("licence", "")), str(d.get("uploader", "")),
                   str(d.get("title", "")), str(d.get("mask_backend", "")), d.get("mask_threshold", 0.0),
                   str(d.get("label_backend", "")), d.get("label_segmented"), d.get("label_priors"),
                   d.get("step_truth"), list(d.get("vocabulary") or []),
                   [StepRecord.from_dict(s) for s in d.get("steps") or []], list(d.get("rejected") or []),
                   path.parent, int(d.get("version", 1)))
