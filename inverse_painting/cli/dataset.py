"""``inverse-painting annotate``, ``build``, ``preview`` and ``publish``: from keyframe
sequences to a published Hugging Face dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Optional

import typer

from ..pipeline.atomic import check_output_folder
from .app import app
from .common import console, print_report, run_reporting


@app.command("annotate")
def annotate_command(
    sequences: list[Path] = typer.Argument(None, help="Folders of painting sequences (<id>/sequence.json); "
                                           "default: data/keyframes and data/synth."),
    out: Path = typer.Option(Path("data/annotations"), help="Output folder: one sub-folder per painting."),
    alpha: float = typer.Option(0.2, help="LPIPS threshold of the difference mask D(A, B, alpha)."),
    mask_backend: Literal["auto", "lpips", "lab"] = typer.Option("auto", help="Difference masks: lpips (needs "
                                                                             "--lpips-weights), lab, or auto."),
    lpips_weights: str = typer.Option("", help="Folder with alexnet-owt-7be5be79.pth and alex.pth."),
    label_backend: Literal["classical", "grounded-sam"] = typer.Option("classical", help="Instruction labeller: "
                                                                        "classical (offline priors) or grounded-sam."),
    label_priors: str = typer.Option("", help="Priors YAML of the classical labeller (default: the packaged one)."),
    detector: str = typer.Option("IDEA-Research/grounding-dino-tiny", help="Grounding DINO Hub id or folder."),
    sam: str = typer.Option("facebook/sam-vit-base", help="SAM Hub id or folder."),
    workers: int = typer.Option(1, min=1, help="Parallel worker processes."),
) -> None:
    """Per painting: intervals dt, difference masks and an instruction label per step."""
    from ..annotate.annotate import annotate_item, sequence_items
    from ..annotate.priors import LabelPriors, LabelPriorsError
    from ..pipeline import run_stage

    check_output_folder(out, "annotate")

    roots = sequences or [Path("data/keyframes"), Path("data/synth")]
    try:
        priors = LabelPriors.load(label_priors)
    except LabelPriorsError as exc:
        raise typer.BadParameter(str(exc), param_hint="--label-priors") from None
    params = {"alpha": alpha, "mask_backend": mask_backend, "lpips_weights": lpips_weights,
              "label_backend": label_backend, "label_priors": label_priors, "label_priors_sha256": priors.sha256,
              "detector": detector, "sam": sam, "mask_sizes": [64]}
    report = run_reporting(run_stage, "annotate", sequence_items(roots), annotate_item, out, params, workers=workers)
    print_report(report, out)


@app.command("build")
def build_command(
    annotations: Path = typer.Argument(Path("data/annotations"), help="Annotations folder (from `annotate`)."),
    out: Path = typer.Option(Path("data/dataset"), help="Dataset folder (Hub layout), replaced as a whole."),
    train: float = typer.Option(0.8, min=0, help="Share of paintings in train (split by painting)."),
    validation: float = typer.Option(0.1, min=0, help="Share of paintings in validation."),
    test: float = typer.Option(0.1, min=0, help="Share of paintings in test."),
    cards: Optional[Path] = typer.Option(None, help="Folder of dataset card templates (default: the built-in one)."),
) -> None:
    """Build the Hugging Face dataset: parquet shards per config and split, and its card."""
    from ..dataset.build import build_dataset

    check_output_folder(out, "build")

    summary = build_dataset(annotations, out, {"split_ratios": {"train": train, "validation": validation,
                                                                "test": test}}, cards)
    d = summary.to_dict()
    console.print(f"[bold]build[/]: {d['total_rows']} rows from {d['total_paintings']} paintings, "
                  f"{len(summary.shards)} shards -> {out}")
    for config, splits in summary.rows.items():
        console.print(f"  {config}: " + ", ".join(f"{s} {n}" for s, n in splits.items()))
    if summary.unknown_licence:
        console.print(f"[yellow]warning:[/] no known licence for {len(summary.unknown_licence)} paintings: "
                      + ", ".join(summary.unknown_licence[:10]) + (" ..." if len(summary.unknown_licence) > 10 else "")
                      + " (set `licence` in the manifest before publishing)", soft_wrap=True)


@app.command("preview")
def preview_command(
    annotations: Path = typer.Argument(Path("data/annotations"), help="Annotations folder (from `annotate`)."),
    out: Path = typer.Option(Path("reports/preview"), help="Folder for index.html and its thumbnails."),
) -> None:
    """Write an HTML page showing each painting's keyframes, masks, instructions and rejected frames."""
    from ..dataset.preview import write_preview

    check_output_folder(out, "preview")

    console.print(f"preview -> {write_preview(annotations, out)}")


@app.command("publish")
def publish_command(
    repo_id: str = typer.Option(..., "--repo-id", help="Hub dataset repo, ORG/NAME."),
    folder: Path = typer.Option(Path("data/dataset"), help="Built dataset folder (from `build`)."),
    private: bool = typer.Option(False, "--private", help="Create the repo as private."),
    revision: Optional[str] = typer.Option(None, "--revision", help="Branch to commit to (created if missing)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be uploaded; change nothing."),
    message: Optional[str] = typer.Option(None, "--message", help="Commit message."),
) -> None:
    """Push the built dataset to the Hugging Face Hub (token: HF_TOKEN or `huggingface-cli login`).
    Only changed files are uploaded; an unchanged dataset makes no commit."""
    from ..dataset.publish import publish

    result = publish(folder, repo_id, private=private, revision=revision, dry_run=dry_run, commit_message=message)
    plan = result.plan
    console.print(f"{repo_id}: {len(plan.upload)} to upload, {len(plan.delete)} to delete, "
                  f"{len(plan.unchanged)} unchanged")
    if plan.remote_error:
        console.print(f"the Hub could not be reached ({plan.remote_error}): every local file is listed as to upload",
                      soft_wrap=True)
    console.print("token: found (it is not shown)" if result.token_found
                  else "token: none found (set HF_TOKEN or run `hf auth login` before publishing)")
    if dry_run:
        for rel in plan.upload:
            console.print(f"  + {rel}")
        for rel in plan.delete:
            console.print(f"  - {rel}")
        console.print("dry run: nothing changed")
    elif result.committed:
        console.print(f"committed {result.commit_url}")
    else:
        console.print("up to date: no commit")
