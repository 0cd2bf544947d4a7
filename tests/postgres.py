"""A throwaway PostgreSQL cluster for the tests: ``initdb`` into a temporary
folder, started on a Unix socket of its own (no port to collide on), stopped
and removed at the end of the session.

``postgres_cluster`` is a session fixture (one cluster per pytest-xdist
worker); ``cluster.new_database()`` gives each sandbox a database of its own.
Without ``initdb`` (Debian's ``postgresql`` package: ``make test`` installs it)
the tests that need it are skipped, saying so. PostgreSQL refuses to run as
root: as root the cluster runs as the ``postgres`` user.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

INITDB_GLOB = "/usr/lib/postgresql/*/bin/initdb"
SERVICE_USER = "postgres"


def find_initdb() -> Path | None:
    """``initdb`` on the PATH, else the newest of Debian's versioned folders."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path)
    found = sorted(glob.glob(INITDB_GLOB), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]) if found else None


class PostgresCluster:
    """A cluster in ``folder``, listening only on the socket in ``folder/socket``."""

    def __init__(self, initdb: Path, folder: Path):
        self.bin = initdb.parent
        self.folder = folder
        self.data = folder / "data"
        self.socket = folder / "socket"
        self.log = folder / "server.log"
        self._as_service_user = os.geteuid() == 0

    def _run(self, *argv: str) -> None:
        command = list(argv)
        if self._as_service_user:
            command = ["runuser", "-u", SERVICE_USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{argv[0]} failed: {done.stdout}{done.stderr}{log}")

    def start(self) -> None:
        self.socket.mkdir()
        if self._as_service_user:
            shutil.chown(self.folder, SERVICE_USER)
            shutil.chown(self.socket, SERVICE_USER)
        self._run(
            str(self.bin / "initdb"),
            "-D", str(self.data), "-U", SERVICE_USER, "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        options = f"-k {self.socket} -c listen_addresses='' -c fsync=off -c max_connections=300"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SERVICE_USER}@/{database}?host={self.socket}"

    def new_database(self) -> str:
        """The URL of a new, empty database in the cluster."""
        import psycopg  # only where a cluster runs

        name = f"sandbox_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host={self.socket} user={SERVICE_USER} dbname=postgres") as db:
            db.autocommit = True
            db.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    initdb = find_initdb()
    if initdb is None:
        pytest.skip(
            "PostgreSQL is not installed: no initdb on the PATH or at "
            f"{INITDB_GLOB} (Debian's postgresql package; `make test` installs it)"
        )
    # Not under pytest's tmp_path: its folders are private to root, and the
    # cluster may run as the postgres user.
    folder = Path(tempfile.mkdtemp(prefix="mockserver-pg-"))
    cluster = PostgresCluster(initdb, folder)
    try:
        cluster.start()
        yield cluster
        cluster.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
