"""The seams of the package: no import cycles, dvc.yaml deps that cover what each stage
imports, modules and functions of a readable size."""

from __future__ import annotations

import ast

import pytest
import yaml

from architecture import ROOT, closure, cycles, import_graph, module_files

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def test_no_import_cycles_not_even_inside_functions():
    assert cycles(import_graph()) == []


def _covered(path: str, deps: list[str]) -> bool:
    return any(path == d or path.startswith(d.rstrip("/") + "/") for d in deps)


@pytest.mark.parametrize("stage", sorted(yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]))
def test_dvc_deps_cover_the_code_each_stage_imports(stage):
    spec = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"][stage]
    deps = [d for d in spec.get("deps", []) if isinstance(d, str)]
    graph, files = import_graph(), module_files()
    needed = sorted(files[m].relative_to(ROOT).as_posix() for m in closure(f"pipelines.{stage}", graph))
    missing = [path for path in needed if not _covered(path, deps)]
    assert not missing, f"stage {stage}: dvc.yaml deps miss {missing}"


def test_modules_and_functions_stay_short():
    too_long = []
    for module, path in module_files().items():
        source = path.read_text(encoding="utf-8")
        if len(source.splitlines()) > MAX_MODULE_LINES:
            too_long.append(f"{module}: {len(source.splitlines())} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"{module}.{node.name}: {length} lines")
    assert not too_long, too_long


def test_each_stage_tracks_exactly_its_own_params_section():
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    assert {name: spec.get("params") for name, spec in stages.items()} == {name: [name] for name in stages}
