"""Helpers the template tests share: render the working tree, find interpreters, run tools."""

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from copier import run_copy, run_update
from uv import find_uv_bin

REPO_ROOT = Path(__file__).resolve().parent.parent
COMMAND_TIMEOUT = 900
LINT_CHECKS = {
    "ruff-check": ["ruff", "check", "--no-cache"],
    "ruff-format": ["ruff", "format", "--check", "--no-cache"],
    "mypy-strict": ["mypy", "--strict", "--cache-dir", "/dev/null"],
}
"""The static checks a generated project and the template repository are both held to."""
_IGNORED = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*_cache", "uv.lock")


def copy_working_tree(destination: Path) -> Path:
    """Copy the template as it is on disk, uncommitted changes included.

    In a git checkout the copy holds what git tracks plus untracked files it does not ignore,
    so stray caches and environments never reach a rendered project.
    """
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=False,
    )
    if listing.returncode != 0:
        shutil.copytree(REPO_ROOT, destination, ignore=_IGNORED)
        return destination
    for name in filter(None, listing.stdout.decode().split("\0")):
        source = REPO_ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def render(
    source: Path, destination: Path, answers: Mapping[str, str], **options: bool | str
) -> Path:
    """Render the template with Copier's API, taking defaults for unanswered questions."""
    settings: dict[str, Any] = {"defaults": True, "unsafe": True, "quiet": True} | options
    run_copy(str(source), destination, data=dict(answers), **settings)
    return destination


def update(project: Path, **options: object) -> None:
    """`copier update` as a user runs it on a project with a clean tree: the template's
    defaults for new questions, conflicts inline in the files."""
    settings: dict[str, Any] = {
        "defaults": True,
        "overwrite": True,
        "unsafe": True,
        "conflict": "inline",
        "skip_answered": True,
        "quiet": True,
    }
    run_update(project, **(settings | options))


def next_minor(version: str) -> str:
    """The version after `version` when it adds features: 0.7.0 → 0.8.0."""
    major, minor, _ = version.split(".")
    return f"{major}.{int(minor) + 1}.0"


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


def find_python(version: str) -> str | None:
    """An installed interpreter of `version` (e.g. "3.13"), from PATH or pyenv's versions."""
    candidates = [shutil.which(f"python{version}")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(str(path) for path in pyenv_root.glob(f"versions/{version}.*/bin/python"))
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    return None


def require_python(version: str) -> str:
    """The interpreter for `version`; missing, it fails the test in CI and skips it elsewhere."""
    python = find_python(version)
    if python is None:
        reason = f"Python {version} is not installed (looked on PATH and in pyenv's versions)"
        if in_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    return python


def tool_env(**extra: str) -> dict[str, str]:
    """The environment for a generated project's tools: none of this test run's own settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"VIRTUAL_ENV", "PYTHONPATH", "UV_PROJECT_ENVIRONMENT"}
        and not key.startswith("PYTEST_")
    }
    return env | {"UV_PYTHON_DOWNLOADS": "never", "PYTHONDONTWRITEBYTECODE": "1"} | extra


def run(
    command: Sequence[str | Path], cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=dict(env) if env is not None else tool_env(),
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )


def check_succeeds(result: subprocess.CompletedProcess[str]) -> None:
    """Fail with the command's own output when it did not exit 0."""
    if result.returncode != 0:
        command = " ".join(result.args)
        pytest.fail(
            f"`{command}` exited {result.returncode}\n"
            f"--- stdout ---\n{result.stdout[-6000:]}\n--- stderr ---\n{result.stderr[-6000:]}",
            pytrace=False,
        )


def build_environment(
    project: Path, python: str, environment: Path, resolution: str = "highest"
) -> Path:
    """Install a generated project and its dev group with uv into `environment`, resolving
    versions by `resolution` (`highest`, or `lowest-direct` for the declared floors).

    All variants share uv's one package cache, so each install after the first is a few
    links; the environment lives outside the project, so the project's tree stays as rendered.
    """
    env = tool_env(UV_PROJECT_ENVIRONMENT=str(environment))
    command = [find_uv_bin(), "sync", "--python", python, "--quiet", "--resolution", resolution]
    check_succeeds(run(command, project, env))
    return environment / "bin"


def tool_path(bin_dir: Path) -> dict[str, str]:
    """`tool_env` with the project's environment first on PATH, as if it were activated."""
    return tool_env(PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")


def git(cwd: Path, *args: str) -> str:
    """Run git in `cwd` and return its output; a failing git command fails the test."""
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout.strip()


def npm_install(folder: Path, *packages: str) -> Path:
    """Install npm packages into `folder`, a test run's own, and return it. Without Node.js
    and npm the test fails under CI and is skipped elsewhere, saying so."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        message = f"Node.js and npm are needed to install {', '.join(packages)}"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    install = ["npm", "install", "--silent", "--no-audit", "--no-fund", *packages]
    check_succeeds(run(install, folder))
    return folder
