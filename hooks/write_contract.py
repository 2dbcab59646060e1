"""Write a rendered project's contract, docs/asyncapi.json, before its first commit.

Copier runs this as a task after `copier copy --trust`, and as a migration after the
`copier update --trust` that brings a project made before the contract existed to a version
with one. The document is generated from the project's own models by
`python -m <package>.contract`, so only the project's code, with its dependencies, can write
it: this script installs the project with uv into a temporary environment (nothing is left
in the project, no lock file is written), runs that command, and removes the environment. A
project that has the file already keeps it: after an update that changed the protocol, the
project's contract test says to run the command.

Without uv or without the package index, the copy still finishes, and the message says
which command writes the file later.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

CONTRACT = Path("docs/asyncapi.json")


def uv_command() -> list[str] | None:
    """How to run uv: the one installed beside Copier, else the one on PATH."""
    if importlib.util.find_spec("uv") is not None:
        return [sys.executable, "-m", "uv"]
    found = shutil.which("uv")
    return [found] if found else None


STEP_TIMEOUT = 600
"""Seconds one step may take: an install from an empty cache on a slow link, not a hang."""
IGNORED_VARIABLES = {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH", "PYTHONHOME"}
"""The caller's environment settings that would point the install somewhere else."""


def _run(
    command: Sequence[str | Path], cwd: Path, **variables: str
) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key not in IGNORED_VARIABLES}
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=environment | variables,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=STEP_TIMEOUT,
        check=False,
    )


def _interpreter(environment: Path) -> Path:
    if os.name == "nt":
        return environment / "Scripts" / "python.exe"
    return environment / "bin" / "python"


def interpreter_requests(version: str) -> list[tuple[str, dict[str, str]]]:
    """Where to look for the project's Python, in order, each with what uv needs to find it:
    what uv itself can find on this machine; pyenv's versions, which pyenv's shims hide
    unless selected; then whatever uv is allowed to download, as `uv run` would."""
    local = {"UV_PYTHON_DOWNLOADS": "never"}
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    pyenv = sorted(pyenv_root.glob(f"versions/{version}.*/bin/python"), reverse=True)
    return [(version, local), *((str(path), local) for path in pyenv), (version, {})]


def _make_environment(uv: list[str], version: str, scratch: Path, project: Path) -> Path | str:
    """A new virtual environment of the project's Python, or why none could be made."""
    failure = ""
    for attempt, (python, variables) in enumerate(interpreter_requests(version)):
        environment = scratch / f"env-{attempt}"
        command = [*uv, "venv", "--quiet", "--python", python, str(environment)]
        created = _run(command, project, **variables)
        if created.returncode == 0:
            return environment
        failure = created.stderr.strip()[-2000:]
    return f"no Python {version} environment could be made: {failure}"


def write_contract(project: Path, package: str, python: str, uv: list[str]) -> str | None:
    """Write the project's contract; return why it could not be written, or None."""
    with tempfile.TemporaryDirectory(prefix="contract-", ignore_cleanup_errors=True) as scratch:
        environment = _make_environment(uv, python, Path(scratch), project)
        if isinstance(environment, str):
            return environment
        steps: list[list[str | Path]] = [
            [*uv, "pip", "install", "--quiet", "--python", _interpreter(environment), "."],
            [_interpreter(environment), "-m", f"{package}.contract", CONTRACT],
        ]
        for step in steps:
            result = _run(step, project)
            if result.returncode != 0:
                return f"`{' '.join(map(str, step))}` failed: {result.stderr.strip()[-2000:]}"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--package", required=True)
    parser.add_argument("--python", required=True, help="the project's Python version")
    parser.add_argument("--project", type=Path, default=Path.cwd())
    args = parser.parse_args(argv)
    if (args.project / CONTRACT).exists():
        print(f"write_contract: {CONTRACT} is there; left it alone")
        return 0
    uv = uv_command()
    why = "uv is not installed" if uv is None else None
    if uv is not None:
        print(f"write_contract: installing the project in a temporary environment for {CONTRACT}")
        try:
            why = write_contract(args.project, args.package, args.python, uv)
        except (OSError, subprocess.SubprocessError) as error:  # a timeout, a full disk
            why = f"{type(error).__name__}: {error}"
    if why is not None:
        later = f"write it with `uv run python -m {args.package}.contract`"
        print(f"write_contract: {CONTRACT} was not written ({why}); {later}")
        return 0
    print(f"write_contract: wrote {CONTRACT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
