"""The house reads one way: helpers, then the apps, then the site.

A module may import only from its own layer or the layers below it. A cycle
(scoping importing enrollment, enrollment importing claims to seed the demo)
would show up here as an upward import.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Layer of each top-level package or module; higher numbers may import lower ones.
HELPERS = ["mutualaid/lib", "mutualaid/roles.py", "mutualaid/scoping.py", "mutualaid/workflow.py",
           "mutualaid/models.py", "mutualaid/jobs.py", "claims/rules"]  # fmt: skip
LAYER = {"enrollment": 1, "claims": 2, "payments": 2, "reports": 3, "demo": 4}
APPS = list(LAYER)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _files(entry: str):
    path = ROOT / entry
    return [path] if path.is_file() else sorted(p for p in path.rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("entry", HELPERS)
def test_helpers_import_no_app(entry):
    for path in _files(entry):
        upward = _imports(path) & set(APPS)
        assert not upward, f"{path.relative_to(ROOT)} imports {sorted(upward)}"


@pytest.mark.parametrize("app", [a for a in APPS if (ROOT / a).is_dir()])
def test_apps_import_only_apps_below_them(app):
    for path in _files(app):
        if app == "claims" and "rules" in path.parts:
            continue
        upward = {name for name in _imports(path) & set(APPS) if LAYER[name] > LAYER[app]}
        assert not upward, f"{path.relative_to(ROOT)} imports {sorted(upward)}"
