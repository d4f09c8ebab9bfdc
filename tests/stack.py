"""Start the whole stack (Rasa, action server, API) as subprocesses on free ports, for tests."""

import os
import secrets
import socket
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from api.core.sockets import MAX_FRAME_BYTES

ROOT = Path(__file__).resolve().parents[1]
BOT_BIN = ROOT / ".venv-bot" / "bin"
API_BIN = ROOT / ".venv-api" / "bin"
MODEL = ROOT / "models" / "current.tar.gz"
START_TIMEOUT_SECONDS = 240.0


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(
    url: str, *, timeout: float, processes: dict[str, subprocess.Popen[bytes]] | None = None
) -> None:
    """Poll `url` until it answers 200, or raise (at once if a watched process exits)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, process in (processes or {}).items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def prepare_database(env: dict[str, str]) -> None:
    """Migrate the database of DATABASE_URL and load the knowledge base, as `make db` does."""
    subprocess.run([str(API_BIN / "alembic"), "upgrade", "head"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [str(API_BIN / "python"), "-m", "api.knowledge.cli", "load"],
        cwd=ROOT,
        env=env,
        check=True,
    )


@dataclass
class Stack:
    """The running processes and where they listen."""

    workdir: Path
    api_port: int = field(default_factory=free_port)
    rasa_port: int = field(default_factory=free_port)
    actions_port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    tracker_store_yaml: str | None = None  # None: the default SQLite tracker store
    # The token of Rasa's HTTP API (model loading, trackers), as `make run` generates one.
    rasa_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    # A portal that embeds the widget (embed.js), on another origin: tests serve its page there.
    portal_port: int = field(default_factory=free_port)

    @property
    def portal_url(self) -> str:
        return f"http://localhost:{self.portal_port}"

    @property
    def models_dir(self) -> Path:
        """The stack's own models directory: retraining in a test leaves models/ alone."""
        return self.workdir / "models"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"

    @property
    def database_url(self) -> str:
        return f"sqlite+aiosqlite:///{self.workdir / 'api.db'}"

    def api_env(self) -> dict[str, str]:
        """Environment of an API process talking to this stack."""
        return {
            **os.environ,
            "APP_ENV": "test",
            "DATABASE_URL": self.database_url,
            "RASA_URL": self.rasa_url,
            "RASA_TOKEN": self.rasa_token,
            "SECRET_KEY": self.secret_key,
            "MODELS_DIR": str(self.models_dir),
            "TRAINING_DIR": str(self.workdir / "training"),
            "ACTION_SERVER_URL": self.actions_url,
            "PUBLIC_URL": self.api_url,
            "EMBED_ORIGINS": self.portal_url,
            # Advisors "answer" at any time, so that browser tests do not depend on the clock
            # (the hours themselves are tested with a fixed clock in tests/api/handoff).
            "HANDOFF_WEEKDAYS": "[0, 1, 2, 3, 4, 5, 6]",
            "HANDOFF_OPENING_TIME": "00:00",
            "HANDOFF_CLOSING_TIME": "23:59:59",
            "HANDOFF_HOLIDAYS_COUNTRY": "",
            # Load tests send one conversation's turns back to back from one address.
            "PUBLIC_WRITES_PER_CONVERSATION": "100000/minute",
            "PUBLIC_WRITES_PER_ADDRESS": "1000000/minute",
        }

    def _endpoints_file(self) -> Path:
        path = self.workdir / "endpoints.yml"
        path.write_text(
            f'action_endpoint:\n  url: "{self.actions_url}/webhook"\n'
            "  enable_selective_domain: true\n"
            + (
                self.tracker_store_yaml
                if self.tracker_store_yaml is not None
                else (
                    "tracker_store:\n  type: bot.tracker_store.CachedSQLTrackerStore\n"
                    f'  dialect: sqlite\n  db: "{self.tracker_db}"\n'
                )
            )
        )
        return path

    def live_model(self) -> Path:
        """The model Rasa starts with: the stack's current one, named by its key (Rasa reports
        the file's name), linked to the trained model of models/ at first."""
        current = self.models_dir / "current.tar.gz"
        if not current.exists():
            self.models_dir.mkdir(parents=True, exist_ok=True)
            model = MODEL.resolve()
            (self.models_dir / model.name).symlink_to(model)
            current.symlink_to(model.name)
        return self.models_dir / os.readlink(current)

    def _spawn_rasa(self) -> None:
        self._spawn(
            "rasa",
            [
                str(BOT_BIN / "python"),
                "-m",
                "bot.serve",
                "run",
                "--model",
                str(self.live_model()),
                "--interface",
                "127.0.0.1",
                "--port",
                str(self.rasa_port),
                "--enable-api",
                "--auth-token",
                self.rasa_token,
                "--credentials",
                "credentials.yml",
                "--endpoints",
                str(self._endpoints_file()),
            ],
            {**os.environ, "PYTHONWARNINGS": "ignore"},
        )

    def restart_rasa(self) -> None:
        """Stop the Rasa server and start it again on the same port and tracker store."""
        process = self.processes.pop("rasa")
        process.terminate()
        process.wait(timeout=30)
        self._spawn_rasa()
        wait_until(f"{self.rasa_url}/", timeout=START_TIMEOUT_SECONDS, processes=self.processes)

    def _spawn_actions(self) -> None:
        bot_env = {
            **os.environ,
            "ASSISTANT_API_URL": self.api_url,
            "PYTHONWARNINGS": "ignore",
            "SANIC_HOST": "127.0.0.1",
        }
        command = [
            *(str(BOT_BIN / "rasa"), "run", "actions", "--actions", "actions"),
            *("--port", str(self.actions_port)),
        ]
        self._spawn("actions", command, bot_env)

    def stop_actions(self) -> None:
        """Stop the action server (as when it crashes)."""
        process = self.processes.pop("actions")
        process.terminate()
        process.wait(timeout=30)

    def start_actions(self) -> None:
        """Start the action server again on the same port; return once it answers."""
        self._spawn_actions()
        wait_until(
            f"{self.actions_url}/health", timeout=START_TIMEOUT_SECONDS, processes=self.processes
        )

    @property
    def tracker_db(self) -> Path:
        return self.workdir / "tracker.db"

    def tracker_events(self, conversation_id: str, type_name: str) -> int:
        """How many events of a type Rasa's tracker store holds for a conversation."""
        with sqlite3.connect(self.tracker_db) as db:
            row = db.execute(
                "SELECT COUNT(*) FROM events WHERE sender_id = ? AND type_name = ?",
                (conversation_id, type_name),
            ).fetchone()
        return int(row[0])

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> None:
        log = (self.workdir / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )

    def start(self) -> "Stack":
        """Migrate the database, start the three processes and wait until healthy."""
        env = self.api_env()
        prepare_database(env)
        self._spawn_rasa()
        self._spawn_actions()
        self._spawn(
            "api",
            [
                str(API_BIN / "uvicorn"),
                "api.main:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.api_port),
                "--no-access-log",
                "--ws-max-size",
                str(MAX_FRAME_BYTES),
            ],
            env,
        )
        try:
            wait_until(
                f"{self.api_url}/api/v1/health",
                timeout=START_TIMEOUT_SECONDS,
                processes=self.processes,
            )
        except (RuntimeError, TimeoutError) as exc:
            self.stop()
            raise RuntimeError(f"{exc}\n{self.logs()}") from exc
        return self

    def spawn_api(self, name: str) -> str:
        """Start another API process on the same database (as a scaled-out deployment runs
        several); return its URL once healthy."""
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        command = [
            str(API_BIN / "uvicorn"),
            "api.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--ws-max-size",
            str(MAX_FRAME_BYTES),
        ]
        self._spawn(name, command, {**self.api_env(), "PUBLIC_URL": url})
        wait_until(f"{url}/api/v1/health", timeout=START_TIMEOUT_SECONDS, processes=self.processes)
        return url

    def stop(self) -> None:
        """Terminate the processes (then kill those that linger)."""
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    def logs(self) -> str:
        """Return the tail of each process's log, for failure reports."""
        return "\n".join(
            f"--- {name} ---\n" + (self.workdir / f"{name}.log").read_text(errors="replace")[-3000:]
            for name in self.processes
        )
