"""Reduce a typed question to what it asks.

People write « mon élu me demande si… », greet, give their role and the size
of their structure: useful to a human reader, noise to term matching. The
preamble of a reported question is cut, and the words that only describe the
asker (roles, greetings, filler) weigh nothing when the base does not use
them; words the base knows keep their weight, so « élu » still finds the
entry on elected officials when that is what is asked.
"""

from __future__ import annotations

import re

from domain.rules import COMPULSORY_THRESHOLD_MEUR, FORMER_THRESHOLD_MEUR
from domain.text import fold, simplify

# Said to the assistant, not asked of the base (compared with simplified text).
GREETINGS = frozenset({"bonjour", "salut", "hello", "bonsoir", "coucou", "hey", "bjr", "slt", "hi"})
THANKS = frozenset({"merci", "mercii", "thanks", "super", "parfait", "genial", "top", "ok merci", "merci beaucoup"})
# Leave-takings and thanks said at length (« merci pour votre aide, bonne journée »):
# a courtesy, not a question for the base, when the message holds nothing else.
_FAREWELL_CORE = frozenset("journee soiree semaine weekend end revoir bientot".split())
_THANKS_CORE = frozenset("merci mercii thanks remercie".split())
_COURTESY_WORDS = _FAREWELL_CORE | _THANKS_CORE | frozenset(
    """bonne bon belle excellente fin de week au a tantot et ok beaucoup bien tres vous aussi pour votre vos
    la le les l cette ces ta ton aide reponse reponses info infos information informations tout super parfait
    genial top encore je""".split())


def courtesy(simplified: str) -> str | None:
    """« farewell » for « bonne journée », « merci, au revoir » ; « thanks » for « merci », « super »,
    « merci pour votre aide » ; None when the message says anything else (« merci, et pour les
    indicateurs ? » is a question)."""
    if simplified in THANKS:
        return "thanks"
    words = set(simplified.split())
    if not words or not words <= _COURTESY_WORDS:
        return None
    if words & _FAREWELL_CORE:
        return "farewell"
    return "thanks" if words & _THANKS_CORE else None


# Matched on simplified text (folded, elisions and punctuation dropped):
# « mon élu me demande si », « la DGS voudrait savoir combien »,
# « le directeur du développement demande comment », « on m'a dit que ».
_ASKS = (
    r"(?:demande|demandent|demandait|a demande|ont demande|interroge|interrogent|pose la question|"
    r"veut savoir|veulent savoir|voudrait savoir|voudraient savoir|aimerait savoir|aimeraient savoir|souhaite savoir|"
    r"souhaitent savoir|souhaiterait savoir|souhaiteraient savoir|veut connaitre|voudrait connaitre|"
    r"aimerait connaitre|souhaite connaitre|souhaiterait connaitre)"
)
_QUESTION_START = r"(?:il|ils|elle|que|ce que|ce|comment|combien|quel|quelle|quels|quelles|pourquoi|quand|ou|qui|a quoi)"
REPORTED = re.compile(
    # « on en demande combien ? » asks how many to require: « en demande » is no reported question.
    r"^(?:.{0,160}?\s)?(?<!\ben )(?:"
    rf"{_ASKS}\s+si\s+"  # « … me demande si »
    rf"|{_ASKS}\s+(?={_QUESTION_START}\b)"  # « le DGS demande comment »
    r"|on (?:me |nous )?a dit (?:que )?|je me demande (?:si )?|on se demande (?:si )?"
    # « mon DGS me demande de lui résumer l'intérêt du SPASER »: what is to be summed up is asked.
    rf"|{_ASKS}\s+de\s+(?:lui |leur |me |nous )?(?:resumer|expliquer|presenter|lister|trouver|preparer|donner|dire)\s+"
    # « mon maire m'a demandé de regarder si… », « mon chef m'a dit de me renseigner sur… »: what is to be
    # looked into is asked.
    r"|(?:a|ont|m a|m ont|nous a|nous ont|me|nous)\s+(?:demande|dit|charge|chargee|charges|missionne|missionnee)\s+de\s+"
    r"(?:me |nous |m )?(?:regarder|verifier|voir|savoir|chercher|renseigner|creuser|etudier|examiner|me pencher|"
    rf"nous pencher|pencher)\s+(?:sur\s+|si\s+|(?={_QUESTION_START}\b))?"
    r")"
)
# « Bonjour, » before someone says who they are.
_GREETED = r"^(?:(?:bonjour|bonsoir|salut)(?: a (?:tous|toutes|toutes et a tous|tous et a toutes)| madame| monsieur)?\s+)?"
# « Je suis nouvelle au service marchés et on me parle du SPASER, c'est quoi ? », « je viens
# d'arriver, c'est quoi un spaser ? »: who the person is, then the question.
INTRODUCED = re.compile(
    _GREETED + r"(?:je suis (?:nouvelle|nouveau|arrivee?|la nouvelle|le nouveau)"
    r"|je viens (?:d )?arriver|je debute|j arrive|je arrive"
    r"|je (?:viens de prendre|prends) (?:mon poste|mes fonctions|la suite)|je viens (?:d )?etre (?:nommee?|recrutee?))"
    r"\b.{0,200}?\s"
    r"(?=(?:et )?(?:(?:c )?est quoi|c quoi|(?:qu )?est ce|comment|combien|quel|quelle|quels|quelles|pourquoi|on me parle"
    r"|on parle)\b)"
)
# « J'ai besoin d'expliquer à mes élus en 5 minutes ce qu'est un SPASER »: to whom and how briefly
# it is to be explained is context; what is asked is the definition that follows.
EXPLAINING = re.compile(
    r"^(?:.{0,120}?\s)?(?:expliquer|explique|presenter|presente|resumer|resume|vulgariser)\b.{0,80}?\s"
    r"(?=(?:ce est|ce que c est|ce que sont|c est quoi|en quoi consiste)\b)"  # « ce qu est »: elision dropped
)

