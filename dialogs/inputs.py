"""Reading typed answers the way French users write them, and saying why one is refused.

Each parser returns the value to store, or raises InputError with a short
French explanation that the dialog shows before asking again.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from dialogs.definitions import Step
from domain.text import fold
from domain import clock

MONTHS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
}
YES = {"oui", "o", "yes", "y", "ouais", "bien sur", "oui bien sur", "tout a fait", "exact", "ok", "d'accord", "daccord"}
NO = {"non", "n", "no", "pas du tout", "nan", "aucun", "aucune"}
# Digits grouped by spaces (1 200 or 1 200 000), an optional decimal part with
# a comma or a point, then an optional unit; no exponent, no words.
NUMBER = re.compile(
    r"^(?P<sign>[-−+])?\s*(?P<int>\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[,.](?P<dec>\d+))?"
    r"\s*(?P<unit>(?:m€|m ?eur(?:os)?|millions?(?: d'euros| d’euros| €| eur)?|€|eur(?:os)?|%|ht|k€)\s*)*$",
    re.IGNORECASE,
)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
PHONE = re.compile(r"^(?:\+33\s?|0)[1-9](?:[\s.-]?\d{2}){4}$")
URL = re.compile(r"^https?://[^\s]+\.[^\s]+$")


class InputError(ValueError):
    """The answer cannot be used; the message says why, in French."""


def parse_number(text: str, step: Step) -> float | int:
    cleaned = text.strip()
    match = NUMBER.match(cleaned)
    if not match:
        raise InputError("Je n'ai pas reconnu un nombre. Écrivez-le en chiffres, par exemple 12 ou 12,5.")
    digits = re.sub(r"[ \u00a0\u202f]", "", match["int"])
    if len(digits) > 12:
        raise InputError("Ce nombre est bien trop grand pour être plausible.")
    value = float(f"{digits}.{match['dec'] or 0}")
    if match["sign"] in ("-", "−"):
        value = -value
    if not math.isfinite(value):
        raise InputError("Ce nombre n'est pas utilisable.")
    if step.integer:
        if match["dec"] and int(match["dec"]) != 0:
            raise InputError("Un nombre entier est attendu, sans décimales.")
        value = int(value)
    if step.min is not None and value < step.min:
        raise InputError(f"Le nombre doit être au moins {_show(step.min)}.")
    if step.max is not None and value > step.max:
        raise InputError(f"Le nombre doit être au plus {_show(step.max)}.")
    return value


def parse_date(text: str) -> str:
    """dd/mm/yyyy, dd-mm-yyyy, yyyy-mm-dd or « 12 mars 2026 » → ISO date."""
    t = fold(text).strip()
    try:
        if m := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", t):
            return date(int(m[3]), int(m[2]), int(m[1])).isoformat()
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", t):
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        if (m := re.fullmatch(r"(\d{1,2})(?:er)? ([a-z]+) (\d{4})", t)) and m[2] in MONTHS:
            return date(int(m[3]), MONTHS[m[2]], int(m[1])).isoformat()
    except ValueError:
        raise InputError("Cette date n'existe pas dans le calendrier.") from None
    raise InputError("Je n'ai pas reconnu une date. Écrivez-la par exemple 12/03/2026.")


def parse_datetime(text: str, tz: ZoneInfo, *, future: bool = False, now: datetime | None = None) -> str:
    """« 12/03/2026 14h30 », « 12/03/2026 à 14:30 », « 2026-03-12 14:30 », « 12 mars 2026 14h » in `tz` → ISO."""
    t = fold(text).strip().replace(" a ", " ")
    match = re.fullmatch(r"(.+?)\s+(\d{1,2})\s*(?:h|:)\s*(\d{2})?", t)
    if not match:
        raise InputError("Je n'ai pas reconnu une date et une heure. Écrivez-les par exemple 12/03/2026 14h30.")
    day = parse_date(match.group(1))
    hour, minute = int(match.group(2)), int(match.group(3) or 0)
    if hour > 23 or minute > 59:
        raise InputError("Cette heure n'existe pas.")
    moment = datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=tz)
    if future and moment <= (now or clock.now()):
        raise InputError("Cette date est déjà passée : indiquez une date à venir.")
    return moment.isoformat(timespec="minutes")


def parse_yesno(text: str) -> bool:
    t = " ".join(fold(text).strip(" .!").split())
    if t in YES:
        return True
    if t in NO:
        return False
    raise InputError("Répondez par oui ou par non.")


def parse_text(text: str, step: Step) -> tuple[str, bool]:
    """The cleaned text and whether it had to be shortened."""
    value = " ".join(text.split()) if "\n" not in text else text.strip()
    if not value:
        raise InputError("La réponse est vide.")
    if not re.search(r"\w", value):
        raise InputError("Écrivez au moins un mot ou un nombre : des émojis ou des signes seuls ne suffisent pas.")
    shortened = len(value) > step.max_length
    if shortened:
        value = value[: step.max_length].rstrip()
    if step.validate == "url" and not URL.match(value):
        raise InputError("Une adresse web commençant par https:// est attendue.")
    if step.validate == "siret":
        value = siret_or_siren(value)
    if step.validate == "contact" and not is_contact(value):
        raise InputError(
            "Ce contact ne ressemble ni à une adresse e-mail, ni à un numéro de téléphone, ni à une adresse web. "
            "Exemples : prenom.nom@exemple.fr, 01 23 45 67 89."
        )
    return value, shortened


def siret_or_siren(text: str) -> str:
    """14 digits (SIRET) or 9 (SIREN), spaces allowed, with a valid check digit (Luhn).

    La Poste's establishments (SIREN 356 000 000) follow their own rule: the
    digits add up to a multiple of 5.
    """
    digits = re.sub(r"[\s.\-]", "", text)
    if not digits.isdigit() or len(digits) not in (9, 14):
        raise InputError("Un SIRET a 14 chiffres (un SIREN, 9) ; les espaces sont permis.")
    if digits.startswith("356000000") and len(digits) == 14:
        valid = sum(int(d) for d in digits) % 5 == 0
    else:
        valid = luhn(digits)
    if not valid:
        raise InputError("Ce numéro n'est pas un SIRET valide (sa clé de contrôle ne correspond pas) : vérifiez-le sur un "
                         "avis de situation ou l'annuaire des entreprises.")
    return digits


def luhn(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def is_contact(value: str) -> bool:
    value = value.strip()
    return bool(EMAIL.match(value) or PHONE.match(value) or URL.match(value))


def format_day(iso: str) -> str:
    """« 12/03/2026 » from an ISO date or date-time."""
    return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}"


def format_moment(iso: str) -> str:
    """« 12/03/2026 à 14h30 » from an ISO date-time."""
    moment = datetime.fromisoformat(iso)
    return f"{moment:%d/%m/%Y} à {moment.hour}h{moment.minute:02d}"


def _show(number: float) -> str:
    return f"{number:g}".replace(".", ",")


def format_number(value: float) -> str:
    """« 1 000 », « 72,5 »: French digit grouping (a narrow no-break space), decimal comma, two decimals at most."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"
    return text.replace(",", "\u202f").replace(".", ",")


def format_value(step: Step, value) -> str:
    """How a stored answer reads in a summary."""
    if value is None or value == "" or value == []:
        return "—"
    if step.kind == "choice":
        choice = step.choice(str(value))
        return choice.label if choice else str(value)
    if step.kind == "multi":
        return ", ".join(step.choice(v).label if step.choice(v) else str(v) for v in value)
    if step.kind == "yesno":
        return "oui" if value else "non"
    if step.kind == "number" and step.integer:
        return f"{value} {step.unit}".strip()  # years read 2026, not 2 026
    if step.kind == "number":
        return f"{format_number(value)} {step.unit}".strip()
    if step.kind == "date":
        return format_day(str(value))
    if step.kind == "datetime":
        return format_moment(str(value))
    if step.kind == "list":
        return " ; ".join(str(v) for v in value)
    return str(value)


_ID = re.compile(r"[0-9]{1,15}", re.ASCII)


def parse_id(text: str) -> int | None:
    """A row id carried in button data, or None: « ² » or a 20-digit number are forged, not ids."""
    return int(text) if _ID.fullmatch(text or "") else None
