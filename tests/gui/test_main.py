"""main.py's flags (app-cli.md) that need no window, and what start-up does when it fails."""
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args):
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True,
                          encoding="utf-8", timeout=120)


def pyproject_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def test_version_is_the_pyproject_version():
    proc = run("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"三重保障计算器 {pyproject_version()}"


def test_self_test_computes_and_saves_in_a_temporary_folder(tmp_path):
    proc = run("--self-test", "--data-dir", str(tmp_path / "untouched"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("自检通过") and "4 件已保存" in last
    assert not (tmp_path / "untouched").exists()  # the self-test never writes the clerk's data folder


def test_self_test_with_a_database_url_connects_and_writes_nothing_there(tmp_path, pg_url):
    import psycopg

    proc = run("--self-test", "--data-dir", str(tmp_path / "untouched"), "--database-url", pg_url)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("自检通过") and "4 件已保存" in last
    host = pg_url.split("@", 1)[1]
    assert f"数据库服务器 postgresql://postgres@{host}：连接成功：PostgreSQL" in last and "实现 binary" in last, last
    assert "密钥环 keyring.backends." in last
    with psycopg.connect(pg_url) as conn:   # read only: the samples went to the temporary folder's file
        assert conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").fetchone()[0] == 0


def test_self_test_says_plainly_when_the_server_is_down(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = run("--self-test", "--data-dir", str(tmp_path / "untouched"), "--database-url",
               f"postgresql://postgres@127.0.0.1:{port}/x")
    assert proc.returncode == 1
    assert proc.stdout.strip().splitlines()[-1].startswith("自检失败：连接不上数据库服务器"), proc.stdout


# -- start-up errors, and the windowed executable's output -------------------------------------
# Each runs the program in its own process, as a clerk's PC would: the error hook, the log and
# the output streams are process-wide. Dialogs print their title and text instead of waiting.

SHOW_DIALOGS = (
    "import sys\n"
    "from PySide6.QtWidgets import QMessageBox\n"
    "QMessageBox.critical = staticmethod(lambda parent, title, text, *a, **k: print('对话框', title, text.replace(chr(10), ' '), sep='|', flush=True))\n"
)


def start(code: str, tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TMPDIR": str(tmp_path / "tmp"), **env}
    env.pop("SANCHONG_QUIT_AFTER_SHOW", None)
    return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=120)


def test_a_window_that_fails_to_build_is_logged_and_explained_in_chinese(tmp_path):
    code = SHOW_DIALOGS + (
        "import gui.main_window\n"
        "def broken(self, *args, **kwargs):\n"
        "    raise RuntimeError('窗口无法创建')\n"
        "gui.main_window.MainWindow.__init__ = broken\n"
        "from gui.cli import main\n"
        "sys.exit(main([]))\n")
    proc = start(code, tmp_path, SANCHONG_DATA_DIR=str(tmp_path / "data"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    log_file = tmp_path / "data" / "logs" / "sanchong.log"
    dialogs = [line.split("|") for line in proc.stdout.splitlines() if line.startswith("对话框|")]
    assert len(dialogs) == 1, proc.stdout + proc.stderr
    _, title, text = dialogs[0]
    assert title == "操作未完成" and "程序出错" in text and "窗口无法创建" in text and str(log_file) in text
    logged = log_file.read_text(encoding="utf-8")
    assert "Traceback" in logged and "RuntimeError: 窗口无法创建" in logged


def test_an_unusable_data_folder_is_logged_in_temp_and_explained(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    proc = start(SHOW_DIALOGS + "from gui.cli import main\nsys.exit(main([]))\n", tmp_path,
                 SANCHONG_DATA_DIR=str(blocker))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"对话框|无法使用数据文件夹|数据文件夹 {blocker} 已存在但不是文件夹" in proc.stdout
    logged = (tmp_path / "tmp" / "SanchongCalculator-logs" / "sanchong.log").read_text(encoding="utf-8")
    assert "data folder refused" in logged and str(blocker) in logged


WINDOWED = ("import sys\n"
            "sys.stdout = sys.stderr = None  # as in the windowed executable (pythonw, PyInstaller console=False)\n"
            "from gui.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")


def test_windowed_version_is_written_where_support_staff_can_read_it(tmp_path):
    proc = start(WINDOWED, tmp_path, "--version")
    assert proc.returncode == 0 and proc.stdout == ""
    assert (tmp_path / "tmp" / "sanchong-cli.txt").read_text(encoding="utf-8") == f"三重保障计算器 {pyproject_version()}\n"


def test_windowed_self_test_is_written_where_support_staff_can_read_it(tmp_path):
    proc = start(WINDOWED, tmp_path, "--self-test", "--data-dir", str(tmp_path / "untouched"))
    assert proc.returncode == 0, proc.stderr
    lines = (tmp_path / "tmp" / "sanchong-cli.txt").read_text(encoding="utf-8").strip().splitlines()
    assert lines[-1].startswith("自检通过") and "4 件已保存" in lines[-1]
    assert not (tmp_path / "untouched").exists()


def test_the_app_mutex_is_windows_only():
    from gui import win32

    assert win32.hold_app_mutex() == (2 if sys.platform == "win32" else 0)
    assert win32.APP_MUTEX_NAMES == (win32.APP_MUTEX, "Global\\" + win32.APP_MUTEX)


def test_the_window_fits_a_laptop_at_150_percent(tmp_path):
    """A 1920×1080 screen at 150 % offers 1280×720: the window, new or remembered from a larger
    screen, fits within it (offscreen screen of that size); --screenshots keeps 1366×768."""
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "laptop", "x": 0, "y": 0, "width": 1280, "height": 720,
                                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    code = (
        "from PySide6.QtWidgets import QApplication\n"
        "from gui.main_window import MainWindow, qsettings\n"
        "app = QApplication([])\n"
        "def report(w):\n"
        "    g = w.geometry()\n"
        "    print(g.x(), g.y(), g.width(), g.height(), w.minimumWidth(), w.minimumHeight(), flush=True)\n"
        "report(MainWindow())\n"
        "big = MainWindow(); big.setMinimumSize(0, 0); big.resize(1900, 1040); big.move(600, 400)\n"
        "qsettings().setValue('geometry', big.saveGeometry())\n"
        "report(MainWindow())\n")
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=120)
    assert proc.returncode == 0, proc.stderr
    fresh, remembered = ([int(n) for n in line.split()] for line in proc.stdout.split("\n") if line)
    for x, y, width, height, min_width, min_height in (fresh, remembered):
        assert 0 <= x and x + width <= 1280 and 0 <= y and y + height <= 720 - 40, (x, y, width, height)
        assert min_width <= width and min_height <= height and (min_width, min_height) == (960, 600)
    assert fresh[2:4] == [1280, 680]  # the default 1366×768, clamped
