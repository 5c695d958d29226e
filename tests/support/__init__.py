"""Helpers shared by the tests: a person chatting, filled workspaces, the CLI, the fake Bot API."""
