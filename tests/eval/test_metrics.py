"""Metric functions on hand-made cases with known answers."""

from __future__ import annotations

import math
from typing import Any

import pytest

from core.embed import Embedder
from eval import metrics as m
from eval.golden import GoldenItem
from eval.runner import Record
from tests.factories import make_candidate, make_item, make_record


def test_retrieval_metrics_on_known_ranks() -> None:
    r = make_record(
        make_item(), [make_candidate(3), make_candidate(9), make_candidate(10), make_candidate(11)]
    )
    assert m.page_hit_at(r, 2) == 0.0
    assert m.page_hit_at(r, 5) == 1.0
    assert m.mrr_at(r, 10) == pytest.approx(1 / 3)
    assert m.ndcg_at(r, 10) == pytest.approx(1 / math.log2(4))


def test_ndcg_counts_each_golden_page_once() -> None:
    r = make_record(
        make_item(pages=(4, 5)), [make_candidate(4), make_candidate(4), make_candidate(5)]
    )
    ideal = 1 + 1 / math.log2(3)
    assert m.ndcg_at(r, 10) == pytest.approx((1 + 1 / math.log2(4)) / ideal)


def test_retrieval_metrics_do_not_apply_to_unanswerable() -> None:
    r = make_record(make_item("unanswerable"), [make_candidate(1)])
    assert math.isnan(m.page_hit_at(r, 5)) and math.isnan(m.mrr_at(r, 10))
    assert m.abstention_correct(r) == 1.0


def test_excerpt_recall_uses_only_answer_contexts() -> None:
    ctx = make_candidate(10, text="Primary caregiver leave 18\nweeks Taken in one block.")
    r = make_record(make_item(), [ctx, make_candidate(12)])
    assert m.excerpt_recall(r) == 1.0
    miss = make_record(
        make_item(),
        [make_candidate(10, text="Secondary caregiver leave 8 weeks"), make_candidate(10)],
    )
    assert m.excerpt_recall(miss) == 0.0


def _answered(answer: str, citations: list[dict[str, Any]], it: GoldenItem | None = None) -> Record:
    return make_record(
        it or make_item(), [make_candidate(10)], answer=answer, abstained=False, citations=citations
    )


def cite(cid: int, quote: str, page: int = 10, doc: str = "handbook.pdf") -> dict[str, Any]:
    return {"id": cid, "quote": quote, "document": doc, "page_start": page, "page_end": page}


def test_answer_sentences_split_on_markers() -> None:
    r = _answered(
        "Leave is 18 weeks [1]. It is paid [1][2]. Unmarked tail",
        [cite(1, "Primary caregiver leave 18 weeks"), cite(2, "at full pay")],
    )
    assert m.answer_sentences(r) == [
        ("Leave is 18 weeks", ["Primary caregiver leave 18 weeks"]),
        ("It is paid", ["Primary caregiver leave 18 weeks", "at full pay"]),
        ("Unmarked tail", []),
    ]


def test_groundedness_catches_a_fabricated_sentence(embedder: Embedder) -> None:
    grounded = m.Groundedness(embedder.embed)
    quote = "Primary caregivers receive 18 weeks of parental leave at full pay."
    honest = _answered(
        "Primary caregivers receive 18 weeks of parental leave at full pay [1].", [cite(1, quote)]
    )
    assert grounded(honest) == 1.0
    # Same citation, invented number: the quote does not support it.
    wrong_number = _answered(
        "Primary caregivers receive 26 weeks of parental leave [1].", [cite(1, quote)]
    )
    assert grounded(wrong_number) == 0.0
    # A fluent sentence about something else, hiding behind a valid citation.
    unrelated = _answered(
        "Primary caregivers receive 18 weeks of parental leave at full pay [1]. "
        "Employees may also bring their dogs to the office on Fridays [1].",
        [cite(1, quote)],
    )
    assert grounded(unrelated) == 0.5
    assert math.isnan(grounded(make_record(make_item(), [])))  # abstentions are not scored


def test_citation_page_accuracy_flags_forged_page() -> None:
    r = _answered("A [1]. B [2].", [cite(1, "q", page=10), cite(2, "q", page=3)])
    assert m.citation_page_accuracy(r) == 0.5
    other_doc = _answered("A [1].", [cite(1, "q", page=10, doc="other.pdf")])
    assert m.citation_page_accuracy(other_doc) == 0.0


