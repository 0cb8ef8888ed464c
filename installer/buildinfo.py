"""Build facts shared by installer/sanchong.spec, installer/build_linux.sh and the tests:
the version from pyproject.toml, the bundle's names, and the Windows version resource.

    python installer/buildinfo.py version            # 0.1.0 (what the Windows workflow passes to iscc)
    python installer/buildinfo.py numeric-version    # 0.1.0.0 (the version resources' four numbers)
    python installer/buildinfo.py size DIR           # a bundle's size: "196 MB, 302 files"
    python installer/buildinfo.py unused-qt DIR      # files of unused Qt modules in a bundle (exit 1 if any)
    python installer/buildinfo.py chinese-isl FILE   # Inno Setup's official ChineseSimplified.isl, pinned, checked
"""
from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "三重保障计算器"
BUNDLE_NAME = "SanchongCalculator"  # dist/SanchongCalculator/SanchongCalculator(.exe): ASCII for tools and paths
DATA_DIR_NAME = "SanchongCalculator"  # engine/store/datadir.py APP_DIR_NAME (the installer keeps this folder)

# Inno Setup's official Simplified Chinese messages (official since 7.0.2; Inno Setup 6 does not ship
# them): the file at tag is-7_0_2 of jrsoftware/issrc. Its message names are exactly those of 6.7's
# Default.isl, so Inno Setup 6.7 and 7.x both compile it. The workflow puts it next to sanchong.iss.
ISSRC_COMMIT = "c25dc6479cdc3be28e682a025fcf60765bba3de0"  # tag is-7_0_2
CHINESE_ISL_PATH = "Files/Languages/ChineseSimplified.isl"
CHINESE_ISL_SHA256 = "6753be2c5e2740d859900fd902824db2ec568da5c5b52486524c9762d778b0b0"
CHINESE_ISL_URL = f"https://raw.githubusercontent.com/jrsoftware/issrc/{ISSRC_COMMIT}/{CHINESE_ISL_PATH}"

# Qt modules the app imports (gui/, engine/ import no Qt); everything else PySide6 ships is left out.
QT_USED = ("QtCore", "QtGui", "QtWidgets", "QtPrintSupport", "QtPdf")
QT_UNUSED = (
    "Qt3DAnimation", "Qt3DCore", "Qt3DExtras", "Qt3DInput", "Qt3DLogic", "Qt3DRender", "QtAxContainer",
    "QtBluetooth", "QtCharts", "QtConcurrent", "QtDataVisualization", "QtDBus", "QtDesigner", "QtGraphs",
    "QtGraphsWidgets", "QtHelp", "QtHttpServer", "QtLocation", "QtMultimedia", "QtMultimediaWidgets",
    "QtNetwork", "QtNetworkAuth", "QtNfc", "QtOpenGL", "QtOpenGLWidgets", "QtPdfWidgets", "QtPositioning",
    "QtQml", "QtQuick", "QtQuick3D", "QtQuickControls2", "QtQuickTest", "QtQuickWidgets", "QtRemoteObjects",
    "QtScxml", "QtSensors", "QtSerialBus", "QtSerialPort", "QtSpatialAudio", "QtSql", "QtStateMachine",
    "QtSvg", "QtSvgWidgets", "QtTest", "QtTextToSpeech", "QtUiTools", "QtWebChannel", "QtWebEngineCore",
    "QtWebEngineQuick", "QtWebEngineWidgets", "QtWebSockets", "QtWebView", "QtXml",
)
# Qt libraries that must never be in the bundle: the spec drops any a hook collects anyway, and
# tests/gui/test_bundle.py checks the built folder. QtNetwork's, QtDBus's, QtOpenGL's and QtSvg's
# libraries may stay: QtPdf, QtGui and the platform and image-format plugins link to them.
QT_FORBIDDEN_LIBS = ("WebEngine", "WebView", "Qml", "Quick", "3D", "Multimedia", "Designer", "Charts",
                     "DataVisualization", "Graphs", "Location", "Positioning", "Bluetooth", "Nfc", "Sensors",
                     "SerialPort", "SerialBus", "TextToSpeech", "SpatialAudio", "RemoteObjects", "Scxml",
                     "StateMachine", "WebSockets", "HttpServer", "WebChannel", "Test", "Sql", "Help", "UiTools",
                     "Lottie", "NetworkAuth", "PdfWidgets", "PdfQuick")


