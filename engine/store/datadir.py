"""The data folder: where the case database and its backups live.

`--data-dir`, else the environment variable SANCHONG_DATA_DIR, else the user data
folder platformdirs gives (store-cli.md). A folder that cannot be written, or one on
a network share (SQLite's locking is unreliable there), is refused with a clear message.
"""
from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

from .errors import StoreError

APP_DIR_NAME = "SanchongCalculator"
ENV_VAR = "SANCHONG_DATA_DIR"
NETWORK_FS = {"nfs", "nfs4", "cifs", "smb", "smb3", "smbfs", "fuse.sshfs", "sshfs", "afs", "ncpfs",
              "9p", "davfs", "fuse.davfs2", "glusterfs", "ceph", "fuse.rclone"}


def default_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False, roaming=False))


def resolve(option: str | os.PathLike | None = None) -> Path:
    """The data folder chosen by option, environment or platform default (not yet checked)."""
    raw = option or os.environ.get(ENV_VAR) or default_dir()
    return Path(raw).expanduser()


def _windows_remote(path: Path) -> bool:
    text = str(path)
    if text.startswith("\\\\") or text.startswith("//"):
        return True  # UNC path: \\server\share
    if sys.platform != "win32":
        return False
    import ctypes

    drive = os.path.splitdrive(os.path.abspath(text))[0]
    if not drive:
        return False
    DRIVE_REMOTE = 4
    return ctypes.windll.kernel32.GetDriveTypeW(drive + "\\") == DRIVE_REMOTE


def mount_fs_type(path: Path, mounts: str | None = None) -> str | None:
    """The filesystem type of the longest mount point holding `path` (Linux /proc/mounts)."""
    if mounts is None:
        try:
            mounts = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    target = os.path.abspath(path)
    best, best_type = "", None
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, best_type = point, parts[2]
    return best_type


def is_network_path(path: Path, mounts: str | None = None) -> bool:
    if _windows_remote(path):
        return True
    return (mount_fs_type(path, mounts) or "") in NETWORK_FS


def prepare(folder: Path) -> Path:
    """Create the folder if needed and prove it is local and writable; else StoreError."""
    hint_zh = "请用 --data-dir 或环境变量 SANCHONG_DATA_DIR 指定本机磁盘上可写的文件夹"
    hint_en = "choose a writable folder on a local disk with --data-dir or SANCHONG_DATA_DIR"
    if is_network_path(folder):
        raise StoreError(f"数据文件夹 {folder} 位于网络共享上，SQLite 数据库放在网络共享上可能损坏；{hint_zh}",
                         f"data folder {folder} is on a network share, where SQLite databases can be corrupted; {hint_en}")
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"数据文件夹 {folder} 已存在但不是文件夹；{hint_zh}", f"{folder} exists and is not a folder; {hint_en}")
    try:
        (folder / "backups").mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{uuid.uuid4().hex}"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise StoreError(f"数据文件夹 {folder} 无法写入（{reason}），可能是只读文件夹或没有权限；{hint_zh}",
                         f"data folder {folder} is not writable ({reason}); {hint_en}") from None
    return folder
