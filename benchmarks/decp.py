"""Reading DECP files and computing a baseline: time and peak memory, each case in its own process.

Targets (issue « read any DECP file, compute the baseline right »): 300,000 contracts in one
JSON file streamed in under 10 s with under 200 MB peak memory; one buyer's 5,000-row XLSX
in under 1 s.

Run: python benchmarks/decp.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.decp_samples import BUYER, generated, tabular_rows, write_xlsx  # noqa: E402

MEASURE = """
import sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from knowledge.baseline import compute, selector
from knowledge.decp import read_contracts
start = time.perf_counter()
result = compute(read_contracts(Path({path!r}), selector([{buyer!r}])), [{buyer!r}], ["x"])
elapsed = time.perf_counter() - start
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
contracts = sum(y["contracts"] for y in result["years"])
print(f"{{elapsed:.2f}} s, pic {{peak / 1024:.0f}} Mo ({{contracts}} marchés de l'acheteur)")
"""


def measure(path: Path, buyer: str) -> str:
    done = subprocess.run([sys.executable, "-c", MEASURE.format(root=str(ROOT), path=str(path), buyer=buyer)],
                          capture_output=True, text=True, timeout=600)
    return done.stdout.strip() or done.stderr.strip()[-300:]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        big = Path(folder) / "decp-300000.json"
        big.write_text(json.dumps(generated(300_000), ensure_ascii=False), encoding="utf-8")
        buyer = generated(1)["marches"]["marche"][0]["acheteur"]["id"]
        print(f"JSON de 300 000 marchés ({big.stat().st_size / 1024**2:.0f} Mo), un acheteur parmi 1 000 : "
              f"{measure(big, buyer)} (cible < 10 s, < 200 Mo)")
        marches = generated(2_500, buyers=1)["marches"]["marche"]
        for m in marches:
            m["acheteur"]["id"] = BUYER
        xlsx = write_xlsx(Path(folder) / "acheteur.xlsx", tabular_rows(marches))  # 2 rows per contract: 5,000 rows
        print(f"XLSX d'un acheteur, 5 000 lignes ({xlsx.stat().st_size / 1024:.0f} Ko) : {measure(xlsx, BUYER)} "
              "(cible < 1 s)")


if __name__ == "__main__":
    main()
