"""The one error for content files (knowledge base, dialogs, outline texts) that cannot be used as they are."""

from __future__ import annotations


class ContentError(Exception):
    """The content files have problems; `problems` lists them, one French line each, naming the file."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems
