#!/usr/bin/env bash
# Reproduce the shipped default stance model: two seeded train-stance passes from all-mpnet-base-v2
# (about 50 minutes on 2 CPU cores), the second continuing the first, exported with int8 weights;
# then copy the last export into the package and fit its calibration.
#   scripts/train-default-stance.sh DATA_DIR [OUT_DIR]
# DATA_DIR holds fever_train.jsonl and nli_cad_snli_train.jsonl (see the model card for their licences).
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:?usage: scripts/train-default-stance.sh DATA_DIR [OUT_DIR]}
out=${2:-runs/stance}
scripts/install.sh requirements-train.txt
common=(--base mpnet --weights int8 --fever-train "$data/fever_train.jsonl"
        --snli-train "$data/nli_cad_snli_train.jsonl" --epochs 1 --max-length 128 --batch-size 16)
# Pass 1: FEVER and SNLI with negated, other-subject, other-relation, exclusion and corpus pairs.
.venv/bin/truthgraph train-stance "${common[@]}" --limit 16000 --lr 3e-5 --seed 21 \
    --negation-pairs --subject-pairs --corpus-pairs --corpus-share 0.1 --out "$out-1"
# Pass 2: plain FEVER and SNLI pairs, continuing pass 1.
.venv/bin/truthgraph train-stance "${common[@]}" --limit 6000 --lr 2e-5 --seed 22 \
    --init-from "$out-1/checkpoint" --out "$out-2"
target=truthgraph/verification/models/stance-mpnet
cp "$out-2"/{model.onnx,tokenizer.json,config.json} "$target/"  # its MODEL_CARD.md records both passes
# The calibration, both parts on the everyday development claims: for given evidence (oracle mode), then for retrieved
# evidence (against the default corpus); README, Accuracy, says why.
.venv/bin/truthgraph calibrate data/everyday_claims.jsonl --mode oracle --stance-model "$target" \
    --out "$target/calibration.json"
.venv/bin/truthgraph calibrate data/everyday_claims.jsonl --default-corpus --stance-model "$target" \
    --out "$target/calibration.json"
echo "trained and packaged: $target (the model card's Evaluation section is filled in from truthgraph eval)"
