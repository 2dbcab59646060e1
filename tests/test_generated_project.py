"""Every option set renders a complete project that passes its own checks."""

import json
import re
from pathlib import Path

import pytest
import yaml
from packaging.version import Version

from .conftest import Projects
from .option_sets import BROWSER_SETS, OPTION_SETS, OptionSet, option_set_params
from .support import LINT_CHECKS, check_succeeds, render, run, tool_path

UNRENDERED_JINJA = re.compile(r"(?<!\$)\{\{|\{%|%\}|\{#|#\}")
"""Jinja delimiters; `${{` is GitHub Actions' own expression syntax and is allowed."""

PROJECT_CHECKS = LINT_CHECKS | {
    "pytest": ["python", "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider"],
}


TOOL_OUTPUT = {".git", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", "uv.lock"}
"""What git, uv and the checks write into a project; not part of what Copier rendered."""
TASK_OUTPUT = Path("docs/asyncapi.json")
"""What the copy task writes, from the project's own code: not rendered with --skip-tasks."""


def as_answer(value: object) -> str:
    """A recorded answer as the option sets write it: `true`/`false` for a yes-no question."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def text_of(path: Path) -> str:
    """A file's text; empty for a binary file (an image), which holds no Jinja to leave."""
    try:
        return path.read_text()
    except UnicodeDecodeError:
        return ""


def project_files(root: Path) -> list[Path]:
    return sorted(
        path
        for path in root.rglob("*")
        if path.is_file() and TOOL_OUTPUT.isdisjoint(path.relative_to(root).parts)
    )


@pytest.mark.parametrize("option_set", option_set_params())
def test_no_unrendered_jinja_is_left(projects: Projects, option_set: OptionSet) -> None:
    root = projects.rendered(option_set).path
    leftovers = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for path in project_files(root)
        for number, line in enumerate(text_of(path).splitlines(), start=1)
        if UNRENDERED_JINJA.search(line)
    ]
    leftovers += [str(path) for path in project_files(root) if UNRENDERED_JINJA.search(str(path))]
    assert leftovers == []


@pytest.mark.parametrize("option_set", option_set_params())
def test_expected_files_are_rendered(projects: Projects, option_set: OptionSet) -> None:
    root = projects.rendered(option_set).path
    package = root / "src" / option_set.package_name
    for relative in ("__init__.py", "__main__.py", "main.py", "config.py", "py.typed"):
        assert (package / relative).is_file(), relative
    for relative in (
        "models.py",
        "handlers.py",
        "manager.py",
        "router.py",
        "history.py",
        "presence.py",
    ):
        assert (package / "websocket" / relative).is_file(), relative
    backplane = package / "websocket" / "backplane"
    assert (backplane / "memory.py").is_file()
    assert (backplane / "room_logs.py").is_file()
    redis = option_set.backplane == "redis"
    for relative in (
        "redis_pubsub.py",
        "redis_session.py",
        "redis_commands.py",
        "redis_scripts.py",
    ):
        assert (backplane / relative).is_file() == redis, relative
    for relative in (
        "test_redis_backplane.py",
        "test_redis_history.py",
        "test_publishing_across_instances.py",
    ):
        assert (root / "tests" / relative).is_file() == redis, relative
    publishing = package / "publishing"
    for relative in ("__init__.py", "events.py", "publisher.py", "api.py", "gate.py"):
        assert (publishing / relative).is_file(), relative
    assert (publishing / "emitter.py").is_file() == redis
    assert (package / "token_table.py").is_file()
    assert (package / "websocket" / "inboxes.py").is_file()
    for relative in ("test_publishing.py", "test_publishing_api.py"):
        assert (root / "tests" / relative).is_file(), relative
    assert ('"redis[hiredis]' in (root / "pyproject.toml").read_text()) == redis
    auth = option_set.auth
    assert (package / "auth" / "carriers.py").is_file() == (auth != "none")
    assert (package / "auth" / "static_tokens.py").is_file() == (auth == "token")
    assert (package / "auth" / "jwt_tokens.py").is_file() == (auth == "jwt")
    assert (root / "tests" / "test_auth.py").is_file() == (auth != "none")
    assert ('"pyjwt[crypto]' in (root / "pyproject.toml").read_text()) == (auth == "jwt")
    for relative in (
        "__init__.py",
        "__main__.py",
        "asyncapi.py",
        "catalogue.py",
        "docstrings.py",
        "route.py",
        "schemas.py",
    ):
        assert (package / "contract" / relative).is_file(), relative
    assert (root / "tests" / "test_contract.py").is_file()
    browser = package / "browser"
    for relative in ("__init__.py", "routes.py", "client.js"):
        assert (browser / relative).is_file(), relative
    for relative in ("index.html", "demo.js", "demo.css"):
        assert (browser / "demo" / relative).is_file() == option_set.demo, relative
    screenshot = root / "docs" / "demo.png"
    assert screenshot.is_file() == option_set.demo
    assert ("](docs/demo.png)" in (root / "README.md").read_text()) == option_set.demo
    if option_set.demo:
        assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n"), "the demo, as a PNG"
    for relative in ("test_browser.py", "test_browser_assets.py", "browsers.py"):
        assert (root / "tests" / relative).is_file(), relative
    assert (root / "tests" / "failover.py").is_file() == redis
    for document in ("protocol.md", "performance.md", "conformance.md", "asyncapi.json"):
        assert (root / "docs" / document).is_file(), document
    workflow = root / ".github" / "workflows" / "ci.yml"
    assert workflow.is_file() == (option_set.ci == "github")
    assert not (root / ".github").exists() or option_set.ci == "github"


