"""The BM25 tokenizer, shared by index time (ingest) and query time (service).

Technical text is full of identifiers (`HTTP_PROXY`, `--no-cache-dir`, `os.path.join`,
`E-4012`, `4.2.1`). Each compound is kept whole *and* split into its parts, so a query
matches whether the user types the identifier exactly or just its words.
"""

from __future__ import annotations

import re
import unicodedata

# Bump when tokenization changes: an index built with another version must be rebuilt.
TOKENIZER_VERSION = "ident-v1"

# A compound: alphanumeric runs joined by . _ - / : (no leading or trailing joiner).
_COMPOUND = re.compile(r"[0-9a-z]+(?:[._\-/:@+#][0-9a-z]+)*\+*")
_PARTS = re.compile(r"[0-9a-z]+")
_VERSION = re.compile(r"v\d+(?:\.\d+)+$")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves""".split()
)


def tokenize(text: str) -> list[str]:
    """Lowercased tokens: every compound identifier plus its alphanumeric parts."""
    text = unicodedata.normalize("NFKC", text).lower()
    tokens: list[str] = []
    for match in _COMPOUND.finditer(text):
        compound = match.group()
        parts = _PARTS.findall(compound)
        if len(parts) > 1 or compound != parts[0]:
            tokens.append(compound)
            if _VERSION.match(compound):
                tokens.append(compound[1:])  # "v4.2.1" also matches "4.2.1"
        tokens.extend(p for p in parts if p not in STOPWORDS)
    return tokens
