"""Where the bundled resources (policy files, the CJK font, the icons) are: in a PyInstaller
bundle, an installed wheel, or a source checkout."""
from __future__ import annotations

import sys
from pathlib import Path

# The folder holding the engine and gui packages: site-packages, the bundle's _internal, or the checkout.
_ROOT = Path(__file__).resolve().parent.parent


def resources_dir() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:  # installer/sanchong.spec puts resources/ there
        return Path(bundle) / "resources"
    installed = _ROOT / "sanchong_resources"  # the wheel ships resources/ as this package (setup.py)
    if installed.is_dir():
        return installed
    return _ROOT / "resources"  # the checkout (also an editable install)


def policies_dir() -> Path:
    return resources_dir() / "policies"
