"""`python -m engine cases move-to-server --database-url URL [--operator ACCOUNT]`: this data folder's
SQLite store copied into an empty PostgreSQL database and checked there (engine/store/move.py,
docs/postgresql.md). The SQLite file is only read; afterwards 设置 → 数据库 switches to the server.

Prints what was copied per table and the checks; the last line is one JSON object
{"target": URL without password, "rows": {table: n}, "ledgers": N, "audit_rows": N}. Exit 2 when the
server's database already holds data (nothing changed), 1 when the server cannot be used."""
from __future__ import annotations

import argparse
import json

from .. import validate
from ..errors import InputError
from .common import arg


def _run(args: argparse.Namespace) -> int:
    from ..office import Office
    from ..store import location
    from ..store.database import DB_NAME
    from ..store.move import NAMES
    from .accounts import login

    url = args.target_url or getattr(args, "database_url", None)
    if not url:
        raise InputError("--database-url", "请用 --database-url postgresql://用户@服务器:5432/数据库名 指定要迁入的服务器数据库",
                         "give the server's database with --database-url URL")
    if not location.is_url(url):
        raise InputError("--database-url", "数据库地址应以 postgresql:// 开头，例如 postgresql://用户@服务器:5432/数据库名",
                         "a database URL starts with postgresql://")
    folder = Office.resolve_folder(args.data_dir)
    if not (folder / DB_NAME).is_file():
        raise InputError("--data-dir", f"数据文件夹 {folder} 中没有本机数据文件 {DB_NAME}，没有可迁移的数据。请用 --data-dir 指定"
                                       f"原来保存案件的数据文件夹", f"no {DB_NAME} in {folder}: nothing to move")
    url = location.with_password(location.resolve(folder, url))
    with Office.open(args.data_dir, daily_backup=False, local=True) as office:
        login(office, args)
        moved = office.move_to_server(url, operator=args.operator).value
    print(f"已迁移到数据库服务器 {moved['target']}：")
    for table, count in moved["rows"].items():
        print(f"  {NAMES.get(table, table)}（{table}）{count} 行，与本机逐行一致")
    print(f"  操作记录校验链在服务器上校验通过（{moved['audit_rows']} 条，含本次迁移的记录）；"
          f"{moved['ledgers']} 个人员年度台账与本机一致。")
    print("本机数据文件未改动。请在各窗口的 设置 → 数据库 中选择「服务器」并填写该服务器，之后所有案件都保存到服务器上。")
    print(json.dumps(moved, ensure_ascii=False))
    return 0


def add_parser(cmds: argparse._SubParsersAction) -> None:
    p = cmds.add_parser("move-to-server", help="copy this data folder's cases (all tables) into an empty PostgreSQL "
                                               "database and check them there; the local file is kept")
    p.add_argument("--database-url", dest="target_url", metavar="URL",
                   help="the server's empty database: postgresql://user@host:port/dbname")
    p.add_argument("--operator", type=arg(validate.account_name, "--operator"),
                   help="账户名 (a 管理员) when the office has accounts")
    p.set_defaults(run=_run)
