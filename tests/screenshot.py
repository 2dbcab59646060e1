"""Take the demo page's screenshot that generated READMEs show: `template/docs/demo.png`.

    uv run python -m tests.screenshot

Renders the default project from the working tree, starts it, and has two visitors chat in
Chromium (driven by the project's own Playwright), then saves what the first one sees. Run it
after changing the demo page's look, and commit the picture.
"""

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from .support import (
    REPO_ROOT,
    build_environment,
    check_succeeds,
    copy_working_tree,
    find_python,
    render,
    run,
    tool_path,
)

SCREENSHOT = REPO_ROOT / "template" / "docs" / "{% if demo %}demo.png{% endif %}"
PORT = 8917
DRIVE = """
import asyncio, sys
from playwright.async_api import async_playwright

CONVERSATION = [
    (0, "Morning! Is the deploy still on for ten?"),
    (1, "Yes: the release notes are in #ops"),
    (0, "Great, I'll watch the dashboard"),
    (1, "Ping me if the error rate moves"),
]

async def main(base_url, path):
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=sys.argv[3])
        pages = []
        for _ in range(2):
            context = await browser.new_context(viewport={"width": 1200, "height": 720})
            page = await context.new_page()
            await page.goto(base_url)
            await page.get_by_text("You joined #lobby").wait_for()
            pages.append(page)
        for who, text in CONVERSATION:
            await pages[who].get_by_label("Message", exact=True).fill(text)
            await pages[who].get_by_role("button", name="Send").click()
            await pages[1 - who].get_by_text(text).wait_for()
        await pages[0].get_by_label("Room", exact=True).fill("ops")
        await pages[0].get_by_role("button", name="Join").click()
        await pages[0].get_by_text("You joined #ops").wait_for()
        await pages[0].get_by_role("button", name="#lobby").click()
        await pages[0].get_by_role("complementary").get_by_text("(2)").wait_for()
        await pages[0].screenshot(path=path, type="png")
        await browser.close()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def wait_until_ready(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - the service's own address
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def main() -> None:
    python = find_python("3.11") or sys.executable
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        source = copy_working_tree(root / "template")
        project = render(source, root / "project", {}, skip_tasks=True)
        bin_dir = build_environment(project, python, root / "env")
        env = tool_path(bin_dir) | {"REALTIME_SERVICE_PORT": str(PORT)}
        service = subprocess.Popen([bin_dir / "python", "-m", "realtime_service"], env=env)
        try:
            wait_until_ready(f"http://127.0.0.1:{PORT}/readyz")
            chromium = os.environ.get("BROWSER_EXECUTABLE", "/usr/bin/chromium")
            drive: list[str | Path] = ["python", "-c", DRIVE, f"http://127.0.0.1:{PORT}/"]
            drive += [SCREENSHOT, chromium]
            check_succeeds(run(drive, project, env))
        finally:
            service.terminate()
            service.wait()
    print(f"wrote {SCREENSHOT.relative_to(REPO_ROOT)}")  # noqa: T201 - a command's report


if __name__ == "__main__":
    main()
