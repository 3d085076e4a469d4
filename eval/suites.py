"""The golden sets `make eval` scores, each with its corpus, index and baseline.

`sample`: the bundled, generated sample corpus (committed). `real`: five real software
manuals from Debian doc packages, not committed; `scripts/fetch_real_corpus.py` rebuilds
`data/real/` from pinned hashes, and a suite run calls it first (a no-op when the PDFs are
there). Each suite is gated against `eval/baselines/<name>.json`.
"""

from __future__ import annotations

import importlib.util
import io
import sys
from collections.abc import Callable, Sequence
from contextlib import redirect_stderr
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from eval.harness import BASELINES, EVAL_INDEX, ROOT, SAMPLE, EvalConfig

FETCH_SCRIPT = ROOT / "scripts" / "fetch_real_corpus.py"
REAL = ROOT / "data" / "real"


class SuiteUnavailable(RuntimeError):
    """A suite's corpus is missing and cannot be fetched; the message says what to do."""


class PlanError(ValueError):
    """Options that do not make one evaluation (a usage error); the message says why."""


@dataclass(frozen=True)
class Suite:
    name: str
    golden: Path
    corpus: Path
    # The index the harness keeps in line with `corpus` (ingesting only what changed).
    index: Path
    # Makes sure `corpus` is on disk; raises SuiteUnavailable when it cannot.
    prepare: Callable[[], None] | None = None

    @property
    def baseline(self) -> Path:
        return BASELINES / f"{self.name}.json"

    def config(self, base: EvalConfig) -> EvalConfig:
        """`base` (split, overrides, url...) pointed at this suite's golden set and corpus."""
        return replace(base, golden=self.golden, corpus=self.corpus, eval_index=self.index)


def _load_fetch_script() -> Any:
    # scripts/ is not a package: load the file, so the suite and the script share one fetcher.
    name = "_fetch_real_corpus"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, FETCH_SCRIPT)
    if spec is None or spec.loader is None:
        raise SuiteUnavailable(f"cannot load {FETCH_SCRIPT}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def fetch_real_corpus() -> None:
    """Bring data/real/ in line with its pins: silent when the PDFs are already there."""
    fetch = _load_fetch_script()
    how = (
        "run `.venv/bin/python scripts/fetch_real_corpus.py` on a Debian-family machine with "
        "network access (eval/golden/README.md), or leave the suite out: --suite sample"
    )
    try:
        pins = fetch.load_manifest(fetch.MANIFEST)
        # Progress goes to stdout; the errors come back in one line below, not twice.
        with redirect_stderr(io.StringIO()):
            _, errors = fetch.fetch(pins, REAL, fetch.DEFAULT_CACHE)
    except fetch.FetchError as exc:
        raise SuiteUnavailable(f"suite real: {exc}; {how}") from exc
    if errors:
        first = " ".join(errors[0].split())
        raise SuiteUnavailable(
            f"suite real: data/real/ is incomplete and could not be fetched ({first}); {how}"
        )


SUITES: dict[str, Suite] = {
    s.name: s
    for s in (
        Suite("sample", ROOT / "eval" / "golden" / "sample.jsonl", SAMPLE, EVAL_INDEX),
        Suite(
            "real",
            ROOT / "eval" / "golden" / "real.jsonl",
            REAL,
            ROOT / "build" / "eval-index-real",
            prepare=fetch_real_corpus,
        ),
    )
}


def suite_for_corpus(corpus: Path) -> Suite | None:
    """The suite whose corpus this is: a custom run over it is gated against its baseline."""
    return next((s for s in SUITES.values() if s.corpus.resolve() == corpus.resolve()), None)


@dataclass(frozen=True)
class Planned:
    """One evaluation of a run: a suite, or a custom golden set."""

    name: str
    config: EvalConfig
    # The baseline it is gated against (and that `baseline` writes); None: not gated.
    baseline: Path | None
    prepare: Callable[[], None] | None = None


def plan(
    base: EvalConfig,
    suites: Sequence[str] = (),
    golden: Path | None = None,
    corpus: Path | None = None,
    index: Path | None = None,
    baseline: Path | None = None,
) -> list[Planned]:
    """The evaluations a command asks for: every suite by default, some, or a custom one.

    A custom run (`golden`) scores `index` as it is built, or first ingests `corpus` (into
    `index`, else the index of the suite with that corpus, else build/eval-index-<name>).
    It is gated against `baseline`, else against the baseline of the suite with its corpus.
    """
    if golden is None:
        if corpus or index or baseline:
            raise PlanError("--corpus, --index and --baseline go with --golden FILE")
        names = list(dict.fromkeys(suites)) or list(SUITES)
        unknown = [n for n in names if n not in SUITES]
        if unknown:
            raise PlanError(f"unknown suite {unknown[0]!r}; the suites are {', '.join(SUITES)}")
        if base.url and len(names) > 1:
            raise PlanError(
                "--url evaluates one running service: name the golden set it serves with "
                "--suite NAME or --golden FILE"
            )
        return [
            Planned(n, SUITES[n].config(base), SUITES[n].baseline, SUITES[n].prepare) for n in names
        ]
    if suites:
        raise PlanError("--suite and --golden exclude each other")
    folder = corpus or SAMPLE
    owner = suite_for_corpus(folder)
    managed = owner.index if owner else ROOT / "build" / f"eval-index-{folder.name}"
    config = replace(
        base,
        golden=golden,
        corpus=folder,
        # --index alone: that index as built; with --corpus, the corpus is ingested into it.
        index=index if corpus is None else None,
        eval_index=index or managed,
    )
    prepare = owner.prepare if owner and config.index is None else None
    return [Planned(golden.stem, config, baseline or (owner.baseline if owner else None), prepare)]
