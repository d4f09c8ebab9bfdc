"""Under `make run` nothing listens beyond this machine unless configured, and Rasa's HTTP API
needs its token."""

import re

from tests.stack import ROOT


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def test_the_api_and_the_action_server_listen_on_loopback_by_default() -> None:
    processes = procfile()
    assert "--host ${API_HOST:-127.0.0.1}" in processes["api"]
    assert "SANIC_HOST=${ACTIONS_HOST:-127.0.0.1}" in processes["actions"]
    assert "--interface 127.0.0.1" in processes["rasa"]
    assert "0.0.0.0" not in " ".join(processes.values())


def test_rasa_runs_its_api_with_a_token_and_no_default_value() -> None:
    rasa = procfile()["rasa"]
    assert "--enable-api" in rasa
    match = re.search(r'--auth-token "\$\{RASA_TOKEN:-\$\(cat (\S+)\)\}"', rasa)
    assert match and match.group(1) == "var/secrets/rasa_token"
