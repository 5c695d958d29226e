"""Accuracy on the held-out labelled questions, and per-question latency as the base grows.

Targets: median < 1 ms and p99 < 5 ms on the real base; p99 < 20 ms at 100×.
The larger bases are synthetic: each real entry is copied with its words
shuffled and some replaced by made-up ones, so the vocabulary and posting
lists grow the way a bigger real base would.

Run: python benchmarks/faq.py
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge.loader import KnowledgeBase, load_knowledge  # noqa: E402
from knowledge.matcher import Matcher  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "labelled_questions.yaml"


def split(parity: int):
    data = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))
    ins = [tuple(x) for i, x in enumerate(data["in_scope"]) if i % 2 == parity]
    outs = [x for i, x in enumerate(data["out_of_scope"]) if i % 2 == parity]
    return ins, outs


def accuracy(matcher: Matcher, parity: int) -> dict:
    ins, outs = split(parity)
    top1 = sum(1 for eid, q in ins if (r := matcher.rank(q, 1)) and r[0].entry.id == eid)
    answered_right = sum(1 for eid, q in ins if (o := matcher.decide(q)).kind == "answered" and o.best.entry.id == eid)
    answered_wrong = sum(1 for eid, q in ins if (o := matcher.decide(q)).kind == "answered" and o.best.entry.id != eid)
    rejected = sum(1 for q in outs if matcher.decide(q).kind != "answered")
    return {
        "in_scope": len(ins),
        "top1": top1 / len(ins),
        "answered_right": answered_right / len(ins),
        "answered_wrong": answered_wrong / len(ins),
        "out_of_scope": len(outs),
        "not_answered": rejected / len(outs),
    }


def synthetic(kb: KnowledgeBase, factor: int, rng: random.Random) -> KnowledgeBase:
    if factor == 1:
        return kb
    entries = list(kb.entries)
    for copy in range(1, factor):
        for entry in kb.entries:
            def scramble(text: str) -> str:
                words = text.split()
                rng.shuffle(words)
                return " ".join(w if rng.random() > 0.4 else f"mot{rng.randrange(factor * 400)}" for w in words)

            entries.append(
                replace(
                    entry,
                    id=f"{entry.id}-{copy}",
                    question=scramble(entry.question),
                    variants=tuple(scramble(v) for v in entry.variants),
                    related=(),
                )
            )
    return KnowledgeBase(kb.topics, tuple(entries), kb.synonym_groups, kb.allowed_urls)


def latency(matcher: Matcher, questions: list[str], rounds: int) -> dict:
    timings = []
    for _ in range(rounds):
        for q in questions:
            start = time.perf_counter()
            matcher.decide(q)
            timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return {
        "n": len(timings),
        "median_ms": statistics.median(timings),
        "p99_ms": timings[int(len(timings) * 0.99) - 1],
        "max_ms": timings[-1],
    }


def main() -> None:
    kb = load_knowledge()
    real = Matcher(kb)
    for name, parity in (("réglage (moitié paire)", 0), ("tenu à l'écart (moitié impaire)", 1)):
        a = accuracy(real, parity)
        print(
            f"Précision, jeu {name} : {a['in_scope']} questions dans le périmètre, top-1 {a['top1']:.1%}, "
            f"répondues juste {a['answered_right']:.1%}, répondues faux {a['answered_wrong']:.1%} ; "
            f"{a['out_of_scope']} hors périmètre, non répondues {a['not_answered']:.1%}"
        )
    ins, outs = split(0)
    ins2, outs2 = split(1)
    questions = [q for _, q in ins + ins2] + outs + outs2
    rng = random.Random(20261123)
    for factor, rounds in ((1, 5), (10, 2), (100, 1)):
        base = synthetic(kb, factor, rng)
        start = time.perf_counter()
        matcher = Matcher(base)
        build = (time.perf_counter() - start) * 1000
        matcher.decide("échauffement")
        lat = latency(matcher, questions, rounds)
        print(
            f"Base ×{factor:<3} ({len(base.entries)} entrées) : index construit en {build:.0f} ms ; "
            f"{lat['n']} questions, médiane {lat['median_ms']:.2f} ms, p99 {lat['p99_ms']:.2f} ms, max {lat['max_ms']:.2f} ms"
        )


if __name__ == "__main__":
    main()
