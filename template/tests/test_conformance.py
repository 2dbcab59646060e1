"""Autobahn sections 1 to 7 against the service's stack: no case may fail.

A few cases may end NON-STRICT: conformant, but not in the strictest way a SHOULD allows.
Each is listed here with the reason (docs/conformance.md has the full table); any other case
ending NON-STRICT fails the test. Whether an "echo after failure" case is NON-STRICT or OK
depends on whether its frames reach the server in one read or two, so the test does not ask
every listed case to be NON-STRICT on every run.
"""

from .conformance import SECTIONS, run_cases

NON_STRICT = {
    # When a valid message and a bad frame arrive in one read, the bad frame fails the
    # connection before the application has echoed the message that came first.
    **dict.fromkeys(
        ["3.2", "3.3", "3.4", "4.1.3", "4.1.4", "4.1.5", "4.2.3", "4.2.4", "4.2.5"],
        "echo after failure",
    ),
    "5.15": "echo after failure",
    # Invalid UTF-8 inside one frame, sent in chops: a frame is checked once it is whole.
    "6.4.3": "UTF-8 checked per frame",
    "6.4.4": "UTF-8 checked per frame",
}


async def test_autobahn_sections_1_to_7_pass() -> None:
    results = await run_cases(SECTIONS)
    assert len(results) > 200, "the selection ran"
    assert [result.case_id for result in results if not result.passed] == []
    non_strict = {result.case_id for result in results if result.behavior.value == "NON-STRICT"}
    assert non_strict <= set(NON_STRICT), "every NON-STRICT case is explained"