# Words that describe who asks, not what is asked. They weigh nothing unless
# the base itself uses them (then they are ordinary terms).
CONTEXT_WORDS = frozenset(
    """
    acheteuse dgs dga dgst dgd drh daf directeur directrice dg chef cheffe n1 boss manager collegue collegues
    responsable responsables charge chargee adjoint adjointe vice vp secretaire general generale
    equipe service services je moi nous on notre nos mon ma mes
    habitants habitant administres administre environ peu pres quasiment presque
    juste simplement vraiment actuellement moment instant
    correctement rapidement efficacement facilement exactement precisement reellement entierement clairement vite
    bonjour bonsoir salut hello coucou madame monsieur cordialement
    euros euro eur milliers millions million
    conseil_departemental
    bretagne normandie occitanie auvergne rhone alpes bourgogne franche comte corse aquitaine provence azur
    ile loire guadeloupe martinique guyane reunion mayotte
    """.split()
)

# Words that qualify a question but never make one: « je sais pas trop » asks nothing.
MODIFIERS = frozenset("trop assez beaucoup bien mal mieux plutot tres peu souvent toujours jamais".split())


# « mon maire veut savoir s'il doit… »: « il » is the one who asks, who is then what is asked about;
# not in « s'il y a », « s'il faut », where « il » is no one.
_ASKER_PRONOUN = re.compile(
    r"^(?:il|elle|ils|elles)\b(?!\s+(?:y|faut|faudra|faudrait|fallait|existe|vaut|s agit|est (?:possible|obligatoire|"
    r"necessaire|utile|prevu|recommande|conseille)))")
# The asker: from a determiner to the asking verb (« le président du syndicat me demande »), not « on se demande ».
_DETERMINERS = r"(?:le|la|les|l|mon|ma|mes|notre|nos|son|sa|ses|leur|leurs)"
_ASKER = re.compile(
    rf"(?:^|\s)(?P<asker>{_DETERMINERS}\s+(?:(?!{_DETERMINERS}\s)\S+\s+){{0,2}}?\S+)"
    rf"\s+(?:(?:me|m|nous|lui|leur)\s+)?(?:{_ASKS})\b")


