"""The guided dialogs through Telegram: buttons, expiry, edits in place, files out and back in."""

from __future__ import annotations

import shutil

import pytest
from tests.support.telegram import ask, buttons, tap


USER = 2002


async def test_profile_dialog_in_telegram_with_an_expired_button(fake, start_bot):
    await start_bot()
    [step] = await ask(fake, "/profil", USER)
    assert "Quel type de structure" in step["text"]
    [name_step] = await tap(fake, step, "Métropole")
    # The same old button again (a double tap): refused, and the current step shown.
    [expired] = await tap(fake, step, "Métropole")
    assert "n'est plus actif" in expired["text"] and "nom de votre structure" in expired["text"]
    [region] = await ask(fake, "Rennes Métropole <test> & co", USER)
    [amount] = await tap(fake, region, "Bretagne")
    [error] = await ask(fake, "beaucoup", USER)
    assert "Je n'ai pas reconnu un nombre" in error["text"]
    [existing] = await ask(fake, "1 200", USER)
    [start_year] = await tap(fake, existing, "Non, aucun")
    await ask(fake, "2026", USER)
    [siret] = await ask(fake, "2031", USER)
    assert "SIRET" in siret["text"]
    [summary] = await ask(fake, "/passer", USER)
    assert "Rennes Métropole <test> & co" in summary["text"]  # escaped, shown literally
    [done] = await tap(fake, summary, "Valider")
    assert "Le SPASER est obligatoire pour vous" in done["text"]
    assert fake.rejected == []


async def test_multiple_choice_is_edited_in_place_and_map_exports_and_imports(fake, start_bot):
    bot = await start_bot()
    [page] = await ask(fake, "/cartographie", USER)
    [kind] = await tap(fake, page, "Ajouter un")
    [name] = await tap(fake, kind, "Tête de réseau")
    [description] = await ask(fake, "CRESS Bretagne", USER)
    [contact] = await ask(fake, "/passer", USER)
    [role] = await ask(fake, "contact@cress-bretagne.org", USER)
    [involvement] = await tap(fake, role, "Co-construction")
    [themes] = await tap(fake, involvement, "comité")
    edits_before = len([c for c in fake.calls if c.method == "editMessageText"])
    await tap(fake, themes, "Social", expect=0)
    await fake.wait_for(lambda: len([c for c in fake.calls if c.method == "editMessageText"]) > edits_before)
    edited = fake.messages[(USER, themes["message_id"])]
    assert any(b["text"].startswith("✅ Social") for b in buttons(edited))
    [comment] = await tap(fake, edited, "Valider la sélection")
    [summary] = await ask(fake, "/passer", USER)
    [saved] = await tap(fake, summary, "Valider")
    [page] = await tap(fake, saved, "Voir la liste")
    await tap(fake, page, "CSV", expect=2)
    document = fake.sent_to(USER)[-1]
    assert document["document"]["file_name"].endswith(".csv")
    content = fake.content(document).decode("utf-8-sig").replace("CRESS Bretagne", "CRESS de Bretagne")
    before = len(fake.sent_to(USER))
    fake.push_document(USER, "cartographie.csv", content.encode("utf-8-sig"))
    [preview] = (await fake.wait_for_messages(USER, before + 1))[before:]
    assert "1 ligne à mettre à jour" in preview["text"]
    await tap(fake, preview, "Importer", expect=2)
    workspace = bot.assistant.services.storage.workspaces.of_user(USER)
    assert [a.name for a in bot.assistant.services.storage.actors.list(workspace.id)] == ["CRESS de Bretagne"]
    assert fake.rejected == []