def is_unused_qt(path: str) -> bool:
    """True for a file of a Qt module the app does not use: its library (libQt6Qml.so.6,
    Qt6Qml.dll), its PySide6 module (QtQml.abi3.so, QtQml.pyd), QML files, WebEngine resources."""
    parts = path.replace("\\", "/").lower().split("/")
    name = parts[-1]
    stem = name.split(".")[0]
    if "qml" in parts[:-1] or name.startswith("qtwebengine"):
        return True
    # libQt6Qml.so.6, libQt6QmlModels.so.6, Qt6Quick3D.dll, QtQml.abi3.so, QtQuickWidgets.pyd, …
    prefixes = tuple(f"{pre}{lib.lower()}" for lib in QT_FORBIDDEN_LIBS for pre in ("libqt6", "qt6", "qt"))
    return stem.startswith(prefixes)


def exe_path(bundle: Path) -> Path:
    """The executable inside a one-folder bundle (dist/SanchongCalculator)."""
    return bundle / (f"{BUNDLE_NAME}.exe" if sys.platform == "win32" else BUNDLE_NAME)


def bundle_size(bundle: Path) -> tuple[float, int]:
    """The bundle's size in MB (10^6 bytes, files only, symlinks not followed) and its file count."""
    files = [p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files) / 1e6, len(files)


def unused_qt_files(bundle: Path) -> list[str]:
    """Files in the bundle that belong to Qt modules the app does not use (should be none)."""
    return sorted(str(p.relative_to(bundle)) for p in bundle.rglob("*") if is_unused_qt(str(p.relative_to(bundle))))


def fetch_chinese_isl(dest: Path) -> None:
    """Download the pinned ChineseSimplified.isl to dest, refusing any other content."""
    import hashlib
    import urllib.request

    with urllib.request.urlopen(CHINESE_ISL_URL, timeout=60) as response:
        data = response.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != CHINESE_ISL_SHA256:
        raise SystemExit(f"{CHINESE_ISL_URL}: SHA-256 {digest}, expected {CHINESE_ISL_SHA256}")
    dest.write_bytes(data)


def version(root: Path = ROOT) -> str:
    """The version in pyproject.toml ([project] version)."""
    return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def version_tuple(text: str) -> tuple[int, int, int, int]:
    """Four numbers for the Windows resource: '0.1.0' → (0, 1, 0, 0); '1.2rc1' → (1, 2, 0, 0)."""
    release = re.match(r"\d+(?:\.\d+)*", text.strip())
    if release is None:
        raise ValueError(f"version {text!r} does not start with a number")
    numbers = [min(int(n), 0xFFFF) for n in release.group(0).split(".")]
    return tuple((numbers + [0, 0, 0, 0])[:4])  # type: ignore[return-value]


def windows_version_info(text: str | None = None):
    """The executable's version resource (Explorer → Properties → Details): product name
    三重保障计算器, file and product version from pyproject.toml, Simplified Chinese (0804)."""
    from PyInstaller.utils.win32.versioninfo import (FixedFileInfo, StringFileInfo, StringStruct, StringTable,
                                                     VarFileInfo, VarStruct, VSVersionInfo)

    text = text or version()
    numbers = version_tuple(text)
    return VSVersionInfo(
        ffi=FixedFileInfo(filevers=numbers, prodvers=numbers, mask=0x3F, flags=0x0, OS=0x40004, fileType=0x1,
                          subtype=0x0, date=(0, 0)),
        kids=[
            StringFileInfo([StringTable("080404B0", [  # 0x0804 zh-CN, 0x04B0 = code page 1200 (UTF-16)
                StringStruct("ProductName", APP_NAME),
                StringStruct("FileDescription", APP_NAME),
                StringStruct("ProductVersion", text),
                StringStruct("FileVersion", text),
                StringStruct("InternalName", BUNDLE_NAME),
                StringStruct("OriginalFilename", f"{BUNDLE_NAME}.exe"),
                StringStruct("Comments", "基本医保、大病保险、医疗救助、倾斜救助逐层计算（医保经办窗口用）"),
            ])]),
            VarFileInfo([VarStruct("Translation", [0x0804, 1200])]),
        ],
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["version"]:
        print(version())
    elif sys.argv[1:] == ["numeric-version"]:
        print(".".join(map(str, version_tuple(version()))))
    elif sys.argv[1:] == ["name"]:
        print(BUNDLE_NAME)
    elif len(sys.argv) == 3 and sys.argv[1] == "size":
        megabytes, count = bundle_size(Path(sys.argv[2]))
        print(f"{megabytes:.0f} MB, {count} files")
    elif len(sys.argv) == 3 and sys.argv[1] == "unused-qt":
        found = unused_qt_files(Path(sys.argv[2]))
        print("\n".join(found) if found else "none")
        sys.exit(1 if found else 0)
    elif len(sys.argv) == 3 and sys.argv[1] == "chinese-isl":
        fetch_chinese_isl(Path(sys.argv[2]))
        print(f"{sys.argv[2]}: ChineseSimplified.isl of jrsoftware/issrc {ISSRC_COMMIT[:12]} (SHA-256 checked)")
    else:
        print(__doc__.strip())
        sys.exit(2)
