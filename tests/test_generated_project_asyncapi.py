"""Every option set's contract, docs/asyncapi.json, is a valid AsyncAPI 3.0 document by the
AsyncAPI project's own parser (`@asyncapi/parser`, run with Node.js).

The parser is installed from the npm registry into this test run's own temporary folder. It
checks what a JSON Schema of the specification cannot: that every operation's messages
belong to its channel, that every reference resolves, that each payload is a valid schema.
"""

import json
from pathlib import Path

import pytest

from .conftest import Projects
from .option_sets import OptionSet, by_name, option_set_params
from .support import check_succeeds, npm_install, run

PARSER = "@asyncapi/parser@~3.6.6"
"""The parser's minor release is pinned, so that a new rule of a later one cannot fail a run
that changed nothing; move it on deliberately."""
PARSE = """
const { Parser } = require("@asyncapi/parser");
const fs = require("fs");
(async () => {
  const text = fs.readFileSync(process.argv[2], "utf8");
  const { document, diagnostics } = await new Parser().parse(text);
  const findings = diagnostics.map((d) => ({
    severity: d.severity, code: d.code, path: d.path, message: d.message,
  }));
  console.log(JSON.stringify({ parsed: document !== undefined, findings }));
})();
"""
"""Prints whether the document parsed and every diagnostic (severity 0 is an error, 1 a
warning, 2 information, 3 a hint)."""
ERROR, WARNING = 0, 1


@pytest.fixture(scope="session")
def asyncapi_parser(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the parser and the script that runs it."""
    folder = npm_install(tmp_path_factory.mktemp("asyncapi-parser"), PARSER)
    (folder / "parse.cjs").write_text(PARSE)
    return folder


def diagnostics_of(parser: Path, document: Path) -> dict[str, object]:
    result = run(["node", parser / "parse.cjs", document], parser)
    check_succeeds(result)
    report: dict[str, object] = json.loads(result.stdout)
    return report


@pytest.mark.slow
@pytest.mark.parametrize("option_set", option_set_params())
def test_the_contract_is_a_valid_asyncapi_document(
    projects: Projects, option_set: OptionSet, asyncapi_parser: Path
) -> None:
    document = projects.rendered(option_set).path / "docs" / "asyncapi.json"
    assert document.is_file(), "the copy task writes docs/asyncapi.json"
    assert json.loads(document.read_text())["asyncapi"] == "3.0.0"
    report = diagnostics_of(asyncapi_parser, document)
    findings = report["findings"]
    assert isinstance(findings, list)
    serious = [finding for finding in findings if finding["severity"] in {ERROR, WARNING}]
    assert serious == [], json.dumps(serious[:20], indent=2)
    assert report["parsed"] is True


@pytest.mark.xdist_group("defaults")
def test_the_parser_finds_an_operation_whose_message_is_not_in_its_channel(
    projects: Projects, asyncapi_parser: Path, tmp_path: Path
) -> None:
    """The check above can fail: a document with one such mistake is refused."""
    source = projects.rendered(by_name("defaults")).path / "docs" / "asyncapi.json"
    document = json.loads(source.read_text())
    document["operations"]["join"]["messages"] = [{"$ref": "#/components/messages/JoinMessage"}]
    broken = tmp_path / "asyncapi.json"
    broken.write_text(json.dumps(document))
    report = diagnostics_of(asyncapi_parser, broken)
    findings = report["findings"]
    assert isinstance(findings, list)
    assert report["parsed"] is False
    errors = {finding["code"] for finding in findings if finding["severity"] == ERROR}
    assert "asyncapi3-operation-messages-from-referred-channel" in errors
