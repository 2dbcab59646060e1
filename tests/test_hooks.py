"""The scripts Copier runs as tasks."""

from pathlib import Path

import pytest

from hooks.init_git import FIRST_COMMIT_MESSAGE, initialise, inside_work_tree, main

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
