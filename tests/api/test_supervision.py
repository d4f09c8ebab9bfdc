"""Under `make run` a process that dies is restarted while the others keep serving, and stopping
the supervisor stops every process it started (Rasa's own subprocesses included).

The test runs the command the Makefile's `run` target ends with, on free ports and with its state
in a temporary directory, and finds the processes through /proc (the one listening on each port),
so that it judges `make run`'s supervision whatever the supervisor."""

import contextlib
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.stack import ROOT, START_TIMEOUT_SECONDS, Stack, prepare_database, wait_until

RESTART_TIMEOUT_SECONDS = 90.0
STOP_TIMEOUT_SECONDS = 60.0
READY = re.compile(r"^\S+ ready\S*\s*\| Assistant ready: open ", re.M)
MAKE_VARIABLES = {"$(API)": ".venv-api", "$(BOT)": ".venv-bot"}


def make_run_command() -> str:
    """The last command of the Makefile's `run` recipe, with the Makefile's variables filled in."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = next(number for number, line in enumerate(lines) if line.startswith("run:"))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    command = recipe[-1]
    for variable, value in MAKE_VARIABLES.items():
        command = command.replace(variable, value)
    assert "$(" not in command, command
    return command


def _ppid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def descendants(root: int) -> set[int]:
    """The pids of every living process below `root`."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (parent := _ppid(int(entry.name))) is not None:
            children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def identity(pid: int) -> tuple[int, str] | None:
    """A process's pid and start time (a reused pid has another), None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    state, start_time = fields[0], fields[19]
    return None if state in ("Z", "X") else (pid, start_time)


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # LISTEN
                inodes.add(fields[9])
    return inodes


def listener(root: int, port: int) -> int:
    """The pid of the process below `root` that listens on `port` (the topmost, if it forked)."""
    sockets = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
    holders = set()
    for pid in descendants(root):
        try:
            links = {os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()}
        except OSError:
            continue
        if links & sockets:
            holders.add(pid)
    topmost = [pid for pid in holders if _ppid(pid) not in holders]
    assert len(topmost) == 1, f"port {port}: listeners {holders}"
    return topmost[0]


def answers(url: str) -> bool:
    """Whether `url` answers 200 now."""
    try:
        return httpx.get(url, timeout=3.0).status_code == 200
    except httpx.HTTPError:
        return False


class Supervised:
    """`make run`'s supervised processes, started on free ports with their state in `workdir`."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.stack = Stack(workdir=workdir)  # ports, secrets and the API's environment
        self.log = workdir / "make-run.log"
        self.process: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        """The environment `make run` would see, pointed at free ports and temporary files."""
        stack = self.stack
        endpoints = self.workdir / "endpoints.yml"
        endpoints.write_text(
            "action_endpoint:\n  url: ${ACTION_ENDPOINT_URL}\n"
            "tracker_store:\n  type: bot.tracker_store.CachedSQLTrackerStore\n"
            f'  dialect: sqlite\n  db: "{stack.tracker_db}"\n'
        )
        secrets_dir = self.workdir / "secrets"
        stack.live_model()  # the API's models directory, in workdir
        return {
            **stack.api_env(),
            "API_PORT": str(stack.api_port),
            "RASA_PORT": str(stack.rasa_port),
            "ACTIONS_PORT": str(stack.actions_port),
            "RASA_ENDPOINTS": str(endpoints),
            "IDENTITY_SECRET_FILE": str(secrets_dir / "identity_secret"),
            "SECRET_KEY_FILE": str(secrets_dir / "secret_key"),
            "RASA_TOKEN_FILE": str(secrets_dir / "rasa_token"),
            # The supervisor's own files (configuration, socket, logs): never the repository's var/.
            "SUPERVISOR_DIR": str(self.workdir / "supervisor"),
        }

    def start(self) -> int:
        """Prepare the database as `make db` does, start `make run`'s command; return its pid."""
        env = self.env()
        prepare_database(env)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["/bin/bash", "-c", make_run_command()],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self.process.pid

    def output(self) -> str:
        """What the supervisor printed so far (the terminal of `make run`)."""
        return self.log.read_text(errors="replace")

    def kill_everything(self) -> None:
        """Last resort after a failure: kill whatever is left."""
        if self.process is None:
            return
        left = descendants(self.process.pid)
        for pid in [self.process.pid, *left]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def supervised(tmp_path: Path) -> Iterator[Supervised]:
    running = Supervised(tmp_path)
    try:
        yield running
    finally:
        running.kill_everything()