@pytest.mark.parametrize("option_set", option_set_params())
def test_answers_file_records_answers_and_round_trips(
    projects: Projects, option_set: OptionSet, tmp_path: Path
) -> None:
    root = projects.rendered(option_set).path
    recorded = {
        key: as_answer(value)
        for key, value in yaml.safe_load((root / ".copier-answers.yml").read_text()).items()
    }
    assert {key: recorded[key] for key in option_set.answers} == option_set.answers
    assert {key: recorded[key] for key in option_set.derived} == option_set.derived
    assert recorded["_src_path"]

    answers = {key: value for key, value in recorded.items() if not key.startswith("_")}
    again = render(projects.source, tmp_path / "again", answers, skip_tasks=True)
    assert not (again / ".git").exists(), "--skip-tasks runs no task..."
    assert not (again / TASK_OUTPUT).exists()
    assert (root / TASK_OUTPUT).is_file()
    first = {
        path.relative_to(root): path.read_bytes()
        for path in project_files(root)
        if path.relative_to(root) != TASK_OUTPUT
    }
    second = {path.relative_to(again): path.read_bytes() for path in project_files(again)}
    assert second == first, "...and renders the very project the checks below pass on"


@pytest.mark.slow
@pytest.mark.parametrize("check", PROJECT_CHECKS)
@pytest.mark.parametrize("option_set", option_set_params())
def test_generated_project_passes_its_own_check(
    projects: Projects, option_set: OptionSet, check: str
) -> None:
    project = projects.installed(option_set)
    assert project.bin_dir is not None
    command = PROJECT_CHECKS[check]
    browsers = option_set.name in BROWSER_SETS
    if check == "pytest" and not browsers:
        command = [*command, "-m", "not browser"]
    result = run(command, project.path, tool_path(project.bin_dir))
    check_succeeds(result)
    if check == "pytest":
        assert re.search(r"\d+ passed", result.stdout), result.stdout
        assert "skipped" not in result.stdout, "every generated test runs in every option set"
        assert ("deselected" in result.stdout) is not browsers, "browser tests run, or are left out"


FLOOR = re.compile(r'^\s*"([A-Za-z0-9_.-]+)(?:\[[^]]*\])?>=([0-9.]+)', re.M)
"""A dependency line of a generated pyproject.toml, with its package and floor."""


@pytest.mark.slow
@pytest.mark.parametrize(
    "option_set",
    option_set_params(*(each.name for each in OPTION_SETS if each.resolution != "highest")),
)
def test_the_floors_option_set_runs_on_the_declared_floors(
    projects: Projects, option_set: OptionSet
) -> None:
    """The suite above passed on exactly the lowest versions pyproject.toml allows."""
    project = projects.installed(option_set)
    assert project.bin_dir is not None
    floors = dict(FLOOR.findall((project.path / "pyproject.toml").read_text()))
    assert {"fastapi", "uvicorn", "pydantic", "redis", "pyjwt", "pytest"} <= floors.keys()
    probe = (
        "import json, sys; from importlib.metadata import version; "
        "print(json.dumps({name: version(name) for name in sys.argv[1:]}))"
    )
    result = run(["python", "-c", probe, *floors], project.path, tool_path(project.bin_dir))
    check_succeeds(result)
    installed = {name: Version(text).release for name, text in json.loads(result.stdout).items()}
    above_floor = {
        name: installed[name]
        for name, floor in floors.items()
        if installed[name][: len(Version(floor).release)] != Version(floor).release
    }
    assert above_floor == {}, "each of these installed above its floor's release"


BENCH_TABLES = (
    "### Fan-out",
    "### Deliveries per second",
    "### Slow consumers",
    "### Server memory per idle connection",
    "### History: fan-out",
    "### Metrics: fan-out",
)


@pytest.mark.slow
@pytest.mark.parametrize(
    "option_set",
    option_set_params("defaults", "custom-names", "auth-token-py312", "auth-jwt-redis"),
)
def test_the_benchmark_runs_in_its_smoke_configuration(
    projects: Projects, option_set: OptionSet
) -> None:
    """The shipped benchmark still runs end to end: every server, every scenario, every table.
    Its figures are not checked; on a shared machine they prove nothing."""
    project = projects.installed(option_set)
    assert project.bin_dir is not None
    result = run(["python", "-m", "bench", "--smoke"], project.path, tool_path(project.bin_dir))
    check_succeeds(result)
    for table in BENCH_TABLES:
        assert table in result.stdout
    for server in ("service", "textbook", "bare ASGI"):
        assert result.stdout.count(f"| {server} |") >= 3, f"{server} is missing from a table"
    backplane_rows = re.findall(r"^\| \d+, \d+ \| (in memory|Redis), ", result.stdout, re.M)
    redis_tables = ("### Backplane", "### Recovery from a Redis restart")
    if option_set.backplane == "redis":
        assert all(table in result.stdout for table in redis_tables)
        assert len(backplane_rows) == 8, "four setups, under load and one message at a time"
    else:
        assert not any(table in result.stdout for table in redis_tables)
        assert backplane_rows == []
