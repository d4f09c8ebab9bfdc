"""The scaled-out configuration on this machine, on existing engines (`make run-scaled`).

    .venv-api/bin/python -m ops.scaled

PostgreSQL holds the API's database and Rasa's tracker store; Redis carries the WebSocket
notifications between API processes, the rate limits and Rasa's lock store; nginx (Debian's
package) spreads the requests over two API processes; two Rasa shards, each with its own action
server, share the tracker store (`shared: true`), and the API sends each conversation to one
shard (RASA_URLS). Everything listens on 127.0.0.1; nginx on SCALED_PUBLIC_PORT (8000).

This writes the configuration into SCALED_DIR (var/scaled/), creates the databases if they are
missing, applies the migrations and loads the knowledge base, then runs every process under
supervisord (ops/supervise.py): one that dies is started again.

Variables (defaults in brackets): SCALED_DIR [var/scaled], SCALED_PUBLIC_PORT [8000],
SCALED_API_PORTS [8101,8102], SCALED_RASA_PORTS [5005,5006], SCALED_ACTIONS_PORTS [5055,5056],
SCALED_DATABASE_URL [postgresql+asyncpg://postgres@127.0.0.1:5432/chorus_assistant],
SCALED_TRACKER_DB [chorus_rasa], SCALED_REDIS_URL [redis://127.0.0.1:6379], SCALED_REDIS_DBS
[0,1,2: notifications, rate limits, Rasa's locks].
"""

import asyncio
import os
import shlex
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from api.core.config import read_or_create_secret
from ops import supervise

ROOT = Path(__file__).resolve().parents[1]
NGINX = Path("/usr/sbin/nginx")
API_BIN = ROOT / ".venv-api" / "bin"
BOT_BIN = ROOT / ".venv-bot" / "bin"
RASA_TOKEN_FILE = ROOT / "var" / "secrets" / "rasa_token"


def _ports(text: str) -> tuple[int, ...]:
    return tuple(int(port) for port in text.replace(",", " ").split())


@dataclass(frozen=True)
class Layout:
    """Where each process of the scaled configuration listens, and the engines it uses."""

    directory: Path
    public_port: int
    api_ports: tuple[int, ...]
    rasa_ports: tuple[int, ...]
    action_ports: tuple[int, ...]
    database_url: str
    tracker_db: str
    redis_url: str
    redis_dbs: tuple[int, int, int]

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "Layout":
        """The layout the SCALED_* variables describe."""
        dbs = _ports(env.get("SCALED_REDIS_DBS", "0,1,2"))
        layout = cls(
            directory=Path(env.get("SCALED_DIR") or ROOT / "var" / "scaled").resolve(),
            public_port=int(env.get("SCALED_PUBLIC_PORT", "8000")),
            api_ports=_ports(env.get("SCALED_API_PORTS", "8101,8102")),
            rasa_ports=_ports(env.get("SCALED_RASA_PORTS", "5005,5006")),
            action_ports=_ports(env.get("SCALED_ACTIONS_PORTS", "5055,5056")),
            database_url=env.get(
                "SCALED_DATABASE_URL",
                "postgresql+asyncpg://postgres@127.0.0.1:5432/chorus_assistant",
            ),
            tracker_db=env.get("SCALED_TRACKER_DB", "chorus_rasa"),
            redis_url=env.get("SCALED_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/"),
            redis_dbs=(dbs[0], dbs[1], dbs[2]),
        )
        if len(layout.rasa_ports) != len(layout.action_ports):
            raise ValueError("each Rasa shard needs its action server: as many ports of each")
        return layout

    @property
    def public_url(self) -> str:
        return f"http://localhost:{self.public_port}"

    @property
    def rasa_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.rasa_ports]

    def api_env(self) -> dict[str, str]:
        """What each API process is told (the same for all)."""
        notifications, limits, _ = self.redis_dbs
        return {
            "DATABASE_URL": self.database_url,
            "RASA_URLS": ",".join(self.rasa_urls),
            "ACTION_SERVER_URL": f"http://127.0.0.1:{self.action_ports[0]}",
            "REALTIME_REDIS_URL": f"{self.redis_url}/{notifications}",
            "THROTTLE_REDIS_URL": f"{self.redis_url}/{limits}",
            "PUBLIC_URL": self.public_url,
        }


def endpoints_yaml(layout: Layout, shard: int) -> str:
    """Rasa's endpoints for one shard: its action server, the shared stores."""
    url = make_url(layout.database_url)
    redis = make_url(layout.redis_url.replace("redis://", "postgresql://", 1))
    return f"""# Written by ops/scaled.py: Rasa shard {shard + 1} of {len(layout.rasa_ports)}.
action_endpoint:
  url: "http://127.0.0.1:{layout.action_ports[shard]}/webhook"
  enable_selective_domain: true
tracker_store:
  type: bot.tracker_store.CachedSQLTrackerStore
  dialect: postgresql
  url: "{url.host or "127.0.0.1"}"
  port: {url.port or 5432}
  username: "{url.username or "postgres"}"
  password: "{url.password or ""}"
  db: "{layout.tracker_db}"
  login_db: "postgres"
  cache_size: 10000
  shared: true
lock_store:
  type: redis
  url: "{redis.host or "127.0.0.1"}"
  port: {redis.port or 6379}
  db: {layout.redis_dbs[2]}
"""


