"""The layers stay clean: the library reads no environment and knows nothing of Dramatiq or Falcon."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from truthgraph.cli import main

PACKAGE = Path(__file__).resolve().parents[2] / "truthgraph"
#: The only modules that may read the environment: settings, the command's entry, the app factory, the worker entry.
ENVIRONMENT_READERS = {"settings.py", "cli.py", "http/app.py", "actors/worker.py"}


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py"))


def _names(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.Name):
            names.add(node.id)
    return names


@pytest.mark.parametrize("path", _modules(PACKAGE), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_entry_points_read_the_environment(path: Path) -> None:
    if str(path.relative_to(PACKAGE)) in ENVIRONMENT_READERS:
        return
    names = _names(ast.parse(path.read_text(encoding="utf-8")))
    assert not names & {"environ", "getenv", "from_env"}, f"{path.name} reads the environment"


@pytest.mark.parametrize("path", _modules(PACKAGE / "verification"), ids=lambda p: p.name)
def test_the_verification_library_imports_no_service_framework(path: Path) -> None:
    imported: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level >= 2 and node.module:
            imported.add("truthgraph." + node.module.split(".")[0])
    assert not imported & {"dramatiq", "falcon", "gunicorn", "pika", "truthgraph.actors", "truthgraph.http",
                           "truthgraph.commands"}


def test_the_command_reads_its_settings_once_and_refuses_bad_ones(tmp_path: Path, capsys) -> None:
    assert main(["corpus", "list"], environ={"TRUTHGRAPH_MAX_RETRIES": "-1"}) == 2
    assert "TRUTHGRAPH_MAX_RETRIES" in capsys.readouterr().err
    assert main(["corpus", "list"], environ={"TRUTHGRAPH_DATA_DIR": str(tmp_path)}) == 0
    assert "no corpora" in capsys.readouterr().out