async def test_a_photo_or_an_unreadable_file_gets_a_french_message(fake, start_bot):
    await start_bot()
    before = len(fake.sent_to(USER))
    fake.push_document(USER, "photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    [reply] = (await fake.wait_for_messages(USER, before + 1))[before:]
    assert "Import impossible" in reply["text"]
    assert fake.rejected == []


async def test_restart_mid_dialog_resumes_at_the_same_step(fake, start_bot):
    bot = await start_bot()
    [step] = await ask(fake, "/profil", USER)
    await tap(fake, step, "Commune")
    await ask(fake, "Ville de Lorient", USER)
    await bot.stop()  # the process goes away mid-dialog
    await start_bot()
    [welcome, pending] = await ask(fake, "/start", USER, expect=2)
    assert "Mon profil" in pending["text"]
    [region] = await tap(fake, pending, "Reprendre")
    assert "Dans quelle région" in region["text"]
    [back] = await tap(fake, region, "Retour")
    assert "Ville de Lorient" in back["text"]  # the earlier answer is kept
    assert fake.rejected == []


async def test_a_colleague_joins_with_a_code_and_sees_the_same_map(fake, start_bot):
    await start_bot()
    lead, colleague = USER, USER + 1
    [invite] = await ask(fake, "/inviter", lead)
    code = invite["text"].split("/rejoindre ")[1].split()[0]
    [joined] = await ask(fake, f"/rejoindre {code}", colleague)
    assert "Bienvenue" in joined["text"]
    [page] = await ask(fake, "/cartographie", colleague)
    [kind] = await tap(fake, page, "Ajouter un", user=colleague)
    [name] = await tap(fake, kind, "Élu", user=colleague)
    await ask(fake, "Adjointe à la commande publique", colleague)
    await ask(fake, "/passer", colleague)
    [role] = await ask(fake, "/passer", colleague)
    [involvement] = await tap(fake, role, "Décisionnaire", user=colleague)
    [themes] = await tap(fake, involvement, "comité", user=colleague)
    await tap(fake, themes, "Gouvernance", user=colleague, expect=0)
    await fake.wait_for(lambda: "✅ Gouvernance" in str(fake.messages[(colleague, themes["message_id"])]))
    [comment] = await tap(fake, fake.messages[(colleague, themes["message_id"])], "Valider la sélection", user=colleague)
    [summary] = await ask(fake, "/passer", colleague)
    await tap(fake, summary, "Valider", user=colleague)
    [lead_page] = await ask(fake, "/cartographie", lead)
    assert "Adjointe à la commande publique" in lead_page["text"]
    assert fake.rejected == []


async def make_plan(fake) -> list[dict]:
    """/plan with the suggested axes and no renaming: the ready message and the two documents."""
    [axes] = await ask(fake, "/plan", USER)
    await tap(fake, axes, "Valider la sélection")
    await ask(fake, "/passer", USER)  # renames
    await ask(fake, "/passer", USER)  # moves
    [summary] = await ask(fake, "/passer", USER)  # the diagnostic annex
    return await tap(fake, summary, "Valider", expect=3)


async def test_plan_sends_the_outline_as_two_documents(fake, start_bot):
    await start_bot()
    ready, first, second = await make_plan(fake)
    assert "Votre SPASER de départ est prêt" in ready["text"]
    names = sorted(m["document"]["file_name"].rsplit(".", 1)[1] for m in (first, second))
    assert names == ["docx", "md"]
    docx = next(m for m in fake.sent_to(USER) if m.get("document", {}).get("file_name", "").endswith(".docx"))
    assert fake.content(docx).startswith(b"PK")
    assert fake.rejected == []


async def test_diagnostic_and_examples_through_telegram(fake, start_bot):
    await start_bot()
    [step] = await ask(fake, "/diagnostic", USER)
    for _ in range(10):
        [step] = await tap(fake, step, next(b["text"] for b in buttons(step) if b["text"].startswith("Oui") or b["text"] in (
            "Des objectifs sur quelques familles d'achats", "Pour la plupart des actions", "Elle conseille les services",
            "La plupart des acheteurs", "Un·e élu·e référent·e identifié·e", "Ils valident les orientations",
            "Une cartographie réalisée", "Des indicateurs suivis chaque année")))
    [result] = await tap(fake, step, "Valider")
    assert "Profil : Intermédiaire" in result["text"]
    [found] = await ask(fake, "/exemples nantes", USER)
    assert "Nantes Métropole" in found["text"] and "Source" in found["text"]
    assert fake.rejected == []


async def test_my_data_and_forget_through_telegram(fake, start_bot):
    bot = await start_bot()
    await ask(fake, "combien de pages fait un spaser ?", USER)
    data_reply, document = await ask(fake, "/mesdonnees", USER, expect=2)
    assert "questions posées : 1" in data_reply["text"] and document["document"]["file_name"].endswith(".json")
    [confirm] = await ask(fake, "/oublier", USER)
    [done] = await tap(fake, confirm, "Oui")
    assert "effacées" in done["text"]
    assert bot.assistant.services.storage.users.get(USER) is None
    assert fake.rejected == []


async def test_indicator_grid_through_telegram_with_the_library(fake, start_bot):
    bot = await start_bot()
    [page] = await ask(fake, "/indicateurs", USER)
    [theme] = await tap(fake, page, "Ajouter un")
    [sub_theme] = await tap(fake, theme, "Environnement")
    [schemes] = await ask(fake, "gestion des déchets", USER)
    [more] = await ask(fake, "PCAET", USER)
    [objective] = await tap(fake, more, "Non, c'est tout")
    await ask(fake, "/passer", USER)
    [indicator] = await ask(fake, "/passer", USER)
    [unit] = await tap(fake, indicator, "réemploi")
    [target] = await tap(fake, unit, "Valeur")
    await ask(fake, "20 %", USER)
    await ask(fake, "2027", USER)
    [priority] = await ask(fake, "Service déchets", USER)
    [summary] = await tap(fake, priority, "1 ·")
    [saved] = await tap(fake, summary, "Valider")
    assert "Part des achats issus du réemploi" in saved["text"]
    workspace = bot.assistant.services.storage.workspaces.of_user(USER)
    [row] = bot.assistant.services.storage.indicators.list(workspace.id)
    assert (row.schemes, row.unit, row.priority, row.target_year) == (("PCAET",), "valeur", 1, 2027)
    assert fake.rejected == []


async def test_a_bot_killed_mid_dialog_resumes_at_the_same_step(fake, tmp_path):
    import os

    from tests.support.cli import BotProcess

    bot = BotProcess(fake, tmp_path)
    await bot.start()
    try:
        [step] = await ask(fake, "/profil", USER)
        await tap(fake, step, "Région")
        [region] = await ask(fake, "Région Bretagne", USER)
        helpers = _children(bot.proc.pid)  # the process that makes the documents
        assert helpers
    finally:
        await bot.kill()
    await fake.wait_for(lambda: not any(os.path.exists(f"/proc/{pid}") for pid in helpers), timeout=5)  # none outlives it
    await bot.start()
    try:
        # The region typed just before the kill may be offered again (it was not yet
        # confirmed to Telegram): then its stored reply comes again before the welcome.
        before = len(fake.sent_to(USER))
        fake.push_message(USER, "/start")
        for expect in (2, 3):
            got = (await fake.wait_for_messages(USER, before + expect))[before:]
            # (the replayed reply shows the profile's step too, with its own buttons: not this one)
            pending = next((m for m in got if any("Reprendre" in b["text"] for b in buttons(m))), None)
            if pending is not None:
                break
        assert pending is not None, [m["text"][:60] for m in got]
        [resumed] = await tap(fake, pending, "Reprendre")
        assert "Dans quelle région" in resumed["text"]
        [amount] = await tap(fake, resumed, "Bretagne")
        assert "montant total annuel" in amount["text"]
    finally:
        await bot.stop()
    assert fake.rejected == []


async def test_typed_numbers_labels_and_yes_words_through_telegram(fake, start_bot):
    """What people type instead of tapping: numbers, near-miss labels, « oui »; each answer echoed."""
    bot = await start_bot()
    await ask(fake, "/profil", USER)
    [name] = await ask(fake, "comune", USER)
    assert "Enregistré — Type de structure : Commune" in name["text"]
    await ask(fake, "Ville de Poitiers", USER)
    [amount] = await ask(fake, "nouvelle aquitaine", USER)
    assert "Nouvelle-Aquitaine" in amount["text"]
    [existing] = await ask(fake, "120", USER)
    assert "120 M€ HT" in existing["text"]
    await ask(fake, "1", USER)
    await ask(fake, "2026", USER)
    await ask(fake, "2031", USER)
    [summary] = await ask(fake, "/passer", USER)  # the SIRET, optional
    [done] = await ask(fake, "oui", USER)  # a yes word validates the summary
    assert "Le SPASER est obligatoire pour vous" in done["text"]
    profile = bot.assistant.services.storage.workspaces.of_user(USER)
    assert (profile.structure_type, profile.region, profile.purchases_meur) == ("commune", "nouvelle_aquitaine", 120)
    assert fake.rejected == []


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
async def test_plan_sends_word_and_markdown_first_then_odt_and_pdf(fake, start_bot, monkeypatch):
    monkeypatch.delenv("SPASER_SOFFICE")
    await start_bot()
    ready, first, second = await make_plan(fake)
    assert "suivent dans un instant" in ready["text"]
    messages = await fake.wait_for_messages(USER, len(fake.sent_to(USER)) + 2, timeout=90)
    names = [m["document"]["file_name"].rsplit(".", 1)[1] for m in messages if "document" in m]
    assert names[-4:] == ["docx", "md", "odt", "pdf"]
    assert fake.content(messages[-1]).startswith(b"%PDF")
    [answer] = await ask(fake, "combien de pages fait un spaser ?", USER)  # nobody waited for LibreOffice
    assert fake.rejected == []


async def test_a_buyer_sends_their_decp_export_and_gets_the_baseline_and_a_chart(fake, start_bot, tmp_path):
    from tests.support.decp_samples import SIRET, decp_file

    bot = await start_bot()
    [step] = await ask(fake, "/profil", USER)
    [name] = await tap(fake, step, "Commune")
    [region] = await ask(fake, "Ville de Bordeaux", USER)
    [amount] = await tap(fake, region, "Nouvelle-Aquitaine")
    [existing] = await ask(fake, "120", USER)
    [start_year] = await tap(fake, existing, "Non, aucun")
    await ask(fake, "2026", USER)
    await ask(fake, "2031", USER)
    [summary] = await ask(fake, SIRET, USER)
    await tap(fake, summary, "Valider")
    [how] = await ask(fake, "/referentiel", USER)
    assert "jusqu'à 20 Mo" in how["text"] and SIRET in how["text"]
    before = len(fake.sent_to(USER))
    fake.push_document(USER, "decp-bordeaux.json", decp_file(tmp_path))
    text, chart = (await fake.wait_for_messages(USER, before + 2))[before:]
    assert "2024 : 12 marchés" in text["text"] and "55,6 % des marchés" in text["text"]
    assert chart["photo"][0]["width"] > 0 and fake.content(chart)[:4] == b"\x89PNG"
    [grid] = await tap(fake, text, "Ajouter ces indicateurs")
    assert "4 indicateurs ajoutés" in grid["text"]
    workspace = bot.assistant.services.storage.workspaces.of_user(USER)
    assert bot.assistant.services.storage.baselines.get(workspace.id).file == "decp-bordeaux.json"

    # Over Telegram's 20 MB: refused with the limit, before any download.
    downloads = len([c for c in fake.calls if c.method == "getFile"])
    before = len(fake.sent_to(USER))
    fake.push_document(USER, "national.json", b"{}", file_size=30 * 1024 * 1024)
    [refused] = (await fake.wait_for_messages(USER, before + 1))[before:]
    assert "dépasse 20 Mo" in refused["text"] and "Rien n'a été enregistré" in refused["text"]
    assert len([c for c in fake.calls if c.method == "getFile"]) == downloads
    assert fake.rejected == []



def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    from pathlib import Path

    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(status.parent.name))
    return found
