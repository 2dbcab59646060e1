"""The generated pre-commit configuration runs offline, with the project's own tools."""

import pytest

from .conftest import Projects
from .option_sets import by_name
from .support import check_succeeds, run, tool_path

DEFAULTS = by_name("defaults")


@pytest.mark.slow
@pytest.mark.xdist_group(DEFAULTS.name)
def test_pre_commit_runs_all_hooks_and_passes(projects: Projects) -> None:
    project = projects.installed(DEFAULTS)
    assert project.bin_dir is not None
    config = (project.path / ".pre-commit-config.yaml").read_text()
    assert "repo: local" in config
    assert "https://" not in config, "no hook is fetched from a remote repository"

    result = run(["pre-commit", "run", "--all-files"], project.path, tool_path(project.bin_dir))

    check_succeeds(result)
    outcomes = {
        line.split(".")[0]: line.rsplit(".", 1)[-1]
        for line in result.stdout.splitlines()
        if "..." in line
    }
    assert outcomes == {"ruff check": "Passed", "ruff format": "Passed", "mypy --strict": "Passed"}
