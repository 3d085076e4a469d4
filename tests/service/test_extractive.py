"""The extractive answer: which sentences it quotes, and from which passages."""

from __future__ import annotations

from service.evidence import Evidence, Sentence
from service.generate.base import Context
from service.generate.extractive import ExtractiveGenerator
from tests.factories import make_chunk, make_context

LEAVE = (
    "Parental leave. Primary caregiver leave is 18 weeks at full pay. It is taken in one "
    "block. Parking permits are issued by facilities."
)
TABLE = "Type of leave Paid at full salary\nSecondary caregiver leave 8 weeks at full pay."
FOOD = "The cafeteria serves lunch from noon to two o'clock every working day."


def _evidence(passages: list[tuple[str, list[float]]]) -> Evidence:
    """Contexts numbered from 1, each sentence of each given the score listed for it."""
    contexts: list[Context] = []
    scored: list[list[Sentence]] = []
    for number, (text, scores) in enumerate(passages, start=1):
        ctx = make_context(number, make_chunk(text, doc_id=f"d{number}", ordinal=number))
        spans = ctx.hit.chunk.sentences
        assert len(spans) == len(scores), [text[s:e] for s, e in spans]
        contexts.append(ctx)
        scored.append(
            [
                Sentence(ctx, s, e, " ".join(text[s:e].split()), score, score)
                for (s, e), score in zip(spans, scores, strict=True)
            ]
        )
    return Evidence("q", contexts, scored)


def _quotes(evidence: Evidence, max_sentences: int = 3) -> list[tuple[int, str]]:
    draft = ExtractiveGenerator(max_sentences).answer(evidence)
    return [c for s in draft.sentences for c in s.citations]


def test_quotes_the_best_sentence_of_the_top_passage_and_what_continues_it() -> None:
    ev = _evidence([(LEAVE, [0.5, 0.8, 0.75, 0.2]), (FOOD, [0.1])])
    assert _quotes(ev) == [
        (1, "Primary caregiver leave is 18 weeks at full pay. It is taken in one block.")
    ]


def test_a_heading_is_never_the_answer_on_its_own() -> None:
    # "Parental leave." scores best but is two words: the next best whole sentence leads.
    ev = _evidence([(LEAVE, [0.9, 0.6, 0.1, 0.1])])
    assert _quotes(ev) == [(1, "Primary caregiver leave is 18 weeks at full pay.")]


def test_a_table_label_is_completed_by_the_row_that_follows_it() -> None:
    ev = _evidence([(TABLE, [0.8, 0.5])])
    assert _quotes(ev) == [
        (1, "Type of leave Paid at full salary Secondary caregiver leave 8 weeks at full pay.")
    ]


def test_another_passage_leads_only_when_clearly_better() -> None:
    close = _evidence([(FOOD, [0.6]), (LEAVE, [0.1, 0.75, 0.1, 0.1])])
    assert _quotes(close, max_sentences=1) == [(1, FOOD)]
    clear = _evidence([(FOOD, [0.5]), (LEAVE, [0.1, 0.75, 0.1, 0.1])])
    assert _quotes(clear, max_sentences=1) == [
        (2, "Primary caregiver leave is 18 weeks at full pay.")
    ]


def test_a_second_source_is_cited_only_when_nearly_as_good_and_new() -> None:
    both = _evidence([(LEAVE, [0.1, 0.8, 0.1, 0.1]), (TABLE, [0.2, 0.78])])
    assert _quotes(both) == [
        (1, "Primary caregiver leave is 18 weeks at full pay."),
        (2, "Secondary caregiver leave 8 weeks at full pay."),
    ]
    weaker = _evidence([(LEAVE, [0.1, 0.8, 0.1, 0.1]), (TABLE, [0.2, 0.7])])
    assert _quotes(weaker) == [(1, "Primary caregiver leave is 18 weeks at full pay.")]


def test_no_sentence_at_all_is_an_insufficient_draft() -> None:
    draft = ExtractiveGenerator(3).answer(Evidence("q", [], []))
    assert draft.insufficient and draft.sentences == []
    assert draft.notes == ["no sentence to quote"]
