"""Load the knowledge entries from the YAML files, with precise errors for a bad file."""

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from knowledge_base.schema import DomainFile, Entry

ENTRIES_DIR = Path(__file__).resolve().parent / "entries"


class KnowledgeFileError(ValueError):
    """A knowledge file is invalid; the message names the file, the entry and the field."""


def _location(raw: Any, loc: tuple[int | str, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "entries" and isinstance(loc[1], int):
        entries = raw.get("entries") if isinstance(raw, dict) else None
        entry = entries[loc[1]] if isinstance(entries, list) and loc[1] < len(entries) else None
        entry_id = entry.get("id") if isinstance(entry, dict) else None
        field = ".".join(str(part) for part in loc[2:]) or "(entry)"
        return f"entry #{loc[1] + 1} ({entry_id or 'no id'}), field {field}"
    return "field " + (".".join(str(part) for part in loc) or "(file)")


def load_file(path: Path, *, known_domains: Iterable[str] | None = None) -> list[Entry]:
    """Load and validate one domain file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeFileError(f"{path}: {exc}") from exc
    try:
        parsed = DomainFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise KnowledgeFileError(f"{path}: {_location(raw, first['loc'])}: {first['msg']}") from exc
    for number, entry in enumerate(parsed.entries, start=1):
        if entry.domain != parsed.domain:
            raise KnowledgeFileError(
                f"{path}: entry #{number} ({entry.id}), field domain: "
                f"{entry.domain!r} differs from the file's domain {parsed.domain!r}"
            )
    if known_domains is not None and parsed.domain not in set(known_domains):
        raise KnowledgeFileError(f"{path}: field domain: unknown domain {parsed.domain!r}")
    return parsed.entries


def load_entries(
    directory: Path = ENTRIES_DIR, *, known_domains: Iterable[str] | None = None
) -> list[Entry]:
    """Load every domain file of a directory; ids must be unique and buttons must resolve."""
    domains = list(known_domains) if known_domains is not None else None
    entries: list[Entry] = []
    origin: dict[str, Path] = {}
    for path in sorted(directory.glob("*.yml")):
        for entry in load_file(path, known_domains=domains):
            if entry.id in origin:
                raise KnowledgeFileError(
                    f"{path}: entry {entry.id}: id already used in {origin[entry.id]}"
                )
            origin[entry.id] = path
            entries.append(entry)
    check_buttons(entries, origin)
    return entries


def check_buttons(entries: list[Entry], origin: dict[str, Path]) -> None:
    """Raise if a button opens an entry that does not exist."""
    ids = {entry.id for entry in entries}
    for entry in entries:
        targets = [b.entry_id for b in entry.buttons]
        if entry.follow_up:
            targets += [b.entry_id for o in entry.follow_up.options for b in o.buttons]
        for target in targets:
            if target not in ids:
                raise KnowledgeFileError(
                    f"{origin[entry.id]}: entry {entry.id}, field buttons: "
                    f"no entry with id {target!r}"
                )
