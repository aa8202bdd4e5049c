"""The evaluation harness: metrics, the open-mode split, baselines, reports, and runs with a fake stance model."""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.support.fakes import KeywordStanceModel
from truthgraph.commands.evaluation import add_calibrate_command, add_eval_command
from truthgraph.domain import Evidence, Label, Passage, Verdict
from truthgraph.errors import InvalidInput
from truthgraph.verification.calibration import Calibrator
from truthgraph.verification.evaluation.baselines import (
    claim_only_predictions,
    has_negation,
    word_overlap_label,
)
from truthgraph.verification.evaluation.dataset import (
    ClaimRecord,
    GoldEvidence,
    corpus_from_claims,
    drops_evidence,
    load_claims,
    open_split,
)
from truthgraph.verification.evaluation.harness import (
    Models,
    calibrate,
    evaluate,
    update_calibration,
)
from truthgraph.verification.evaluation.metrics import (
    confidence_auroc,
    confusion,
    label_accuracy,
    macro_f1,
    per_class,
    recall_at_k,
    risk_coverage,
)
from truthgraph.verification.evaluation.report import build_report, format_report
from truthgraph.verification.evaluation.runner import retrieved_from_evidence, run_oracle

SUP, REF, NEI = (label.value for label in (Label.SUPPORTED, Label.REFUTED, Label.NOT_ENOUGH_INFO))

REPORT_KEYS = {
    "n", "label_accuracy", "macro_f1", "per_class", "ece", "recall_at_5", "claims_per_second", "baselines",
    "mode", "file", "model", "timings", "confidence_auroc", "risk_coverage", "false_supported_rate",
}


# -- metrics ---------------------------------------------------------------------------------------------------


def test_metrics_on_hand_made_predictions() -> None:
    expected = [SUP, SUP, SUP, REF, REF, NEI]
    predicted = [SUP, SUP, REF, REF, NEI, NEI]
    assert label_accuracy(expected, predicted) == pytest.approx(4 / 6)
    scores = per_class(expected, predicted, [SUP, REF, NEI])
    assert scores[SUP] == {
        "precision": 1.0, "recall": pytest.approx(2 / 3), "f1": pytest.approx(0.8), "support": 3, "predicted": 2
    }
    assert (scores[REF]["precision"], scores[REF]["recall"], scores[REF]["f1"]) == (0.5, 0.5, 0.5)
    assert (scores[NEI]["precision"], scores[NEI]["recall"]) == (0.5, 1.0)
    assert scores[NEI]["f1"] == pytest.approx(2 / 3)
    assert macro_f1(expected, predicted) == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert confusion(expected, predicted, [SUP, REF, NEI])[SUP] == {SUP: 2, REF: 1, NEI: 0}


def test_macro_f1_averages_over_expected_labels_only() -> None:
    # No claim is expected NEI: predicting it costs accuracy and recall, but NEI adds no zero to the average.
    expected, predicted = [SUP, REF, REF], [SUP, REF, NEI]
    assert macro_f1(expected, predicted) == pytest.approx((1.0 + 2 / 3) / 2)
    scores = per_class(expected, predicted, [SUP, REF, NEI])
    assert scores[NEI] == {"precision": 0.0, "recall": None, "f1": 0.0, "support": 0, "predicted": 1}
    assert per_class([SUP], [SUP], [NEI])[NEI]["f1"] is None


def test_metrics_of_nothing() -> None:
    assert label_accuracy([], []) == 0.0 and macro_f1([], []) == 0.0
    assert recall_at_k([], [], 5) is None
    with pytest.raises(ValueError):
        label_accuracy([SUP], [])


def test_confidence_auroc_ranks_right_above_wrong() -> None:
    assert confidence_auroc([0.9, 0.8, 0.3, 0.2], [True, True, False, False]) == 1.0
    assert confidence_auroc([0.2, 0.3, 0.8, 0.9], [True, True, False, False]) == 0.0
    assert confidence_auroc([0.5, 0.5, 0.5], [True, False, True]) == 0.5  # ties count half
    assert confidence_auroc([0.9, 0.4, 0.6], [True, True, False]) == 0.5
    assert confidence_auroc([0.9, 0.1], [True, True]) is None


