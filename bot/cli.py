"""The `spaser-bot` command line: console, run, ask, kb check and export-variants, stats, broadcast."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import date
from pathlib import Path

from bot.config import DEFAULT_CONFIG_FILE, ConfigError, Settings, load_settings
from dialogs.definitions import DefinitionError
from domain.rules import ANNOUNCEMENT_TOPICS
from knowledge import content
from domain.errors import ContentError
from knowledge.loader import load_knowledge
from domain.statuses import Answered, BroadcastStatus, DeliveryStatus


# argparse's own words (usage, errors, --help), in French: it looks them up
# through gettext at the moment it prints, so its module-level `_` is replaced.
ARGPARSE_FRENCH = {
    "usage: ": "usage : ",
    "options": "options",
    "positional arguments": "arguments",
    "show this help message and exit": "afficher cette aide et quitter",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "choix invalide : %(value)r (au choix : %(choices)s)",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "expected one argument": "une valeur est attendue",
    "expected at least one argument": "au moins une valeur est attendue",
    "invalid %(type)s value: %(value)r": "valeur invalide : %(value)r",
    "ambiguous option: %(option)s could match %(matches)s": "option ambiguë : %(option)s peut désigner %(matches)s",
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "one of the arguments %s is required": "l'un des arguments %s est obligatoire",
    "ignored explicit argument %r": "valeur ignorée : %r",
}
argparse._ = lambda text: ARGPARSE_FRENCH.get(text, text)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    formatter = SafeFormatter(debug=bool(os.environ.get("SPASER_DEBUG")))
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    logging.basicConfig(level=logging.INFO if args.command == "run" else logging.WARNING, handlers=[handler])
    # The HTTP client logs every request URL, which contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = None
    try:
        settings = load_settings(args.config)
        formatter.secrets.add(settings.token() or "")
        if args.command == "run":
            _configure_logs(settings, formatter)
        content.use(settings.content_dir)
        return args.func(args, settings)
    except ConfigError as exc:
        print(f"Erreur de configuration : {exc}", file=sys.stderr)
        return 2
    except content.ContentError as exc:
        print(f"Erreur de configuration : {exc}", file=sys.stderr)
        return 2
    except DefinitionError as exc:  # before its parent, ContentError
        print("Les fichiers de dialogues contiennent des erreurs :", file=sys.stderr)
        print(str(exc), file=sys.stderr)
        return 1
    except ContentError as exc:
        print("La base de connaissances contient des erreurs :", file=sys.stderr)
        print(str(exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # « spaser-bot registre | head »: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # never a raw traceback (it may carry the token) outside debug mode
        if os.environ.get("SPASER_DEBUG"):
            raise
        logging.getLogger(__name__).debug("Unexpected failure", exc_info=True)
        print(f"Erreur : {_describe(exc, settings)}", file=sys.stderr)
        print("Pour le détail technique, relancez avec SPASER_DEBUG=1.", file=sys.stderr)
        return 1


def _configure_logs(settings: Settings, formatter: logging.Formatter) -> None:
    """The bot's own logs: standard error by default, a rotating file when `logging.file` says so."""
    from logging.handlers import RotatingFileHandler

    root = logging.getLogger()
    root.setLevel(settings.logging.level.upper())
    if settings.logging.file:
        path = Path(settings.logging.file)
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=int(settings.logging.max_megabytes * 1024 * 1024),
                                      backupCount=settings.logging.keep, encoding="utf-8")
        handler.setFormatter(formatter)
        root.handlers[:] = [handler]


class SafeFormatter(logging.Formatter):
    """Log lines for operators: secrets masked, and a traceback only in debug mode (SPASER_DEBUG=1)."""

    def __init__(self, debug: bool):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.debug = debug
        self.secrets: set[str] = {os.environ.get("SPASER_BOT_TOKEN") or ""}

    def formatException(self, ei) -> str:
        if self.debug:
            return super().formatException(ei)
        return f"  ({ei[0].__name__} : {ei[1]})"

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, "[jeton masqué]")
        return text


