"""The golden-set format and validator."""

from __future__ import annotations

import json
from pathlib import Path

from eval.golden import describe, load_golden, validate
from tests.conftest import SAMPLE

GOLDEN = Path(__file__).resolve().parents[2] / "eval" / "golden" / "sample.jsonl"


def test_committed_golden_set_is_valid_and_sized() -> None:
    errors, _ = validate(GOLDEN, SAMPLE)
    assert errors == []
    items = load_golden(GOLDEN)
    # The shares the README promises are of the single questions; multi-turn items come on top.
    single = [i for i in items if i.kind != "multi_turn"]
    counts = describe(single)["kind"]
    assert len(single) >= 120
    assert counts["unanswerable"] / len(single) >= 0.15
    assert counts["multi_hop"] / len(single) >= 0.10
    turns = [i for i in items if i.kind == "multi_turn"]
    assert len(turns) >= 20 and {i.split for i in turns} == {"dev", "test"}


def _line(**kw: object) -> str:
    base: dict[str, object] = {
        "id": "x1",
        "question": "How long must a password be?",
        "reference_answer": "At least 14 characters.",
        "reference_contexts": [
            "Passwords for your company account must be at least 14 characters long."
        ],
        "source": [{"document": "information-security-policy.pdf", "pages": [3]}],
        "kind": "lookup",
        "difficulty": "easy",
        "split": "dev",
    }
    base.update(kw)
    return json.dumps(base)


def test_validator_reports_each_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        "\n".join(
            [
                _line(),
                _line(),  # duplicate id
                _line(
                    id="x2", source=[{"document": "information-security-policy.pdf", "pages": [4]}]
                ),
                _line(id="x3", kind="unanswerable"),
                _line(id="x4", reference_contexts=[]),
            ]
        )
    )
    errors, _ = validate(bad, SAMPLE)
    assert errors == [
        "duplicate id 'x1'",
        "x2: excerpt not found on information-security-policy.pdf p.[4]: "
        "'Passwords for your company account must be at least 14 characters long'",
        "x3: unanswerable items must have no contexts or sources",
        "x4: answerable items need reference_contexts and source",
    ]


def test_validator_rejects_malformed_lines(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(_line() + "\n{not json\n")
    errors, _ = validate(bad, SAMPLE)
    assert len(errors) == 1 and errors[0].startswith(f"{bad}:2: ")
    wrong_kind = tmp_path / "kind.jsonl"
    wrong_kind.write_text(_line(kind="trivia"))
    [error] = validate(wrong_kind, SAMPLE)[0]
    assert "kind" in error and "lookup" in error


def test_validator_checks_multi_turn_histories(tmp_path: Path) -> None:
    exchange = [
        {"role": "user", "content": "What is the password policy?"},
        {"role": "assistant", "content": "Passwords must be at least 14 characters [1]."},
    ]
    bad = tmp_path / "turns.jsonl"
    bad.write_text(
        "\n".join(
            [
                _line(id="t1", kind="multi_turn", history=exchange, question="And the minimum?"),
                _line(id="t2", kind="multi_turn", history=exchange * 2),
                _line(id="t3", kind="multi_turn"),
                _line(id="t4", kind="multi_turn", history=exchange[:1]),
                _line(id="t5", kind="multi_turn", history=exchange[::-1]),
                _line(id="t6", history=exchange),
            ]
        )
    )
    errors, _ = validate(bad, SAMPLE)
    assert errors == [
        "t3: a multi_turn history is 1 or 2 exchanges (user, assistant), got []",
        "t4: a multi_turn history is 1 or 2 exchanges (user, assistant), got ['user']",
        "t5: a multi_turn history is 1 or 2 exchanges (user, assistant), got ['assistant', 'user']",
        "t6: only multi_turn items have a history",
    ]
    assert load_golden(bad)[0].turns() == exchange
