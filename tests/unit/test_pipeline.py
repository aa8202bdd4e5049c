"""The verification pipeline, with fake stance model, embedder and verdict rule."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pytest

from tests.support.databases import database_url_for, migrated_engine, release
from tests.support.fakes import HashEmbedder, KeywordStanceModel
from truthgraph.domain import STANCE_ORDER, Label, Passage, Stance
from truthgraph.errors import CorpusNotFound, InvalidInput
from truthgraph.evidence_store import EvidenceStore
from truthgraph.verification.pipeline import Pipeline
from truthgraph.verification.retrieval import HybridRetriever
from truthgraph.verification.screening import Screen

DOCS = [
    {"id": "paris", "title": "Paris", "text": "Paris is the capital of France. The city confirms the tower is tall."},
    {"id": "berlin", "title": "Berlin", "text": "Berlin is Germany's capital. Officials denies the tower is tall."},
    {"id": "moon", "title": "Moon", "text": "The Moon orbits Earth. It has no tower."},
]
OTHER = [{"id": "rome", "title": "Rome", "text": "Rome is the capital of Italy. Its tower leans."}]


@dataclass(frozen=True)
class FakeDecision:
    label: Label
    probabilities: dict[str, float]
    ranking: tuple[int, ...]
    features: dict[str, float]
    calibrated: bool = False

    @property
    def confidence(self) -> float:
        return self.probabilities[self.label.value]


@dataclass
class FakeAggregator:
    """Strongest entailment against strongest contradiction, threshold 0.5; records what it was given."""

    seen: list[tuple[np.ndarray, list[float] | None]] = field(default_factory=list)
    subjects: list[list[bool] | None] = field(default_factory=list)

    def decide(
        self,
        stance_probs: np.ndarray,
        retrieval_scores: Sequence[float] | None = None,
        on_subject: Sequence[bool] | None = None,
    ) -> FakeDecision:
        self.seen.append((stance_probs, None if retrieval_scores is None else list(retrieval_scores)))
        self.subjects.append(None if on_subject is None else list(on_subject))
        e = float(stance_probs[:, 0].max()) if len(stance_probs) else 0.0
        c = float(stance_probs[:, 1].max()) if len(stance_probs) else 0.0
        label = Label.NOT_ENOUGH_INFO
        if max(e, c) >= 0.5:
            label = Label.SUPPORTED if e >= c else Label.REFUTED
        key = np.maximum(stance_probs[:, 0], stance_probs[:, 1]) if len(stance_probs) else np.zeros(0)
        ranking = tuple(int(i) for i in np.argsort(-key, kind="stable"))
        total = e + c + 0.5
        probabilities = {"SUPPORTED": e / total, "REFUTED": c / total, "NOT_ENOUGH_INFO": 0.5 / total}
        return FakeDecision(label, probabilities, ranking, {"support_score": e, "refute_score": c})


class FakeCalibrator:
    def apply(self, decision: FakeDecision) -> FakeDecision:
        return replace(decision, probabilities={k: 1 / 3 for k in decision.probabilities}, calibrated=True)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[int, str]] = []

    def __call__(self, percentage: int, stage: str) -> None:
        self.calls.append((percentage, stage))

    @property
    def values(self) -> list[int]:
        return [p for p, _ in self.calls]


@pytest.fixture
def db(tmp_path) -> Iterator[EvidenceStore]:
    url = database_url_for("sqlite", tmp_path)
    db = EvidenceStore(migrated_engine(url))
    embedder = HashEmbedder()
    db.create_corpus("geo", embedder=embedder.name, passages=DOCS,
                     vectors=embedder.encode([f"{d['title']}: {d['text']}" for d in DOCS]))
    db.create_corpus("other", passages=OTHER)
    yield db
    release(url, db.engine)


def make_pipeline(db: EvidenceStore, **kwargs) -> Pipeline:
    kwargs.setdefault("aggregator", FakeAggregator())
    kwargs.setdefault("default_corpus", "geo")
    stance = kwargs.pop("stance_model", KeywordStanceModel(denies=(0.1, 0.8, 0.1)))
    return Pipeline(db, HybridRetriever(db, HashEmbedder()), stance, **kwargs)


def test_verify_reports_progress_up_to_100(db):
    progress = Recorder()
    verdict = make_pipeline(db, stance_batch=2).verify("The tower is tall", {}, progress)
    values = progress.values
    assert values == sorted(values) and values[0] == 0 and values[-1] == 100
    assert (30, "retrieval") in progress.calls
    stance = [p for p, stage in progress.calls if stage == "stance"]
    assert len(stance) >= 3 and all(30 < p <= 85 for p in stance)  # one report per batch of two sentences
    stages = [stage for _, stage in progress.calls]
    assert stages.index("retrieval") < stages.index("stance") < stages.index("aggregation")
    assert verdict.label is Label.SUPPORTED


def test_verdict_carries_evidence_timings_and_model(db):
    pipeline = make_pipeline(db)
    verdict = pipeline.verify("The tower is tall", {"top_k": 3})
    assert verdict.claim == "The tower is tall"
    assert verdict.model == "fake-stance"
    assert set(verdict.timings_ms) == {"retrieval", "stance", "aggregation", "total"}  # no screen, no screening
    assert all(v >= 0 for v in verdict.timings_ms.values())
    top = verdict.evidence[0]
    assert (top.passage_id, top.source, top.title) == ("paris", "geo", "Paris")
    assert top.text == "The city confirms the tower is tall."
    assert top.stance is Stance.ENTAILS
    assert set(top.stance_probabilities) == {s.value for s in STANCE_ORDER}
    assert top.stance_probabilities["entails"] == pytest.approx(0.9)
    retrieved = {r.passage.id: r.score for r in pipeline.retriever.retrieve("The tower is tall", ["geo"], 3)}
    assert top.retrieval_score == pytest.approx(retrieved["paris"])
    assert verdict.confidence == pytest.approx(verdict.probabilities["SUPPORTED"])
    assert verdict.to_dict()["evidence"][0]["stance"] == "entails"


def test_stance_pairs_are_evidence_then_claim_with_the_title(db):
    stance = KeywordStanceModel(denies=(0.1, 0.8, 0.1))
    make_pipeline(db, stance_model=stance).verify("Paris is a capital", {"top_k": 1})
    pairs = [pair for call in stance.calls for pair in call]
    assert pairs[0] == ("Paris: Paris is the capital of France.", "Paris is a capital")


def test_top_k_limits_the_passages(db):
    verdict = make_pipeline(db, max_evidence=100).verify("capital tower", {"top_k": 1})
    assert len({e.passage_id for e in verdict.evidence}) == 1


def test_corpus_ids_choose_the_corpora(db):
    verdict = make_pipeline(db, max_evidence=100).verify("capital tower", {"corpus_ids": ["other"]})
    assert {e.source for e in verdict.evidence} == {"other"}
    verdict = make_pipeline(db, max_evidence=100).verify("capital tower", {"corpus_ids": ["geo", "other", "geo"]})
    assert {e.source for e in verdict.evidence} == {"geo", "other"}


@pytest.mark.parametrize(
    "options, field",
    [
        ({"top_k": 0}, "top_k"),
        ({"top_k": 21}, "top_k"),
        ({"top_k": "5"}, "top_k"),
        ({"top_k": 2.0}, "top_k"),
        ({"top_k": True}, "top_k"),
        ({"corpus_ids": "geo"}, "corpus_ids"),
        ({"corpus_ids": []}, "corpus_ids"),
        ({"corpus_ids": [""]}, "corpus_ids[0]"),
        ({"corpus_ids": ["geo", 3]}, "corpus_ids[1]"),
        ({"corpus_ids": ["geo", "-x"]}, "corpus_ids[1]"),
        ({"corpus_ids": ["geo"] * 11}, "corpus_ids"),
        (["top_k"], "options"),
    ],
)
def test_bad_options(db, options, field):
    with pytest.raises(InvalidInput) as info:
        make_pipeline(db).verify("claim", options)
    assert info.value.field == field


def test_unknown_corpus(db):
    with pytest.raises(CorpusNotFound):
        make_pipeline(db).verify("claim", {"corpus_ids": ["geo", "nope"]})
    with pytest.raises(CorpusNotFound):
        make_pipeline(db, default_corpus="nope").verify("claim", {})


@pytest.mark.parametrize("claim", ["", "   ", None])
def test_empty_claim(db, claim):
    with pytest.raises(InvalidInput) as info:
        make_pipeline(db).verify(claim, {})
    assert info.value.field == "claim_text"


def test_options_accept_bounds_and_defaults(db):
    pipeline = make_pipeline(db, top_k=3)
    assert pipeline.parse_options({}) == (["geo"], 3)
    assert pipeline.parse_options({"top_k": 1, "corpus_ids": None}) == (["geo"], 1)
    assert pipeline.parse_options({"top_k": 20, "corpus_ids": ("other",)}) == (["other"], 20)


def test_nothing_retrieved_gives_not_enough_info(db):
    aggregator = FakeAggregator()
    progress = Recorder()
    # dense search always finds something, so search a corpus without vectors
    verdict = make_pipeline(db, aggregator=aggregator).verify("zzzz qqqq", {"corpus_ids": ["other"]}, progress)
    assert verdict.label is Label.NOT_ENOUGH_INFO and verdict.evidence == []
    assert aggregator.seen[0][0].shape == (0, 3)
    assert progress.values[-1] == 100 and progress.values == sorted(progress.values)


def test_judge_verifies_against_given_passages(db):
    aggregator = FakeAggregator()
    progress = Recorder()
    passages = [Passage(id="g1", title="Tower", text="Officials denies the tower is tall.")]
    verdict = make_pipeline(db, aggregator=aggregator).judge("The tower is tall", passages, progress)
    assert verdict.label is Label.REFUTED
    assert verdict.evidence[0].passage_id == "g1" and verdict.evidence[0].retrieval_score == 1.0
    assert aggregator.seen[0][1] is None  # no retrieval scores to weigh
    assert progress.values[0] == 0 and progress.values[-1] == 100 and progress.values == sorted(progress.values)
    assert "retrieval" not in verdict.timings_ms


def test_judge_passes_given_scores_on(db):
    aggregator = FakeAggregator()
    passages = [
        Passage(id="a", title="A", text="One. Two."),
        Passage(id="b", title="B", text="Three."),
        Passage(id="c", title="A", text="Four."),
    ]
    make_pipeline(db, aggregator=aggregator).judge("claim", passages, scores=[0.5, 0.25, 0.75])
    assert aggregator.seen[0][1] == [0.75, 0.25]  # document A read together, with its best score
    with pytest.raises(InvalidInput):
        make_pipeline(db).judge("claim", passages, scores=[0.5])


def test_judge_reads_the_given_sentences_of_one_document_together(db):
    stance = KeywordStanceModel(denies=(0.1, 0.8, 0.1))
    passages = [
        Passage(id="g1", title="Tower", text="The tower stands in Paris."),
        Passage(id="x", title="Other", text="Unrelated words."),
        Passage(id="g2", title="Tower", text="Officials denies it is tall."),
    ]
    verdict = make_pipeline(db, stance_model=stance).judge("The tower is tall", passages)
    pairs = [pair for call in stance.calls for pair in call]
    assert pairs == [
        ("Tower: The tower stands in Paris. Officials denies it is tall.", "The tower is tall"),
        ("Other: Unrelated words.", "The tower is tall"),
        ("The tower stands in Paris. Officials denies it is tall.", "The tower is tall"),  # the untitled view
        ("Unrelated words.", "The tower is tall"),
    ]
    assert verdict.label is Label.REFUTED
    assert verdict.evidence[0].passage_id == "g1+g2" and verdict.evidence[0].title == "Tower"
    stance.calls.clear()
    untitled = [Passage(id="u1", title="", text="The tower stands."), Passage(id="u2", title="", text="It is tall.")]
    make_pipeline(db, stance_model=stance).judge("The tower is tall", untitled)
    assert [evidence for call in stance.calls for evidence, _ in call] == ["The tower stands.", "It is tall."]


def test_judge_reads_a_long_document_sentence_by_sentence(db):
    stance = KeywordStanceModel(denies=(0.1, 0.8, 0.1))
    passages = [Passage(id="p", title="P", text="One here. Two here."), Passage(id="q", title="P", text="Three is here. Four is here.")]
    make_pipeline(db, stance_model=stance).judge("claim", passages)
    pairs = [evidence for call in stance.calls for evidence, _ in call]
    titled = ["P: One here.", "P: Two here.", "P: Three is here.", "P: Four is here."]
    assert pairs == titled + [text.removeprefix("P: ") for text in titled]


class TitleShyStanceModel:
    """Neutral to evidence read with a page title, entailing without one."""

    name = "title-shy"

    def __init__(self) -> None:
        self.calls: list[list[tuple[str, str]]] = []

    def predict(self, pairs):
        self.calls.append(list(pairs))
        return np.asarray([[0.1, 0.1, 0.8] if ": " in e else [0.9, 0.05, 0.05] for e, _ in pairs], dtype=np.float32)


def test_given_evidence_is_judged_with_and_without_its_title_and_averaged(db):
    passages = [Passage(id="g", title="Tower", text="The tower is tall.")]
    verdict = make_pipeline(db, stance_model=TitleShyStanceModel()).judge("The tower is tall", passages)
    assert verdict.evidence[0].stance_probabilities == pytest.approx(
        {"entails": 0.5, "contradicts": 0.075, "neutral": 0.425}
    )
    assert verdict.evidence[0].stance is Stance.ENTAILS
    titled_only = make_pipeline(db, stance_model=TitleShyStanceModel(), given_untitled_view=False)
    assert titled_only.judge("The tower is tall", passages).evidence[0].stance is Stance.NEUTRAL


def test_retrieved_evidence_is_judged_with_its_title_only(db):
    stance = TitleShyStanceModel()
    make_pipeline(db, stance_model=stance).verify("The tower is tall", {})
    judged = [evidence for call in stance.calls for evidence, _ in call]
    assert judged and all(": " in evidence for evidence in judged)


def test_given_evidence_has_its_own_rule_and_calibration(db):
    retrieved, given = FakeAggregator(), FakeAggregator()
    pipeline = make_pipeline(db, aggregator=retrieved, given_aggregator=given, given_calibrator=FakeCalibrator())
    verified = pipeline.verify("The tower is tall", {})
    judged = pipeline.judge("The tower is tall", [Passage(id="g", title="T", text="The tower is tall.")])
    assert len(retrieved.seen) == 1 and len(given.seen) == 1
    assert verified.confidence != pytest.approx(1 / 3)
    assert judged.confidence == pytest.approx(1 / 3)


def test_max_sentences_keeps_those_sharing_words_with_the_claim(db):
    stance = KeywordStanceModel(denies=(0.1, 0.8, 0.1))
    text = "Alpha one. Beta two. The tower is tall indeed. Gamma three. Delta four."
    make_pipeline(db, stance_model=stance, max_sentences=2).judge("tower tall", [Passage("p", "P", text)])
    judged = [evidence for call in stance.calls for evidence, _ in call]
    assert len(judged) == 4  # two sentences, each with and without its title
    assert "P: The tower is tall indeed." in judged and "The tower is tall indeed." in judged


def test_max_evidence_limits_the_verdict(db):
    passages = [Passage(id=str(i), title="T", text="One. Two. Three. Four.") for i in range(3)]
    verdict = make_pipeline(db, max_evidence=4).judge("claim", passages)
    assert len(verdict.evidence) == 4


def test_calibrator_is_applied(db):
    verdict = make_pipeline(db, calibrator=FakeCalibrator()).verify("The tower is tall", {})
    assert verdict.label is Label.SUPPORTED
    assert verdict.confidence == pytest.approx(1 / 3)


def test_with_the_real_verdict_rule(db):
    from truthgraph.verification.aggregation import Aggregator
    from truthgraph.verification.calibration import Calibrator

    calibrator = Calibrator()
    pipeline = make_pipeline(db, aggregator=calibrator.aggregator(), calibrator=calibrator)
    verdict = pipeline.verify("The tower is tall", {"top_k": 3})
    assert verdict.label in set(Label)
    assert sum(verdict.probabilities.values()) == pytest.approx(1.0)
    assert verdict.evidence
    assert isinstance(pipeline.aggregator, Aggregator)


def test_a_verdict_carries_the_rule_scores_and_what_was_retrieved(db):
    verdict = make_pipeline(db).verify("Paris is the capital of France", {"top_k": 2})
    assert len(verdict.retrieved) == 2 and set(verdict.retrieved) <= {d["id"] for d in DOCS}
    assert {"support_score", "refute_score"} <= set(verdict.rule_scores)
    assert "rule_scores" not in verdict.to_dict() and "retrieved" not in verdict.to_dict()
    given = make_pipeline(db).judge("Paris is the capital of France", [Passage(**DOCS[0])])
    assert given.retrieved == () and "support_score" in given.rule_scores


def test_the_rule_is_told_which_evidence_is_about_the_claims_subject(db):
    aggregator = FakeAggregator()
    passages = [
        Passage(id="k", title="Kenya", text="Kenya is a country in East Africa. It is large. It has lakes. It is old."),
        Passage(id="o", title="Barack Obama", text="He was born in Honolulu."),
        Passage(id="n", title="Hawaii", text="Obama's birthplace is in Hawaii."),
    ]
    make_pipeline(db, aggregator=aggregator).judge("Barack Obama was born in Kenya.", passages)
    assert aggregator.subjects[0] == [False, False, False, False, True, True]


def test_the_pipeline_judges_only_the_screened_sentences(db) -> None:
    stance = KeywordStanceModel()
    screen_model = KeywordStanceModel()
    pipeline = make_pipeline(db, stance_model=stance, screen=Screen(screen_model, keep=1), max_evidence=100)
    verdict = pipeline.verify("The tower is tall", {"top_k": 3})
    screened = [pair for call in screen_model.calls for pair in call]
    judged = [pair for call in stance.calls for pair in call]
    assert len(screened) > 1 and len(judged) == 1
    assert judged[0][0] in {evidence for evidence, _ in screened}
    assert "confirms" in judged[0][0] or "denies" in judged[0][0]
    assert [e.text for e in verdict.evidence] == [judged[0][0].split(": ", 1)[1]]
    assert list(verdict.timings_ms) == ["retrieval", "screening", "stance", "aggregation", "total"]


def test_given_evidence_is_not_screened(db) -> None:
    screen_model = KeywordStanceModel()
    pipeline = make_pipeline(db, screen=Screen(screen_model, keep=1))
    verdict = pipeline.judge("claim", [Passage("p", "P", "One thing. Another thing. A third. A fourth.")])
    assert screen_model.calls == [] and len(verdict.evidence) == 4


def test_the_verdict_cache_key_names_the_screen(db) -> None:
    plain = make_pipeline(db).cache_key("The tower is tall")
    screened = make_pipeline(db, screen=Screen(KeywordStanceModel(), keep=2)).cache_key("The tower is tall")
    keep_three = make_pipeline(db, screen=Screen(KeywordStanceModel(), keep=3)).cache_key("The tower is tall")
    fewer = make_pipeline(db, max_sentences=5).cache_key("The tower is tall")
    assert len({plain, screened, keep_three, fewer}) == 4
