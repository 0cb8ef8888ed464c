"""A throwaway PostgreSQL server for the tests (toolchain.md): initdb + pg_ctl in a temporary folder,
127.0.0.1 on a free port, as the `postgres` user when running as root; stopped at the session's end.

Skipped when PostgreSQL's binaries are not on the machine, unless SANCHONG_REQUIRE_PG=1 (CI), which
makes that a failure. Each test gets a database of its own (`pg_url`).
"""
from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

REQUIRE = os.environ.get("SANCHONG_REQUIRE_PG") == "1"
PASSWORD_ROLE = "sanchong_pw"


def _bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(f"'{a}'" for a in argv)]


class Server:
    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="sanchong-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self._names = itertools.count(1)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str) -> None:
        done = subprocess.run(_as_server_user([str(self.bindir / argv[0]), *argv[1:]]), capture_output=True, text=True,
                              timeout=120)
        if done.returncode:
            log = (self.folder / "log").read_text(errors="replace") if (self.folder / "log").exists() else ""
            raise RuntimeError(f"{argv[0]} failed: {done.stdout}{done.stderr}{log}")

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale")
        hba = self.data / "pg_hba.conf"   # one role logs in with a password (the tests of a wrong one)
        hba.write_text(f"host all {PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
        self.resume()

    def halt(self, mode: str = "fast") -> None:
        """Stop the server and keep its data (a restart, with resume): its clients' connections drop."""
        self._run("pg_ctl", "-D", str(self.data), "-w", "-m", mode, "stop")
        self.running = False

    def resume(self) -> None:
        """Start a halted server again on the same port."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w", "-o",
                  f"-k {self.folder} -p {self.port} -c listen_addresses=127.0.0.1 -c fsync=off "
                  f"-c full_page_writes=off -c max_connections=200", "start")
        self.running = True

    def stop(self) -> None:
        try:
            if getattr(self, "running", False):
                self._run("pg_ctl", "-D", str(self.data), "-w", "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def password_role(self, password: str) -> str:
        """A role that logs in only with `password`, owning a database of its own; its URL without the password."""
        import psycopg

        name = self.new_database().rsplit("/", 1)[1]
        with psycopg.connect(self.url, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (PASSWORD_ROLE,)).fetchone()
            conn.execute(f"{'ALTER' if exists else 'CREATE'} ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{password}'")
            conn.execute(f"ALTER DATABASE {name} OWNER TO {PASSWORD_ROLE}")
        return f"postgresql://{PASSWORD_ROLE}@127.0.0.1:{self.port}/{name}"

    def new_database(self) -> str:
        """A fresh empty database; its URL."""
        import psycopg

        name = f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"


@pytest.fixture(scope="session")
def pg_server():
    bindir = _bindir()
    if bindir is None:
        if REQUIRE:
            pytest.fail("SANCHONG_REQUIRE_PG=1 but PostgreSQL's binaries (initdb, pg_ctl) are not installed")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql); SANCHONG_REQUIRE_PG=1 makes this fail")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        if REQUIRE:
            pytest.fail("SANCHONG_REQUIRE_PG=1 but psycopg is not installed")
        pytest.skip("psycopg is not installed")
    server = Server(bindir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def own_pg_server(pg_server):
    """A server of the module's own, for tests that stop and restart it (the session's stays up)."""
    server = Server(pg_server.bindir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server) -> str:
    return pg_server.new_database()


BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def backend(request, monkeypatch):
    """Run a test on both backends: on "postgresql" SANCHONG_DATABASE_URL names a fresh database, so
    every open_store / Office.open of the test (and its subprocesses) uses it."""
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
        monkeypatch.setenv("SANCHONG_DATABASE_URL", url)
        return url
    monkeypatch.delenv("SANCHONG_DATABASE_URL", raising=False)
    return None


# Two data folders, each its own database (a township and its district, two offices): SANCHONG_DATABASE_URL
# would give every folder the same one, so here each folder on PostgreSQL names a fresh database of its own in
# its database.json (the per-PC choice engine/store/location.py reads), and the variable is unset.
PAIRS = [("sqlite", "sqlite"), ("sqlite", "postgresql"), ("postgresql", "postgresql")]


@pytest.fixture
def new_database(request):
    """A factory: each call gives the URL of a fresh, separate database on the throwaway server."""
    def make() -> str:
        return request.getfixturevalue("pg_server").new_database()
    return make


@pytest.fixture
def place_folder(new_database, monkeypatch):
    """place_folder(folder, kind) -> folder: on "postgresql" the folder's database.json names a fresh
    database of its own; on "sqlite" the folder keeps its own file (the default)."""
    from engine.store.location import write_config

    monkeypatch.delenv("SANCHONG_DATABASE_URL", raising=False)

    def place(folder: Path, kind: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        if kind == "postgresql":
            write_config(folder, new_database())
        return folder
    return place


@pytest.fixture(params=PAIRS, ids=[f"{a}-to-{b}" for a, b in PAIRS])
def pair(request):
    """(the townships' backend, the district's backend) for a test of two or more data folders."""
    return request.param


NOT_INSTALLED = "PostgreSQL's binaries (initdb, pg_ctl) are not installed: apt-get install postgresql"


def started() -> Server | None:
    """A throwaway server, started (the caller stops it); None when PostgreSQL is not installed."""
    bindir = _bindir()
    if bindir is None:
        return None
    server = Server(bindir)
    server.start()
    return server


def _run_with_server(argv: list[str]) -> int:
    """`python tests/pg.py run -- CMD …`: CMD with SANCHONG_BUNDLE_DATABASE_URL naming an empty database
    on a throwaway server, stopped afterwards (.ci/run: the bundle's --self-test --database-url)."""
    import sys

    server = started()
    if server is None:
        sys.stderr.write(NOT_INSTALLED + "\n")
        return 1
    try:
        env = {**os.environ, "SANCHONG_BUNDLE_DATABASE_URL": server.new_database()}
        return subprocess.run(argv, env=env).returncode
    finally:
        server.stop()


if __name__ == "__main__":
    import sys

    if len(sys.argv) < 4 or sys.argv[1:3] != ["run", "--"]:
        sys.exit("usage: python tests/pg.py run -- CMD [ARG …]")
    sys.exit(_run_with_server(sys.argv[3:]))
