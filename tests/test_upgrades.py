"""Upgrades from every release: a project made by each version CHANGELOG.md names, by that
version of the template as this repository's history holds it, is carried to the working
tree by `copier update`, its user's edits kept and nothing in conflict; `copier recopy`
renders it anew with its answers.

The history is read from git: a release is the commit that gave CHANGELOG.md its heading.
A project updated from a release is compared, file by file, with the working tree's own
rendering of the same answers: equal, except for the user's edits, which are there exactly
as made. The suites of the working tree's renderings (`test_generated_project.py`) are thus
the updated projects' suites too; the project updated from the oldest release runs its own
suite here as well, as its user would.
"""

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from copier import run_copy, run_recopy

from .option_sets import OptionSet, by_name
from .support import (
    REPO_ROOT,
    build_environment,
    check_succeeds,
    copy_working_tree,
    git,
    next_minor,
    require_python,
    run,
    tool_path,
    update,
)

UPGRADED_SETS = ("defaults", "auth-jwt-redis")
AUTHOR = ("-c", "user.name=Template Tests", "-c", "user.email=tests@example.org")
CONFLICT = re.compile(r"^(<<<<<<<|>>>>>>>) ", re.M)


def released_versions() -> list[str]:
    """Every version CHANGELOG.md releases, oldest first."""
    changelog = (REPO_ROOT / "CHANGELOG.md").read_text()
    return re.findall(r"^## \[(\d+\.\d+\.\d+)\]", changelog, re.M)[::-1]


RELEASES = released_versions()
CURRENT = next_minor(RELEASES[-1])
"""The version the working tree will be released as."""


def release_commit(version: str) -> str:
    """The commit that released `version`: the first whose CHANGELOG.md names it."""
    commits = git(
        REPO_ROOT, "log", "--format=%H", "--reverse", "-S", f"## [{version}]", "--", "CHANGELOG.md"
    ).split()
    if not commits:
        problem = f"no commit of this repository names {version} in CHANGELOG.md"
        if git(REPO_ROOT, "rev-parse", "--is-shallow-repository") == "true":
            problem += ": the clone is shallow (git fetch --unshallow)"
        pytest.fail(problem)
    return commits[0]


@pytest.fixture(scope="session")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A template repository with one tagged commit per release, as released, and the working
    tree on top, tagged as the next version."""
    template = tmp_path_factory.mktemp("history")
    git(template, "init", "--quiet")
    for version in RELEASES:
        _replace_content(template)
        archive = subprocess.run(
            ["git", "archive", release_commit(version)],
            cwd=REPO_ROOT,
            capture_output=True,
            check=True,
        )
        subprocess.run(["tar", "-x"], cwd=template, input=archive.stdout, check=True)
        _tag(template, version)
    _replace_content(template)
    copy_working_tree(template)
    _tag(template, CURRENT)
    return template


def _replace_content(template: Path) -> None:
    for entry in template.iterdir():
        if entry.name != ".git":
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def _tag(template: Path, version: str) -> None:
    git(template, "add", "--all")
    git(template, *AUTHOR, "commit", "--quiet", "--allow-empty", "-m", f"Release {version}")
    git(template, "tag", f"v{version}")


def answers_known_to(template: Path, version: str, option_set: OptionSet) -> dict[str, str]:
    """The option set's answers to the questions `version` asked (later ones came later)."""
    questions = yaml.safe_load(git(template, "show", f"v{version}:copier.yml"))
    return {name: value for name, value in option_set.answers.items() if name in questions}


def render_at(template: Path, version: str, answers: dict[str, str], destination: Path) -> Path:
    run_copy(
        str(template),
        destination,
        data=answers,
        vcs_ref=f"v{version}",
        defaults=True,
        unsafe=True,
        quiet=True,
    )
    if not (destination / ".git").exists():  # the oldest releases left that to their users
        git(destination, "init", "--quiet")
        commit(destination, "Project made by the template")
    return destination


def commit(project: Path, message: str) -> None:
    git(project, "add", "--all")
    git(project, *AUTHOR, "commit", "--quiet", "-m", message)


@dataclass(frozen=True)
class Edit:
    """A change a user makes to a file of the project, by replacing text in it."""

    path: Callable[[str], str]
    """The file, given the package's name."""
    old: str
    new: str

    def apply(self, project: Path, package: str) -> None:
        file = project / self.path(package)
        text = file.read_text()
        assert self.old in text, f"{self.path(package)} no longer holds {self.old!r}"
        file.write_text(text.replace(self.old, self.new, 1))


DESCRIPTION = "A real-time WebSocket service built with FastAPI.\n"
USER_EDITS = (
    Edit(lambda _: "README.md", DESCRIPTION, "The team's live desk, on FastAPI WebSockets.\n"),
    Edit(lambda _: ".gitignore", ".venv/\n", ".venv/\n.idea/  # the team's own\n"),
    Edit(
        lambda package: f"src/{package}/websocket/handlers.py",
        "handlers = HandlerRegistry()\n",
        'handlers = HandlerRegistry()\nTEAM = "desk"  # the team\'s own\n',
    ),
)
"""Edits a team makes to files the template also changes: the README's description, an
ignore rule, a constant of its own in the handlers' module."""


def files_of(project: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(project)): path.read_bytes()
        for path in project.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(project).parts
    }


@pytest.fixture(scope="session")
def fresh(history: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[OptionSet], Path]:
    """The working tree's rendering of an option set, made once per set."""
    rendered: dict[str, Path] = {}

    def of(option_set: OptionSet) -> Path:
        if option_set.name not in rendered:
            destination = tmp_path_factory.mktemp("fresh") / option_set.name
            rendered[option_set.name] = render_at(history, CURRENT, option_set.answers, destination)
        return rendered[option_set.name]

    return of


