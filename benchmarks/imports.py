"""Reading hostile and ordinary spreadsheets: time and peak memory of each, in its own process.

Targets (issue « no user, file or second process can take the service down »):
the 206 KB one-row bomb refused in under 1 s with under 150 MB peak memory.

Run: python benchmarks/imports.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.test_dialogs import _workbook  # noqa: E402

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


if __name__ == "__main__":
    main()