def test_citation_support_counts_dropped_sentences() -> None:
    r = make_record(make_item(), [], checks={"sentences_kept": 3, "sentences_dropped": 1})
    assert m.citation_support(r) == 0.75
    assert math.isnan(m.citation_support(make_record(make_item(), [])))


def test_abstention_precision_recall() -> None:
    recs = [
        make_record(make_item("unanswerable", id="u1"), []),  # abstained: TP
        make_record(make_item("unanswerable", id="u2"), [], abstained=False),  # FN
        make_record(make_item(id="a1"), []),  # abstained on answerable: FP
        make_record(make_item(id="a2"), [], abstained=False),  # TN
    ]
    prf = m.abstention_prf(recs, iters=200)
    assert prf["abstain_precision"].mean == 0.5
    assert prf["abstain_recall"].mean == 0.5
    assert prf["abstain_f1"].mean == 0.5


def test_bootstrap_interval_and_nan_handling() -> None:
    est = m.bootstrap([1.0, 1.0, float("nan"), 1.0])
    assert (est.mean, est.low, est.high, est.n, est.of) == (1.0, 1.0, 1.0, 3, 4)
    spread = m.bootstrap([0.0, 1.0] * 50)
    assert spread.low < 0.5 < spread.high and spread.high - spread.low < 0.25
    assert math.isnan(m.bootstrap([float("nan")]).mean)


def test_answer_hit_needs_an_answer_with_a_citation_on_a_golden_page() -> None:
    on_page = _answered("A [1]. B [2].", [cite(1, "q", page=3), cite(2, "q", page=10)])
    assert m.answer_hit(on_page) == 1.0
    off_page = _answered("A [1].", [cite(1, "q", page=3)])
    assert m.answer_hit(off_page) == 0.0
    other_doc = _answered("A [1].", [cite(1, "q", page=10, doc="other.pdf")])
    assert m.answer_hit(other_doc) == 0.0
    no_citation = _answered("A.", [])
    assert m.answer_hit(no_citation) == 0.0
    # A citation whose page range spans the golden page covers it.
    span = _answered("A [1].", [{**cite(1, "q", page=9), "page_end": 11}])
    assert m.answer_hit(span) == 1.0


def test_answer_hit_scores_an_abstention_on_an_answerable_item_zero() -> None:
    refused = make_record(make_item(), [make_candidate(10)], citations=[cite(1, "q", page=10)])
    assert m.answer_hit(refused) == 0.0
    assert math.isnan(m.answer_hit(make_record(make_item("unanswerable"), [])))


def test_refusal_recall_and_false_refusal_split_the_items_by_answerability() -> None:
    refused_unanswerable = make_record(make_item("unanswerable"), [])
    answered_unanswerable = make_record(make_item("unanswerable"), [], abstained=False)
    refused_answerable = make_record(make_item(), [])
    answered_answerable = make_record(make_item(), [], abstained=False)
    assert m.refusal_recall(refused_unanswerable) == 1.0
    assert m.refusal_recall(answered_unanswerable) == 0.0
    assert math.isnan(m.refusal_recall(refused_answerable))
    assert m.false_refusal(refused_answerable) == 1.0
    assert m.false_refusal(answered_answerable) == 0.0
    assert math.isnan(m.false_refusal(refused_unanswerable))


def test_latency_is_the_reported_total_or_nan() -> None:
    timed = make_record(make_item(), [], timings_ms={"retrieve_bm25": 2.0, "total": 512.5})
    assert m.latency_ms(timed) == 512.5
    assert math.isnan(m.latency_ms(make_record(make_item(), [], timings_ms={"retrieve": 1.0})))


def test_answer_sentences_keep_brackets_that_belong_to_the_document() -> None:
    r = _answered(
        "Here ARGV[1] and ARGV[2] are floats [1]. Say set xrange [1:0] instead [2].",
        [cite(1, "ARGV[1] and ARGV[2] are floats"), cite(2, "set xrange [1:0] instead")],
    )
    assert m.answer_sentences(r) == [
        ("Here ARGV[1] and ARGV[2] are floats", ["ARGV[1] and ARGV[2] are floats"]),
        ("Say set xrange [1:0] instead", ["set xrange [1:0] instead"]),
    ]
