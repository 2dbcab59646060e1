"""`copier update` carries a generated project forward to a newer template version.

Each test copies the template into a throw-away git repository, tags it with the version the
changelog names, renders and commits a project, then moves the template on by one tagged
version and updates the project.
"""

import json
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from .option_sets import by_name
from .support import (
    REPO_ROOT,
    build_environment,
    check_succeeds,
    git,
    next_minor,
    render,
    require_python,
    run,
    update,
)

README_LINE = "## Run\n"
NEW_FILE = Path("template/docs/operations.md")


def released_version() -> str:
    """The newest released version in CHANGELOG.md (the first `## [x.y.z]` heading)."""
    match = re.search(r"^## \[(\d+\.\d+\.\d+)\]", (REPO_ROOT / "CHANGELOG.md").read_text(), re.M)
    assert match, "CHANGELOG.md names no released version"
    return match.group(1)


@dataclass
class Scenario:
    template: Path
    project: Path
    old: str
    new: str

    def edit_template(self, old: str, new: str, path: str = "template/README.md.jinja") -> None:
        file = self.template / path
        text = file.read_text()
        assert old in text
        file.write_text(text.replace(old, new, 1))

    def release_template(self) -> None:
        git(self.template, "add", "--all")
        git(self.template, "commit", "--quiet", "-m", f"Release {self.new}")
        git(self.template, "tag", f"v{self.new}")

    def commit_project(self, message: str) -> None:
        git(self.project, "add", "--all")
        git(self.project, "commit", "--quiet", "-m", message)

    def update(self) -> None:
        update(self.project)


@pytest.fixture
def scenario(template_source: Path, tmp_path: Path) -> Scenario:
    template = shutil.copytree(template_source, tmp_path / "template")
    git(template, "init", "--quiet")
    git(template, "add", "--all")
    git(template, "commit", "--quiet", "-m", "Template as on disk")
    old = released_version()
    git(template, "tag", f"v{old}")
    project = render(template, tmp_path / "project", {})
    assert git(project, "log", "--format=%s").count("\n") == 0, "the task made one first commit"
    return Scenario(template, project, old, next_minor(old))


def answers_of(project: Path) -> dict[str, str]:
    answers: dict[str, str] = yaml.safe_load((project / ".copier-answers.yml").read_text())
    return answers


@pytest.mark.slow
@pytest.mark.xdist_group("update")
def test_update_brings_template_changes_and_keeps_user_edits(scenario: Scenario) -> None:
    assert answers_of(scenario.project)["_commit"] == f"v{scenario.old}"

    handlers = scenario.project / "src" / "realtime_service" / "websocket" / "handlers.py"
    user_handler = (
        "\n\n@handlers.on(LeaveMessage)  # the user's own edit\n"
        "async def leave_again(message: LeaveMessage, context: HandlerContext) -> Left:\n"
        "    return await leave(message, context)\n"
    )
    handlers.write_text(handlers.read_text().replace("@handlers.on(LeaveMessage)\n", "", 1))
    handlers.write_text(handlers.read_text() + user_handler)
    scenario.commit_project("Register leave through the user's own handler")

    (scenario.template / NEW_FILE).write_text("# Operations\n\nRun it with care.\n")
    scenario.edit_template(README_LINE, "## Run the service\n")
    scenario.release_template()

    check = run(
        [sys.executable, "-m", "copier", "check-update", "--output-format", "json"],
        scenario.project,
    )
    check_succeeds(check)
    assert json.loads(check.stdout)["update_available"] is True
    assert json.loads(check.stdout)["latest_version"] == scenario.new

    scenario.update()

    assert (scenario.project / "docs" / "operations.md").read_text().startswith("# Operations")
    readme = (scenario.project / "README.md").read_text()
    assert "## Run the service\n" in readme
    assert "<<<<<<<" not in readme
    assert handlers.read_text().endswith(user_handler), "the user's edit survived"
    assert answers_of(scenario.project)["_commit"] == f"v{scenario.new}"

    python = require_python(by_name("defaults").python_version)
    bin_dir = build_environment(scenario.project, python, scenario.project.parent / "env")
    command: list[str | Path] = [bin_dir / "python", "-m", "pytest", "-q", "-rfE"]
    result = run([*command, "-p", "no:cacheprovider"], scenario.project)
    check_succeeds(result)
    assert "passed" in result.stdout


@pytest.mark.xdist_group("update")
def test_the_same_line_edited_on_both_sides_is_shown_inline(scenario: Scenario) -> None:
    readme = scenario.project / "README.md"
    readme.write_text(readme.read_text().replace(README_LINE, "## Run it our way\n", 1))
    scenario.commit_project("Retitle the run section")

    scenario.edit_template(README_LINE, "## Run the service\n")
    scenario.release_template()
    scenario.update()

    merged = readme.read_text()
    conflict = re.search(r"<<<<<<< .*\n(.*)\n=======\n(.*)\n>>>>>>> .*", merged)
    assert conflict, merged[:2000]
    assert {conflict.group(1), conflict.group(2)} == {"## Run it our way", "## Run the service"}
