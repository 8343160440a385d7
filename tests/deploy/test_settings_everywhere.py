"""Every setting a service reads appears in docker-compose.yml, .env.example and the
Kubernetes manifests. The settings are discovered from the services' settings classes when
the test runs, so a setting added tomorrow fails here until it is deployed everywhere; the
failure lists the lines to add (or run ``tests/deploy/settings_inventory.py``)."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _missing(what: str, names: list[str], hint: str) -> str:
    return f"{what} lacks {', '.join(names)}\n{hint}"


def test_the_inventory_finds_every_service_and_its_settings(
    inventory: ModuleType, services: list[str]
) -> None:
    assert {"catalog", "issuance", "verification", "rescode", "dispute"} <= set(services)
    for service in services:
        names = [s.env for s in inventory.settings_of(service)]
        assert len(names) == len(set(names)), names
        prefix = service.upper() + "_"
        assert f"{prefix}PORT" in names
        assert f"{prefix}DATABASE_URL" in names
        assert "NATS_URL" in names
        assert "WUZHENG_ENV" in names
        for setting in inventory.settings_of(service):
            assert setting.mesh or setting.env.startswith(prefix), setting


def test_compose_gives_every_service_and_its_migration_every_setting(
    inventory: ModuleType, services: list[str], compose: dict[str, Any]
) -> None:
    for service in services:
        for name in (service, f"{service}-migrate"):
            assert name in compose["services"], f"docker-compose.yml has no service {name}"
            environment = compose["services"][name].get("environment") or {}
            assert isinstance(environment, dict), f"{name}: environment as a mapping"
            missing = [s.env for s in inventory.settings_of(service) if s.env not in environment]
            assert not missing, _missing(
                f"docker-compose.yml {name}.environment",
                missing,
                "add under x-"
                + service
                + "-env (a name without a value passes .env through):\n"
                + "\n".join(f"  {env}:" for env in missing),
            )


def test_compose_secrets_are_placeholders_production_refuses(
    inventory: ModuleType, services: list[str], compose: dict[str, Any]
) -> None:
    for service in services:
        environment = compose["services"][service]["environment"]
        for setting in inventory.settings_of(service):
            if not setting.secret:
                continue
            value = environment[setting.env]
            # passed through from .env, or a ${VAR:-placeholder} default: never a literal key
            assert value is None or re.fullmatch(
                r"\$\{" + setting.env + r":-(changeme)?\}", str(value)
            ), f"{setting.env} in docker-compose.yml must come from .env, not be written there"


def test_env_example_documents_every_setting(
    inventory: ModuleType, services: list[str], env_example: dict[str, tuple[bool, str, str]]
) -> None:
    lines = []
    missing = []
    for service in services:
        for setting in inventory.settings_of(service):
            if setting.env in env_example or setting.env in missing:
                continue
            missing.append(setting.env)
            lines += inventory.env_example_lines([setting])
    assert not missing, _missing(".env.example", missing, "\n".join(lines))
    for name, (_, _, comment) in env_example.items():
        assert comment, f".env.example: {name} has no comment saying what it is"


def test_env_example_holds_no_real_secret(
    inventory: ModuleType, services: list[str], env_example: dict[str, tuple[bool, str, str]]
) -> None:
    for service in services:
        for setting in inventory.settings_of(service):
            if setting.secret:
                _, value, comment = env_example[setting.env]
                assert value in ("", "changeme"), f"{setting.env}: a placeholder only"
                assert "secret" in comment.lower(), f"{setting.env}: say it is a secret"
    for name in ("POSTGRES_PASSWORD", "WUZHENG_DB_PASSWORD"):
        assert env_example[name][1] == "changeme"


def _container_env(
    docs: list[dict[str, Any]], container: dict[str, Any]
) -> dict[str, tuple[str, str]]:
    """Variable → (kind of source, source name) for one container: env, envFrom."""
    provided: dict[str, tuple[str, str]] = {}
    for source in container.get("envFrom", []):
        for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            if key not in source:
                continue
            name = source[key]["name"]
            found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
            assert found, f"{container['name']} reads {kind} {name}, which is not in the manifests"
            data = {**found[0].get("data", {}), **found[0].get("stringData", {})}
            for variable in data:
                provided[variable] = (kind, name)
    for variable in container.get("env", []):
        provided[variable["name"]] = ("env", container["name"])
    return provided


def _commented_keys(service: str) -> set[str]:
    text = (ROOT / "deploy" / "k8s" / "base" / service / "config.yaml").read_text(encoding="utf-8")
    return set(re.findall(r"^\s+#\s*([A-Z][A-Z0-9_]*):", text, re.MULTILINE))


def test_kubernetes_gives_every_setting_to_every_container(
    inventory: ModuleType,
    services: list[str],
    production: list[dict[str, Any]],
    secret_templates: list[dict[str, Any]],
    find_doc: Any,
) -> None:
    docs = production + secret_templates
    for service in services:
        deployment = find_doc(docs, "Deployment", service)
        job = find_doc(docs, "Job", f"{service}-migrate")
        cron = find_doc(docs, "CronJob", f"{service}-prune-events")
        containers = [
            *deployment["spec"]["template"]["spec"]["containers"],
            *deployment["spec"]["template"]["spec"].get("initContainers", []),
            *job["spec"]["template"]["spec"]["containers"],
            *cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"],
        ]
        documented = _commented_keys(service)
        for container in containers:
            provided = _container_env(docs, container)
            missing = [
                s.env
                for s in inventory.settings_of(service)
                if s.env not in provided and (s.secret or s.mesh or s.env not in documented)
            ]
            hint = (
                f"add to deploy/k8s/base/{service}/config.yaml (a commented key keeps the "
                "default), secrets to deploy/k8s/secret-templates/"
                f"{service}-secrets.yaml, mesh-wide ones to base/mesh-config.yaml:\n"
                + "\n".join(f"  # {env}: ..." for env in missing)
            )
            assert not missing, _missing(f"{service} container {container['name']}", missing, hint)


def test_kubernetes_secrets_come_from_secrets_never_from_config_maps(
    inventory: ModuleType,
    services: list[str],
    production: list[dict[str, Any]],
    secret_templates: list[dict[str, Any]],
    find_doc: Any,
) -> None:
    docs = production + secret_templates
    assert not [d for d in production if d["kind"] == "Secret"], (
        "the base must not carry Secrets: applying it would overwrite the real ones"
    )
    for service in services:
        container = find_doc(docs, "Deployment", service)["spec"]["template"]["spec"]["containers"][
            0
        ]
        provided = _container_env(docs, container)
        secret_names = [s.env for s in inventory.settings_of(service) if s.secret]
        for name in [*secret_names, f"{service.upper()}_DATABASE_URL"]:
            assert provided[name][0] == "Secret", f"{name} must come from a Secret"
        template = find_doc(secret_templates, "Secret", f"{service}-secrets")
        for name in secret_names:
            assert template["stringData"][name] in ("", "changeme"), f"{name}: placeholder only"


@pytest.mark.parametrize("name", ["WUZHENG_NATS_STREAM_REPLICAS", "WUZHENG_ENV", "NATS_URL"])
def test_the_cluster_runs_in_production_on_three_replicas(
    name: str, production: list[dict[str, Any]], find_doc: Any
) -> None:
    mesh = find_doc(production, "ConfigMap", "wuzheng-mesh")["data"]
    assert (
        mesh[name]
        == {
            "WUZHENG_NATS_STREAM_REPLICAS": "3",
            "WUZHENG_ENV": "production",
            "NATS_URL": "nats://nats:4222",
        }[name]
    )
