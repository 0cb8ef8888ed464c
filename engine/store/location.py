"""Where the case store is: SQLite in the data folder (the default, needs nothing) or a PostgreSQL
server named by a database URL.

The URL: `--database-url` (the command line and the window set SANCHONG_DATABASE_URL from it), else
the environment variable SANCHONG_DATABASE_URL, else this PC's `database.json` in the data folder
(written by 设置 → 数据库). The server's password is never in the URL kept in that file, in the
database or in a log: it is typed at start (kept for the process only) or kept in the system's
keyring (the `keyring` library); a URL given on the command line or in the environment may carry it.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from .errors import StoreError

ENV_VAR = "SANCHONG_DATABASE_URL"
CONFIG_NAME = "database.json"
KEYRING_SERVICE = "三重保障计算器"
_typed: dict[str, str] = {}   # display URL -> password typed in this process


def is_url(text: str) -> bool:
    return text.startswith(("postgresql://", "postgres://"))


def _check(url: str, where: str) -> str:
    url = url.strip()
    if not is_url(url):
        raise StoreError(f"{where} 的数据库地址无效：应以 postgresql:// 开头，例如 postgresql://用户@服务器:5432/数据库名",
                         f"{where}: a database URL starts with postgresql://")
    return url


def read_config(folder: Path) -> dict:
    path = folder / CONFIG_NAME
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise StoreError(f"数据库设置文件 {path} 无法读取（{exc}）。请在 设置 → 数据库 重新选择，或删除该文件以使用本机文件",
                         f"cannot read {path} ({exc}); choose again in the settings or delete it") from None
    return doc if isinstance(doc, dict) else {}


def write_config(folder: Path, url: str | None) -> None:
    """This PC's choice: a server URL (its password removed) or None for the local file."""
    path = folder / CONFIG_NAME
    if url is None:
        path.unlink(missing_ok=True)
        return
    doc = {"backend": "postgresql", "url": without_password(_check(url, "设置"))}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)


def resolve(folder: Path, option: str | None = None) -> str | None:
    """The database URL chosen for this run, or None for SQLite in the data folder."""
    if option:
        return _check(option, "--database-url")
    if os.environ.get(ENV_VAR):
        return _check(os.environ[ENV_VAR], ENV_VAR)
    doc = read_config(folder)
    if doc.get("backend") == "postgresql" and doc.get("url"):
        return with_password(_check(str(doc["url"]), str(folder / CONFIG_NAME)))
    return None


def without_password(url: str) -> str:
    from psycopg import conninfo

    info = conninfo.conninfo_to_dict(url)
    info.pop("password", None)
    return _as_url(info)


def _as_url(info: dict) -> str:
    from urllib.parse import quote, urlencode

    user = quote(info.pop("user", "") or "", safe="")
    password = info.pop("password", None)
    host = info.pop("host", "") or "localhost"
    port = info.pop("port", "") or "5432"
    db = quote(info.pop("dbname", "") or "", safe="")
    auth = f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
    rest = f"?{urlencode(info)}" if info else ""
    return f"postgresql://{auth}{host}:{port}/{db}{rest}"


def with_password(url: str, password: str | None = None) -> str:
    """The URL with the password typed now, typed earlier in this process, or kept in the keyring."""
    from psycopg import conninfo

    info = conninfo.conninfo_to_dict(url)
    if info.get("password") and password is None:
        return url
    key = without_password(url)
    found = password or _typed.get(key) or _from_keyring(key)
    if found:
        info["password"] = found
    return _as_url(info)


def remember_password(url: str, password: str, *, keep: bool) -> None:
    """A password typed in the window: for this process, and in the system keyring when `keep`."""
    key = without_password(url)
    _typed[key] = password
    if keep:
        try:
            import keyring

            keyring.set_password(KEYRING_SERVICE, key, password)
        except Exception as exc:   # no keyring backend on this system
            raise StoreError(f"无法把密码保存到系统密钥环（{exc}）；本次仍可使用，下次启动需重新输入",
                             f"cannot keep the password in the system keyring ({exc})") from None


def _from_keyring(key: str) -> str | None:
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, key)
    except Exception:   # no keyring backend: the password is typed at start
        return None


def refuse_restore(folder: Path) -> None:
    """A restore from a backup file is for the local file only: a server's database is restored by
    its administrator (pg_dump / pg_restore are the server's business)."""
    url = resolve(folder)
    if url:
        from .backends.postgres import display

        raise StoreError(f"当前使用的是数据库服务器 {display(url)}，不能用备份文件恢复；服务器上的数据由数据库管理员用 "
                         f"pg_dump / pg_restore 备份和恢复。本机没有做任何改动",
                         f"the store is on the server {display(url)}: a backup file cannot be restored into it; "
                         f"the server's administrator restores it (pg_dump / pg_restore); nothing was changed")
