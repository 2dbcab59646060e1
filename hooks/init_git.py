"""Make a freshly rendered project a git repository with a first commit.

Copier runs this as a task after `copier copy --trust`. `copier update` works by diffing the
project's git history against the template, so a project without a commit cannot be updated;
doing it here means updates work from day one. A project rendered inside an existing work tree
(a monorepo) is left alone: that repository is the user's to commit to.

The commit names the template's author answers when git has no identity configured, so the
task also works on a fresh machine or in CI.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

FIRST_COMMIT_MESSAGE = "Initial commit from the FastAPI WebSocket Copier template"


def _git(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=False)


def inside_work_tree(project: Path) -> bool:
    """Whether `project` already belongs to a git work tree (its own or an enclosing one)."""
    result = _git(project, "rev-parse", "--is-inside-work-tree")
    return result.returncode == 0 and result.stdout.strip() == "true"


def configured_identity(project: Path) -> bool:
    """Whether git would find an author name and email without our help."""
    name = _git(project, "config", "user.name").stdout.strip()
    email = _git(project, "config", "user.email").stdout.strip()
    return bool(name and email)


def initialise(project: Path, author_name: str, author_email: str) -> bool:
    """Create the repository and its first commit; return False when nothing was done."""
    if inside_work_tree(project):
        return False
    steps: list[Sequence[str]] = [("init", "--quiet"), ("add", "--all")]
    identity: list[str] = []
    if not configured_identity(project):
        identity = ["-c", f"user.name={author_name}", "-c", f"user.email={author_email}"]
    steps.append((*identity, "commit", "--quiet", "--no-verify", "-m", FIRST_COMMIT_MESSAGE))
    for step in steps:
        result = _git(project, *step)
        if result.returncode != 0:
            message = f"git {' '.join(step)} failed: {result.stderr.strip()}"
            raise RuntimeError(message)
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--author-name", required=True)
    parser.add_argument("--author-email", required=True)
    parser.add_argument("--project", type=Path, default=Path.cwd())
    args = parser.parse_args(argv)
    if shutil.which("git") is None:
        print("init_git: git is not installed; skipped (copier update needs a git repository)")
        return 0
    try:
        created = initialise(args.project, args.author_name, args.author_email)
    except RuntimeError as error:
        print(f"init_git: {error}", file=sys.stderr)
        return 1
    if created:
        print("init_git: created a git repository with a first commit")
    else:
        print("init_git: already inside a git work tree; left it alone")
    return 0


if __name__ == "__main__":
    sys.exit(main())