def nginx_conf(layout: Layout) -> str:
    """nginx in front of the API processes (WebSockets included)."""
    temp = layout.directory / "nginx"
    servers = "\n".join(
        f"    server 127.0.0.1:{port} max_fails=3 fail_timeout=3s;" for port in layout.api_ports
    )
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""# Written by ops/scaled.py.
{user}worker_processes 1;
daemon off;
pid {temp}/nginx.pid;
error_log stderr warn;
events {{
  worker_connections 4096;
}}
http {{
  access_log off;
  client_body_temp_path {temp}/body;
  proxy_temp_path {temp}/proxy;
  fastcgi_temp_path {temp}/fastcgi;
  uwsgi_temp_path {temp}/uwsgi;
  scgi_temp_path {temp}/scgi;
  client_max_body_size 8m;
  upstream api {{
{servers}
    keepalive 64;
    keepalive_timeout 30s;
  }}
  map $http_upgrade $connection_upgrade {{
    default upgrade;
    "" "";
  }}
  server {{
    listen 127.0.0.1:{layout.public_port};
    location / {{
      proxy_pass http://api;
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_connect_timeout 2s;
      proxy_read_timeout 3600s;
      proxy_next_upstream error timeout;
    }}
  }}
}}
"""


def _env(values: Mapping[str, str]) -> str:
    return " ".join(f"{name}={shlex.quote(value)}" for name, value in values.items())


def procfile(layout: Layout) -> str:
    """Every process of the scaled configuration, one Procfile line each."""
    token = f'"$(cat {shlex.quote(str(RASA_TOKEN_FILE))})"'
    quiet = {"PYTHONWARNINGS": "ignore", "TF_CPP_MIN_LOG_LEVEL": "3"}
    lines = []
    for shard, (rasa, actions) in enumerate(
        zip(layout.rasa_ports, layout.action_ports, strict=True), start=1
    ):
        endpoints = layout.directory / f"endpoints-{shard}.yml"
        lines.append(
            f"rasa{shard}: {_env(quiet)} {BOT_BIN}/python -m bot.serve run "
            f'--model "$(readlink -f models/current.tar.gz)" --interface 127.0.0.1 '
            f"--port {rasa} --enable-api --auth-token {token} --credentials credentials.yml "
            f"--endpoints {endpoints}"
        )
        lines.append(
            f"actions{shard}: "
            + _env({"SANIC_HOST": "127.0.0.1", "ASSISTANT_API_URL": layout.public_url})
            + f" PYTHONWARNINGS=ignore {BOT_BIN}/rasa run actions --actions actions "
            f"--port {actions}"
        )
    for number, port in enumerate(layout.api_ports, start=1):
        lines.append(
            f"api{number}: {_env(layout.api_env())} {API_BIN}/uvicorn api.main:create_app "
            f"--factory --host 127.0.0.1 --port {port} --no-access-log --ws-max-size 262144 "
            # Idle connections outlive nginx's (30 s): uvicorn never closes one under it.
            "--timeout-keep-alive 65 --proxy-headers --forwarded-allow-ips 127.0.0.1"
        )
    lines.append(f"nginx: {NGINX} -p {layout.directory / 'nginx'} -c {layout.directory}/nginx.conf")
    lines.append(f"ready: {_env(layout.api_env())} {API_BIN}/python -m api.ready")
    return "\n".join(lines) + "\n"


async def create_database(database_url: str) -> None:
    """Create the API's PostgreSQL database if it is missing."""
    url = make_url(database_url)
    connection = await asyncpg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        database="postgres",
    )
    try:
        found = await connection.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", url.database
        )
        if not found:
            await connection.execute(f'CREATE DATABASE "{url.database}"')
    finally:
        await connection.close()


def write_configuration(layout: Layout) -> Path:
    """Write the endpoints, nginx's configuration and the Procfile; return the Procfile."""
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (layout.directory / "nginx" / name).mkdir(parents=True, exist_ok=True)
    for shard in range(len(layout.rasa_ports)):
        (layout.directory / f"endpoints-{shard + 1}.yml").write_text(endpoints_yaml(layout, shard))
    (layout.directory / "nginx.conf").write_text(nginx_conf(layout))
    path = layout.directory / "Procfile"
    path.write_text(procfile(layout))
    return path


def prepare_database(layout: Layout) -> None:
    """Create the API's database if needed, migrate it, load the knowledge base."""
    print(f"==> Database {make_url(layout.database_url).database} (PostgreSQL)", flush=True)
    asyncio.run(create_database(layout.database_url))
    env = {**os.environ, "DATABASE_URL": layout.database_url}
    for command in (
        [str(API_BIN / "alembic"), "upgrade", "head"],
        [str(API_BIN / "python"), "-m", "api.knowledge.cli", "load"],
    ):
        subprocess.run(command, cwd=ROOT, env=env, check=True)


def main() -> int:
    """Prepare the scaled configuration and run it until stopped."""
    layout = Layout.from_env()
    if not NGINX.exists():
        print("nginx is missing: run `make system-deps` (Debian package nginx-light)")
        return 1
    read_or_create_secret(RASA_TOKEN_FILE)  # Rasa's API token, as `make run` makes it
    procfile_path = write_configuration(layout)
    prepare_database(layout)
    shards, apis = len(layout.rasa_ports), len(layout.api_ports)
    print(
        f"==> {shards} Rasa shards with their action servers, {apis} API processes behind nginx "
        f"on {layout.public_url}",
        flush=True,
    )
    supervisor_dir = layout.directory / "supervisor"
    return supervise.main(["--procfile", str(procfile_path), "--dir", str(supervisor_dir)])


if __name__ == "__main__":
    sys.exit(main())
