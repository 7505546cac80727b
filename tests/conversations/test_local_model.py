"""The offline companion says back what it remembers, in the second person."""

import pytest

from conversations.llm import ChatPrompt
from conversations.llm.local import LocalChatModel, local_answer, second_person


@pytest.mark.parametrize(
    ("fact", "said"),
    [
        ("User lives in Porto", "you live in Porto"),
        ("User has a dog named Bolt", "you have a dog named Bolt"),
        ("User's name is Ana", "your name is Ana"),
        ("User is allergic to peanuts", "you are allergic to peanuts"),
        ("User loves hiking", "you love hiking"),
        ("User works as a nurse", "you work as a nurse"),
        ("User watches films", "you watch films"),
        ("Likes tea", "you told me: Likes tea"),
    ],
)
def test_a_memory_is_said_to_the_user(fact, said):
    assert second_person(fact) == said


def test_the_answer_joins_what_it_remembers():
    assert local_answer(["User lives in Porto", "User has a dog named Bolt"]) == (
        "I remember you live in Porto and have a dog named Bolt."
    )
    assert local_answer(["User's name is Ana", "User lives in Porto", "User loves tea."]) == (
        "I remember your name is Ana, you live in Porto and love tea."
    )


def test_it_streams_word_by_word():
    prompt = ChatPrompt(messages=[], memories=["User lives in Porto"])
    chunks = [chunk.text for chunk in LocalChatModel().stream(prompt)]
    assert chunks == ["I", " remember", " you", " live", " in", " Porto."]
