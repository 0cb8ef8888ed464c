"""设置 → 数据库: where this PC keeps its cases — the local file in the data folder (the default) or a
PostgreSQL server shared by the windows of a service hall — for the window, through the office.

What is kept: `database.json` in the data folder, holding the server's address without the password
(engine/store/location.py). The password is typed at start or kept in the system keyring.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from ..store import location
from ..store.errors import PasswordNeeded, StoreError

ENV_VAR = location.ENV_VAR
DEFAULT_PORT = 5432
BACKUP_NOTE = ("服务器上的数据由数据库管理员在服务器上备份（pg_dump）和恢复；本机的「立即备份」只导出一份数据副本"
               "（JSON 文件），不能用于恢复。")

__all__ = ["BACKUP_NOTE", "ENV_VAR", "PasswordNeeded", "Server", "choice", "choose", "is_url", "remember_password",
           "test"]


def is_url(text: str) -> bool:
    return location.is_url(text)


@dataclass(frozen=True, slots=True)
class Server:
    """A PostgreSQL server as the clerk types it."""
    host: str
    port: int
    dbname: str
    user: str

    @property
    def url(self) -> str:
        return (f"postgresql://{quote(self.user, safe='')}@{self.host}:{self.port}/{quote(self.dbname, safe='')}")

    @classmethod
    def checked(cls, host: str, port: str | int, dbname: str, user: str) -> "Server":
        host, dbname, user = host.strip(), dbname.strip(), user.strip()
        if not host or any(c in host for c in " /@?#"):
            raise StoreError("请填写服务器地址（主机名或 IP 地址，如 192.168.1.10）", "enter the server's host name or IP address")
        try:
            number = int(str(port).strip() or DEFAULT_PORT)
        except ValueError:
            number = 0
        if not 0 < number < 65536:
            raise StoreError("端口应为 1–65535 之间的数字（PostgreSQL 通常为 5432）", "the port is a number from 1 to 65535")
        if not dbname:
            raise StoreError("请填写数据库名（由数据库管理员提供）", "enter the database name")
        if not user:
            raise StoreError("请填写用户名（由数据库管理员提供）", "enter the user name")
        return cls(host, number, dbname, user)


def choice(folder: str | Path | None) -> Server | None:
    """This PC's choice as the settings file holds it (None: the local file)."""
    from ..store import datadir
    from psycopg import conninfo

    doc = location.read_config(datadir.resolve(folder))
    if doc.get("backend") != "postgresql" or not doc.get("url"):
        return None
    info = conninfo.conninfo_to_dict(str(doc["url"]))
    return Server(info.get("host") or "localhost", int(info.get("port") or DEFAULT_PORT), info.get("dbname") or "",
                  info.get("user") or "")


def in_use() -> str | None:
    """The server chosen for this run outside the settings (--database-url or the environment), shown
    without its password; None when the settings decide."""
    import os

    if os.environ.get(ENV_VAR):
        from ..store.backends.postgres import display

        return display(os.environ[ENV_VAR])
    return None


def test(server: Server, password: str) -> str:
    """「测试连接」: what the server says, or a StoreError naming what is wrong (host, password, server down)."""
    from ..store.backends import postgres

    return postgres.test_connection(url_with_password(server, password))


def url_with_password(server: Server, password: str) -> str:
    """The server's URL for this run: the password typed, else the one kept for it (keyring, this run)."""
    return location.with_password(server.url, password or None)


def choose(folder: str | Path | None, server: Server | None) -> None:
    """Keep this PC's choice (None: the local file); used from the next start of the program."""
    from ..store import datadir

    location.write_config(datadir.prepare(datadir.resolve(folder)), server.url if server else None)


def remember_password(server: Server, password: str, *, keep: bool) -> None:
    """The password for this run, and in the system keyring when `keep` (StoreError when there is none)."""
    location.remember_password(server.url, password, keep=keep)
