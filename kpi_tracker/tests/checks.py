"""The node tools the page checks use (package.json at the repository root; `npm ci` installs them).

Missing node or node_modules is a failure, never a skip: `make test` runs `npm ci` first.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
HTML_VALIDATE = NODE_MODULES / "html-validate" / "bin" / "html-validate.mjs"
HTML_VALIDATE_CONFIG = ROOT / ".htmlvalidate.json"


def node() -> str:
    found = shutil.which("node")
    if not found:
        pytest.fail("node is not installed (apt-get install nodejs npm); the HTML check needs it")
    return found


def need(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: run `npm ci` at the repository root (make test does)")
    return path
