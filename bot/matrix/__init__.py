"""The Matrix channel (Tchap, the State's messenger): matrix-nio in front of the core.

`app.py` reads the homeserver's events and wires everything; `sender.py` is
the one way out; `reading.py` turns what a person typed or tapped into an
event (commands with « ! », numbers, reactions). Nothing outside this
package imports matrix-nio.
"""

from __future__ import annotations

from bot.replies import Capabilities

# What a Matrix room can do: no buttons (choices are numbered and offered as reactions), edits,
# files, HTML. Tchap's clients take a leading « / » for themselves: commands are written « !aide ».
# An event is at most 64 KiB once encrypted: a message is cut well below.
MATRIX = Capabilities(name="matrix", buttons=False, edits=True, files=True, html=True, max_length=12_000,
                      announcements=True, command_prefix="!")