def test_risk_coverage_keeps_the_most_confident() -> None:
    rows = risk_coverage([0.9, 0.8, 0.7, 0.6], [True, True, False, False], coverages=(1.0, 0.5, 0.25))
    assert [r["kept"] for r in rows] == [4, 2, 1]
    assert [r["accuracy"] for r in rows] == [0.5, 1.0, 1.0]
    assert rows[1]["min_confidence"] == 0.8
    tied = risk_coverage([0.5, 0.5, 0.5, 0.1], [True, False, True, False], coverages=(0.5,))
    assert tied[0]["kept"] == 3  # a cut inside a tie keeps the whole tie when that is closer
    assert risk_coverage([], [], coverages=(0.5,)) == []
    with pytest.raises(ValueError):
        risk_coverage([0.5], [True], coverages=(0.0,))


def test_recall_at_k() -> None:
    retrieved = [["a", "b", "c"], ["x", "y", "z", "w", "v", "g"], ["g"]]
    gold = [{"c"}, {"g"}, {"h", "g"}]
    assert recall_at_k(retrieved, gold, 5) == pytest.approx(2 / 3)
    assert recall_at_k(retrieved, gold, 6) == 1.0
    assert recall_at_k(retrieved, gold, 2) == pytest.approx(1 / 3)


# -- the open-mode split ---------------------------------------------------------------------------------------


def test_the_hash_split_is_sha256_modulo_three() -> None:
    ids = [f"claim-{i}" for i in range(3000)]
    chosen = [i for i in ids if drops_evidence(i)]
    assert chosen == [i for i in ids if int(hashlib.sha256(i.encode()).hexdigest(), 16) % 3 == 0]
    assert 900 < len(chosen) < 1100


def _claim(cid: str, label: str, *texts: str) -> ClaimRecord:
    return ClaimRecord(cid, f"claim {cid}", Label(label), tuple(GoldEvidence("T", t) for t in texts))


def _ids(held: bool, n: int, prefix: str) -> list[str]:
    found = [f"{prefix}{i}" for i in range(100) if drops_evidence(f"{prefix}{i}") == held]
    return found[:n]


def test_open_split_holds_back_a_third_and_expects_not_enough_info() -> None:
    (held,) = _ids(True, 1, "h")
    kept, orphan, missing = _ids(False, 3, "k")
    (nei,) = _ids(False, 1, "n")
    claims = [
        _claim(held, SUP, "held text", "shared text"),
        _claim(kept, REF, "kept text", "shared text"),
        _claim(orphan, SUP, "shared text"),
        _claim(missing, SUP, "text nowhere in the corpus"),
        _claim(nei, NEI),
    ]
    corpus = [Passage(f"p{i}", "T", t) for i, t in enumerate(["held text", "  kept text ", "shared text", "other"])]
    split = open_split(claims, corpus)
    assert [p.id for p in split.passages] == ["p1", "p3"]
    assert [label.value for label in split.expected] == [NEI, REF, NEI, SUP, NEI]
    assert split.in_recall == [False, True, False, False, False]
    assert split.gold_ids[1] == frozenset({"p1"})
    assert split.summary() == {
        "corpus_passages": 2, "removed_passages": 2, "held_back_claims": 1, "orphaned_claims": 1,
        "gold_not_in_corpus": 1, "recall_claims": 1,
    }


def test_open_split_matches_a_gold_sentence_to_the_passage_of_its_title_that_holds_it() -> None:
    kept_id = next(f"c{i}" for i in range(10) if not drops_evidence(f"c{i}"))
    claim = ClaimRecord(kept_id, "Kenya is in Africa.", Label.SUPPORTED, (GoldEvidence("Kenya", "It is in Africa."),))
    corpus = [Passage("kenya", "Kenya", "Kenya is a country. It is in Africa."),
              Passage("other", "Uganda", "Uganda. It is in Africa.")]
    split = open_split([claim], corpus)
    assert split.gold_ids == [frozenset({"kenya"})] and split.in_recall == [True]


def test_corpus_from_claims_has_one_passage_per_distinct_text() -> None:
    corpus = corpus_from_claims([_claim("a", SUP, "one", "two"), _claim("b", REF, "two ")])
    assert [p.text for p in corpus] == ["one", "two"]
    assert len({p.id for p in corpus}) == 2


