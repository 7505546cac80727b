"""The import-linter contracts of pyproject.toml hold (the same check as `make lint`)."""

import ast
import os

from importlinter.cli import lint_imports

from tests.support.processes import BASE_DIR


def test_the_import_contracts_are_kept(monkeypatch, capsys):
    monkeypatch.chdir(BASE_DIR)
    exit_code = lint_imports(config_filename="pyproject.toml", no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    assert exit_code == 0, report
    assert "BROKEN" not in report
    assert report.count("KEPT") >= 6, report


def test_no_app_module_imports_inside_a_function_without_saying_why():
    """A function-local import is allowed only with a comment on the line above saying why."""
    offenders = []
    for app in ("accounts", "config", "conversations", "core", "health", "memories", "webhooks"):
        for folder, _, files in os.walk(BASE_DIR / app):
            offenders += _unexplained_local_imports(os.path.join(folder, name) for name in files)
    assert offenders == []


def _unexplained_local_imports(paths):
    for path in paths:
        if not path.endswith(".py") or f"{os.sep}migrations{os.sep}" in path:
            continue
        with open(path, encoding="utf-8") as source:
            text = source.read()
        lines = text.splitlines()
        for number in _imports_in_functions(ast.parse(text)):
            if not _explained(lines, number):
                yield f"{path}:{number + 1}: {lines[number].strip()}"


def _imports_in_functions(tree):
    """0-based line numbers of the import statements inside a function body."""
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    yield node.lineno - 1


def _explained(lines, number):
    """A comment right above the import, or above the group of imports it belongs to."""
    above = number - 1
    while above >= 0 and lines[above].lstrip().startswith(("import ", "from ", ")")):
        above -= 1
    return above >= 0 and lines[above].lstrip().startswith("#")
