"""Fine-tuning of a 3-way cross-encoder (MiniLM or MPNet) on stance pairs (torch, CPU)."""

from __future__ import annotations

import math
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...domain import STANCE_ORDER
from .base_model import base_dir
from .data import StancePair

#: Batches are formed within chunks of this many batches, sorted by length (less padding, still shuffled).
BUCKET_BATCHES = 50


@dataclass(frozen=True)
class TrainSettings:
    """Hyper-parameters of one fine-tuning run."""

    epochs: int = 1
    seed: int = 13
    max_length: int = 128
    batch_size: int = 16
    lr: float = 5e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    threads: int = 2
    base: str = "minilm"
    weights: str = "fp16"


def length_bucketed_batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of indices whose lengths are close to each other."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunk = batch_size * BUCKET_BATCHES
    batches = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lambda i: lengths[i])
        batches.extend(part[i : i + batch_size] for i in range(0, len(part), batch_size))
    rng.shuffle(batches)
    return batches


def train_cross_encoder(
    pairs: Sequence[StancePair],
    checkpoint: Path,
    settings: TrainSettings,
    log: Callable[[str], None] = print,
    init_from: Path | None = None,
) -> dict[str, Any]:
    """Fine-tune the base model (or the 3-way checkpoint ``init_from``) on ``pairs``, save it to ``checkpoint``; return
    statistics."""
    import numpy as np
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

    torch.set_num_threads(settings.threads)
    random.seed(settings.seed)
    np.random.seed(settings.seed)
    torch.manual_seed(settings.seed)

    source = base_dir(settings.base)
    labels = [s.value for s in STANCE_ORDER]
    # Local folders read with local_files_only=True: nothing is downloaded (bandit B615 does not apply).
    tokenizer = AutoTokenizer.from_pretrained(str(source), local_files_only=True)  # nosec B615
    model = AutoModelForSequenceClassification.from_pretrained(  # nosec B615
        str(init_from or source),
        local_files_only=True,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
        attn_implementation="eager",
    )
    encoded = tokenizer(
        [p.evidence for p in pairs],
        [p.claim for p in pairs],
        truncation="longest_first",
        max_length=settings.max_length,
    )
    inputs = [key for key in ("input_ids", "attention_mask", "token_type_ids") if key in encoded]
    targets = [STANCE_ORDER.index(p.stance) for p in pairs]
    lengths = [len(ids) for ids in encoded["input_ids"]]

    rng = random.Random(settings.seed)
    steps_per_epoch = math.ceil(len(pairs) / settings.batch_size)
    total_steps = steps_per_epoch * settings.epochs
    no_decay = ("bias", "LayerNorm.weight")
    groups = [
        {"params": [p for n, p in model.named_parameters() if not n.endswith(no_decay)], "weight_decay": settings.weight_decay},
        {"params": [p for n, p in model.named_parameters() if n.endswith(no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=settings.lr)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(settings.warmup_ratio * total_steps), total_steps)
    loss_fn = torch.nn.CrossEntropyLoss()

    model.train()
    step, seen, running, started = 0, 0, 0.0, time.monotonic()
    for epoch in range(settings.epochs):
        for batch in length_bucketed_batches(lengths, settings.batch_size, rng):
            features = tokenizer.pad(
                {key: [encoded[key][i] for i in batch] for key in inputs},
                return_tensors="pt",
            )
            logits = model(**features).logits
            loss = loss_fn(logits, torch.tensor([targets[i] for i in batch]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            step += 1
            seen += len(batch)
            running = 0.98 * running + 0.02 * loss.item() if step > 1 else loss.item()
            if step % 25 == 0 or step == total_steps:
                elapsed = time.monotonic() - started
                rate = seen / elapsed
                eta = (total_steps - step) * settings.batch_size / rate
                log(f"epoch {epoch + 1} step {step}/{total_steps} loss {running:.4f} {rate:.1f} pairs/s eta {eta / 60:.1f} min")

    checkpoint.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(checkpoint))
    shutil.copy2(source / "tokenizer.json", checkpoint / "tokenizer.json")
    elapsed = time.monotonic() - started
    return {"pairs": len(pairs), "steps": step, "seconds": round(elapsed, 1), "pairs_per_second": round(seen / elapsed, 2),
            "final_loss": round(running, 4)}
