"""Docs that fail the build when they drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

from throughcare.config import KNOWN_SETTINGS

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_documented():
    text = (ROOT / "docs" / "configuration.md").read_text()
    missing = [name for name in KNOWN_SETTINGS if f"`{name}`" not in text]
    assert not missing, f"document these in docs/configuration.md: {missing}"


def test_every_setting_read_is_declared():
    read = set()
    for path in (ROOT / "throughcare").rglob("*.py"):
        read.update(re.findall(r'env_(?:str|bool|int|list)\("([A-Z_]+)"', path.read_text()))
        read.update(f"{name}_FILE" for name in re.findall(r'secret\("([A-Z_]+)"', path.read_text()))
        read.update(re.findall(r'secret\("([A-Z_]+)"', path.read_text()))
        read.update(re.findall(r'os\.environ(?:\.get\(|\[)"(THROUGHCARE_[A-Z_]+)"', path.read_text()))
    assert read <= set(KNOWN_SETTINGS), read - set(KNOWN_SETTINGS)


def test_every_audit_action_is_documented():
    text = (ROOT / "docs" / "audit-events.md").read_text()
    actions = set()
    for path in (ROOT / "throughcare").rglob("*.py"):
        source = path.read_text()
        actions.update(re.findall(r'action="([a-z_.]+)"', source))
        actions.update(re.findall(r'else "([a-z_]+\.[a-z_]+)"', source))
    assert len(actions) > 20
    missing = sorted(a for a in actions if f"`{a}`" not in text)
    assert not missing, f"document these in docs/audit-events.md: {missing}"


def test_every_api_endpoint_is_documented(client, db):
    text = (ROOT / "docs" / "api.md").read_text()
    spec = client.get("/api/v1/openapi.json").json()
    missing = []
    for path, operations in spec["paths"].items():
        documented = re.sub(r"\{[a-z_]+\}", "{id}", path)
        for method in operations:
            if f"`{method.upper()} {documented}" not in text:
                missing.append(f"{method.upper()} {documented}")
    assert not missing, f"document these in docs/api.md: {missing}"


def test_readme_leads_with_the_two_commands():
    head = (ROOT / "README.md").read_text()[:2000]
    assert "make demo" in head and "make test" in head
