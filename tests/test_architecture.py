"""The design's rules, checked: the import contracts of ARCHITECTURE.md, no circles, small modules."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "index", "prompts")
MODULE_LINES, CLASS_LINES, FUNCTION_LINES = 500, 150, 60
#: A definition may run longer when the line above it says why, starting with this.
REASON = "# long:"


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    """import-linter over the packages found first on the path: those under `cwd`."""
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    command = [
        sys.executable,
        "-c",
        "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())",
    ]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_import_rules_hold():
    done = _lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 kept, 0 broken" in done.stdout


def test_a_broken_rule_fails_the_check(tmp_path):
    """The same check over a copy with three imports the rules forbid: each contract names its breach."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    breaches = {
        "bot/records/lookup.py": "import bot.engine.answer",  # records reaching up into the engine
        "bot/engine/quotes.py": "import bot.settings",  # the engine reading settings
        "index/chunk.py": "import bot.llm",  # the index knowing the bot
    }
    for path, line in breaches.items():
        module = tmp_path / path
        module.write_text(module.read_text() + f"\n{line}  # noqa: E402, F401\n")
    done = _lint_imports(tmp_path)
    assert done.returncode == 1, done.stdout
    assert "0 kept, 3 broken" in done.stdout
    for path in breaches:
        assert path.removesuffix(".py").replace("/", ".") in done.stdout


def test_no_module_is_part_of_an_import_circle():
    graph = grimp.build_graph(*PACKAGES)
    circles = set()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if graph.find_shortest_chain(importer=imported, imported=module):
                circles.add(" <-> ".join(sorted((module, imported))))
    assert not circles, sorted(circles)


def _too_long(path: Path) -> list[str]:
    lines = path.read_text().splitlines()
    found = []
    if len(lines) > MODULE_LINES:
        found.append(f"{path}: {len(lines)} lines (a module stays under {MODULE_LINES})")
    for node in ast.walk(ast.parse("\n".join(lines))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        limit = CLASS_LINES if isinstance(node, ast.ClassDef) else FUNCTION_LINES
        size = node.end_lineno - node.lineno + 1
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        if size > limit and not lines[first - 2].strip().startswith(REASON):
            found.append(f"{path}:{node.lineno} {node.name}: {size} lines (over {limit}, and no '{REASON}' above)")
    return found


def test_modules_classes_and_functions_stay_small_or_say_why():
    found = [
        problem
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for problem in _too_long(path)
    ]
    assert not found, "\n".join(found)
