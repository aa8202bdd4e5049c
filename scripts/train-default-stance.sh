#!/usr/bin/env bash
# Reproduce the shipped default stance model: six seeded train-stance passes, each continuing the
# previous one (about 80 minutes on 2 CPU cores; the last one adds the negated pairs), then copy the
# last export into the package.
#   scripts/train-default-stance.sh DATA_DIR [OUT_DIR]
# DATA_DIR holds fever_train.jsonl and nli_cad_snli_train.jsonl (see the model card for their licences).
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:?usage: scripts/train-default-stance.sh DATA_DIR [OUT_DIR]}
out=${2:-runs/stance}
scripts/install.sh requirements-train.txt
common=(--fever-train "$data/fever_train.jsonl" --snli-train "$data/nli_cad_snli_train.jsonl"
        --epochs 1 --max-length 128 --batch-size 16 --lr 5e-5)
.venv/bin/truthgraph train-stance "${common[@]}" --seed 13 --out "$out-1"
previous="$out-1"
pass=2
for spec in 16000:14 20000:15 24000:16 20000:17 20000:18:--negation-pairs; do
  IFS=: read -r limit seed extra <<<"$spec"
  .venv/bin/truthgraph train-stance "${common[@]}" --limit "$limit" --seed "$seed" ${extra:+"$extra"} \
      --init-from "$previous/checkpoint" --out "$out-$pass"
  previous="$out-$pass"
  pass=$((pass + 1))
done
cat <<EOF
trained: $previous
Copy model.onnx, tokenizer.json and config.json into truthgraph/verification/models/stance-minilm/, then fit its
calibration on the held-out split, for retrieved and for given evidence:
  .venv/bin/truthgraph calibrate $previous/calibration_claims.jsonl --distractors $data/fever_train.jsonl \\
      --out truthgraph/verification/models/stance-minilm/calibration.json
  .venv/bin/truthgraph calibrate $previous/calibration_claims.jsonl --mode oracle \\
      --out truthgraph/verification/models/stance-minilm/calibration.json
EOF