def test_load_claims_reads_the_format_and_rejects_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "claims.jsonl"
    rows = [
        {"id": "a", "claim": "A.", "label": SUP, "evidence": [{"title": None, "text": "x"}], "source": "s"},
        {"id": "b", "claim": "B.", "label": NEI, "evidence": []},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    claims = load_claims(path)
    assert claims[0].evidence == (GoldEvidence("", "x"),) and claims[1].label is Label.NOT_ENOUGH_INFO
    assert len(load_claims(path, limit=1)) == 1
    path.write_text(json.dumps({"id": "c", "claim": "C.", "label": "TRUE"}))
    with pytest.raises(InvalidInput, match="line 1"):
        load_claims(path)


# -- baselines ------------------------------------------------------------------------------------------------


def test_claim_only_learns_a_cue_from_the_other_folds() -> None:
    subjects = ["cats", "dogs", "birds", "fish", "cows", "owls", "bees", "ants", "frogs", "bats"] * 4
    claims = [f"{s} can {'not ' if i % 2 else ''}swim number {i}" for i, s in enumerate(subjects)]
    labels = [REF if i % 2 else SUP for i in range(len(claims))]
    ids = [f"c{i}" for i in range(len(claims))]
    predictions = claim_only_predictions(ids, claims, labels)
    assert label_accuracy(labels, predictions) > 0.9
    assert claim_only_predictions(["x"], ["alone"], [SUP]) == [NEI]
    assert claim_only_predictions(["x", "y"], ["a b", "a c"], [SUP, SUP]) == [SUP, SUP]


def test_word_overlap_rule() -> None:
    assert word_overlap_label("Paris is the capital of France", ["Paris is the capital city of France."]) == SUP
    assert word_overlap_label("Paris is not the capital of France", ["Paris is the capital of France."]) == REF
    assert word_overlap_label("Paris isn't the capital of France", ["Paris is the capital of France."]) == REF
    assert word_overlap_label("Paris is the capital of France", ["Bananas are yellow."]) == NEI
    assert word_overlap_label("Paris is the capital of France", []) == NEI
    assert has_negation("He never went") and has_negation("It doesn’t") and not has_negation("Notable nobles")


# -- reports and runs ------------------------------------------------------------------------------------------


class FakePipeline:
    """Judges by the fake stance model's rule over the given passages' texts."""

    def judge(self, claim_text: str, passages: Sequence[Passage], progress=None) -> Verdict:
        texts = " ".join(p.text for p in passages)
        label = Label.NOT_ENOUGH_INFO
        if "confirms" in texts or "denies" in texts:
            label = Label.SUPPORTED if "confirms" in texts else Label.REFUTED
        evidence = [Evidence(p.id, p.corpus, p.title, p.text, 1.0) for p in passages]
        return Verdict(claim_text, label, 0.8, evidence, timings_ms={"stance": 2.0, "total": 3.0}, model="fake")

    def verify(self, claim_text: str, options=None, progress=None) -> Verdict:
        raise AssertionError("oracle mode never retrieves")


def _write_dataset(tmp_path: Path, n: int = 30) -> tuple[Path, Path]:
    claims, corpus = [], []
    for i in range(n):
        label = (SUP, REF, NEI)[i % 3]
        word = {SUP: "confirms", REF: "denies", NEI: "mentions"}[label]
        text = f"The registry of town{i} {word} that town{i} has a bridge{i}."
        evidence = [] if label == NEI else [{"title": f"Town{i}", "text": text}]
        claims.append({"id": f"t-{i}", "claim": f"Town{i} has a bridge{i}.", "label": label, "evidence": evidence})
        corpus.append({"id": f"doc-{i}", "title": f"Town{i}", "text": text})
    corpus.append({"id": "noise", "title": "Noise", "text": "Nothing here about bridges."})
    claims_path, corpus_path = tmp_path / "claims.jsonl", tmp_path / "corpus.jsonl"
    claims_path.write_text("".join(json.dumps(c) + "\n" for c in claims))
    corpus_path.write_text("".join(json.dumps(c) + "\n" for c in corpus))
    return claims_path, corpus_path


def test_oracle_run_with_a_fake_pipeline_reports_every_key(tmp_path: Path) -> None:
    claims_path, _ = _write_dataset(tmp_path)
    run = run_oracle(FakePipeline(), load_claims(claims_path))
    report = build_report(run, mode="oracle", file="claims.jsonl", timings_s={"load": 0.1})
    assert REPORT_KEYS <= set(report)
    assert report["n"] == 30 and report["label_accuracy"] == 1.0 and report["macro_f1"] == 1.0
    assert report["recall_at_5"] is None and report["model"] == "fake"
    assert report["ece"] == pytest.approx(0.2)
    assert set(report["per_class"]) == {SUP, REF, NEI}
    assert set(report["baselines"]) == {"claim_only", "word_overlap"}
    assert all("label_accuracy" in b for b in report["baselines"].values())
    assert report["timings"]["per_claim_mean_ms"] == {"stance": 2.0, "total": 3.0}
    assert {"load", "verify", "baselines"} <= set(report["timings"]["stages_s"])
    json.dumps(report)
    assert "claims.jsonl" in format_report(report)


def test_retrieved_passages_can_be_read_from_evidence() -> None:
    evidence = [Evidence("b", "c", "", "s", 0.2), Evidence("a", "c", "", "s", 0.9), Evidence("b", "c", "", "t", 0.2)]
    assert retrieved_from_evidence(Verdict("x", Label.SUPPORTED, 0.5, evidence)) == ("a", "b")


def test_end_to_end_oracle_with_the_real_pipeline_and_a_fake_stance_model(tmp_path: Path) -> None:
    claims_path, _ = _write_dataset(tmp_path)
    report = evaluate(str(claims_path), Models(KeywordStanceModel()), mode="oracle")
    assert report["label_accuracy"] == 1.0 and report["model"] == "fake-stance"
    assert report["calibration"]["temperature"] == 1.0 and report["calibration"]["evidence"] == "given"
    assert set(report["timings"]["per_claim_mean_ms"]) == {"stance", "aggregation", "total"}


def test_outcomes_file_says_what_each_claim_got_and_on_what_evidence(tmp_path: Path) -> None:
    claims_path, corpus_path = _write_dataset(tmp_path, n=6)
    out = tmp_path / "outcomes.jsonl"
    report = evaluate(str(claims_path), Models(KeywordStanceModel()), mode="oracle", outcomes_path=out)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == [f"t-{i}" for i in range(6)]
    assert sum(r["correct"] for r in rows) == round(report["label_accuracy"] * 6)
    refuted = rows[1]
    assert (refuted["expected"], refuted["verdict"]) == (REF, REF) and "retrieved" not in refuted
    assert refuted["evidence"][0]["title"] == "Town1" and refuted["evidence"][0]["stance"] == "contradicts"
    assert set(refuted["evidence"][0]["probabilities"]) == {"entails", "contradicts", "neutral"}
    evaluate(str(claims_path), Models(KeywordStanceModel()), mode="open", corpus_path=str(corpus_path),
             outcomes_path=out)
    opened = [json.loads(line) for line in out.read_text().splitlines()]
    assert any(r.get("retrieved") for r in opened)  # open mode also says what was retrieved and what was gold


def test_oracle_mode_applies_and_reports_the_given_evidence_calibration(tmp_path: Path) -> None:
    claims_path, _ = _write_dataset(tmp_path)
    given = Calibrator(temperature=3.0, support_threshold=0.001, refute_threshold=0.001)
    models = Models(KeywordStanceModel(), calibrator=Calibrator(temperature=1.5, given_evidence=given))
    oracle = evaluate(str(claims_path), models, mode="oracle")
    assert oracle["calibration"]["temperature"] == 3.0 and "given_evidence" not in oracle["calibration"]
    opened = evaluate(str(claims_path), models, mode="open")
    assert opened["calibration"]["temperature"] == 1.5 and opened["calibration"]["evidence"] == "retrieved"


def test_end_to_end_open_mode_holds_back_evidence_and_measures_recall(tmp_path: Path) -> None:
    claims_path, corpus_path = _write_dataset(tmp_path)
    report = evaluate(str(claims_path), Models(KeywordStanceModel()), mode="open", corpus_path=str(corpus_path))
    held = sum(drops_evidence(f"t-{i}") for i in range(30) if i % 3 != 2)
    assert report["protocol"]["held_back_claims"] == held > 0
    assert report["protocol"]["recall_claims"] == 20 - held
    assert report["recall_at_5"] == 1.0
    assert report["label_accuracy"] == 1.0
    assert report["per_class"][NEI]["support"] == 10 + held
    assert report["corpus"] == "corpus.jsonl" and report["timings"]["stages_s"]["index"] >= 0
    assert report["baselines"]["word_overlap"]["label_accuracy"] < 1.0


def test_open_mode_without_a_corpus_uses_the_claims_own_evidence(tmp_path: Path) -> None:
    claims_path, _ = _write_dataset(tmp_path)
    report = evaluate(str(claims_path), Models(KeywordStanceModel()), mode="open", limit=12)
    assert report["n"] == 12 and report["corpus"] == "gold evidence of the claims"


def test_calibrate_fits_on_the_open_protocol(tmp_path: Path) -> None:
    claims_path, corpus_path = _write_dataset(tmp_path)
    calibrator = calibrate(str(claims_path), Models(KeywordStanceModel()), corpus_path=str(corpus_path))
    assert calibrator.info["fitted_on"] == "claims.jsonl" and calibrator.info["model"] == "fake-stance"
    assert calibrator.info["fit"]["fitted"]["label_accuracy"] == 1.0
    out = tmp_path / "calibration.json"
    calibrator.save(out)
    assert Calibrator.load(out).temperature == calibrator.temperature


def test_calibrate_with_distractors_adds_their_evidence_to_the_corpus(tmp_path: Path) -> None:
    claims_path, _ = _write_dataset(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    distractors_path, _ = _write_dataset(other, n=6)
    text = distractors_path.read_text().replace("town", "village")
    distractors_path.write_text(text)
    calibrator = calibrate(
        str(claims_path), Models(KeywordStanceModel()), distractors_path=str(distractors_path)
    )
    assert calibrator.info["corpus"] == "gold evidence of the claims and of claims.jsonl"
    # 20 gold passages of the claims, of which a hashed third are held back, plus 4 of the distractors
    protocol = calibrator.info["open_protocol"]
    assert protocol["corpus_passages"] == 20 - protocol["removed_passages"] + 4
    with pytest.raises(InvalidInput):
        calibrate(str(claims_path), Models(KeywordStanceModel()), mode="oracle", distractors_path=str(claims_path))


def test_calibrate_in_oracle_mode_fits_given_evidence_and_keeps_the_rest(tmp_path: Path) -> None:
    claims_path, _ = _write_dataset(tmp_path)
    fitted = calibrate(str(claims_path), Models(KeywordStanceModel()), mode="oracle")
    assert fitted.info["protocol"] == "oracle" and fitted.info["fit"]["n"] == 30
    out = tmp_path / "calibration.json"
    Calibrator(temperature=1.7, support_threshold=0.4, refute_threshold=0.6).save(out)
    update_calibration(out, fitted, mode="oracle")
    saved = Calibrator.load(out)
    assert (saved.temperature, saved.support_threshold) == (1.7, 0.4)  # the retrieved-evidence part is kept
    assert saved.given_evidence is not None and saved.given_evidence.info["protocol"] == "oracle"
    with pytest.raises(InvalidInput):
        calibrate(str(claims_path), Models(KeywordStanceModel()), mode="closed")


def test_evaluate_rejects_bad_arguments(tmp_path: Path) -> None:
    claims_path, _ = _write_dataset(tmp_path, n=3)
    with pytest.raises(InvalidInput):
        evaluate(str(claims_path), Models(KeywordStanceModel()), mode="closed")
    with pytest.raises(InvalidInput):
        evaluate(str(claims_path), Models(KeywordStanceModel()), limit=0)


def test_commands_parse_their_arguments() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command")
    add_eval_command(commands)
    add_calibrate_command(commands)
    argv = ["eval", "c.jsonl", "--mode", "open", "--corpus", "k.jsonl", "--json", "o.json", "--limit", "5",
            "--outcomes", "x.jsonl"]
    args = parser.parse_args(argv)
    assert (args.claims, args.mode, args.corpus) == ("c.jsonl", "open", "k.jsonl")
    assert (args.json_out, args.limit, args.outcomes) == ("o.json", 5, "x.jsonl")
    assert callable(args.func)
    args = parser.parse_args(["calibrate", "cal.jsonl", "--out", "calibration.json"])
    assert args.out == "calibration.json" and args.corpus is None and callable(args.func)


def test_open_mode_and_calibrate_over_the_default_corpus(tmp_path: Path) -> None:
    from truthgraph.verification.wikipedia import load_passages, source_path

    corpus = load_passages(source_path())
    chosen = [p for p in corpus if p.title in ("Eiffel Tower", "Moon", "Penguin", "Kenya", "Mars", "Paris")]
    claims = [{"id": f"w-{i}", "claim": f"{p.title} is notable.", "label": SUP,
               "evidence": [{"title": p.title, "text": p.text}]} for i, p in enumerate(chosen)]
    path = tmp_path / "claims.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in claims))
    held = sum(drops_evidence(c["id"]) for c in claims)
    report = evaluate(str(path), Models(KeywordStanceModel()), mode="open", default_corpus=True)
    assert report["corpus"] == "the default Wikipedia corpus"
    assert report["protocol"]["removed_passages"] == held
    assert report["protocol"]["corpus_passages"] == len(corpus) - held
    assert report["protocol"]["recall_claims"] == len(chosen) - held
    fitted = calibrate(str(path), Models(KeywordStanceModel()), default_corpus=True)
    assert fitted.info["corpus"] == "the default Wikipedia corpus"
    with pytest.raises(InvalidInput):
        evaluate(str(path), Models(KeywordStanceModel()), mode="open", default_corpus=True, corpus_path=str(path))
