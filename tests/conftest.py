"""Session fixtures: isolated Copier and git settings, the template as on disk, and rendered
projects with their environments, each built once per test session."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .option_sets import OptionSet
from .support import build_environment, copy_working_tree, render, require_python


@pytest.fixture(scope="session", autouse=True)
def isolated_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the developer's Copier settings and git configuration out of every test.

    git gets an identity of its own so the tests can commit; the init_git hook's tests take
    it away again to prove the hook works without one.
    """
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Template Tests\n\temail = tests@example.com\n"
        "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
    )
    copier_settings = home / "copier-settings.yml"
    copier_settings.write_text("{}\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COPIER_SETTINGS_PATH", str(copier_settings))
        patch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        patch.setenv("PRE_COMMIT_HOME", str(home / "pre-commit"))
        yield


@pytest.fixture(scope="session")
def template_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template's working tree, uncommitted changes included, copied once."""
    return copy_working_tree(tmp_path_factory.mktemp("template-source"))


@dataclass
class RenderedProject:
    option_set: OptionSet
    path: Path
    bin_dir: Path | None = None


@dataclass
class Projects:
    """Renders each option set once and installs its environment on first need."""

    source: Path
    root: Path
    _rendered: dict[str, RenderedProject] = field(default_factory=dict)

    def rendered(self, option_set: OptionSet) -> RenderedProject:
        if option_set.name not in self._rendered:
            path = render(self.source, self.root / option_set.name, option_set.answers)
            self._rendered[option_set.name] = RenderedProject(option_set, path)
        return self._rendered[option_set.name]

    def installed(self, option_set: OptionSet) -> RenderedProject:
        project = self.rendered(option_set)
        if project.bin_dir is None:
            python = require_python(option_set.python_version)
            environment = self.root / f"{option_set.name}-env"
            project.bin_dir = build_environment(
                project.path, python, environment, option_set.resolution
            )
        return project


@pytest.fixture(scope="session")
def projects(template_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Projects:
    return Projects(template_source, tmp_path_factory.mktemp("projects"))
