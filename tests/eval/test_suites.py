"""Suites and the `run`/`baseline` CLI: which evaluations run, which baseline gates each.

The CLI tests replace the (minutes-long) evaluation by a fake that scores hand-built records,
so they check the command's plumbing: suite selection, one embedder, baselines per suite,
the combined report, and the exit codes.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import eval.harness as harness
from eval import metrics as m
from eval import suites
from eval.__main__ import build_parser, main
from eval.harness import EVAL_INDEX, ROOT, SAMPLE, EvalConfig, EvalResult, select
from eval.scoring import summarize
from eval.suites import REAL, SUITES, PlanError, SuiteUnavailable, plan
from tests.factories import make_record

BASE = EvalConfig()


def test_plan_defaults_to_every_suite_each_with_its_own_baseline() -> None:
    runs = plan(BASE)
    assert [r.name for r in runs] == ["sample", "real"]
    sample, real = runs
    assert sample.config.golden == ROOT / "eval" / "golden" / "sample.jsonl"
    assert (sample.config.corpus, sample.config.eval_index) == (SAMPLE, EVAL_INDEX)
    assert sample.baseline == ROOT / "eval" / "baselines" / "sample.json"
    assert sample.prepare is None
    assert real.config.golden == ROOT / "eval" / "golden" / "real.jsonl"
    assert real.config.corpus == REAL
    assert real.config.eval_index == ROOT / "build" / "eval-index-real"
    assert real.baseline == ROOT / "eval" / "baselines" / "real.json"
    assert real.prepare is suites.fetch_real_corpus
    assert real.config.index is None  # the harness ingests data/real into its index first


def test_plan_keeps_the_shared_options_and_picks_named_suites_once() -> None:
    base = EvalConfig(split="dev", overrides={"top_k": 3}, retrieval_only=True)
    [real] = plan(base, suites=["real", "real"])
    assert (real.name, real.config.split, real.config.overrides) == ("real", "dev", {"top_k": 3})
    assert real.config.retrieval_only


def test_custom_golden_set_is_gated_against_the_suite_of_its_corpus(tmp_path: Path) -> None:
    golden = tmp_path / "subset.jsonl"
    [on_sample] = plan(BASE, golden=golden)
    assert (on_sample.name, on_sample.config.golden) == ("subset", golden)
    assert (on_sample.config.index, on_sample.config.eval_index) == (None, EVAL_INDEX)
    assert on_sample.baseline == SUITES["sample"].baseline

    [on_real] = plan(BASE, golden=golden, corpus=REAL)
    assert on_real.config.eval_index == SUITES["real"].index
    assert on_real.baseline == SUITES["real"].baseline
    assert on_real.prepare is suites.fetch_real_corpus

    # --index alone: that index as it is built, nothing ingested or fetched.
    [prebuilt] = plan(BASE, golden=golden, corpus=None, index=tmp_path / "idx")
    assert prebuilt.config.index == tmp_path / "idx" and prebuilt.prepare is None

    [own] = plan(BASE, golden=golden, corpus=tmp_path / "mydocs", baseline=tmp_path / "b.json")
    assert own.config.eval_index == ROOT / "build" / "eval-index-mydocs"
    assert own.baseline == tmp_path / "b.json"
    [unknown] = plan(BASE, golden=golden, corpus=tmp_path / "mydocs")
    assert unknown.baseline is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"corpus": Path("x")}, "--corpus, --index and --baseline go with --golden FILE"),
        ({"suites": ["sample"], "golden": Path("x")}, "--suite and --golden exclude each other"),
        ({"suites": ["nope"]}, "unknown suite 'nope'; the suites are sample, real"),
    ],
)
def test_plan_rejects_options_that_do_not_fit(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(PlanError) as exc:
        plan(BASE, **kwargs)
    assert str(exc.value) == message


def test_a_running_service_is_one_suite() -> None:
    with pytest.raises(PlanError, match="--url evaluates one running service"):
        plan(EvalConfig(url="http://127.0.0.1:8000"))
    [one] = plan(EvalConfig(url="http://127.0.0.1:8000"), suites=["real"])
    assert one.config.url == "http://127.0.0.1:8000"


def test_cli_parses_repeated_suites_and_refuses_suite_with_golden() -> None:
    parser = build_parser()
    args = parser.parse_args(["run", "--suite", "sample", "--suite", "real", "--split", "dev"])
    assert (args.suite, args.golden, args.split) == (["sample", "real"], None, "dev")
    assert parser.parse_args(["baseline"]).suite is None
    for bad in (["run", "--suite", "sample", "--golden", "x.jsonl"], ["run", "--suite", "nope"]):
        with pytest.raises(SystemExit) as exc:
            parser.parse_args(bad)
        assert exc.value.code == 2


# -- the CLI with a fake evaluation ------------------------------------------------------------
class FakeEval:
    """Stands in for `eval.harness.evaluate`: every answerable item answered, others refused,
    unless `refuse_answerable`; the reranker and generator it reports are settable."""

    def __init__(self) -> None:
        self.reranker = "none (cannot load 'cross-encoder/x': offline)"
        self.generator = "extractive"
        self.refuse_answerable = False
        self.goldens: list[Path] = []
        self.embedders = 0

    def embedder(self, settings: Any) -> object:
        self.embedders += 1
        return object()

    def __call__(self, config: EvalConfig, hooks: Any, embedder: Any) -> EvalResult:
        self.goldens.append(config.golden)
        records = [
            make_record(
                item,
                [],
                abstained=not item.answerable or self.refuse_answerable,
                timings_ms={"total": 100.0},
            )
            for item in select(config)
        ]
        values = {
            "refusal_recall": [m.refusal_recall(r) for r in records],
            "false_refusal": [m.false_refusal(r) for r in records],
            "latency_ms": [m.latency_ms(r) for r in records],
        }
        summary = summarize(records, values)
        summary["meta"] = {
            "run": "20261206T000000Z",
            "git_commit": "abc",
            "git_dirty": False,
            "golden": str(config.golden),
            "golden_sha256": "0" * 64,
            "split": config.split,
            "embedder": "minilm (fp32)",
            "reranker": self.reranker,
            "generator": self.generator,
            "settings": {},
        }
        return EvalResult(config, None, records, values, summary)  # type: ignore[arg-type]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeEval:
    fake = FakeEval()
    monkeypatch.setattr(harness, "evaluate", fake)
    monkeypatch.setattr(harness, "load_eval_embedder", fake.embedder)
    monkeypatch.setattr(suites, "BASELINES", tmp_path / "baselines")
    # data/real may be absent here: the fetch has its own tests below.
    monkeypatch.setitem(SUITES, "real", replace(SUITES["real"], prepare=None))
    return fake


def test_baseline_then_run_score_every_suite_against_its_own_baseline(
    fake: FakeEval, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["baseline", "--out", str(tmp_path / "b")]) == 0
    assert fake.goldens == [SUITES["sample"].golden, SUITES["real"].golden]
    assert fake.embedders == 1  # loaded once, shared by the suites
    for name in ("sample", "real"):
        written = json.loads((tmp_path / "baselines" / f"{name}.json").read_text())
        assert written["meta"]["suite"] == name
        assert written["per_question"]["false_refusal"]

    assert main(["run", "--out", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert "REGRESSION" not in out and "GATE REFUSED" not in out
    report = (tmp_path / "r" / "report.md").read_text()
    assert "| metric | sample | real |" in report
    assert "| sample | passed (2 metrics) |" in report and "| real | passed (2 metrics) |" in report
    for name in ("sample", "real"):
        assert (tmp_path / "r" / name / "summary.json").exists()
        assert (tmp_path / "r" / name / "plot.png").exists()
    assert (tmp_path / "r" / "plot.png").exists()


def test_run_fails_when_false_refusals_rise(
    fake: FakeEval, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["baseline", "--suite", "sample", "--out", str(tmp_path / "b")]) == 0
    fake.refuse_answerable = True
    assert main(["run", "--suite", "sample", "--out", str(tmp_path / "r")]) == 1
    out = capsys.readouterr().out
    assert "REGRESSION false_refusal: 0.000 -> 1.000" in out
    assert "lower is better) in sample" in out


def test_gate_refuses_a_baseline_made_with_another_reranker(
    fake: FakeEval, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["baseline", "--suite", "sample", "--out", str(tmp_path / "b")]) == 0
    fake.reranker = "cross-encoder/ms-marco-MiniLM-L6-v2 (fp32)"
    fake.refuse_answerable = True  # a regression too: the refusal is what is reported
    assert main(["run", "--suite", "sample", "--out", str(tmp_path / "r")]) == 2
    out = capsys.readouterr().out
    [line] = [x for x in out.splitlines() if x.startswith("GATE REFUSED")]
    assert line == (
        "GATE REFUSED sample: the baseline ran reranker \"none (cannot load 'cross-encoder/x': "
        "offline)\", this run 'cross-encoder/ms-marco-MiniLM-L6-v2 (fp32)'; runs made with "
        "different rerankers or generators are not compared. If the change is intended, run "
        f"`make eval-baseline` and commit {tmp_path / 'baselines' / 'sample.json'}; otherwise "
        "restore the previous setting."
    )
    assert "REGRESSION" not in out
    report = (tmp_path / "r" / "report.md").read_text()
    assert "| sample | not compared: refused: the baseline ran reranker" in report


def test_gate_refuses_a_baseline_made_with_another_generator(
    fake: FakeEval, tmp_path: Path
) -> None:
    assert main(["baseline", "--suite", "real", "--out", str(tmp_path / "b")]) == 0
    fake.generator = "openai:qwen2.5-7b"
    assert main(["run", "--suite", "real", "--out", str(tmp_path / "r")]) == 2
    # Only the detail of the same reranker changed: compared as usual.
    fake.generator, fake.reranker = "extractive", "none (disabled by RAG_RERANKER=none)"
    assert main(["run", "--suite", "real", "--out", str(tmp_path / "r2")]) == 0


def test_a_custom_baseline_needs_a_file_to_write(
    fake: FakeEval, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    golden = tmp_path / "mine.jsonl"
    golden.write_text(SUITES["sample"].golden.read_text().splitlines()[0] + "\n")
    args = ["baseline", "--golden", str(golden), "--corpus", str(tmp_path)]
    assert main(args) == 2
    assert "needs --baseline FILE" in capsys.readouterr().out
    assert main([*args, "--baseline", str(tmp_path / "mine.json"), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "mine.json").exists() and fake.goldens == [golden]


# -- the real corpus ---------------------------------------------------------------------------
def test_missing_real_corpus_is_one_line_saying_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = suites._load_fetch_script()
    failing = SimpleNamespace(
        FetchError=module.FetchError,
        MANIFEST=module.MANIFEST,
        DEFAULT_CACHE=Path("/nonexistent"),
        load_manifest=module.load_manifest,
        fetch=lambda pins, out, cache: (0, ["`apt-get download x=1` failed:\n    E: boom"]),
    )
    monkeypatch.setattr(suites, "_load_fetch_script", lambda: failing)
    with pytest.raises(SuiteUnavailable) as exc:
        suites.fetch_real_corpus()
    assert str(exc.value) == (
        "suite real: data/real/ is incomplete and could not be fetched (`apt-get download x=1` "
        "failed: E: boom); run `.venv/bin/python scripts/fetch_real_corpus.py` on a "
        "Debian-family machine with network access (eval/golden/README.md), or leave the "
        "suite out: --suite sample"
    )


def test_fetch_script_updates_missing_apt_lists_once_and_retries(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    module = suites._load_fetch_script()
    calls: list[list[str]] = []

    def apt_get(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        calls.append(args)
        lists_missing = args[0] == "download" and ["update"] not in calls
        err = "E: Unable to locate package gnuplot-doc\n" if lists_missing else ""
        return subprocess.CompletedProcess(args, 100 if lists_missing else 0, "", err)

    monkeypatch.setattr(module, "_apt_get", apt_get)
    monkeypatch.setattr(module, "_apt_updated", False)
    pin = module.load_manifest(module.MANIFEST)[0]
    assert module._apt_download(pin, tmp_path).returncode == 0
    assert calls == [["download", pin.spec], ["update"], ["download", pin.spec]]

    # Once per process: a later miss is reported, not updated again.
    calls.clear()
    monkeypatch.setattr(
        module,
        "_apt_get",
        lambda args, cwd=None: subprocess.CompletedProcess(
            args, 100, "", "E: Unable to locate package x"
        ),
    )
    assert module._apt_download(pin, tmp_path).returncode == 100
