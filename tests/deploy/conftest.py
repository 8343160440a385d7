"""Fixtures for the deploy checks: the settings inventory, the compose file, .env.example and
the rendered Kubernetes manifests."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"


def _load_inventory() -> ModuleType:
    path = Path(__file__).with_name("settings_inventory.py")
    spec = importlib.util.spec_from_file_location("wuzheng_deploy_settings_inventory", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def inventory() -> ModuleType:
    """``tests/deploy/settings_inventory.py``: every setting, read from the settings classes."""
    return _load_inventory()


@pytest.fixture(scope="session")
def services(inventory: ModuleType) -> list[str]:
    names: list[str] = inventory.service_names()
    assert len(names) >= 5, names
    return names


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


_ENV_LINE = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")


@pytest.fixture(scope="session")
def env_example() -> dict[str, tuple[bool, str, str]]:
    """``.env.example``: name → (set (not commented), value, the comment just above)."""
    found: dict[str, tuple[bool, str, str]] = {}
    comment: list[str] = []
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        match = _ENV_LINE.match(line)
        if match:
            commented, name, value = match.groups()
            assert name not in found, f"{name} appears twice in .env.example"
            found[name] = (commented is None, value, " ".join(comment))
            comment = []
        elif line.startswith("#"):
            comment.append(line.lstrip("# ").strip())
        else:
            comment = []
    return found


def kustomize(path: Path) -> list[dict[str, Any]]:
    """``kubectl kustomize path`` (kustomize is built into kubectl), as documents."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail(
            "kubectl is needed to render the Kubernetes manifests (kustomize): "
            "apt-get install kubectl, or put a kubectl binary on PATH"
        )
    result = subprocess.run(
        [kubectl, "kustomize", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="session")
def production() -> list[dict[str, Any]]:
    return kustomize(K8S / "overlays" / "production")


@pytest.fixture(scope="session")
def secret_templates() -> list[dict[str, Any]]:
    return kustomize(K8S / "secret-templates")


def find(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    matches = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind}/{name}, found {len(matches)}"
    return matches[0]


@pytest.fixture(scope="session")
def find_doc() -> Any:
    return find
