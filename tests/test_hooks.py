"""The scripts Copier runs as tasks."""

from pathlib import Path

import pytest

from hooks import write_contract
from hooks.init_git import FIRST_COMMIT_MESSAGE, initialise, inside_work_tree, main
from hooks.write_contract import CONTRACT
from hooks.write_contract import main as write_contract_main

from .support import git


@pytest.fixture
def no_git_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine where git has never been configured, as in a fresh CI container."""
    empty = tmp_path / "empty-gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    for variable in ("AUTHOR_NAME", "AUTHOR_EMAIL", "COMMITTER_NAME", "COMMITTER_EMAIL"):
        monkeypatch.delenv(f"GIT_{variable}", raising=False)
    monkeypatch.setenv("EMAIL", "")


def make_project(root: Path) -> Path:
    project = root / "project"
    (project / "src").mkdir(parents=True)
    (project / "src" / "app.py").write_text("print('hi')\n")
    return project


@pytest.mark.usefixtures("no_git_identity")
def test_a_new_project_gets_a_repository_and_a_first_commit(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    assert initialise(project, "Ada Lovelace", "ada@example.com") is True
    assert git(project, "log", "--format=%s|%an|%ae") == (
        f"{FIRST_COMMIT_MESSAGE}|Ada Lovelace|ada@example.com"
    )
    assert git(project, "status", "--porcelain") == "", "everything rendered is committed"


def test_a_configured_identity_is_kept(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    initialise(project, "Ada Lovelace", "ada@example.com")
    assert git(project, "log", "--format=%an") == "Template Tests"


def test_a_project_inside_an_existing_work_tree_is_left_alone(tmp_path: Path) -> None:
    git(tmp_path, "init", "--quiet")
    project = make_project(tmp_path)
    assert inside_work_tree(project)
    assert initialise(project, "Ada", "ada@example.com") is False
    assert not (project / ".git").exists()
    assert git(tmp_path, "status", "--porcelain") == "?? project/", "nothing was committed"


def test_main_reports_what_it_did(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path)
    arguments = ["--author-name=A", "--author-email=a@example.com", f"--project={project}"]
    assert main(arguments) == 0
    assert "created a git repository" in capsys.readouterr().out
    assert main(arguments) == 0
    assert "already inside a git work tree" in capsys.readouterr().out


def test_main_without_git_skips_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    project = make_project(tmp_path)
    assert main(["--author-name=A", "--author-email=a@example.com", f"--project={project}"]) == 0
    assert "git is not installed" in capsys.readouterr().out
    assert not (project / ".git").exists()


def contract_hook_says(project: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Run the contract task on `project` for a package `app`; it never fails the copy."""
    assert write_contract_main(["--package=app", "--python=3.11", f"--project={project}"]) == 0
    return capsys.readouterr().out


def test_the_contract_already_there_is_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path)
    (project / CONTRACT).parent.mkdir()
    (project / CONTRACT).write_text("{}\n")
    said = contract_hook_says(project, capsys)
    assert (project / CONTRACT).read_text() == "{}\n"
    assert "left it alone" in said


def test_without_uv_the_copy_goes_on_and_says_how_to_write_the_contract(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(write_contract, "uv_command", lambda: None)
    project = make_project(tmp_path)
    said = contract_hook_says(project, capsys)
    assert "uv is not installed" in said
    assert "uv run python -m app.contract" in said
    assert not (project / CONTRACT).exists()


def test_a_project_that_cannot_be_installed_is_reported_not_fatal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path)  # no pyproject.toml: nothing to install
    said = contract_hook_says(project, capsys)
    assert "was not written" in said
    assert "pip install" in said
    assert not (project / CONTRACT).exists()


def test_pyenv_versions_are_tried_before_a_download(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pyenv's shims hide versions that are not selected, so uv alone would not find them."""
    for version in ("3.13.0", "3.13.1", "3.12.9"):
        (tmp_path / "versions" / version / "bin").mkdir(parents=True)
        (tmp_path / "versions" / version / "bin" / "python").touch()
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    requests = write_contract.interpreter_requests("3.13")
    local = {"UV_PYTHON_DOWNLOADS": "never"}
    assert requests == [
        ("3.13", local),
        (str(tmp_path / "versions" / "3.13.1" / "bin" / "python"), local),
        (str(tmp_path / "versions" / "3.13.0" / "bin" / "python"), local),
        ("3.13", {}),
    ]
