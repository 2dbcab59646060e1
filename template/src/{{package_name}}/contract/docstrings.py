"""Attribute docstrings, read from a class's source.

The codes and settings document themselves where they are defined (a string right after
each enum member and settings field), and the contract repeats those words instead of
keeping a second copy that would drift. Python keeps no such strings at run time, so they
are read here from the source with `ast`, the way Pydantic's `use_attribute_docstrings`
does for model fields.
"""

import ast
import inspect
import textwrap
from functools import cache


@cache
def attribute_docstrings(cls: type) -> dict[str, str]:
    """Each attribute of `cls` and its base classes followed by a docstring, and that docstring.

    A base class's docstring is overridden by the subclass's own, as the attribute is.
    """
    found: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass.__module__ == "builtins":
            continue
        try:
            source = textwrap.dedent(inspect.getsource(klass))
        except (OSError, TypeError):  # defined without source (a C extension, the REPL)
            continue
        found |= _documented_attributes(source)
    return found


def _documented_attributes(source: str) -> dict[str, str]:
    klass = ast.parse(source).body[0]
    if not isinstance(klass, ast.ClassDef):
        return {}
    found: dict[str, str] = {}
    for statement, following in zip(klass.body, klass.body[1:], strict=False):
        name = _assigned_name(statement)
        if name is None or not isinstance(following, ast.Expr):
            continue
        value = following.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            found[name] = inspect.cleandoc(value.value)
    return found


def _assigned_name(statement: ast.stmt) -> str | None:
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id
    if (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
    ):
        return statement.targets[0].id
    return None