def _describe(exc: Exception, settings: Settings | None) -> str:
    """A French sentence for an unexpected failure, naming the key to check, secrets masked."""
    import sqlite3

    if isinstance(exc, sqlite3.DatabaseError):
        where = settings.storage.path if settings else "storage.path"
        text = (f"la base de données {where} (clé storage.path) est illisible ou endommagée ({exc}). "
                "Restaurez la dernière sauvegarde, ou déplacez ce fichier pour repartir d'une base vide.")
    elif any(c.__name__ == "NetworkError" for c in type(exc).__mro__):  # Telegram's, without importing it here
        server = (settings.telegram.base_url if settings else None) or "https://api.telegram.org"
        text = f"impossible de joindre l'API Telegram à {server} (clé telegram.base_url) : {exc}"
    elif isinstance(exc, OSError):
        text = f"accès au fichier ou au réseau impossible : {exc}"
    else:
        text = f"{exc.__class__.__name__} : {exc}"
    token = settings.token() if settings else os.environ.get("SPASER_BOT_TOKEN")
    return text.replace(token, "[jeton masqué]") if token else text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spaser-bot",
        description="Assistant SPASER : réponses et accompagnement pour le schéma d'achats responsables.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="F", help="fichier de configuration YAML (défaut : ./config.yaml s'il existe)")
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE")

    p = sub.add_parser("console", parents=[common], help="discuter avec l'assistant dans le terminal")
    p.add_argument("--user", metavar="NOM",
                   help="parler en tant que NOM (une autre personne, même base) ; animateur si « console:NOM » "
                        "figure dans admins")
    p.set_defaults(func=cmd_console)

    p = sub.add_parser("run", parents=[common], help="lancer le bot Telegram, ou Tchap (Matrix)")
    p.add_argument("--canal", choices=("telegram", "tchap"), default=None,
                   help="la messagerie à servir seule (par défaut : Telegram si un jeton est défini, Tchap si "
                        "la section matrix est remplie, les deux dans le même processus si les deux le sont)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("ask", parents=[common], help="interroger la base de connaissances sans conversation")
    p.add_argument("--json", action="store_true", help="une ligne JSON par question")
    p.add_argument("questions", nargs="*", metavar="QUESTION", help="sans question : une par ligne sur l'entrée standard")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("content", help="le dossier de contenu que les animateurs modifient")
    content_sub = p.add_subparsers(dest="content_command", metavar="ACTION")
    p.set_defaults(func=None, config=None)
    p = content_sub.add_parser(
        "init", parents=[common],
        help="copier le contenu installé (réponses, dialogues, textes du document, exemples) dans un nouveau dossier",
    )
    p.add_argument("directory", metavar="DOSSIER", help="dossier à créer (il ne doit pas exister, ou être vide)")
    p.set_defaults(func=cmd_content_init)

    kb = sub.add_parser("kb", help="base de connaissances")
    kb_sub = kb.add_subparsers(dest="kb_command", metavar="ACTION")
    p = kb_sub.add_parser("check", parents=[common], help="valider les fichiers de la base et des dialogues")
    p.set_defaults(func=cmd_kb_check)
    p = kb_sub.add_parser(
        "export-variants", parents=[common],
        help="écrire dans les fichiers YAML les reformulations rattachées par les animateurs",
    )
    p.set_defaults(func=cmd_kb_export_variants)
    kb.set_defaults(func=None, config=None)

    p = sub.add_parser("stats", parents=[common], help="statistiques d'usage")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser(
        "broadcast", parents=[common],
        help="mettre une annonce en file d'envoi ; le bot en marche (spaser-bot run) l'envoie",
    )
    p.add_argument("--text-file", metavar="F", help="le texte de l'annonce (texte brut, UTF-8)")
    p.add_argument("--topic", action="append", choices=list(ANNOUNCEMENT_TOPICS),
                   help="abonnés visés (répétable ; défaut : tous les abonnés)")
    p.add_argument("--at", metavar="QUAND", help="date et heure d'envoi, par exemple « 12/03/2026 14h30 » (défaut : tout de suite)")
    p.add_argument("--status", nargs="?", const="all", metavar="ID", help="où en sont les annonces (ou l'annonce ID)")
    p.add_argument("--cancel", metavar="ID", type=int, help="annuler une annonce programmée ou arrêter un envoi")
    p.set_defaults(func=cmd_broadcast)

    p = sub.add_parser("config", help="la configuration")
    config_sub = p.add_subparsers(dest="config_command", metavar="ACTION")
    p.set_defaults(func=None, config=None)
    p = config_sub.add_parser("check", parents=[common],
                              help="valider la configuration et dire ce que l'assistant fera (canaux, contenu, base, animateurs)")
    p.set_defaults(func=cmd_config_check)

    p = sub.add_parser("backup", parents=[common],
                       help="copie cohérente de la base de données, même bot en marche (à restaurer bot arrêté)")
    p.add_argument("target", metavar="FICHIER", help="fichier à créer (jamais écrasé)")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("registre", parents=[common],
                       help="fiche du registre des activités de traitement (RGPD), pour le ou la DPO, en Markdown")
    p.set_defaults(func=cmd_registre)

    decp = sub.add_parser("decp", help="données essentielles de la commande publique (DECP)")
    decp_sub = decp.add_subparsers(dest="decp_command", metavar="ACTION")
    p = decp_sub.add_parser(
        "baseline", parents=[common],
        help="l'état des lieux d'un acheteur : marchés avec considérations sociales et environnementales, par année",
    )
    p.add_argument("files", nargs="+", metavar="FICHIER", help="fichiers DECP (JSON, XML, CSV ou XLSX)")
    p.add_argument("--acheteur", action="append", required=True, metavar="SIRET",
                   help="SIRET (14 chiffres) ou SIREN (9 chiffres, tous ses établissements) ; répétable")
    p.add_argument("--json", action="store_true", help="le résultat en un objet JSON")
    p.add_argument("--export", metavar="F", help="écrire aussi les chiffres par année dans F (.csv ou .xlsx)")
    p.set_defaults(func=cmd_decp_baseline)
    decp.set_defaults(func=None, config=None)
    return parser


def cmd_decp_baseline(args, settings: Settings) -> int:
    """Only aggregates are printed or written: no contract, no holder."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool
    from multiprocessing import get_context

    from documents.decp_report import as_text, export
    from knowledge.baseline import parse_buyers
    from knowledge.decp import DecpError

    try:
        buyers = parse_buyers(args.acheteur)
        if args.export and not args.export.lower().endswith((".csv", ".xlsx")):
            raise DecpError("--export attend un fichier .csv ou .xlsx.")
        # Read in a child process whose memory is capped: a hostile file fails there, not here.
        with ProcessPoolExecutor(1, mp_context=get_context("fork")) as pool:
            result = pool.submit(_baseline_with_capped_memory, args.files, buyers).result()
    except DecpError as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 1
    except (MemoryError, BrokenProcessPool):
        print(f"Erreur : lire ce fichier demanderait plus de {DECP_MEMORY_BYTES // 1024**3} Go de mémoire ; "
              "ce n'est pas un fichier DECP ordinaire.", file=sys.stderr)
        return 1
    if args.export:
        export(result, Path(args.export))
    print(json.dumps(result, ensure_ascii=False, indent=1) if args.json else as_text(result))
    return 0


def _baseline_with_capped_memory(files: list[str], buyers: list[str]) -> dict:
    from itertools import chain

    from knowledge.baseline import compute, selector
    from knowledge.decp import read_contracts

    _limit_memory(DECP_MEMORY_BYTES)
    wanted = selector(buyers)
    contracts = chain.from_iterable(read_contracts(Path(f), wanted) for f in files)
    return compute(contracts, buyers, [Path(f).name for f in files])


DECP_MEMORY_BYTES = 2 * 1024**3  # a buyer's baseline needs tens of megabytes; a hostile file, unbounded


def _limit_memory(limit: int) -> None:
    """A backstop for files that defeat the reader's own checks: MemoryError instead of a machine brought down."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if soft == resource.RLIM_INFINITY or soft > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):
        pass  # not on this system: the reader's checks remain


def cmd_console(args, settings: Settings) -> int:
    from bot.console import Console
    from bot.runtime import build_assistant

    if sys.stdin.isatty():
        print(content.current().describe(), file=sys.stderr)
    assistant = build_assistant(settings)
    try:
        return Console(assistant, user=args.user).run(sys.stdin)
    finally:
        assistant.services.storage.close()


def cmd_run(args, settings: Settings) -> int:
    channel = args.canal or ("tchap" if settings.matrix.configured and not settings.token() else "telegram")
    if args.canal is None and settings.matrix.configured and settings.token():
        # Both configured: one process serves both, so that the jobs see every channel.
        from bot.matrix.app import MatrixService
        from bot.telegram.app import run_bot

        return run_bot(settings, companions=[MatrixService(settings)])
    if channel == "tchap":
        if not settings.matrix.configured:
            print("Pas de compte Tchap configuré : remplissez matrix.homeserver et matrix.user_id "
                  "(voir la section « Tchap » du README).", file=sys.stderr)
            return 2
        from bot.matrix.app import run_matrix

        return run_matrix(settings)
    from bot.telegram.app import run_bot

    return run_bot(settings)


def cmd_ask(args, settings: Settings) -> int:
    from bot.faq_index import build_matcher
    from storage.db import open_read_only
    from storage.review import variants_from

    kb = load_knowledge()
    db = open_read_only(settings.storage.path)  # the animators' paraphrases, without writing anything
    try:
        extra = variants_from(db)
    finally:
        if db is not None:
            db.close()
    matcher = build_matcher(kb, extra, settings.faq)
    questions = args.questions or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    for question in questions:
        outcome = matcher.decide(question)
        answered = outcome.kind == Answered.ANSWERED
        entry = outcome.best.entry if answered else None
        others = [m for m in outcome.suggestions if not entry or m.entry.id != entry.id]
        if args.json:
            print(
                json.dumps(
                    {
                        "question": question,
                        "answer_id": entry.id if entry else None,
                        "score": round(outcome.score, 1),
                        "answer": entry.answer if entry else None,
                        "sources": list(entry.sources) if entry else [],
                        "suggestions": [{"id": m.entry.id, "question": m.entry.question} for m in others],
                    },
                    ensure_ascii=False,
                ),
                flush=True,
            )
            continue
        print(f"? {question}")
        if entry:
            print(entry.answer)
            print(f"Source : {' ; '.join(entry.sources)}")
        elif outcome.kind == Answered.SUGGESTED:
            print("Vouliez-vous dire… ?")
        else:
            print("Ma base de connaissances ne couvre pas cette question.")
        if others:
            print("Questions proches :" if entry else "")
            for m in others:
                print(f"  - {m.entry.question}")
        print(flush=True)
    return 0


def cmd_config_check(args, settings: Settings) -> int:
    """Say what the assistant will do with this configuration, and stop on what would fail."""
    import sqlite3

    from bot import office
    from storage.db import migrations, open_read_only

    source = _config_source(args)
    problems: list[str] = []
    print(f"Configuration : {Path(source).resolve() if source else 'aucun fichier, valeurs par défaut'} — valide.")
    print("Canaux :")
    print("  - console (spaser-bot console) : toujours disponible")
    if settings.token():
        origin = "variable SPASER_BOT_TOKEN" if os.environ.get("SPASER_BOT_TOKEN") else "clé telegram.token"
        hook = settings.telegram.webhook
        mode = f"webhook {hook.url} (écoute {hook.listen}:{hook.port})" if hook and hook.url else "interrogation longue"
        print(f"  - Telegram (spaser-bot run) : jeton présent ({origin}), {mode}"
              + (f", serveur {settings.telegram.base_url}" if settings.telegram.base_url else ""))
    else:
        print("  - Telegram : pas de jeton (SPASER_BOT_TOKEN ou telegram.token)"
              + ("" if settings.matrix.configured else " ; « spaser-bot run » refusera de démarrer"))
    matrix = settings.matrix
    if matrix.configured:
        store = Path(matrix.store_path)
        if matrix.secret_token() or (store / "access-token").is_file():
            access = "jeton d'accès présent"
        elif matrix.secret_password():
            access = "mot de passe présent (première connexion, puis jeton gardé dans le magasin)"
        else:
            access = "ni jeton ni mot de passe (SPASER_MATRIX_TOKEN ou SPASER_MATRIX_PASSWORD) : le démarrage échouera"
            problems.append("matrix : aucun accès au compte du bot")
        both = " ; avec Telegram, un seul processus sert les deux" if settings.token() else ""
        print(f"  - Tchap (spaser-bot run --canal tchap) : {matrix.user_id} sur {matrix.homeserver}, {access} ; "
              f"magasin de clés {store} ; invitations acceptées de : {', '.join(matrix.domains())}{both}")
    else:
        print("  - Tchap : non configuré (section matrix)")
    where = content.current()
    print(where.describe())
    problems += where.outdated()
    path = Path(settings.storage.path)
    if path.is_file():
        try:
            db = open_read_only(path)
            try:
                pending = migrations.pending(db)
            finally:
                db.close()
            state = (f"{len(pending)} mise(s) à jour de schéma à appliquer au prochain démarrage "
                     "(une sauvegarde est faite avant)" if pending else "à jour")
            print(f"Base de données : {path.resolve()} ({_megabytes(path)}, {state})")
        except sqlite3.DatabaseError as exc:
            problems.append(f"{path} (clé storage.path) : illisible ({exc})")
    else:
        print(f"Base de données : {path.resolve()} (créée au premier démarrage)")
    telegram_admins = ", ".join(map(str, settings.admins)) or "aucun"
    named = ", ".join(settings.named_admins) or "aucun"
    print(f"Animateurs : Telegram {telegram_admins} ; autres canaux {named} ; "
          "dans la console sans --user, la personne qui la lance")
    print(f"Fuseau horaire : {settings.timezone} ; conservation : {settings.privacy.retention_days} jours ; "
          f"annonces : {settings.broadcast.rate_per_second:g} messages/s")
    logs = settings.logging
    print(f"Journaux : niveau {logs.level.upper()}, "
          + (f"fichier {Path(logs.file).resolve()} (tourne à {logs.max_megabytes:g} Mo, {logs.keep} gardés)"
             if logs.file else "sortie d'erreur"))
    print("Documents ODT et PDF : " + ("LibreOffice trouvé" if office.available() else
                                      "LibreOffice absent, seuls les .docx et .md sont produits"))
    unset = settings.privacy.unset()
    if unset:
        print(f"À compléter : {', '.join(unset)} (la notice /confidentialite le signale aux personnes)")
    if problems:
        print("Problèmes :", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    return 0


def _config_source(args) -> str | None:
    """The file the settings came from, as `load_settings` chose it; None: the defaults."""
    return args.config or (DEFAULT_CONFIG_FILE if Path(DEFAULT_CONFIG_FILE).is_file() else None)


def _megabytes(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:.1f} Mo".replace(".", ",")


def cmd_backup(args, settings: Settings) -> int:
    """SQLite's online backup: a consistent copy while the bot keeps running."""
    import sqlite3

    from storage.db import backup, open_read_only

    db = open_read_only(settings.storage.path)
    if db is None:
        print(f"Aucune base à sauvegarder : {settings.storage.path} (clé storage.path) n'existe pas.", file=sys.stderr)
        return 1
    try:
        target = backup(db, Path(args.target))
    except FileExistsError:
        print(f"{args.target} existe déjà : choisissez un autre nom (une sauvegarde n'en écrase jamais une autre).",
              file=sys.stderr)
        return 1
    except sqlite3.DatabaseError as exc:
        print(f"Sauvegarde impossible : {exc}", file=sys.stderr)
        return 1
    finally:
        db.close()
    print(f"Sauvegarde écrite et vérifiée : {target.resolve()} ({_megabytes(target)}).")
    print(f"Pour la restaurer : arrêtez le bot, puis remplacez {Path(settings.storage.path).resolve()} par ce fichier "
          "(supprimez les fichiers -wal et -shm voisins s'il y en a) et redémarrez.")
    return 0


def cmd_registre(args, settings: Settings) -> int:
    from jinja2 import Environment, FileSystemLoader

    from storage.events import KEEP
    from storage.retention import GRACE_DAYS

    env = Environment(loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"), autoescape=False,
                      keep_trailing_newline=True)
    privacy = settings.privacy
    unset = privacy.unset()
    admins = [f"telegram:{a}" for a in settings.admins] + list(settings.named_admins)
    print(env.get_template("registre.md.j2").render(
        today=date.today().strftime("%d/%m/%Y"),
        config_source=_config_source(args) or "par défaut",
        controller=None if "privacy.controller" in unset else privacy.controller,
        contact=None if "privacy.contact" in unset else privacy.contact,
        telegram=bool(settings.token()),
        admins=(f"{len(admins)} configuré(s) : " + ", ".join(admins)) if admins else "aucun configuré",
        retention_days=privacy.retention_days,
        grace_days=GRACE_DAYS,
        events_days=KEEP.days,
        database=Path(settings.storage.path).resolve(),
    ), end="")
    return 0


def cmd_content_init(args, settings: Settings) -> int:
    made = content.init(args.directory)
    print(f"Contenu copié dans {made.root}.")
    print("Pour que l'assistant le lise, ajoutez à la configuration :")
    print(f"  content_dir: {made.root}")
    print("puis : spaser-bot kb check (vérifier), /recharger dans la conversation ou redémarrage (appliquer).")
    return 0


def cmd_kb_check(args, settings: Settings) -> int:
    from bot.features import required_steps
    from dialogs.checks import check_dialogs
    from knowledge.checks import check_knowledge

    print(content.current().describe())
    outdated = content.current().outdated()
    if outdated:
        print("Problèmes trouvés :", file=sys.stderr)
        for problem in outdated:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    problems, summary = check_knowledge()
    dialog_problems, dialog_summary = check_dialogs(required_steps())
    problems += dialog_problems
    summary = f"{summary}\n{dialog_summary}"
    if problems:
        print("Problèmes trouvés :", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(summary)
    return 0


def cmd_kb_export_variants(args, settings: Settings) -> int:
    from knowledge.variants_export import export_variants
    from storage import Storage

    where = content.current()
    if where.installed and where.inside_installation():
        print(f"{where.describe()}\nLes reformulations ne sont pas écrites dans la copie installée (une mise à jour "
              "l'effacerait) : créez un dossier de contenu (spaser-bot content init DOSSIER, puis content_dir) "
              "et relancez cette commande.", file=sys.stderr)
        return 1
    print(where.describe())
    storage = Storage.open(settings.storage.path)
    try:
        variants = storage.review.variants(only_new=True)
        waiting = storage.review.awaiting_rewrite()
        if waiting:
            print(f"{waiting} reformulation(s) reprise(s) telle(s) quelle(s) d'une question d'utilisateur ne sont pas "
                  "écrites : réécrivez-les d'abord dans /nonrepondues (elles sont effacées avec les données de la personne).")
        if not variants:
            print("Aucune nouvelle reformulation à écrire.")
            return 0
        written, missing = export_variants(variants)
        storage.review.mark_exported(written)
    finally:
        storage.close()
    count = sum(len(variants[e]) for e in written)
    print(f"{count} reformulation(s) ajoutée(s) à {len(written)} entrée(s) de {where.knowledge / 'faq'}.")
    for entry_id in missing:
        print(f"Entrée introuvable dans les fichiers : {entry_id} (reformulations gardées en base)", file=sys.stderr)
    return 1 if missing else 0


def cmd_stats(args, settings: Settings) -> int:
    from bot.rendering import message, to_plain_text
    from bot.features import required_steps
    from dialogs.checks import load_checked_dialogs
    from storage.db import open_database
    from storage.stats import compute

    if not Path(settings.storage.path).is_file():
        print("Aucune base de données : l'assistant n'a pas encore servi.")
        return 0
    db = open_database(settings.storage.path)  # brought up to date, like the bot would
    try:
        figures = compute(db)
    finally:
        db.close()
    kb = load_knowledge()
    titles = {e.id: e.question for e in kb.entries}
    due = kb.due_for_review(date.today())
    print(to_plain_text(message("stats", s=figures, titles=titles, dialogs=load_checked_dialogs(required_steps()), due=due)))
    return 0


def cmd_broadcast(args, settings: Settings) -> int:
    from zoneinfo import ZoneInfo

    from datetime import datetime, timezone

    from dialogs.inputs import InputError, format_moment, parse_datetime
    from storage import Storage
    from storage.announcements import TOPICS
    from domain.clock import now_iso

    storage = Storage.open(settings.storage.path)
    store = storage.announcements
    try:
        if args.cancel is not None:
            if store.cancel(args.cancel):
                print(f"Annonce n° {args.cancel} annulée : plus rien ne part.")
                return 0
            print(f"Annonce n° {args.cancel} introuvable, déjà terminée ou déjà annulée.", file=sys.stderr)
            return 1
        if args.status is not None:
            rows = store.recent(limit=50)
            if args.status != "all":
                rows = [r for r in rows if str(r.id) == args.status]
                if not rows:
                    print(f"Annonce n° {args.status} introuvable.", file=sys.stderr)
                    return 1
            zone = ZoneInfo(settings.timezone)
            for row in rows:
                counts = store.counts(row.id)
                detail = ", ".join(f"{DELIVERY_WORDS.get(k, k)} : {v}" for k, v in sorted(counts.items())) or "aucun envoi"
                when = ""
                if row.status == BroadcastStatus.QUEUED and row.scheduled_at:
                    local = datetime.fromisoformat(row.scheduled_at).astimezone(zone).isoformat()
                    when = f" — prévue le {format_moment(local)} ({settings.timezone})"
                print(f"n° {row.id} [{BROADCAST_WORDS[row.status]}] {row.title or 'texte libre'} — {detail}{when}")
            if not rows:
                print("Aucune annonce.")
            return 0
        if not args.text_file:
            print("Indiquez --text-file F (ou --status, --cancel ID).", file=sys.stderr)
            return 2
        try:
            text = Path(args.text_file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            print(f"Lecture impossible de {args.text_file} : {file_problem(exc)}.", file=sys.stderr)
            return 2
        if not text or len(text) > 3500:
            print("Le texte doit faire entre 1 et 3 500 caractères.", file=sys.stderr)
            return 2
        when = now_iso()
        if args.at:
            try:
                local = parse_datetime(args.at, ZoneInfo(settings.timezone), future=True)
            except InputError as exc:
                print(f"--at : {exc}", file=sys.stderr)
                return 2
            when = datetime.fromisoformat(local).astimezone(timezone.utc).isoformat(timespec="seconds")
        broadcast_id = store.create(None, "texte", "", text, list(args.topic or TOPICS),
                                    status=BroadcastStatus.QUEUED, scheduled_at=when)
        print(f"Annonce n° {broadcast_id} en file d'envoi"
              + (f" pour le {args.at}" if args.at else "")
              + " ; le bot en marche l'enverra (spaser-bot broadcast --status pour suivre).")
        return 0
    finally:
        storage.close()


BROADCAST_WORDS = {
    BroadcastStatus.DRAFT: "brouillon", BroadcastStatus.QUEUED: "programmée", BroadcastStatus.SENDING: "en cours d'envoi",
    BroadcastStatus.DONE: "terminée", BroadcastStatus.CANCELLED: "annulée",
}
DELIVERY_WORDS = {
    DeliveryStatus.PENDING: "à envoyer", DeliveryStatus.SENDING: "en cours", DeliveryStatus.SENT: "envoyés",
    DeliveryStatus.FAILED: "échecs", DeliveryStatus.BLOCKED: "bot bloqué", DeliveryStatus.CANCELLED: "annulés",
}


def file_problem(exc: BaseException) -> str:
    """Why a file could not be read, in words an operator acts on."""
    if isinstance(exc, FileNotFoundError):
        return "fichier introuvable (vérifiez le chemin, relatif au dossier courant)"
    if isinstance(exc, IsADirectoryError):
        return "c'est un dossier, pas un fichier"
    if isinstance(exc, PermissionError):
        return "accès refusé (droits du fichier)"
    if isinstance(exc, UnicodeDecodeError):
        return "ce n'est pas un texte en UTF-8 (enregistrez-le en UTF-8 depuis votre éditeur)"
    return getattr(exc, "strerror", None) or exc.__class__.__name__


if __name__ == "__main__":
    sys.exit(main())
