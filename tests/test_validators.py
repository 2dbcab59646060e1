"""Every validator refuses a bad answer with a message naming the question and the fix."""

import keyword
import re
import sys
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader, select_autoescape

from .support import REPO_ROOT, render

BAD_ANSWERS = [
    ({"project_name": "   "}, "project_name must not be empty"),
    ({"project_name": 'Say "hi"'}, "project_name must not contain quotes"),
    ({"project_name": "x" * 65}, "project_name must be at most 64 characters"),
    ({"project_slug": "Team Chat"}, "project_slug must match ^[a-z][a-z0-9-]*$"),
    ({"project_slug": "1chat"}, "project_slug must match"),
    ({"package_name": "Team-Chat"}, "package_name must be a lowercase Python identifier"),
    ({"package_name": "a" * 41}, "package_name must be at most 40 characters"),
    ({"package_name": "class"}, 'package_name "class" is a Python keyword'),
    ({"package_name": "json"}, 'package_name "json" would shadow the standard library'),
    ({"package_name": "asyncio"}, "would shadow the standard library"),
    ({"package_name": "fastapi"}, 'package_name "fastapi" would shadow the dependency'),
    ({"package_name": "websockets"}, "would shadow the dependency"),
    ({"package_name": "redis"}, "would shadow the dependency"),
    ({"package_name": "pydantic"}, "would shadow the dependency"),
    ({"package_name": "picows"}, "would shadow the dependency"),
    ({"package_name": "hiredis"}, "would shadow the dependency"),
    ({"package_name": "bench"}, "taken by the generated project's own bench/ directory"),
    ({"description": "two\nlines"}, "description must be one line"),
    ({"author_name": ""}, "author_name must not be empty"),
    ({"author_name": "back\\slash"}, "author_name must not contain quotes"),
    ({"author_email": "not-an-email"}, "author_email must be an email address"),
    ({"author_email": "a@b"}, "author_email must be an email address"),
    ({"env_prefix": "chat_"}, "env_prefix must match ^[A-Z][A-Z0-9_]*_$"),
    ({"env_prefix": "CHAT"}, "env_prefix must match"),
    ({"python_version": "3.10"}, "Invalid choice for 'python_version': '3.10' is not in"),
    ({"ci": "jenkins"}, "Invalid choice for 'ci': 'jenkins' is not in ['github', 'none']"),
    ({"license": "GPL"}, "Invalid choice for 'license': 'GPL' is not in"),
    ({"backplane": "kafka"}, "Invalid choice for 'backplane': 'kafka' is not in"),
]


@pytest.mark.parametrize(
    ("answers", "message"), BAD_ANSWERS, ids=[message for _, message in BAD_ANSWERS]
)
def test_a_bad_answer_is_refused_with_a_clear_message(
    template_source: Path, tmp_path: Path, answers: dict[str, str], message: str
) -> None:
    question = next(iter(answers))
    with pytest.raises(ValueError, match=re.escape(f"'{question}'")) as refused:
        render(template_source, tmp_path / "project", answers, skip_tasks=True)
    assert message in str(refused.value)
    assert not (tmp_path / "project" / "pyproject.toml").exists()


def reserved_names() -> dict[str, list[str]]:
    loader = FileSystemLoader(REPO_ROOT / "includes")
    module = Environment(loader=loader, autoescape=select_autoescape()).get_template(
        "reserved_names.jinja"
    )
    names = module.module
    return {
        "python_keywords": names.python_keywords,  # type: ignore[attr-defined]
        "stdlib_modules": names.stdlib_modules,  # type: ignore[attr-defined]
    }


def test_reserved_names_cover_this_interpreter() -> None:
    names = reserved_names()
    public_stdlib = {name for name in sys.stdlib_module_names if not name.startswith("_")}
    assert public_stdlib - set(names["stdlib_modules"]) == set()
    assert set(keyword.kwlist) - set(names["python_keywords"]) == set()
