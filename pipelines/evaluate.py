"""DVC stage ``evaluate``: the paper's metrics and diagnostics for the model and three
baselines -> ``reports/evaluate.json`` (metric) and distance-curve plots under ``reports/evaluate/``."""

from inverse_painting.evaluation.config import EvaluateConfig
from inverse_painting.evaluation.report import table
from inverse_painting.evaluation.stage import run_evaluation

from .common import REPORTS, main, stage_config


def run():
    report = run_evaluation(stage_config("evaluate", EvaluateConfig), REPORTS / "evaluate.json")
    print(table(report))


if __name__ == "__main__":
    main(run)
