"""When two texts are the same for people: Unicode canonical caseless matching (NFD, case
fold, then NFC to store), so that "é" typed composed or decomposed, and "Straße" and "STRASSE",
compare equal."""

import unicodedata


def text_fold(text: str) -> str:
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", text).casefold())
