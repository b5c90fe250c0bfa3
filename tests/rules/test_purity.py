"""The benefit rules stay importable and testable without Django."""

import ast
from pathlib import Path

import claims.rules

RULES_DIR = Path(claims.rules.__file__).parent


def test_no_django_import_in_the_rules():
    offenders = []
    for path in sorted(RULES_DIR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            offenders += [f"{path.name}: {name}" for name in names if name.split(".")[0] == "django"]
    assert offenders == []


def test_public_interface():
    assert claims.rules.RULES_VERSION == "2026.1"
    for name in ("evaluate", "Tier", "Schedule", "CoverageFacts", "History", "ClaimFacts", "Line", "Result"):
        assert hasattr(claims.rules, name)
