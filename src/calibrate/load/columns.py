"""Match a file's header to the contract: renames, duplicates and missing columns.

``column_map`` (from params) renames source columns to contract names before
any rule runs. Messages then name a renamed column both ways, as it appears
in the file and by its contract name: ``column "Acct ARR" (arr)``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..contract import TableSpec
from ..errors import Violation
from .collect import ViolationLog

__all__ = ["HeaderMatch", "match_header"]


@dataclass(frozen=True)
class HeaderMatch:
    """How each file column is named after renaming.

    ``names[i]`` is the name of file column ``i`` (``None`` when it is dropped
    as a duplicate); ``labels`` maps a name to how messages refer to it;
    ``missing`` lists required contract columns the file does not have.
    """

    names: tuple[str | None, ...]
    labels: dict[str, str]
    missing: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.missing


def match_header(
    header: list[str],
    spec: TableSpec,
    *,
    column_map: dict[str, str] | None,
    file: str,
    log: ViolationLog,
) -> HeaderMatch:
    """Rename ``header`` with ``column_map`` and report duplicate and missing columns."""
    mapping = {str(source).strip(): str(target).strip() for source, target in (column_map or {}).items()}
    names: list[str | None] = []
    labels: dict[str, str] = {}
    position_of: dict[str, int] = {}
    for position, source in enumerate(header):
        name = mapping.get(source, source) or f"unnamed_{position + 1}"
        label = name if name == source else f'"{source}" ({name})'
        if name in position_of:
            first = position_of[name]
            log.add(
                Violation(
                    file,
                    None,
                    label,
                    None,
                    f"one column per name, but the header names {name} twice (columns {first + 1} and {position + 1});"
                    " remove one of them or fix column_map in params",
                )
            )
            names.append(None)
            continue
        position_of[name] = position
        labels[name] = label
        names.append(name)

    missing = tuple(c for c in spec.required_columns if c not in position_of)
    for column in missing:
        sources = [source for source, target in mapping.items() if target == column]
        label = f'"{sources[0]}" ({column})' if sources else column
        log.add(Violation(file, None, label, None, _missing_message(column, sources, header, spec)))
    return HeaderMatch(names=tuple(names), labels=labels, missing=missing)


def _missing_message(column: str, sources: list[str], header: list[str], spec: TableSpec) -> str:
    found = ", ".join(f'"{h}"' for h in header) or "none"
    unused = [h for h in header if h not in spec.column_names]
    close = difflib.get_close_matches(column, unused, n=1, cutoff=0.5)
    if not close:
        lowered = {h.lower().replace(" ", "_"): h for h in unused}
        close = [lowered[k] for k in difflib.get_close_matches(column, list(lowered), n=1, cutoff=0.5)]
    text = "a required column, but the file has no such column"
    if sources:
        text += f' (column_map in params maps "{sources[0]}" to it, and the file has no "{sources[0]}" either)'
    text += f"; columns found: {found}."
    if close:
        text += (
            f' Did you mean "{close[0]}"? Rename it to {column} in the file, or map it in params:'
            f' column_map: {{{spec.name}: {{"{close[0]}": {column}}}}}'
        )
    else:
        text += f" Add the column {column} to the export."
    return text
