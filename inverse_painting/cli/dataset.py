"""``inverse-painting annotate``, ``build``, ``preview`` and ``publish``: from keyframe
sequences to a published Hugging Face dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..annotate.config import AnnotateConfig
from ..config import replace, setting_type
from ..dataset.config import BuildConfig
from ..perceptual.masks import MaskSettings
from ..pipeline.atomic import check_output_folder
from .app import app
from .common import console, print_report, run_reporting

ANNOTATE = AnnotateConfig()  # the stages' defaults: one place for params and options
BUILD = BuildConfig()
MaskBackend = setting_type(MaskSettings, "backend")
LabelBackend = setting_type(AnnotateConfig, "label_backend")


@app.command("annotate")
def annotate_command(
    sequences: list[Path] = typer.Argument(None, help="Folders of painting sequences (<id>/sequence.json); "
                                           f"default: {ANNOTATE.keyframes} and {ANNOTATE.synth}."),
    out: Path = typer.Option(Path(ANNOTATE.out), help="Output folder: one sub-folder per painting."),
    alpha: float = typer.Option(ANNOTATE.masks.alpha, help="LPIPS threshold of the difference mask D(A, B, alpha)."),
    mask_backend: MaskBackend = typer.Option(ANNOTATE.masks.backend, help="Difference masks: lpips (the official "
                                                                          "weights, see --lpips-weights) or lab."),
    lpips_weights: str = typer.Option(ANNOTATE.masks.lpips_weights, help="The weights stage's folder, or one with "
                                                                         "alexnet-owt-7be5be79.pth and alex.pth."),
    label_backend: LabelBackend = typer.Option(ANNOTATE.label_backend, help="Instruction labeller: classical "
                                                                            "(offline priors) or grounded-sam."),
    label_priors: str = typer.Option(ANNOTATE.classical.priors, help="Priors YAML of the classical labeller "
                                                                     "(default: the packaged one)."),
    detector: str = typer.Option(ANNOTATE.grounded_sam.detector, help="Grounding DINO Hub id or folder."),
    sam: str = typer.Option(ANNOTATE.grounded_sam.sam, help="SAM Hub id or folder."),
    workers: int = typer.Option(ANNOTATE.workers, min=1, help="Parallel worker processes."),
) -> None:
    """Per painting: intervals dt, difference masks and an instruction label per step."""
    from ..annotate.annotate import annotate_item, sequence_items
    from ..annotate.priors import LabelPriors, LabelPriorsError
    from ..pipeline import run_stage

    check_output_folder(out, "annotate")
    try:
        priors = LabelPriors.load(label_priors)
    except LabelPriorsError as exc:
        raise typer.BadParameter(str(exc), param_hint="--label-priors") from None
    config = replace(ANNOTATE, out=str(out), label_backend=label_backend, workers=workers,
                     masks=replace(ANNOTATE.masks, alpha=alpha, backend=mask_backend, lpips_weights=lpips_weights),
                     classical=replace(ANNOTATE.classical, priors=label_priors),
                     grounded_sam=replace(ANNOTATE.grounded_sam, detector=detector, sam=sam))
    items = sequence_items(sequences or [config.keyframes, config.synth], priors.sha256)
    report = run_reporting(run_stage, "annotate", items, annotate_item, out, config)
    print_report(report, out)


@app.command("build")
def build_command(
    annotations: Path = typer.Argument(Path(BUILD.annotations), help="Annotations folder (from `annotate`)."),
    out: Path = typer.Option(Path(BUILD.out), help="Dataset folder (Hub layout), replaced as a whole."),
    train: float = typer.Option(BUILD.split_ratios["train"], min=0, help="Share of paintings in train (split by "
                                                                        "painting)."),
    validation: float = typer.Option(BUILD.split_ratios["validation"], min=0, help="Share of paintings in validation."),
    test: float = typer.Option(BUILD.split_ratios["test"], min=0, help="Share of paintings in test."),
    cards: str = typer.Option(BUILD.cards, help="Folder of dataset card templates (default: the built-in one)."),
    repo_id: str = typer.Option(BUILD.repo_id, help="Hub repo id the card's load_dataset example names."),
) -> None:
    """Build the Hugging Face dataset: parquet shards per config and split, and its card."""
    from ..dataset.build import build_dataset

    check_output_folder(out, "build")
    try:
        config = replace(BUILD, annotations=str(annotations), out=str(out), cards=cards, repo_id=repo_id,
                         split_ratios={"train": train, "validation": validation, "test": test})
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--train/--validation/--test") from None
    summary = build_dataset(config)
    d = summary.to_dict()
    console.print(f"[bold]build[/]: {d['total_rows']} rows from {d['total_paintings']} paintings, "
                  f"{len(summary.shards)} shards -> {out}")
    for origin, splits in summary.rows.items():
        console.print(f"  {origin}: " + ", ".join(f"{s} {n}" for s, n in splits.items()))
    if summary.unknown_licence:
        console.print(f"[yellow]warning:[/] no known licence for {len(summary.unknown_licence)} paintings: "
                      + ", ".join(summary.unknown_licence[:10]) + (" ..." if len(summary.unknown_licence) > 10 else "")
                      + " (set `licence` in the manifest before publishing)", soft_wrap=True)


@app.command("preview")
def preview_command(
    annotations: Path = typer.Argument(Path(BUILD.annotations), help="Annotations folder (from `annotate`)."),
    out: Path = typer.Option(Path(BUILD.preview), help="Folder for index.html and its thumbnails."),
    paintings: int = typer.Option(BUILD.preview_paintings, min=1, help="Show at most this many paintings."),
) -> None:
    """Write an HTML page showing each painting's keyframes, masks, instructions and rejected frames."""
    from ..dataset.preview import write_preview

    check_output_folder(out, "preview")

    console.print(f"preview -> {write_preview(annotations, out, paintings)}")


@app.command("publish")
def publish_command(
    repo_id: str = typer.Option(..., "--repo-id", help="Hub dataset repo, ORG/NAME."),
    folder: Path = typer.Option(Path(BUILD.out), help="Built dataset folder (from `build`)."),
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
