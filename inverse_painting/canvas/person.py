"""Person shots (a talking head, a selfie) are no canvas, whatever lines they show.

MediaPipe's person segmentation finds the person; a shot is a person shot when one person
region covers ``min_area`` of the frame, rises from its bottom edge and is mostly
skin-toned. A painter bent over the canvas is mostly clothes and canvas; a painted face is
not skin-toned enough.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..media.skin import skin_mask
from ..mediapipe_models.settings import MediaPipeSettings, person_segmenter


@dataclass(frozen=True)
class PersonShotConfig(MediaPipeSettings):
    """``canvas.person``: frames showing a person, not a canvas (MediaPipe selfie segmentation)."""

    min_area: float = 0.25  # share of the frame the person region covers at least
    min_skin: float = 0.5  # share of it that is skin-toned


class PersonShots:
    """``is_person_shot(rgb)`` from the person probability map; built only when enabled."""

    reason = "person shot (a large skin-toned person region rising from the bottom edge)"

    def __init__(self, config: PersonShotConfig, segmenter):
        self.config, self.segmenter = config, segmenter

    @classmethod
    def build(cls, config: PersonShotConfig) -> "PersonShots | None":
        segmenter = person_segmenter(config, "canvas.person")
        return None if segmenter is None else cls(config, segmenter)

    def is_person_shot(self, image: np.ndarray) -> bool:
        person = self.segmenter.probability(image) >= 0.5
        count, labels = cv2.connectedComponents(person.astype(np.uint8))
        skin = skin_mask(image)
        for i in range(1, count):
            comp = labels == i
            if comp.mean() >= self.config.min_area and comp[-3:].any() \
                    and (comp & skin).sum() >= self.config.min_skin * comp.sum():
                return True
        return False
