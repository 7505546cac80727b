"""The labelled corpora bench/retrieval.py asks: facts, our two conversations, and LoCoMo."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

FACTS_PATH = Path(__file__).with_name("retrieval_set.json")
CONVERSATIONS = Path(__file__).with_name("conversations")


@dataclass
class Question:
    owner: str
    text: str
    evidence: list[str]  # labels of the memories that answer it
    kind: str


@dataclass
class Corpus:
    name: str
    memories: dict[str, dict[str, str]]  # owner -> label -> content
    questions: list[Question]
    negatives: list[tuple[str, str]] = field(default_factory=list)  # (owner, question)


def facts_corpus() -> Corpus:
    labelled = json.loads(FACTS_PATH.read_text())
    questions = [
        Question(owner, text, [answer], kind) for owner, text, answer, kind in labelled["questions"]
    ]
    negatives = [(owner, text) for owner, text, *_ in labelled["negatives"]]
    return Corpus("facts", labelled["users"], questions, negatives)


def conversation_corpus(path: Path) -> Corpus:
    chat = json.loads(path.read_text())
    turns = {
        turn["id"]: f"{turn['speaker']}: {turn['text']}"
        for session in chat["sessions"]
        for turn in session["turns"]
    }
    name = "conversation " + path.stem.rsplit("_", 1)[-1].upper()
    questions = [Question(name, q["question"], q["evidence"], q["kind"]) for q in chat["questions"]]
    return Corpus(name, {name: turns}, questions)


def locomo_corpus(path: Path) -> Corpus:
    memories, questions = {}, []
    for number, sample in enumerate(json.loads(path.read_text())):
        owner = f"locomo{number}"
        chat = sample["conversation"]
        memories[owner] = {
            turn["dia_id"]: f"{turn['speaker']}: {turn['text']}"
            for key, session in chat.items()
            if key.startswith("session_") and isinstance(session, list)
            for turn in session
        }
        questions += [
            Question(owner, qa["question"], qa["evidence"], str(qa.get("category", "")))
            for qa in sample["qa"]
            if set(qa.get("evidence") or []) & memories[owner].keys()
        ]
    return Corpus("locomo", memories, questions)
