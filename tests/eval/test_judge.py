"""ragas Faithfulness with an LLM judge, faked at the HTTP boundary in OpenAI's wire format."""

from __future__ import annotations

import math

import respx

from core.config import Settings
from eval.ragas_scores import judge_faithfulness
from tests.factories import make_candidate, make_item, make_record
from tests.service import openai_wire as wire


def _settings(**kw: object) -> Settings:
    return Settings(_env_file=None, **kw)  # type: ignore[arg-type]


def test_no_judge_configured_means_no_faithfulness() -> None:
    assert judge_faithfulness([], _settings()) is None


@respx.mock
def test_judge_that_cannot_produce_structured_output_leaves_items_unscored() -> None:
    # What a weak local model does: prose instead of ragas' JSON.
    route = respx.post("http://judge.test/v1/chat/completions").mock(
        return_value=wire.completion("I think the answer is probably right.")
    )
    answered = make_record(
        make_item(),
        [make_candidate(10, text="Primary caregiver leave 18 weeks")],
        answer="Primary caregivers get 18 weeks [1].",
        abstained=False,
    )
    abstained = make_record(make_item("unanswerable", id="u1"), [])
    settings = _settings(judge_base_url="http://judge.test/v1", judge_model="tiny")
    scores = judge_faithfulness([answered, abstained], settings)
    assert scores is not None and len(scores) == 2
    assert all(math.isnan(s) for s in scores)  # unscored, never counted as 0 or dropped
    assert route.called
