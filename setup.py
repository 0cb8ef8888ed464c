"""The wheel's packages (pyproject.toml holds everything else).

`engine*` and `gui*` are found automatically; `resources/` (policy files, the CJK font, the icons)
stays at the repository root for the checkout and the PyInstaller spec and is shipped in the wheel
as the data-only package `sanchong_resources`, beside `engine/` (engine/paths.py finds it there).
pyproject.toml's `[tool.setuptools]` cannot both find packages and map one onto another folder,
hence this file.
"""
from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["engine", "engine.*", "gui", "gui.*"]) + ["sanchong_resources"],
    package_dir={"sanchong_resources": "resources"},
    package_data={"sanchong_resources": ["policies/*.yaml", "policies/*.md", "settlements/*.yaml", "fonts/*", "icons/*"]},
)