def focus(question: str) -> str:
    """The question without a reported-speech preamble (« ma directrice veut savoir si… »)."""
    simplified = simplify(question)
    for preamble in (REPORTED, INTRODUCED, EXPLAINING):
        match = preamble.match(simplified)
        if match and simplified[match.end() :].strip():
            asked = simplified[match.end() :]
            if preamble is REPORTED and _ASKER_PRONOUN.match(asked):
                asker = _ASKER.search(simplified[: match.end()])
                if asker:
                    return _ASKER_PRONOUN.sub(asker["asker"], asked, count=1)
            return asked
    return question


# « 65 M€ HT », « 70 millions d'euros », « 1,2 Md€ », « 400 millions d'achats »
_AMOUNT = re.compile(
    r"(?<![\d,.])(\d{1,4}(?:[.,]\d{1,2})?)\s*(milliards?|mds?\b|md\s*€|millions?|mios?\b|m\s*€|meur\b|m\b)"
)
_THE_AMOUNT = re.compile(r"\b(?:les|des|aux)\s+$")
# « le seuil de 50 millions », « le seuil est-il de 100 M€ »: the threshold named just before the amount.
_THE_RULE = re.compile(r"\bseuil\b(?:\s+\S+){0,3}\s*$")
_STRUCTURES = (
    (re.compile(r"\b(?:commune|ville|mairie)s?\b"), "une commune"),
    (re.compile(r"\bdepartements?\b|\bconseil departemental\b"), "un département"),
    (re.compile(r"\bregions?\b|\bconseil regional\b"), "une région"),
    (re.compile(r"\bmetropoles?\b"), "une métropole"),
    (re.compile(r"\b(?:intercommunalite|interco|epci|agglomeration|communaute de communes|communaute d agglomeration)s?\b"),
     "une intercommunalité"),
    (re.compile(r"\bsyndicats?\b"), "un syndicat"),
    (re.compile(r"\b(?:hopital|hopitaux|chu|ght|centres? hospitaliers?|etablissements? (?:publics? )?de sante)\b"),
     "un établissement de santé"),
    (re.compile(r"\b(?:ministere|prefecture|services de l etat)\b"), "un service de l'État"),
    (re.compile(r"\betablissements? publics?\b|\boffice\b"), "un établissement public"),
)


# « un milliard d'achats » is 1 milliard.
_ONE = re.compile(r"\bun (?=(?:milliard|million)s?\b)")


def _amounts_folded(question: str) -> str:
    return _ONE.sub("1 ", fold(question))


def purchases_meur(question: str) -> float | None:
    """The annual purchases a question states, in millions of euros, if it states one."""
    folded = _amounts_folded(question)
    match = _AMOUNT.search(folded)
    if match is None:
        return None
    value = float(match.group(1).replace(",", "."))
    value = value * 1000 if match.group(2).startswith(("milliard", "md")) else value
    before = folded[: match.start()]
    if value in (COMPULSORY_THRESHOLD_MEUR, FORMER_THRESHOLD_MEUR) and (_THE_RULE.search(before) or _THE_AMOUNT.search(before)):
        return None  # « le seuil de 50 millions », « loin des 50 millions »: the rule, not the asker's purchases
    return value


# « Bonjour, je suis nouvelle responsable de la commande publique dans une agglomération, nous
# achetons pour 70 M€ par an : sommes-nous tenus… ? »: who the person is, before the volume they state.
SELF_INTRODUCTION = re.compile(
    _GREETED + r"(?:je suis|je travaille|je bosse|mon travail est|mon poste est|je m occupe|je coordonne|je gere"
    r"|j ai en charge|je viens (?:d )?(?:etre|arriver|prendre)|j ai ete (?:nommee?|recrutee?)|en tant(?: que)?"
    r"|nous sommes|on est)\b")


def from_stated_volume(question: str) -> str | None:
    """What follows a self-introduction, from the purchase volume on; None if the question does not
    open by saying who asks, or states no volume."""
    if not SELF_INTRODUCTION.match(simplify(question)) or purchases_meur(question) is None:
        return None
    folded = _amounts_folded(question)
    return folded[_AMOUNT.search(folded).start():]


def structure_named(question: str) -> str | None:
    """The kind of structure a question speaks of (« une commune »), if it names one."""
    text = simplify(question)
    for pattern, label in _STRUCTURES:
        if pattern.search(text):
            return label
    return None
