"""Run the Procfile's processes under supervisord: one that dies is restarted, the others go on.

    .venv-api/bin/python -m ops.supervise        (what `make run` ends with)

`Procfile` stays the one list of commands. This writes a supervisord configuration for them into
SUPERVISOR_DIR (default var/supervisor/) and runs supervisord in the foreground, in a session of
its own, until it is stopped:
- each process's output reaches this terminal, each line prefixed with its name, and so do the
  processes' starts, exits and restarts (ops/output.py; supervisord itself writes only its log);
- a process that exits is started again at once; one that dies within its first seconds is tried
  again after 1, 2, 3... s, and given up (FATAL) after a few tries;
- `ready` runs once: it is started again only if it fails;
- Ctrl-C, SIGTERM or the terminal closing (SIGHUP) stops every process, each with its own
  subprocesses (its process group), killed if still there after STOP_WAIT_SECONDS; so does this
  process's death, even by SIGKILL (supervisord is told to stop by the kernel).
`supervisorctl -c var/supervisor/supervisord.conf status` lists the processes and their pids.
"""

import argparse
import contextlib
import ctypes
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT / "var" / "supervisor"
CONFIG_NAME = "supervisord.conf"
SOCKET_NAME = "supervisord.sock"
# Runs once: exit status 0 is the end of its work, anything else is started again.
ONE_SHOT = frozenset({"ready"})
# Seconds a process must stay up to count as started (Rasa loads its model first): dying sooner
# is retried after 1, 2, 3... s, START_RETRIES times. After that, any exit is restarted at once.
START_SECONDS = {"rasa": 30, "ready": 0}
DEFAULT_START_SECONDS = 5
START_RETRIES = 5
STOP_WAIT_SECONDS = 20
LOG_MAX_BYTES = "10MB"
LOG_BACKUPS = 2
# Output chunks supervisord may queue while the output listener is busy (Rasa's start is chatty).
OUTPUT_BUFFER_EVENTS = 10000
USERNAME = "chorus"
PR_SET_PDEATHSIG = 1  # prctl(2)

_LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")
_INLINE_COMMENT = re.compile(r"\s[;#]")  # supervisord's configuration parser would cut the rest


@dataclass(frozen=True)
class Program:
    """One Procfile line: a process name and its shell command."""

    name: str
    command: str


def read_procfile(path: Path) -> list[Program]:
    """Return the Procfile's processes in order (blank lines and # comments are skipped)."""
    programs: list[Program] = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise ValueError(f"{path}:{number}: expected `name: command`")
        name, command = match.groups()
        if _INLINE_COMMENT.search(command):
            raise ValueError(f"{path}:{number}: supervisord would cut the command at ' ;' or ' #'")
        if any(program.name == name for program in programs):
            raise ValueError(f"{path}:{number}: {name} is defined twice")
        programs.append(Program(name, command))
    if not programs:
        raise ValueError(f"{path}: no process")
    return programs


def _value(text: str) -> str:
    """Escape a value for supervisord's configuration, which expands %(name)s."""
    return text.replace("%", "%%")


