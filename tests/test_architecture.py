"""The import direction of the pipeline holds: Excel stays in cmrt/, the core never imports the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "conflict_minerals"
EXCEL_LIBRARIES = {"openpyxl", "python_calamine", "xlrd", "msoffcrypto", "olefile", "pandas"}
FRONT_ENDS = {"conflict_minerals.cli", "conflict_minerals.web", "click", "rich", "flask", "fastapi"}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def modules() -> list[Path]:
    found = sorted(PACKAGE.rglob("*.py"))
    assert len(found) > 10
    return found


def test_excel_libraries_only_inside_cmrt() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in modules()
        if "cmrt" not in path.relative_to(PACKAGE).parts
        for name in imports(path)
        if name.split(".")[0] in EXCEL_LIBRARIES
    ]
    assert offenders == []


def test_core_never_imports_the_cli_or_web_layer() -> None:
    front = {PACKAGE / "__main__.py"} | set((PACKAGE / "cli").rglob("*.py")) | set((PACKAGE / "web").rglob("*.py"))
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in modules()
        if path not in front
        for name in imports(path)
        if any(name == blocked or name.startswith(blocked + ".") for blocked in FRONT_ENDS)
    ]
    assert offenders == []


def test_modules_stay_small_and_documented() -> None:
    for path in modules():
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 800, path
        tree = ast.parse(text)
        assert ast.get_docstring(tree), f"{path} has no module docstring"
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
                assert ast.get_docstring(node), f"{path.name}:{node.name} has no docstring"


def test_help_lists_each_command_with_its_own_help() -> None:
    """The lazy command table says what each command's own docstring says (no drift)."""
    import click

    from conflict_minerals.cli import COMMANDS, cli

    context = click.Context(cli)
    for name, (_, _, listed) in COMMANDS.items():
        command = cli.get_command(context, name)
        assert command is not None and command.name == name
        assert command.get_short_help_str(limit=300) == listed, name


def test_help_version_and_inspect_never_load_the_database_layer() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from click.testing import CliRunner; from conflict_minerals.cli import cli;"
        "CliRunner().invoke(cli, ['--help']); CliRunner().invoke(cli, ['--version']);"
        "CliRunner().invoke(cli, ['inspect', '/nonexistent.xlsx']);"
        "print(sorted(m for m in sys.modules if m.startswith(('sqlalchemy', 'alembic'))))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
