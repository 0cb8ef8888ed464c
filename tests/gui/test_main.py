"""main.py's flags (app-cli.md) that need no window."""
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args):
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True,
                          encoding="utf-8", timeout=120)


def test_version_is_the_pyproject_version():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    proc = run("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"三重保障计算器 {version}"


def test_self_test_computes_and_saves_in_a_temporary_folder(tmp_path):
    proc = run("--self-test", "--data-dir", str(tmp_path / "untouched"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("自检通过") and "4 件已保存" in last
    assert not (tmp_path / "untouched").exists()  # the self-test never writes the clerk's data folder
