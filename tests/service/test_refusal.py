"""The refusal decision: its signals, its model, its gates."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from core.embed import Embedder
from core.index import IndexData
from service.evidence import gather
from service.generate.base import Context
from service.refusal import (
    FEATURES,
    CorpusStats,
    RefusalModel,
    decide,
    features,
    load_model,
    named_terms,
    naming_terms,
)
from service.retriever import HybridRetriever, SearchParams
from tests.factories import make_settings


def _model(threshold: float = 0.5, weights: tuple[float, ...] = (1, 0, 0, 0, 0)) -> RefusalModel:
    n = len(FEATURES)
    return RefusalModel(FEATURES, (0.0,) * n, (1.0,) * n, weights, 0.0, threshold, {})


def test_named_terms_are_names_and_identifiers_after_the_first_word() -> None:
    assert named_terms("How do I load a Parquet file into gnuplot?") == ["Parquet"]
    assert named_terms("Can gnuplot open an .xlsx workbook from HDF5 or E-4012?") == [
        ".xlsx",
        "HDF5",
        "E-4012",
    ]
    assert named_terms("What is the CEO's favourite team?") == ["CEO"]


def test_naming_terms_add_the_words_the_tokenizer_finds_rare(
    tiny_index: IndexData, embedder: Embedder
) -> None:
    stats = CorpusStats(tiny_index, embedder.tokenizer)
    # "viridis" and "hyperlink" are split into word pieces; "palette", "really", "long",
    # "vanishes" ("vanish" + "es")... are whole pieces of the tokenizer's vocabulary.
    assert naming_terms("Is there a viridis palette?", stats) == ["viridis"]
    assert naming_terms("Can a Mercator label be a hyperlink?", stats) == [
        "Mercator",
        "hyperlink",
    ]
    assert naming_terms("My plot window vanishes, the command is really long.", stats) == []
    # Contractions are not words of their own; without a tokenizer only names count.
    assert naming_terms("It didn't start and isn't running", stats) == []
    assert naming_terms("Is there a viridis palette?", CorpusStats(tiny_index)) == []


def test_rarity_reads_the_vocabulary_once_and_never_calls_the_tokenizer(
    tiny_index: IndexData,
) -> None:
    class VocabularyOnly:  # request threads share the real one with the embedder
        def get_vocab(self) -> dict[str, int]:
            return {"vanish": 0, "palette": 1, "##es": 2, "[CLS]": 3}

    stats = CorpusStats(tiny_index, VocabularyOnly())
    assert not stats.rare("vanishes") and not stats.rare("Palette")
    assert stats.rare("viridis") and stats.rare("es") and stats.rare("palette-vanish") is False


def test_a_rare_word_missing_from_the_corpus_is_an_unknown_term(
    tiny_index: IndexData, embedder: Embedder
) -> None:
    stats = CorpusStats(tiny_index, embedder.tokenizer)
    result, ev = _assess(tiny_index, embedder, "Does the cafeteria serve kombucha?")
    assert features(ev, result, stats)["unknown_term"] == 1.0  # type: ignore[arg-type]
    without = features(ev, result, CorpusStats(tiny_index))  # type: ignore[arg-type]
    assert without["unknown_term"] == 0.0
    result, ev = _assess(tiny_index, embedder, "Is the cafeteria closed on public holidays?")
    assert features(ev, result, stats)["unknown_term"] == 0.0  # type: ignore[arg-type]


def test_a_term_is_known_in_any_of_its_plain_forms(tiny_index: IndexData) -> None:
    stats = CorpusStats(tiny_index)
    assert stats.known("requests") and stats.known("Request") and stats.known("HTTP_PROXY")
    assert stats.known("ERR_CONN_RESET") and stats.known("closing")  # "closed" is there
    assert not stats.known("Parquet")


def test_document_frequencies_count_chunks_not_occurrences(tiny_index: IndexData) -> None:
    stats = CorpusStats(tiny_index)
    assert stats.chunks == 6
    assert stats.df[stats.vocab["cafeteria"]] == 2
    assert stats.idf("cafeteria") == pytest.approx(math.log(1 + 4.5 / 2.5))
    assert stats.idf("parquet") == pytest.approx(math.log(1 + 6.5 / 0.5))


def _assess(index: IndexData, embedder: Embedder, question: str) -> tuple[object, object]:
    settings = make_settings(index.path.parent, top_k=2)
    retriever = HybridRetriever(index, embedder, settings)
    result = retriever.search(question, SearchParams.from_settings(settings))
    contexts = [Context(i, h) for i, h in enumerate(result.hits, start=1)]
    return result, gather(question, result.query_vector, contexts, index)


def test_features_of_an_answerable_and_an_unanswerable_question(
    tiny_index: IndexData, embedder: Embedder
) -> None:
    stats = CorpusStats(tiny_index)
    result, ev = _assess(tiny_index, embedder, "Is the cafeteria closed on public holidays?")
    on_topic = features(ev, result, stats)  # type: ignore[arg-type]
    assert on_topic["coverage"] == pytest.approx(1.0)  # cafeteria, closed, public, holidays
    assert on_topic["unknown_term"] == 0.0 and on_topic["rarest_missing"] == 0.0
    result, ev = _assess(tiny_index, embedder, "Does the cafeteria take Bitcoin payments?")
    off_topic = features(ev, result, stats)  # type: ignore[arg-type]
    assert off_topic["unknown_term"] == 1.0  # "Bitcoin" is nowhere in the corpus
    assert off_topic["rarest_missing"] == 1.0  # and it is the question's rarest term
    assert off_topic["coverage"] < on_topic["coverage"]
    assert off_topic["best_sentence"] < on_topic["best_sentence"]


def test_decide_refuses_below_the_threshold_and_reports_the_score(
    tiny_index: IndexData, embedder: Embedder
) -> None:
    stats = CorpusStats(tiny_index)
    settings = make_settings(tiny_index.path.parent)
    result, ev = _assess(tiny_index, embedder, "When does the cafeteria serve lunch?")
    cosine = ev.best().cosine  # type: ignore[attr-defined]
    keep = decide(ev, result, stats, _model(threshold=0.1), settings)  # type: ignore[arg-type]
    assert not keep.refuse and keep.reason is None
    assert keep.answerability == pytest.approx(1 / (1 + math.exp(-cosine)))
    refuse = decide(ev, result, stats, _model(threshold=0.99), settings)  # type: ignore[arg-type]
    assert refuse.refuse
    assert refuse.reason == f"answerability {refuse.answerability:.2f} < 0.99"


def test_decide_refuses_when_nothing_is_retrieved(
    tiny_index: IndexData, embedder: Embedder
) -> None:
    result, ev = _assess(tiny_index, embedder, "When does the cafeteria serve lunch?")
    result.hits = []  # type: ignore[attr-defined]
    decision = decide(  # type: ignore[arg-type]
        ev, result, CorpusStats(tiny_index), _model(), make_settings(tiny_index.path.parent)
    )
    assert decision.refuse and decision.reason == "nothing was retrieved"


def test_the_shipped_model_loads_and_names_its_provenance() -> None:
    model = load_model()
    assert model.features == FEATURES and 0.0 < model.threshold < 1.0
    assert model.provenance["split"] == "dev"
    assert set(model.provenance["suites"]) == {"sample", "real"}


def test_a_malformed_model_file_is_refused(tmp_path: Path) -> None:
    raw = _model().to_json()
    raw["features"] = ["best_sentence", "mood", "coverage", "unknown_term", "top_fused"]
    path = tmp_path / "model.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(ValueError, match=r"unknown features \['mood'\]"):
        load_model(path)
    assert np.isclose(RefusalModel.from_json(_model().to_json()).threshold, 0.5)
