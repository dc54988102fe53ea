"""Instruction labels per step, without an LLM and without hand labels.

An image is segmented into the params vocabulary (sky, clouds, mountain, ...); a step is
labelled with the class its difference mask covers most, and small scattered changes
become ``details``. Two segmenters:

- ``grounded-sam``: open-vocabulary boxes from Grounding DINO, refined to masks by SAM
  (both through transformers, ``from_pretrained`` of a Hub id or local folder); it
  segments the target painting once, since objects are recognisable only when finished.
  Pixels no detection covers fall back to the classical segmenter.
- ``classical``: offline colour/position priors (nearest prototype paint colour in CIELAB
  plus the vertical band a class lives in), read from a priors file (``label_priors``,
  see ``priors.py``). Colour describes paint rather than objects, so it segments the
  canvas right after each step (``next``), where the new paint is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import cv2
import numpy as np

from .priors import LabelPriors

DETAILS = "details"
UNKNOWN = -1


@dataclass(frozen=True)
class LabelSettings:
    vocabulary: tuple[str, ...] = ("sky", "clouds", "mountain", "trees", "grass", "water", "flowers", "rocks",
                                   "sun", "reflection")
    details_max_fraction: float = 0.03   # changes below this share of the canvas are details ...
    details_max_component: float = 0.01  # ... when no connected piece exceeds this share either
    min_changed_fraction: float = 0.0005  # below this nothing was painted: label "details"
    work_size: int = 160                  # long side the segmentation works at
    priors: str = ""                      # classical priors file; "": the packaged default

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "LabelSettings":
        d = cls()
        return cls(tuple(params.get("vocabulary", d.vocabulary)),
                   float(params.get("details_max_fraction", d.details_max_fraction)),
                   float(params.get("details_max_component", d.details_max_component)),
                   float(params.get("min_changed_fraction", d.min_changed_fraction)),
                   int(params.get("label_work_size", d.work_size)),
                   str(params.get("label_priors") or ""))


@dataclass
class StepLabel:
    text: str
    fractions: dict[str, float] = field(default_factory=dict)  # share of the mask per class
    changed_fraction: float = 0.0


def _resize_long(img: np.ndarray, long_side: int, interpolation: int) -> np.ndarray:
    h, w = img.shape[:2]
    s = long_side / max(h, w)
    return cv2.resize(img, (max(1, round(w * s)), max(1, round(h * s))), interpolation=interpolation)


class ClassicalSegmenter:
    """Nearest prototype paint colour (CIELAB) plus a vertical-band prior, per pixel."""

    name = "classical"
    segment_on = "next"

    def __init__(self, vocabulary: Sequence[str], priors: LabelPriors, work_size: int = 160,
                 every_word: bool = True):
        """``every_word``: every vocabulary class must have priors (off for a fallback that
        only fills what another segmenter left)."""
        self.priors = priors
        self.classes = priors.classes_for(vocabulary, every_word)
        self.work_size = work_size
        protos, owners = [], []
        for ci, name in enumerate(self.classes):
            for rgb in priors.classes[name].colours.values():
                protos.append(rgb)
                owners.append(ci)
        lab = cv2.cvtColor(np.asarray(protos, np.float32)[None] / 255.0, cv2.COLOR_RGB2LAB)[0]
        self._protos, self._owners = lab, np.asarray(owners)

    def segment(self, image: np.ndarray) -> np.ndarray:
        """(h, w) class indices into ``self.classes`` at the full image size."""
        small = _resize_long(image, self.work_size, cv2.INTER_AREA).astype(np.float32) / 255.0
        small = cv2.GaussianBlur(small, (0, 0), 1.0)
        lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB)
        h, w = lab.shape[:2]
        dist = np.sqrt(((lab[:, :, None, :] - self._protos[None, None]) ** 2).sum(-1))  # h, w, P
        y = (np.arange(h, dtype=np.float32) + 0.5) / h
        scores = np.full((h, w, len(self.classes)), np.inf, np.float32)
        for ci, name in enumerate(self.classes):
            lo, hi = self.priors.classes[name].band
            outside = np.maximum(lo - y, 0) + np.maximum(y - hi, 0)
            # steeper beyond a tenth of the picture: a class far outside its band is implausible
            penalty = self.priors.band_penalty * (outside + 3 * np.maximum(outside - 0.1, 0))
            scores[..., ci] = dist[..., self._owners == ci].min(-1) + penalty[:, None]
        labels = scores.argmin(-1).astype(np.int16)
        return cv2.resize(labels, image.shape[1::-1], interpolation=cv2.INTER_NEAREST)


class GroundedSamSegmenter:
    """Grounding DINO boxes for the vocabulary, refined to masks with SAM (transformers)."""

    name = "grounded-sam"
    segment_on = "target"

    def __init__(self, vocabulary: Sequence[str], detector: str, sam: str, priors: LabelPriors,
                 box_threshold: float = 0.3, text_threshold: float = 0.25, work_size: int = 160, device: str = "cpu"):
        from transformers import AutoProcessor, GroundingDinoForObjectDetection, SamModel, SamProcessor

        from ..models.hub import resolve_pretrained

        detector = resolve_pretrained(detector, "annotate.detector", "Grounding DINO")
        sam = resolve_pretrained(sam, "annotate.sam", "SAM")
        self.classes = list(vocabulary)
        self.priors = priors
        self.det_processor = AutoProcessor.from_pretrained(detector)
        self.detector = GroundingDinoForObjectDetection.from_pretrained(detector).to(device).eval()
        self.sam_processor = SamProcessor.from_pretrained(sam)
        self.sam = SamModel.from_pretrained(sam).to(device).eval()
        self.box_threshold, self.text_threshold = box_threshold, text_threshold
        self.device = device
        self.fallback = ClassicalSegmenter(vocabulary, priors, work_size, every_word=False)
        self.fallback_classes = [self.classes.index(c) for c in self.fallback.classes]

    def prompt(self) -> str:
        # Grounding DINO expects lower-case phrases separated by " . ", ending with "."
        return " . ".join(c.lower() for c in self.classes) + " ."

    def _class_of(self, phrase: str) -> int:
        phrase = phrase.lower()
        for ci, name in enumerate(self.classes):
            if name.lower() in phrase or phrase in name.lower():
                return ci
        return UNKNOWN

    def detect(self, image: np.ndarray) -> list[tuple[int, float, list[float]]]:
        """(class index, score, [x0, y0, x1, y1]) per kept detection."""
        import torch
        from PIL import Image

        pil = Image.fromarray(image)
        inputs = self.det_processor(images=pil, text=self.prompt(), return_tensors="pt").to(self.device)
        with torch.no_grad():
            outputs = self.detector(**inputs)
        result = self.det_processor.post_process_grounded_object_detection(
            outputs, inputs["input_ids"], threshold=self.box_threshold, text_threshold=self.text_threshold,
            target_sizes=[image.shape[:2]])[0]
        phrases = result["text_labels"] if "text_labels" in result else result["labels"]
        found = []
        for phrase, score, box in zip(phrases, result["scores"].tolist(), result["boxes"].tolist()):
            ci = self._class_of(str(phrase))
            if ci != UNKNOWN:
                found.append((ci, float(score), [float(v) for v in box]))
        return found

    def segment(self, image: np.ndarray) -> np.ndarray:
        import torch
        from PIL import Image

        h, w = image.shape[:2]
        labels = np.full((h, w), UNKNOWN, np.int16)
        detections = self.detect(image)
        if detections:
            boxes = [[max(0.0, b[0]), max(0.0, b[1]), min(float(w), b[2]), min(float(h), b[3])]
                     for _, _, b in detections]
            inputs = self.sam_processor(images=Image.fromarray(image), input_boxes=[boxes],
                                        return_tensors="pt").to(self.device)
            with torch.no_grad():
                out = self.sam(**inputs, multimask_output=False)
            masks = self.sam_processor.post_process_masks(
                out.pred_masks.cpu(), inputs["original_sizes"].cpu(), inputs["reshaped_input_sizes"].cpu())[0]
            masks = masks[:, 0].numpy().astype(bool)  # (boxes, H, W)
            # Large regions first so that smaller objects drawn on top of them keep their pixels.
            order = sorted(range(len(detections)), key=lambda i: -int(masks[i].sum()))
            for i in order:
                labels[masks[i]] = detections[i][0]
        if (labels == UNKNOWN).any():
            fallback = np.asarray(self.fallback_classes, np.int16)[self.fallback.segment(image)]
            labels = np.where(labels == UNKNOWN, fallback, labels)
        return labels


def make_segmenter(params: Mapping[str, Any]):
    """The segmenter params name: ``label_backend`` classical | grounded-sam."""
    settings = LabelSettings.from_params(params)
    backend = str(params.get("label_backend", "classical"))
    if backend == "classical":
        return ClassicalSegmenter(settings.vocabulary, LabelPriors.load(settings.priors), settings.work_size)
    if backend == "grounded-sam":
        return GroundedSamSegmenter(settings.vocabulary, str(params["detector"]), str(params["sam"]),
                                    LabelPriors.load(settings.priors), float(params.get("box_threshold", 0.3)),
                                    float(params.get("text_threshold", 0.25)), settings.work_size,
                                    str(params.get("device", "cpu")))
    raise ValueError(f"label_backend must be classical or grounded-sam, not {backend!r}")


def painted_pixels(mask: np.ndarray, colour_change: np.ndarray, min_fraction: float = 0.002) -> np.ndarray:
    """The part of a difference mask where the colour itself changed: what a step painted.

    LPIPS masks spread over the network's receptive field, so around a small stroke they
    cover neighbouring regions too; labelling by the pixels whose colour changed inside the
    mask names the region the paint went to. Falls back to the mask when too little is left.
    """
    painted = (mask > 0) & colour_change
    return painted if painted.mean() >= min_fraction else mask > 0


def label_step(mask: np.ndarray, class_map: np.ndarray, classes: Sequence[str], settings: LabelSettings) -> StepLabel:
    """The class a change mask covers most; small scattered changes are ``details``."""
    changed = mask > 0
    fraction = float(changed.mean())
    if fraction < settings.min_changed_fraction:
        return StepLabel(DETAILS, {}, fraction)
    n, _, stats, _ = cv2.connectedComponentsWithStats(changed.astype(np.uint8), connectivity=8)
    largest = float(stats[1:, cv2.CC_STAT_AREA].max()) / changed.size if n > 1 else 0.0
    covered = class_map[changed]
    covered = covered[covered != UNKNOWN]
    counts = np.bincount(covered, minlength=len(classes)) if covered.size else np.zeros(len(classes), int)
    fractions = {classes[i]: round(float(c) / max(int(changed.sum()), 1), 4) for i, c in enumerate(counts) if c}
    if fraction <= settings.details_max_fraction and largest <= settings.details_max_component:
        return StepLabel(DETAILS, fractions, fraction)
    text = classes[int(counts.argmax())] if counts.any() else DETAILS
    return StepLabel(text, fractions, fraction)

