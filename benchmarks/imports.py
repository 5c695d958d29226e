"""Reading hostile and ordinary spreadsheets: time and peak memory of each, in its own process.

Targets (issue « no user, file or second process can take the service down »):
the 206 KB one-row bomb refused in under 1 s with under 150 MB peak memory;
20 unconfirmed 2 MB uploads leave the database under 5 MB larger once expired.

Run: python benchmarks/imports.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.workspace import workbook as _workbook  # noqa: E402

CASES = {
    "bombe : une ligne de 2 000 000 cellules": '<row r="1">' + '<c t="inlineStr"><is><t>x</t></is></c>' * 2_000_000 + "</row>",
    "bombe : 4 000 000 cellules vides": '<row r="1">' + "<c/>" * 4_000_000 + "</row>",
    "bombe : une cellule en colonne XFD sur 2 000 lignes": "".join(
        f'<row r="{i}"><c r="XFD{i}" t="inlineStr"><is><t>x</t></is></c></row>' for i in range(1, 2001)),
    "fichier ordinaire : 2 000 lignes × 9 colonnes": "".join(
        f'<row r="{i}">' + "".join(f'<c r="{c}{i}" t="inlineStr"><is><t>Structure {i}</t></is></c>' for c in "ABCDEFGHI")
        + "</row>" for i in range(1, 2001)),
}

MEASURE = """
import sys, time
sys.path.insert(0, {root!r})
from dialogs.tables import TableError, read_rows
content = open({path!r}, "rb").read()
start = time.perf_counter()
try:
    outcome = f"{{len(read_rows('x.xlsx', content))}} lignes lues"
except TableError as error:
    outcome = f"refusé ({{error}})"
# VmHWM, not ru_maxrss: the latter keeps the peak of the forked parent across exec.
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(f"{{time.perf_counter() - start:.2f}} s, pic {{peak / 1024:.0f}} Mo : {{outcome}}")
"""


def unconfirmed_uploads(count: int = 20) -> None:
    """`count` people each send the largest map and never confirm: what is left on disk once they expire."""
    import tempfile

    from bot.config import Settings, StorageSettings
    from bot.replies import Document, Event
    from bot.runtime import build_assistant
    from tests.support.workspace import HEADER

    # The largest map that can be staged: 500 rows (the cap), every text at its maximum length;
    # a 2 MB file holds no more, the rest of its rows being refused and never staged.
    row = ";Élu·e;Structure {n:04d}" + "n" * 100 + ";" + "d" * 500 + ";;Consultation;Autre;Social;" + "c" * 500 + "\r\n"
    content = (HEADER + "".join(row.format(n=n) for n in range(500))).encode()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        assistant = build_assistant(Settings(storage=StorageSettings(path=str(path))))
        storage = assistant.services.storage

        def on_disk() -> float:
            return sum(p.stat().st_size for p in Path(folder).glob("bench.db*")) / 1024 / 1024

        empty = on_disk()
        for user in range(count):
            assistant.handle(Event(user_id=5000 + user, chat_id=5000 + user, document=Document("carte.csv", content)))
        staged = on_disk()
        pending = storage.db.execute("SELECT COUNT(*) FROM pending_imports").fetchone()[0]
        # An hour later: expired. The daily retention run (or the next upload) removes them.
        storage.db.execute("UPDATE pending_imports SET created_at = '2000-01-01T00:00:00+00:00'")
        storage.imports.purge_expired()
        after = on_disk()
        storage.close()
    print(f"{count} imports de {len(content) / 1024 / 1024:.1f} Mo jamais confirmés ({pending} en attente) : "
          f"base vide {empty:.1f} Mo, en attente {staged:.1f} Mo, après expiration {after:.1f} Mo "
          f"({after - empty:+.1f} Mo ; cible < +5 Mo)")


def main() -> None:
    folder = Path("/tmp") / "spaser-import-bench"
    folder.mkdir(exist_ok=True)
    for name, rows in CASES.items():
        path = folder / "case.xlsx"
        path.write_bytes(_workbook(rows))
        size = path.stat().st_size
        result = subprocess.run([sys.executable, "-c", MEASURE.format(root=str(ROOT), path=str(path))],
                                capture_output=True, text=True, timeout=600)
        print(f"{name} ({size // 1024} Ko) : {result.stdout.strip() or result.stderr.strip()[-200:]}")
    unconfirmed_uploads()


if __name__ == "__main__":
    main()
