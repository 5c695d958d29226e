"""`/exemples`: published SPASERs by structure type, région or name, and « comme le mien »."""

from __future__ import annotations

from bot.features.base import Buttons, Command, Feature, MenuButton
from bot.rendering import message
from bot.replies import Button, Event, Reply
from dialogs.inputs import parse_id
from knowledge.examples import Example, like, load_examples, named, search


class ExamplesFeature(Feature):
    def __init__(self, storage, definitions):
        self.storage = storage
        profile = definitions["profil"]
        self.types = {c.value: c.label for c in profile.step("structure_type").choices}
        self.regions = {c.value: c.label for c in profile.step("region").choices}
        self.examples = load_examples()

    def commands(self) -> tuple[Command, ...]:
        return (Command("exemples", "des SPASER publiés, par type, région ou nom", self.open),)

    def buttons(self) -> tuple[Buttons, ...]:
        return (Buttons("ex", self.on_button),)

    def menu(self) -> tuple[MenuButton, ...]:
        return (MenuButton("🔎 SPASER publiés", "exemples"),)

    def open(self, event: Event) -> list[Reply]:
        query = event.args.strip()
        if query:
            return self.find(query[:100])
        present_types = [t for t in self.types if any(t in e.types for e in self.examples)]
        rows = [tuple(Button(self.types[t], f"ex:t:{t}") for t in present_types[i : i + 2]) for i in range(0, len(present_types), 2)]
        rows.append((Button("📍 Par région", "ex:regions"), Button("🔎 Comme le mien", "ex:mine")))
        return [Reply(message("examples_home", count=len(self.examples)), tuple(rows))]

    def find(self, query: str) -> list[Reply]:
        """A région or a kind of structure lists its examples; anything else is a name."""
        region = named(query, self.regions)
        if region is not None:
            return self.listing(self.regions[region], [e for e in self.examples if e.region == region])
        kind = named(query, self.types)
        if kind is not None:
            return self.listing(self.types[kind], [e for e in self.examples if kind in e.types])
        matches, close = search(query, self.examples)
        if matches:
            return [self.card(e) for e in matches[:3]] + (
                [Reply(message("examples_more", count=len(matches) - 3), self.rows(matches[3:]))] if len(matches) > 3 else []
            )
        rows = self.rows(close) if close else ((Button("🔎 Par type ou par région", "ex:home"),),)
        return [Reply(message("examples_not_found", query=query, has_close=bool(close)), rows)]

    def card(self, example: Example) -> Reply:
        return Reply(message(
            "example_card", example=example, region_label=self.regions.get(example.region, example.region),
            type_label=" et ".join(self.types.get(t, t) for t in example.types),
        ))

    def rows(self, examples: list[Example]) -> tuple[tuple[Button, ...], ...]:
        return tuple((Button(e.name, f"ex:s:{e.index}"),) for e in examples)

    def listing(self, title: str, examples: list[Example], reasons: list[str] | None = None) -> list[Reply]:
        if not examples:
            return [Reply(message("examples_none", title=title), ((Button("🔎 Tous les filtres", "ex:home"),),))]
        html = message("examples_list", title=title, examples=examples, types=self.types, regions=self.regions,
                       reasons=reasons)
        return [Reply(html, self.rows(examples))]

    def on_button(self, event: Event, value: str) -> list[Reply]:
        kind, _, arg = value.partition(":")
        if kind == "t" and arg in self.types:
            return self.listing(self.types[arg], [e for e in self.examples if arg in e.types])
        if kind == "r" and arg in self.regions:
            return self.listing(self.regions[arg], [e for e in self.examples if e.region == arg])
        if kind == "regions":
            present = [r for r in self.regions if any(e.region == r for e in self.examples)]
            rows = tuple(tuple(Button(self.regions[r], f"ex:r:{r}") for r in present[i : i + 2]) for i in range(0, len(present), 2))
            return [Reply(message("examples_pick_region"), rows)]
        if kind == "s" and (index := parse_id(arg)) is not None and index < len(self.examples):
            return [self.card(self.examples[index])]
        if kind == "mine":
            workspace = self.storage.workspaces.of_user(event.user_id)
            if workspace is None or not workspace.structure_type:
                return [Reply(message("examples_need_profile"), ((Button("👤 Mon profil", "menu:profil"),),))]
            found = like(workspace.structure_type, workspace.region, workspace.purchases_meur, self.examples)
            title = f"{self.types.get(workspace.structure_type, '')} · {self.regions.get(workspace.region, '')}"
            return self.listing(title, [e for e, _ in found], [why for _, why in found])
        if kind == "home":
            return self.open(event)
        return [Reply(message("unknown_button"))]
