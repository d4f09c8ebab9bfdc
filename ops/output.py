"""supervisord event listener: print each process's output, each line prefixed with its name, and
each start, exit and restart as a `system` line, to the terminal of `make run`.

supervisord hands them over as PROCESS_LOG and PROCESS_STATE events (the listener protocol: READY,
a header line, a payload of `len` bytes, RESULT). The lines go to the file given by --output,
opened here, so that supervisord never writes to the terminal: a terminal that is gone (a closed
window, `make run | tee` after Ctrl-C) costs the lines, never supervisord or a process.

    python -m ops.output --output /proc/PID/fd/1 [--color] -- rasa actions api ready
"""

import argparse
import os
import signal
import sys
from datetime import datetime
from types import FrameType
from typing import BinaryIO

COLORS = ("36", "33", "32", "35", "31", "34")  # cyan, yellow, green, magenta, red, blue
SYSTEM = "system"
MAX_UNFINISHED_BYTES = 65536  # an unfinished line longer than this is printed as it is


def parse_tokens(line: bytes) -> dict[str, str]:
    """Parse `key:value key:value` (a header line, or the first line of a payload)."""
    return dict(token.split(":", 1) for token in line.decode().split())


def describe(state: str, tokens: dict[str, str]) -> str | None:
    """Say what a PROCESS_STATE_<state> event means, or None for the uninteresting ones."""
    name, pid = tokens["processname"], tokens.get("pid", "?")
    if state == "STARTING":
        return f"{name} starting" if tokens.get("from_state") != "STOPPED" else None
    if state == "RUNNING":
        return f"{name} running (pid {pid})"
    if state == "EXITED":
        how = "exited" if tokens.get("expected") == "1" else "exited unexpectedly: restarting"
        return f"{name} {how} (pid {pid})"
    if state == "BACKOFF":
        return f"{name} exited too soon: starting again after {int(tokens.get('tries', 0))} s"
    if state == "FATAL":
        return f"{name} given up (`supervisorctl start {name}` tries again)"
    if state in ("STOPPING", "STOPPED"):
        return f"{name} {state.lower()}"
    return None


class Printer:
    """Turn output chunks into lines prefixed with the time and the process's name."""

    def __init__(self, names: list[str], out: BinaryIO, *, color: bool) -> None:
        self._names = names
        self._width = max((len(name) for name in [SYSTEM, *names]), default=0)
        self._out: BinaryIO | None = out
        self._color = color
        self._unfinished: dict[str, bytes] = {}

    def _prefix(self, name: str) -> bytes:
        prefix = f"{datetime.now():%H:%M:%S} {name:<{self._width}} | "
        if self._color and name in self._names:
            code = COLORS[self._names.index(name) % len(COLORS)]
            prefix = f"\033[{code}m{prefix}\033[0m"
        return prefix.encode()

    def _write(self, data: bytes) -> None:
        if self._out is None:
            return
        try:
            self._out.write(data)
            self._out.flush()
        except OSError:  # the terminal is gone: the lines are lost, the listener goes on
            self._out = None

    def feed(self, name: str, data: bytes) -> None:
        """Print the complete lines of a chunk; keep its unfinished end for the next one."""
        *lines, rest = (self._unfinished.pop(name, b"") + data).split(b"\n")
        if len(rest) > MAX_UNFINISHED_BYTES:
            lines, rest = [*lines, rest], b""
        if rest:
            self._unfinished[name] = rest
        if lines:
            prefix = self._prefix(name)
            self._write(b"".join(prefix + line + b"\n" for line in lines))

    def flush(self) -> None:
        """Print the unfinished lines."""
        for name in list(self._unfinished):
            self.feed(name, b"\n")


def serve(events: BinaryIO, answers: BinaryIO, printer: Printer, names: list[str]) -> None:
    """Answer supervisord's events until it closes the pipe."""
    while True:
        answers.write(b"READY\n")
        answers.flush()
        line = events.readline()
        if not line:
            return
        header = parse_tokens(line)
        payload = events.read(int(header["len"]))
        first, _, data = payload.partition(b"\n")
        tokens = parse_tokens(first)
        event = header.get("eventname", "")
        if tokens.get("processname") in names:
            if event.startswith("PROCESS_LOG"):
                printer.feed(tokens["processname"], data)
            elif event.startswith("PROCESS_STATE_"):
                message = describe(event.removeprefix("PROCESS_STATE_"), tokens)
                if message is not None:
                    printer.feed(SYSTEM, f"{message}\n".encode())
        answers.write(b"RESULT 2\nOK")
        answers.flush()


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def _open(path: str) -> BinaryIO:
    """Open the terminal (or whatever `path` is) for appending; stderr if it cannot be."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NOCTTY)
    except OSError:
        return sys.stderr.buffer
    return os.fdopen(descriptor, "wb")


def main(argv: list[str] | None = None) -> int:
    """Run the listener on stdin and stdout (supervisord's protocol)."""
    parser = argparse.ArgumentParser(description="Print supervisord's process events.")
    parser.add_argument("--output", default="/dev/stderr", help="where the lines go")
    parser.add_argument("--color", action="store_true", help="color each process's prefix")
    parser.add_argument("names", nargs="*", help="the processes, in order (colors, alignment)")
    args = parser.parse_args(argv)
    printer = Printer(args.names, _open(args.output), color=args.color)
    signal.signal(signal.SIGTERM, _stop)
    try:
        serve(sys.stdin.buffer, sys.stdout.buffer, printer, args.names)
    finally:
        printer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
