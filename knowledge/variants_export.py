"""`spaser-bot kb export-variants`: write attached paraphrases into the YAML files.

Each new paraphrase is inserted as one line at the end of its entry's
`variants:` list; every other line of the file stays exactly as it was, so
the diff shows only the additions and the editors' comments survive.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from knowledge.content import current


def _yaml_item(text: str) -> str:
    """The text as a YAML list item, quoted only if YAML needs it."""
    dumped = yaml.safe_dump([text], allow_unicode=True, width=10**6, default_flow_style=False)
    return dumped.strip().splitlines()[0][2:]


def insert_variants(source: str, entry_id: str, texts: list[str]) -> str | None:
    """The file text with `texts` appended to the entry's variants, or None if the entry is not here."""
    lines = source.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.fullmatch(rf"\s*- id: {re.escape(entry_id)}\s*", line)), None)
    if start is None:
        return None
    entry_indent = len(lines[start]) - len(lines[start].lstrip())
    header = next(
        (i for i in range(start + 1, len(lines))
         if re.match(r"\s*variants:\s*$", lines[i]) and len(lines[i]) - len(lines[i].lstrip()) > entry_indent),
        None,
    )
    if header is None:
        return None
    last, item_prefix = header, None
    for i in range(header + 1, len(lines)):
        match = re.match(r"(\s*)- ", lines[i])
        if match and (item_prefix is None or match.group(1) == item_prefix):
            item_prefix, last = match.group(1), i
        else:
            break
    prefix = item_prefix if item_prefix is not None else " " * (len(lines[header]) - len(lines[header].lstrip()) + 2)
    existing = set()
    for i in range(header + 1, last + 1):
        existing.add(yaml.safe_load(lines[i].strip()[2:]) if lines[i].strip().startswith("- ") else None)
    new = [f"{prefix}- {_yaml_item(t)}\n" for t in texts if t not in existing]
    if lines[last] and not lines[last].endswith("\n"):
        lines[last] += "\n"
    return "".join(lines[: last + 1] + new + lines[last + 1 :])


def export_variants(variants: dict[str, list[str]], directory: Path | None = None) -> tuple[list[str], list[str]]:
    """Write them; return (entry ids written, entry ids not found in any file).

    Without `directory`, into the content folder in use, never into the installed copy behind its back.
    """
    directory = directory or current().knowledge
    written, missing = [], []
    files = sorted((directory / "faq").glob("*.yaml"))
    for entry_id, texts in variants.items():
        for path in files:
            source = path.read_text(encoding="utf-8")
            updated = insert_variants(source, entry_id, texts)
            if updated is not None:
                yaml.safe_load(updated)  # never leave a file YAML cannot read
                path.write_text(updated, encoding="utf-8")
                written.append(entry_id)
                break
        else:
            missing.append(entry_id)
    return written, missing