def render(
    programs: list[Program],
    directory: Path,
    *,
    password: str,
    output: str,
    color: bool,
    python: str = sys.executable,
    root: Path = ROOT,
) -> str:
    """Return the supervisord configuration running `programs`, its files in `directory`, the
    processes' output and state changes written to the file `output` (a terminal)."""
    sock = directory / SOCKET_NAME
    listener = [python, "-m", "ops.output", "--output", output, *(["--color"] if color else [])]
    listener += ["--", *(program.name for program in programs)]
    sections = [
        f"""[supervisord]
nodaemon = true
silent = true
logfile = {_value(str(directory / "supervisord.log"))}
logfile_maxbytes = {LOG_MAX_BYTES}
logfile_backups = {LOG_BACKUPS}
pidfile = {_value(str(directory / "supervisord.pid"))}
childlogdir = {_value(str(directory))}
{"user = root" if os.getuid() == 0 else ""}

[unix_http_server]
file = {_value(str(sock))}
chmod = 0700
username = {USERNAME}
password = {password}

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl = unix://{_value(str(sock))}
username = {USERNAME}
password = {password}

[eventlistener:output]
command = {_value(shlex.join(listener))}
directory = {_value(str(root))}
events = PROCESS_LOG,PROCESS_STATE
buffer_size = {OUTPUT_BUFFER_EVENTS}
priority = 1
autorestart = true
stdout_logfile = NONE
stderr_logfile = {_value(str(directory / "output.log"))}
stderr_logfile_maxbytes = {LOG_MAX_BYTES}
stderr_logfile_backups = {LOG_BACKUPS}
"""
    ]
    for number, program in enumerate(programs):
        log = directory / f"{program.name}.log"
        one_shot = program.name in ONE_SHOT
        sections.append(
            f"""[program:{program.name}]
command = /bin/bash -c {_value(shlex.quote(program.command))}
directory = {_value(str(root))}
priority = {100 + 10 * number}
startsecs = {START_SECONDS.get(program.name, DEFAULT_START_SECONDS)}
startretries = {START_RETRIES}
autorestart = {"unexpected" if one_shot else "true"}
exitcodes = 0
environment = PYTHONUNBUFFERED="1"
stopsignal = TERM
stopwaitsecs = {STOP_WAIT_SECONDS}
stopasgroup = true
killasgroup = true
redirect_stderr = true
stdout_logfile = {_value(str(log))}
stdout_logfile_maxbytes = {LOG_MAX_BYTES}
stdout_logfile_backups = {LOG_BACKUPS}
stdout_events_enabled = true
"""
        )
    return "\n".join(sections)


def _running(sock: Path) -> bool:
    """Whether a supervisord already answers on this socket."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        try:
            client.connect(str(sock))
        except OSError:
            return False
    return True


def _shown(path: Path) -> str:
    """The path relative to the working directory when it is below it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _stop_with_parent() -> None:
    """In the child: have the kernel send SIGTERM when this parent dies, however it dies."""
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _say(line: str) -> None:
    """Print a line at the end of standard output, appending as the output listener does (a log
    file is not overwritten), if it is still there."""
    with contextlib.suppress(OSError):
        descriptor = os.open("/proc/self/fd/1", os.O_WRONLY | os.O_APPEND | os.O_NOCTTY)
        with os.fdopen(descriptor, "w") as out:
            out.write(line + "\n")


def supervise(config: Path) -> int:
    """Run supervisord until it stops; a stop signal here becomes SIGTERM to it."""
    supervisord = Path(sys.executable).parent / "supervisord"
    # Its own session: the terminal's Ctrl-C and hang-up reach this process only, which asks
    # supervisord to stop its processes in order, instead of killing them all at once.
    process = subprocess.Popen(
        [str(supervisord), "--configuration", str(config)],
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=_stop_with_parent,
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        if process.poll() is None:
            process.terminate()

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)
    status = process.wait()
    log = _shown(config.parent / "supervisord.log")
    _say(
        f"==> Every process stopped ({log})"
        if status == 0
        else f"==> supervisord exited with {status}: see {log}"
    )
    return status


def main(argv: list[str] | None = None) -> int:
    """Write the configuration and run supervisord with it."""
    parser = argparse.ArgumentParser(description="Run the Procfile's processes under supervisord.")
    parser.add_argument("--procfile", type=Path, default=ROOT / "Procfile")
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(os.environ.get("SUPERVISOR_DIR") or DEFAULT_DIR),
        help="configuration, socket and logs (default: $SUPERVISOR_DIR, else var/supervisor)",
    )
    args = parser.parse_args(argv)
    directory: Path = args.dir.resolve()
    programs = read_procfile(args.procfile)
    config = directory / CONFIG_NAME
    ctl = f"{_shown(Path(sys.executable).parent / 'supervisorctl')} -c {_shown(config)}"
    directory.mkdir(parents=True, exist_ok=True)
    if _running(directory / SOCKET_NAME):
        print(f"Already running, see `{ctl} status`", file=sys.stderr)
        return 1
    text = render(
        programs,
        directory,
        password=secrets.token_urlsafe(24),
        # This process's standard output, wherever it goes: the listener writes there itself.
        output=f"/proc/{os.getpid()}/fd/1",
        color=sys.stdout.isatty() and "NO_COLOR" not in os.environ,
    )
    descriptor = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)
    names = ", ".join(program.name for program in programs)
    print(f"==> supervisord runs {names}; `{ctl} status` shows them", flush=True)
    return supervise(config)


if __name__ == "__main__":
    sys.exit(main())
