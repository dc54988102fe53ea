"""DVC stage ``train``: the built dataset -> ``models/painter`` (metrics and plots via dvclive).

Resumes from the newest checkpoint of the same configuration. Multi-GPU:
``accelerate launch -m pipelines.train``.
"""

from inverse_painting.pipeline import atomic_write_json
from inverse_painting.training.config import TrainConfig
from inverse_painting.training.trainer import train

from .common import REPORTS, main, stage_config


def run():
    result = train(stage_config("train", TrainConfig))
    atomic_write_json(REPORTS / "train.json", {
        "steps": result.steps, "resumed_from": result.resumed_from, "seconds": round(result.seconds, 2),
        **{f"train_{k}": round(v, 5) for k, v in result.final.items()},
        **{f"val_{k}": round(v, 5) for k, v in result.validation.items()}})
    print(f"train: {result.steps} steps (resumed from {result.resumed_from}) in {result.seconds:.1f} s -> {result.out}")


if __name__ == "__main__":
    main(run)
