"""The package as a wheel is complete: what `pip install .` and the container get, outside the source tree."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.fixtures.library import LETTER

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "index", "prompts")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, str]:
    """The wheel setuptools builds from a copy of the tracked files, and what the build printed."""
    source = tmp_path_factory.mktemp("source")
    for name in sorted(_listed()):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [
            sys.executable,
            "-W",
            "default",
            "-c",
            "import sys; from setuptools import build_meta as b; print(b.build_wheel(sys.argv[1]))",
            str(out),
        ],
        cwd=source,
        env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},  # else a warning of its own
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    return out / build.stdout.strip().splitlines()[-1], build.stdout + build.stderr


def _listed(*folders: str) -> set[str]:
    """What a clean clone would hold once this work is committed: tracked files and new, unignored ones."""
    listing = ["git", "ls-files", "--cached", "--others", "--exclude-standard", *folders]
    return set(subprocess.run(listing, cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines())


def _tracked(*suffixes: str) -> set[str]:
    return {name for name in _listed(*PACKAGES) if name.endswith(suffixes)}


def test_the_wheel_holds_every_module_and_data_file(built):
    wheel, _ = built
    inside = set(zipfile.ZipFile(wheel).namelist())
    wanted = _tracked(".py", ".txt", ".csv")
    assert wanted, "git ls-files found no package files"
    assert not wanted - inside, f"missing from the wheel: {sorted(wanted - inside)}"
    assert {"bot/render/terminal.py", "prompts/answer_system.txt", "index/reference/local_authorities.csv"} <= inside


def test_the_build_warns_of_nothing(built):
    _, printed = built
    warnings = [line for line in printed.splitlines() if re.search(r"warning|deprecat", line, re.I)]
    assert not warnings, "\n".join(warnings[:10])


def test_the_dockerfile_copies_every_package_the_wheel_holds(built):
    wheel, _ = built
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist() if ".dist-info/" not in name}
    copied = set()
    for line in (ROOT / "deploy" / "Dockerfile").read_text().splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(w.startswith("--from") for w in words):
            copied.update(w.strip("./") for w in words[1:-1])
    assert tops <= copied, f"the Dockerfile does not copy {sorted(tops - copied)}"
    assert {"pyproject.toml", "README.md"} <= copied  # the build reads both


@pytest.fixture(scope="module")
def installed(built, tmp_path_factory) -> Path:
    """A venv holding only the wheel; the dependencies are this test venv's, added without its .pth files.

    A path listed in a .pth file is put on sys.path but its own .pth files are not run, so this
    checkout's editable install (a .pth finder) is invisible: only the wheel's copy can be imported.
    """
    wheel, _ = built
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def _run(venv: Path, *args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [str(venv / "bin" / args[0]), *args[1:]],
        cwd=cwd,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_installed_outside_the_tree_it_imports_its_own_copy(installed, tmp_path):
    code = "import bot.render.terminal, index, prompts; print(bot.__file__)"
    out = _run(installed, "python", "-c", code, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    where = Path(out.stdout.strip())
    assert where.is_relative_to(installed) and not where.is_relative_to(ROOT)


def test_installed_outside_the_tree_the_cli_answers(installed, small_library_dir, tmp_path):
    helped = _run(installed, "briefing", "--help", cwd=tmp_path)
    assert helped.returncode == 0 and "ingest" in helped.stdout, helped.stderr

    inspected = _run(installed, "briefing", "inspect", str(LETTER), cwd=tmp_path)
    assert inspected.returncode == 0, inspected.stderr
    assert "Lancashire" in inspected.stdout and "monitoring" in inspected.stdout.lower()

    data = tmp_path / "data"
    shutil.copytree(small_library_dir, data)
    asked = _run(
        installed,
        "briefing",
        "ask",
        "--json",
        "How was St Helens judged overall in its latest inspection?",
        cwd=tmp_path,
        env={"BRIEFING_DATA_DIR": str(data)},
    )
    assert asked.returncode == 0, asked.stderr
    assert '"model": "none (report records)"' in asked.stdout and "st-helens" in asked.stdout
