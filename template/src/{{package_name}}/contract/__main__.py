"""Write the contract to docs/asyncapi.json, or check that the copy there is current.

    python -m <package>.contract            # write docs/asyncapi.json
    python -m <package>.contract --check    # exit 1 when it is stale

The copy is built with the default settings, so it changes only when the code does (a
message, a code, a setting's default, the package's version): commit it with that change.
"""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .asyncapi import build_document, render

DEFAULT_PATH = Path("docs/asyncapi.json")
COMMAND = f"python -m {__package__}"
STALE = "{path} is stale: run `{command}` and commit it"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "path", nargs="?", type=Path, default=DEFAULT_PATH, help="relative to the current folder"
    )
    parser.add_argument("--check", action="store_true", help="fail when the file is stale")
    arguments = parser.parse_args(argv)
    path: Path = arguments.path
    current = render(build_document())
    if arguments.check:
        if not path.exists():
            sys.stderr.write(f"{path} is missing: run `{COMMAND}` and commit it\n")
            return 1
        if path.read_text(encoding="utf-8") != current:
            sys.stderr.write(STALE.format(path=path, command=COMMAND) + "\n")
            return 1
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(current, encoding="utf-8", newline="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
