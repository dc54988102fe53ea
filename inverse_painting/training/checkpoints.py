"""Training checkpoints without pickle: weights and optimizer tensors in safetensors, the rest JSON.

A checkpoint is a folder ``step-NNNNNNN/`` written atomically: ``model/`` (``save_pretrained``),
``optimizer.safetensors`` (every tensor of the optimizer state) and ``state.json`` (step,
config hash, optimizer scalars and param groups, metrics so far).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from ..pipeline import atomic_dir, claim_output_folder

STEP_DIR = re.compile(r"^step-(\d{7})$")


def list_checkpoints(folder: str | os.PathLike) -> list[Path]:
    """Complete checkpoints in ``folder``, oldest first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if STEP_DIR.match(p.name) and (p / "state.json").is_file()]
    return sorted(found, key=lambda p: int(STEP_DIR.match(p.name).group(1)))


def _split_optimizer_state(state_dict: dict) -> tuple[dict, dict]:
    import torch

    tensors, scalars = {}, {}
    for pid, values in state_dict["state"].items():
        for key, value in values.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{pid}.{key}"] = value.detach().cpu().contiguous()
            else:
                scalars[f"{pid}.{key}"] = value
    return tensors, {"scalars": scalars, "param_groups": state_dict["param_groups"]}


def _join_optimizer_state(tensors: dict, meta: dict) -> dict:
    state: dict[int, dict[str, Any]] = {}
    for name, value in [*tensors.items(), *meta["scalars"].items()]:
        pid, key = name.split(".", 1)
        state.setdefault(int(pid), {})[key] = value
    return {"state": state, "param_groups": meta["param_groups"]}


def save_checkpoint(folder: str | os.PathLike, step: int, model, optimizer, state: dict, keep: int = 2) -> Path:
    """Write ``folder/step-NNNNNNN`` atomically and keep only the newest ``keep`` checkpoints."""
    from safetensors.torch import save_file

    target = claim_output_folder(folder, "train") / f"step-{step:07d}"
    tensors, meta = _split_optimizer_state(optimizer.state_dict())
    with atomic_dir(target) as tmp:
        model.save_pretrained(tmp / "model")
        save_file(tensors, str(tmp / "optimizer.safetensors"))
        (tmp / "state.json").write_text(json.dumps({**state, "step": step, "optimizer": meta}, indent=1))
    for old in list_checkpoints(folder)[:-keep] if keep > 0 else []:
        shutil.rmtree(old, ignore_errors=True)
    return target


def load_checkpoint(path: str | os.PathLike, model, optimizer) -> dict:
    """Restore weights and optimizer state in place; returns the saved training state."""
    from safetensors.torch import load_file

    path = Path(path)
    state = json.loads((path / "state.json").read_text())
    weights = type(model).from_pretrained(path / "model").state_dict()
    model.load_state_dict(weights)
    tensors = load_file(str(path / "optimizer.safetensors"))
    optimizer.load_state_dict(_join_optimizer_state(tensors, state.pop("optimizer")))
    return state
