"""The DECP reader and the baseline, on files the project makes: the official shape and what is seen in the wild."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from knowledge.baseline import compute, purchase_kind
from knowledge.decp import read_contracts
from tests.support.decp_samples import (BUYER, HOLDER, OTHER, hand_made, marche, tabular_rows, write_csv, write_json,
                                write_xlsx, write_xml)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "decp"
TODAY = date(2026, 12, 2)


def baseline(*paths: Path, buyers=(BUYER,)) -> dict:
    from itertools import chain

    return compute(chain.from_iterable(read_contracts(p) for p in paths), list(buyers), [p.name for p in paths], TODAY)


def test_the_hand_made_file_gives_the_figures_worked_out_by_hand(tmp_path):
    marches, concessions = hand_made()
    result = baseline(write_json(tmp_path / "decp.json", marches, concessions))
    y2024, y2025 = result["years"]
    assert (y2024["year"], y2024["contracts"], y2024["amount"]) == (2024, 3, 350_000)  # the duplicate counted once
    assert y2024["social"]["contracts"] == 2 and y2024["social"]["amount"] == 150_000  # « Clause » beside « Pas de »
    assert y2024["social"]["share_of_contracts"] == 0.6667 and y2024["social"]["share_of_amount"] == 0.4286
    assert y2024["social"]["by_kind"] == {"clause": {"contracts": 2, "amount": 150_000}, "critere": {"contracts": 0, "amount": 0},
                                          "reserve": {"contracts": 0, "amount": 0}}
    assert (y2024["environmental"]["contracts"], y2024["environmental"]["amount"]) == (1, 50_000)
    assert (y2024["both"]["contracts"], y2024["at_least_one"]["contracts"], y2024["at_least_one"]["amount"]) == (1, 2, 150_000)
    assert y2024["unknown"] == {"social": 1, "environmental": 1}  # a missing field is unknown, never « no »
    assert y2024["framework_share"] == 0.1429
    assert y2024["by_kind_of_purchase"]["services"]["contracts"] == 2
    assert y2024["by_kind_of_purchase"]["fournitures"]["amount"] == 50_000
    assert (y2025["contracts"], y2025["amount"], y2025["social"]["by_kind"]["reserve"]["contracts"]) == (2, 140_000, 1)
    assert y2025["by_kind_of_purchase"]["travaux"]["social"]["contracts"] == 1
    assert y2025["change"] == {"contracts": -1, "amount": -210_000, "social_points": -16.7, "environmental_points": 16.7}
    pnad, law = result["references"]
    assert pnad["distance_points"] == [{"period": "2024", "contracts": 3, "social": 36.7, "environmental": -66.7},
                                       {"period": "2025", "contracts": 2, "social": 20.0, "environmental": -50.0}]
    assert law["distance_points"] == []  # 2024–2025 are never measured against the 2026 obligation
    [c2024] = result["concessions"]["years"]
    assert (c2024["contracts"], c2024["amount"], c2024["social"]["by_kind"]["reserve"]["contracts"]) == (1, 1_500_000, 1)
    assert HOLDER not in json.dumps(result)


@pytest.mark.parametrize("writer", ["csv-semicolon", "csv-comma", "xlsx", "xml"])
def test_tabular_and_xml_exports_give_the_same_baseline(tmp_path, writer):
    marches, _ = hand_made()
    expected = baseline(write_json(tmp_path / "decp.json", marches))["years"]
    rows = tabular_rows(marches)
    if writer == "csv-semicolon":
        path = write_csv(tmp_path / "decp.csv", rows)
    elif writer == "csv-comma":
        path = write_csv(tmp_path / "decp.csv", [[c.lower() if i == 0 else c for c in r] for i, r in enumerate(rows)], ",")
    elif writer == "xlsx":
        path = write_xlsx(tmp_path / "decp.xlsx", rows)
    else:
        path = write_xml(tmp_path / "decp.xml", marches)
    assert baseline(path)["years"] == expected


def test_a_siren_takes_every_establishment_and_several_buyers_add_up(tmp_path):
    marches = [marche("A", "2024-01-10", 50_000, ["Clause sociale"], ["Clause environnementale"], buyer=BUYER),
               marche("B", "2024-02-10", 70_000, ["Pas de considération sociale"], ["Clause environnementale"],
                      buyer=BUYER[:9] + "00021"),
               marche("C", "2024-03-10", 90_000, ["Critère social"], ["Critère environnemental"], buyer=OTHER)]
    path = write_json(tmp_path / "d.json", marches)
    assert baseline(path, buyers=[BUYER[:9]])["years"][0]["contracts"] == 2
    both = baseline(path, buyers=[BUYER, OTHER])
    assert both["acheteur"] == [BUYER, OTHER] and both["years"][0]["contracts"] == 2


def test_the_obligation_of_august_2026_is_measured_on_contracts_notified_since(tmp_path):
    marches = [marche("A", "2026-03-01", 50_000, ["Clause sociale"], ["Pas de considération environnementale"]),
               marche("B", "2026-09-01", 70_000, ["Clause sociale"], ["Critère environnemental"]),
               marche("C", "2026-10-01", 70_000, ["Clause sociale"], ["Pas de considération environnementale"])]
    result = baseline(write_json(tmp_path / "d.json", marches))
    [law] = [r for r in result["references"] if r["id"] == "climat-resilience-2026"]
    assert law["distance_points"] == [{"period": "depuis le 2026-08-21", "contracts": 2, "environmental": -50.0}]
    assert result["years"][0]["partial"] and any("2026 est en cours" in note for note in result["coverage"])


def test_the_flat_list_seen_in_the_wild_is_read(tmp_path):
    marches, _ = hand_made()
    path = tmp_path / "flat.json"
    path.write_text(json.dumps(marches), encoding="utf-8")
    assert baseline(path)["years"][0]["contracts"] == 3


def test_cpv_divisions_map_to_kinds_of_purchase():
    assert [purchase_kind(d) for d in ("45", "03", "44", "48", "50", "98", "99", None)] == [
        "travaux", "fournitures", "fournitures", "fournitures", "services", "services", "inconnu", "inconnu"]


# -- bad input: a French sentence and exit status 1 -------------------------------------------


def _run(capsys, *args) -> tuple[int, str, str]:
    code = main(["decp", "baseline", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_command_prints_french_text_json_and_exports(tmp_path, capsys):
    marches, concessions = hand_made()
    path = write_json(tmp_path / "decp.json", marches, concessions)
    code, out, _ = _run(capsys, path, "--acheteur", BUYER)
    assert code == 0 and "2024 : 3 marché(s), 350\u202f000 € HT" in out and "66,7 %" in out
    assert "40 000 € HT" in out  # what the figures do not cover is said every time
    code, out, _ = _run(capsys, path, "--acheteur", BUYER, "--json", "--export", tmp_path / "base.xlsx")
    data = json.loads(out)
    assert code == 0 and {"acheteur", "source", "years", "concessions"} <= set(data)
    assert set(data["years"][0]) >= {"year", "contracts", "amount", "social", "environmental", "both", "at_least_one",
                                     "unknown", "by_kind_of_purchase", "framework_share"}
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "base.xlsx").active
    assert [c.value for c in sheet[2]][:3] == [2024, 3, 350000]
    code, _, _ = _run(capsys, path, "--acheteur", BUYER, "--export", tmp_path / "base.csv")
    assert code == 0 and (tmp_path / "base.csv").read_bytes().startswith(b"\xef\xbb\xbfAnn")


def test_a_file_with_only_other_buyers_says_which_buyers_it_holds(tmp_path, capsys):
    marches, _ = hand_made()
    code, _, err = _run(capsys, write_json(tmp_path / "d.json", marches), "--acheteur", "21750001600019")
    assert code == 1 and "Aucun marché de 21750001600019" in err and BUYER in err and OTHER in err


@pytest.mark.parametrize("content, expected", [
    (b"", "est vide"),
    (b'{"marches": {"marche": [{"id": "1", "acheteur": {"id": "2186', "tronqué"),
    (b'{"marches": [{"_type": "March\xc3\xa9", "id": "1", "acheteur": {"id": "21860194400013"}}]}', "format DECP 1.x"),
    (b'{"a": 1}', "clé « marches » absente"),
    (b"nom;prenom\r\nDupont;Jean\r\n", "ne ressemble pas à un export DECP"),
    (b"id;acheteur.id;dateNotification;montant\r\n1;21860194400013;2022-01-01;5\r\n", "format 1.x"),
    (b"<marches><marche><id>1</id>", "tronqué"),
])
def test_bad_files_get_a_french_reason_and_exit_status_1(tmp_path, capsys, content, expected):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    code, out, err = _run(capsys, path, "--acheteur", BUYER)
    assert code == 1 and expected in err and "Traceback" not in err + out


@pytest.mark.parametrize("content", [
    "[" * 100_000 + "]" * 100_000,
    '{"marches": {"marche": [' + '["]", ' * 20_000 + "1" + "]" * 20_000 + "]}}",
    '{"marches": {"marche": [' + "[[]," * 20_000 + "1" + "]" * 20_000 + "]}}",
])
def test_a_json_nested_thousands_deep_is_refused_before_parsing(tmp_path, capsys, content):
    path = tmp_path / "deep.json"
    path.write_text(content)
    code, _, err = _run(capsys, path, "--acheteur", BUYER)
    assert code == 1 and "imbrique plus de 64 niveaux" in err


def test_an_xml_with_exploding_entities_is_refused(tmp_path, capsys):
    entities = "".join(f'<!ENTITY e{n} "' + f"&e{n - 1};" * 10 + '">' for n in range(1, 10))
    path = tmp_path / "lol.xml"
    path.write_text(f'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY e0 "lol">{entities}]>'
                    f"<marches><marche><id>&e9;</id><acheteur><id>{BUYER}</id></acheteur></marche></marches>")
    code, _, err = _run(capsys, path, "--acheteur", BUYER)
    assert code == 1 and "XML" in err


def test_a_zip_bomb_disguised_as_a_spreadsheet_is_refused_unopened(tmp_path, capsys):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b"0" * (30 * 1024 * 1024))  # 30 MB from ~30 KB
    code, _, err = _run(capsys, path, "--acheteur", BUYER)
    assert code == 1 and "se décompresse" in err


def test_the_memory_cap_stays_in_the_reading_process(tmp_path, capsys):
    import resource

    before = resource.getrlimit(resource.RLIMIT_AS)
    marches, _ = hand_made()
    assert _run(capsys, write_json(tmp_path / "d.json", marches), "--acheteur", BUYER)[0] == 0
    assert resource.getrlimit(resource.RLIMIT_AS) == before  # LibreOffice and the bot are not capped


def test_a_wrong_siret_is_refused(tmp_path, capsys):
    code, _, err = _run(capsys, tmp_path / "x.json", "--acheteur", "1234")
    assert code == 1 and "ni un SIRET" in err


# -- conformance ------------------------------------------------------------------------------


def test_the_files_made_here_follow_the_official_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((Path(__file__).parent / "data" / "decp" / "schema_decp_v2.0.3.json").read_text(encoding="utf-8"))
    marches, concessions = hand_made()
    official = [m for m in marches if "considerationsSociales" in m]  # 2024-003 is a wild variant on purpose
    jsonschema.validate({"marches": {"marche": official, "contrat-concession": concessions}}, schema)
    from tests.support.decp_samples import generated

    jsonschema.validate(generated(50), schema)


@pytest.mark.skipif(not SHARED.is_dir(), reason="the official DECP examples are not on this machine")
@pytest.mark.parametrize("name", ["marches_concessions.json", "marches_avec_modifications.json", "concessions.json", "Marche.xml"])
def test_the_official_examples_are_read(name):
    contracts = list(read_contracts(SHARED / name))
    assert contracts and all(c.buyer and c.id for c in contracts)
    assert all(c.social is not None for c in contracts)
