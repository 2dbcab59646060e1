"""The template repository holds its own Python (hooks, tests) to the standard it renders."""

import sys

import pytest

from .support import LINT_CHECKS, REPO_ROOT, check_succeeds, run


@pytest.mark.parametrize("check", LINT_CHECKS)
def test_template_repository_passes_its_own_check(check: str) -> None:
    check_succeeds(run([sys.executable, "-m", *LINT_CHECKS[check]], REPO_ROOT))


def test_no_lock_file_is_tracked() -> None:
    tracked = run(["git", "ls-files"], REPO_ROOT)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout")
    locks = {"uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock", "package-lock.json"}
    assert [name for name in tracked.stdout.split() if name.rsplit("/", 1)[-1] in locks] == []