def upgrade(history: Path, version: str, option_set: OptionSet, where: Path) -> Path:
    """A project made at `version`, edited and committed by its user, then updated to the
    working tree (answering, with the option set, the questions asked since)."""
    project = render_at(
        history, version, answers_known_to(history, version, option_set), where / "project"
    )
    for edit in USER_EDITS:
        edit.apply(project, option_set.package_name)
    commit(project, "The team's own edits")
    update(project, data=dict(option_set.answers), vcs_ref=f"v{CURRENT}")
    return project


@pytest.mark.slow
@pytest.mark.parametrize("set_name", UPGRADED_SETS)
@pytest.mark.parametrize("version", RELEASES)
def test_a_project_of_every_release_updates_to_the_working_tree_keeping_its_edits(
    history: Path,
    fresh: Callable[[OptionSet], Path],
    tmp_path: Path,
    version: str,
    set_name: str,
) -> None:
    option_set = by_name(set_name)
    project = upgrade(history, version, option_set, tmp_path)

    updated, expected = files_of(project), files_of(fresh(option_set))
    conflicted = [
        name for name, data in updated.items() if CONFLICT.search(data.decode(errors="replace"))
    ]
    assert conflicted == []
    assert not [name for name in updated if name.endswith(".rej")]
    edited = {edit.path(option_set.package_name) for edit in USER_EDITS}
    assert set(updated) == set(expected), "the same files as a project made today"
    differing = {name for name in updated if updated[name] != expected[name]}
    assert differing == edited, "only the user's edits differ"
    for edit in USER_EDITS:  # each as the user made it, on what the template has today
        name = edit.path(option_set.package_name)
        assert updated[name].decode() == expected[name].decode().replace(edit.old, edit.new, 1)
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == f"v{CURRENT}"


@pytest.mark.slow
@pytest.mark.parametrize("set_name", UPGRADED_SETS)
def test_a_project_of_the_oldest_release_passes_its_own_suite_once_updated(
    history: Path, tmp_path: Path, set_name: str
) -> None:
    option_set = by_name(set_name)
    project = upgrade(history, RELEASES[0], option_set, tmp_path)
    commit(project, f"Update to {CURRENT}")
    python = require_python(option_set.python_version)
    bin_dir = build_environment(project, python, tmp_path / "env")
    # The browser tests are left out: the updated tree is the fresh rendering byte for byte
    # (the test above), whose browser tests test_generated_project runs.
    command: list[str | Path] = [
        *(bin_dir / "python", "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider"),
        *("-m", "not browser"),
    ]
    result = run(command, project, tool_path(bin_dir))
    check_succeeds(result)
    assert " passed" in result.stdout


@pytest.mark.slow
def test_recopy_renders_a_project_anew_with_its_answers(
    history: Path, fresh: Callable[[OptionSet], Path], tmp_path: Path
) -> None:
    """`copier recopy` applies the template afresh, as for a project too far behind to merge:
    its answers stay, and local edits are overwritten (git shows them, to take back)."""
    option_set = by_name("auth-jwt-redis")
    project = render_at(
        history, RELEASES[-1], answers_known_to(history, RELEASES[-1], option_set), tmp_path / "p"
    )
    for edit in USER_EDITS:
        edit.apply(project, option_set.package_name)
    commit(project, "The team's own edits")
    run_recopy(
        project,
        vcs_ref=f"v{CURRENT}",
        data=dict(option_set.answers),
        defaults=True,
        overwrite=True,
        unsafe=True,
        skip_answered=True,
        quiet=True,
    )
    assert files_of(project) == files_of(fresh(option_set))
    changed = git(project, "diff", "--name-only").splitlines()
    assert {edit.path(option_set.package_name) for edit in USER_EDITS} <= set(changed)


def test_no_release_asked_a_question_or_read_a_setting_that_is_gone(history: Path) -> None:
    """A question or a setting a release had is one some project answers or sets: removing or
    renaming it needs a Copier migration (`_migrations` in copier.yml) that carries the
    answer forward, or an alias for the setting (as `forwarded_allow_ips` reads uvicorn's
    variable), and this test changed to expect it."""
    current = yaml.safe_load((REPO_ROOT / "copier.yml").read_text())
    settings = _settings_of(history, CURRENT)
    for version in RELEASES:
        old = yaml.safe_load(git(history, "show", f"v{version}:copier.yml"))
        for name, question in old.items():
            if name.startswith("_"):
                continue
            assert name in current, f"question {name!r} of {version} is gone"
            for choice in _choices(question):
                assert choice in _choices(current[name]), f"{name}={choice!r} of {version} is gone"
        missing = _settings_of(history, version) - settings
        assert missing == set(), f"settings of {version} are gone: {sorted(missing)}"


def _choices(question: dict[str, Any]) -> list[str]:
    choices = question.get("choices") or []
    values = choices.values() if isinstance(choices, dict) else choices
    return [str(value) for value in values]


def _settings_of(history: Path, version: str) -> set[str]:
    """The names of the `Settings` fields of the template's config.py at `version`."""
    listing = git(history, "ls-tree", "-r", "--name-only", f"v{version}", "template/src")
    [path] = [
        name for name in listing.splitlines() if name.endswith(("/config.py", "/config.py.jinja"))
    ]
    text = git(history, "show", f"v{version}:{path}")
    return set(re.findall(r"^    ([a-z_]+): ", text, re.M))