def test_a_dead_process_is_restarted_the_others_keep_serving_and_stop_stops_all(
    supervised: Supervised,
) -> None:
    stack = supervised.stack
    health = f"{stack.api_url}/api/v1/health"
    supervisor = supervised.start()
    try:
        wait_until(health, timeout=START_TIMEOUT_SECONDS)
    except TimeoutError as exc:
        raise AssertionError(f"{exc}\n{supervised.output()[-5000:]}") from exc
    # `make run` says the assistant is ready once (the `ready` process), then the test begins.
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not READY.search(supervised.output()):
        assert time.monotonic() < deadline, f"never ready\n{supervised.output()[-5000:]}"
        time.sleep(0.5)
    rasa = listener(supervisor, stack.rasa_port)
    actions = listener(supervisor, stack.actions_port)
    api = listener(supervisor, stack.api_port)

    # The API dies: it comes back, and Rasa answered all along without being restarted.
    os.kill(api, signal.SIGKILL)
    rasa_answers: list[bool] = []
    deadline = time.monotonic() + RESTART_TIMEOUT_SECONDS
    while not answers(health):
        assert supervised.process and supervised.process.poll() is None, (
            f"the supervisor exited\n{supervised.output()[-5000:]}"
        )
        assert time.monotonic() < deadline, (
            f"the API did not come back\n{supervised.output()[-5000:]}"
        )
        rasa_answers.append(answers(f"{stack.rasa_url}/"))
        time.sleep(0.5)
    assert rasa_answers and all(rasa_answers), rasa_answers
    assert listener(supervisor, stack.api_port) != api
    assert listener(supervisor, stack.rasa_port) == rasa

    # The action server dies: it comes back (the health check covers it), the others untouched.
    api = listener(supervisor, stack.api_port)
    os.kill(actions, signal.SIGKILL)
    wait_until(f"{stack.actions_url}/health", timeout=RESTART_TIMEOUT_SECONDS)
    wait_until(health, timeout=RESTART_TIMEOUT_SECONDS)
    assert listener(supervisor, stack.actions_port) != actions
    assert (listener(supervisor, stack.rasa_port), listener(supervisor, stack.api_port)) == (
        rasa,
        api,
    )

    # Each process's output reaches the terminal under its name, and so do the restarts;
    # `ready` ran once.
    output = supervised.output()
    assert len(READY.findall(output)) == 1, output[-5000:]
    for name in ("rasa", "actions", "api"):
        assert re.search(rf"^\S+ {name}\s*\| ", output, re.M), f"no line of {name}\n{output}"
        if name != "rasa":
            restarted = rf"^\S+ system\s*\| {name} exited unexpectedly: restarting"
            assert re.search(restarted, output, re.M), output[-5000:]

    # Stopping the supervisor (as systemd or `kill` would) stops every process it started.
    children = {identity(pid) for pid in descendants(supervisor)} - {None}
    assert len(children) >= 4, children
    assert supervised.process is not None
    supervised.process.send_signal(signal.SIGTERM)
    supervised.process.wait(timeout=STOP_TIMEOUT_SECONDS)
    survivors = {child for child in children if child and identity(child[0]) == child}
    assert not survivors, survivors
    for port in (stack.api_port, stack.rasa_port, stack.actions_port):
        assert not _listening_inodes(port), f"something still listens on {port}"
