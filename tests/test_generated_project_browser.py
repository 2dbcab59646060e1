"""Every option set's browser code (the client module and, with the demo, the page's script)
passes TypeScript's strict check of its JSDoc types, so an application written against the
client in TypeScript, or in JavaScript checked by it, gets its mistakes pointed out.

TypeScript is installed from the npm registry into this test run's own temporary folder.
"""

import shutil
from pathlib import Path

import pytest

from .conftest import Projects
from .option_sets import OptionSet, by_name, option_set_params
from .support import check_succeeds, npm_install, run

TYPESCRIPT = "typescript@~5.9"
"""Pinned to a minor release, so that a new check of a later one cannot fail a run that
changed nothing; move it on deliberately."""
STRICT = [
    *("--noEmit", "--allowJs", "--checkJs", "--strict", "--noImplicitReturns"),
    *("--target", "es2022", "--module", "es2022", "--lib", "es2022,dom"),
]


@pytest.fixture(scope="session")
def tsc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = npm_install(tmp_path_factory.mktemp("typescript"), TYPESCRIPT)
    return folder / "node_modules" / ".bin" / "tsc"


def browser_code(option_set: OptionSet, root: Path, into: Path) -> list[Path]:
    """The project's browser scripts, side by side in `into` as the service serves them
    (the page's script imports `./client.js`)."""
    browser = root / "src" / option_set.package_name / "browser"
    sources = [browser / "client.js"]
    if option_set.demo:
        sources.append(browser / "demo" / "demo.js")
    return [Path(shutil.copy(source, into)) for source in sources]


@pytest.mark.slow
@pytest.mark.parametrize("option_set", option_set_params())
def test_the_browser_code_passes_typescripts_strict_check(
    projects: Projects, option_set: OptionSet, tsc: Path, tmp_path: Path
) -> None:
    root = projects.rendered(option_set).path
    scripts = browser_code(option_set, root, tmp_path)
    assert all(script.read_text().startswith("// @ts-check") for script in scripts)
    check_succeeds(run([tsc, *STRICT, *scripts], tmp_path))


MISUSE = """// @ts-check
import { ServiceClient } from "./client.js";
const client = new ServiceClient({ requestTimeout: "soon" });
client.on("state", ({ state }) => state.toFixed(1));
client.chat("lobby");
"""
"""An application's three mistakes: a setting of the wrong type, a state taken for a number,
a chat without its text."""


@pytest.mark.xdist_group("defaults")
def test_typescript_points_out_a_client_used_wrongly(
    projects: Projects, tsc: Path, tmp_path: Path
) -> None:
    """The check above can fail, and the types say what an application may do."""
    option_set = by_name("defaults")
    browser_code(option_set, projects.rendered(option_set).path, tmp_path)
    (tmp_path / "misuse.js").write_text(MISUSE)
    result = run([tsc, *STRICT, tmp_path / "misuse.js"], tmp_path)
    assert result.returncode != 0
    for line in ("misuse.js(3,", "misuse.js(4,", "misuse.js(5,"):
        assert line in result.stdout, result.stdout
