"""What the windowed Windows executable needs from Windows itself (ctypes; no-ops elsewhere):
the named mutex that Setup's AppMutex looks for, the parent console for `--version` and
`--self-test`, and a plain message box for an error raised before Qt can show one."""
from __future__ import annotations

import sys

# installer/sanchong.iss names these in AppMutex: Setup and Uninstall refuse to go on while a
# process holds either (the Global\ one is seen from other sessions too, for an all-users install).
# The GUID is the installer's AppId. Never change it without changing the script.
APP_MUTEX = "SanchongCalculator-BC93EF5B-6C9C-4E4E-A32D-EE814E2E10AF"
APP_MUTEX_NAMES = (APP_MUTEX, "Global\\" + APP_MUTEX)

_held: list[int] = []  # the mutex handles, kept open until the process ends (Windows closes them)


def _kernel32():
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.CreateMutexW.argtypes = (wintypes.LPVOID, wintypes.BOOL, wintypes.LPCWSTR)
    kernel32.CreateMutexW.restype = wintypes.HANDLE
    kernel32.AttachConsole.argtypes = (wintypes.DWORD,)
    kernel32.AttachConsole.restype = wintypes.BOOL
    return kernel32


def hold_app_mutex() -> int:
    """Create (or open) the app's named mutexes for the life of this process; returns how many
    are held (always 0 off Windows). Never owned, never released: Setup only checks they exist."""
    if sys.platform != "win32" or _held:
        return len(_held)
    kernel32 = _kernel32()
    for name in APP_MUTEX_NAMES:
        handle = kernel32.CreateMutexW(None, False, name)
        if handle:
            _held.append(handle)
    return len(_held)


def parent_console():
    """The console of the process that started this one (cmd, PowerShell), as a text stream, or
    None: off Windows, or when started from Explorer, a shortcut or without a console."""
    if sys.platform != "win32":
        return None
    ATTACH_PARENT_PROCESS = 0xFFFFFFFF  # (DWORD)-1
    if not _kernel32().AttachConsole(ATTACH_PARENT_PROCESS):
        return None
    try:
        # io.open makes CONOUT$ a console stream (WriteConsoleW): Chinese shows whatever the code page.
        return open("CONOUT$", "w", encoding="utf-8")
    except OSError:
        return None


def message_box(title: str, text: str) -> bool:
    """A Windows error box (MessageBoxW); False off Windows."""
    if sys.platform != "win32":
        return False
    import ctypes

    MB_ICONERROR = 0x10
    ctypes.windll.user32.MessageBoxW(None, text, title, MB_ICONERROR)
    return True
