"""Run the Rasa CLI with one performance fix: action responses validated by a compiled validator.

Rasa 3.6 checks every action-server response with `jsonschema.validate`, which first re-checks the
JSON schema itself: under load that is most of the Rasa server's CPU (measured with py-spy, see
README "Performance"). Valid responses now go through a validator compiled once; invalid ones still
go through Rasa's own check, so errors and messages are exactly Rasa's.

    python -m bot.serve run --model models/current.tar.gz ...   (same arguments as `rasa`)
"""

import sys
from typing import Any, Callable, Dict, Text

from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction

_original: Callable[[RemoteAction, Dict[Text, Any]], bool] = RemoteAction._validate_action_result


def install() -> None:
    """Replace RemoteAction's response validation by the compiled one (idempotent)."""
    schema = RemoteAction.action_response_format_spec()
    validator = validator_for(schema)(schema)

    def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
        if validator.is_valid(result):
            return True
        return _original(self, result)

    RemoteAction._validate_action_result = validate_action_result  # type: ignore[assignment]


def main() -> None:
    """Install the fix, then hand over to Rasa's command line."""
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
