"""The scaled-out configuration (ops/scaled.py, what `make run-scaled` starts) on free ports, with
databases and Redis databases of its own: PostgreSQL, Redis, nginx, two API processes, two Rasa
shards and their action servers, all real, under supervisord. Used by the fault tests and by
`make bench` (--scaled)."""

import asyncio
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import redis

from ops.scaled import Layout
from tests.stack import API_BIN, ROOT, free_port

START_SECONDS = 420.0  # two Rasa shards loading their model on two cores
POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432"
API_DB, TRACKER_DB = "chorus_scaled_test", "chorus_rasa_scaled_test"
REDIS_DBS = (9, 10, 11)


async def _drop_databases(*names: str) -> None:
    connection = await asyncpg.connect(host="127.0.0.1", user="postgres", database="postgres")
    try:
        for name in names:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@dataclass
class Scaled:
    """The running configuration: where it listens and how to reach its processes."""

    layout: Layout
    process: subprocess.Popen[bytes]
    log: Path
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.layout.public_port}"

    def programs(self) -> list[str]:
        """The names of supervisord's programs."""
        return [
            line.split(":", 1)[0]
            for line in (self.layout.directory / "Procfile").read_text().splitlines()
            if line.strip()
        ]

    def pid(self, program: str) -> int:
        """The pid of one of supervisord's programs (api1, rasa2...)."""
        config = self.layout.directory / "supervisor" / "supervisord.conf"
        out = subprocess.run(
            [str(API_BIN / "supervisorctl"), "-c", str(config), "pid", program],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if not out.isdigit() or out == "0":
            raise RuntimeError(f"{program} is not running: {out}")
        return int(out)

    def kill(self, program: str) -> None:
        """SIGKILL the program and its children (its process group), as a crash would."""
        os.killpg(self.pid(program), signal.SIGKILL)

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/api/v1/health", timeout=3).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_healthy(self, timeout: float) -> float:
        """Seconds until every part answers again."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"the scaled configuration stopped:\n{self.tail()}")
            if self.healthy():
                return time.monotonic() - started
            time.sleep(1)
        raise TimeoutError(f"not healthy within {timeout:.0f} s:\n{self.tail()}")

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-40:])

    def say(self, http: httpx.Client, conversation: str, **body: Any) -> httpx.Response:
        """Send a message as the widget does (the conversation's token once it has one)."""
        token = self.tokens.get(conversation)
        headers = {"X-Conversation-Token": token} if token else {}
        body.setdefault("client_message_id", uuid.uuid4().hex)
        response = http.post(
            f"{self.url}/api/v1/conversations/{conversation}/messages", json=body, headers=headers
        )
        if response.headers.get("content-type", "").startswith("application/json"):
            new_token = response.json().get("conversation_token")
            if new_token:
                self.tokens[conversation] = new_token
        return response

    def transcript(self, http: httpx.Client, conversation: str) -> list[str | None]:
        response = http.get(
            f"{self.url}/api/v1/conversations/{conversation}",
            headers={"X-Conversation-Token": self.tokens[conversation]},
        )
        return [m["text"] for m in response.json()["messages"]]


@contextmanager
def running_scaled(directory: Path, *, shards: int = 2, **env_overrides: str) -> Iterator[Scaled]:
    """Start the scaled configuration (`shards` Rasa shards) on free ports with fresh databases;
    stop it afterwards."""
    asyncio.run(_drop_databases(API_DB, TRACKER_DB))
    for db in REDIS_DBS:
        redis.Redis(host="127.0.0.1", port=6379, db=db).flushdb()
    env = {
        **os.environ,
        "SCALED_DIR": str(directory),
        "SCALED_PUBLIC_PORT": str(free_port()),
        "SCALED_API_PORTS": f"{free_port()},{free_port()}",
        "SCALED_RASA_PORTS": ",".join(str(free_port()) for _ in range(shards)),
        "SCALED_ACTIONS_PORTS": ",".join(str(free_port()) for _ in range(shards)),
        "SCALED_DATABASE_URL": f"{POSTGRES}/{API_DB}",
        "SCALED_TRACKER_DB": TRACKER_DB,
        "SCALED_REDIS_DBS": ",".join(map(str, REDIS_DBS)),
        # One address sends every test's messages; advisors' hours do not matter here.
        "PUBLIC_WRITES_PER_CONVERSATION": "100000/minute",
        "PUBLIC_WRITES_PER_ADDRESS": "1000000/minute",
        "NO_COLOR": "1",
        **env_overrides,
    }
    layout = Layout.from_env(env)
    directory.mkdir(parents=True, exist_ok=True)
    log = directory / "output.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(API_BIN / "python"), "-m", "ops.scaled"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = Scaled(layout, process, log)
    try:
        running.wait_healthy(START_SECONDS)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
