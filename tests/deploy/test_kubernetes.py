"""deploy/k8s rendered with kustomize (kubectl) and validated against the Kubernetes JSON
schemas (kubernetes-validate, strict: unknown fields are errors); the shape the operators'
issue asks for; and the NATS cluster configuration run for real: three nats-servers from
the same config, routed to each other, holding a stream with three replicas."""

from __future__ import annotations

import asyncio
import copy
import os
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import nats
import pytest

from wuzheng.messaging import mesh_topology
from wuzheng.messaging.server import find_nats_server

ROOT = Path(__file__).resolve().parents[2]
# The oldest Kubernetes we claim (autoscaling/v2, policy/v1, batch/v1 TTL all GA by then)
# and the newest the schema package ships.
VERSIONS = ("1.29.0", kubernetes_validate.latest_version())


def validate(doc: dict[str, Any], version: str) -> None:
    kubernetes_validate.validate(doc, version, strict=True)


@pytest.mark.parametrize("version", VERSIONS)
def test_every_manifest_is_valid(
    version: str, production: list[dict[str, Any]], secret_templates: list[dict[str, Any]]
) -> None:
    failures = []
    for doc in production + secret_templates:
        try:
            validate(doc, version)
        except kubernetes_validate.ValidationError as error:
            failures.append(f"{doc['kind']}/{doc['metadata']['name']}: {error.message}")
    assert not failures, "\n".join(failures)


def test_the_validation_catches_mistakes(production: list[dict[str, Any]], find_doc: Any) -> None:
    deployment = copy.deepcopy(find_doc(production, "Deployment", "catalog"))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(deployment, VERSIONS[0])
    deployment = copy.deepcopy(find_doc(production, "Deployment", "catalog"))
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(deployment, VERSIONS[0])


def test_each_service_has_its_workload(
    services: list[str], production: list[dict[str, Any]], find_doc: Any
) -> None:
    for service in services:
        deployment = find_doc(production, "Deployment", service)
        pod = deployment["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["resources"]["requests"]
        assert container["resources"]["limits"]
        for each in (*pod["containers"], *pod["initContainers"]):
            security = each["securityContext"]
            assert security["readOnlyRootFilesystem"] is True
            assert security["allowPrivilegeEscalation"] is False
            assert security["capabilities"]["drop"] == ["ALL"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        (wait,) = pod["initContainers"]
        assert wait["command"][-4:] == ["migrate", "--check", "--wait", "900"]
        assert container["image"].startswith(f"registry.wuzheng.example.org/wuzheng/{service}:")

        hpa = find_doc(production, "HorizontalPodAutoscaler", service)
        assert hpa["spec"]["scaleTargetRef"]["name"] == service
        assert hpa["spec"]["minReplicas"] >= 2
        assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
        pdb = find_doc(production, "PodDisruptionBudget", service)
        assert (
            pdb["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
        )
        svc = find_doc(production, "Service", service)
        assert svc["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
        job = find_doc(production, "Job", f"{service}-migrate")
        (migrate,) = job["spec"]["template"]["spec"]["containers"]
        assert migrate["command"] == ["python", "-m", f"wuzheng.{service}", "migrate"]
        assert migrate["image"] == container["image"]
        assert job["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"] == (
            "migration"
        )
        cron = find_doc(production, "CronJob", f"{service}-prune-events")
        (prune,) = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
        assert prune["command"] == ["python", "-m", f"wuzheng.{service}", "prune-events"]
        assert cron["spec"]["concurrencyPolicy"] == "Forbid"
        assert all(
            doc["metadata"]["namespace"] == "wuzheng"
            for doc in production
            if doc["kind"] != "Namespace"
        )


def _policies(production: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d["spec"] for d in production if d["kind"] == "NetworkPolicy"}


def _selects(policy: dict[str, Any], labels: dict[str, str]) -> bool:
    selector = policy["podSelector"]
    wanted = selector.get("matchLabels", {})
    if not all(labels.get(key) == value for key, value in wanted.items()):
        return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In", expression
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def _egress_ports(policies: dict[str, dict[str, Any]], labels: dict[str, str]) -> set[Any]:
    ports: set[Any] = set()
    for spec in policies.values():
        if "Egress" in spec["policyTypes"] and _selects(spec, labels):
            for rule in spec.get("egress", []):
                ports |= {port["port"] for port in rule.get("ports", [])}
    return ports


def test_network_policies_allow_only_what_the_design_needs(
    services: list[str], production: list[dict[str, Any]]
) -> None:
    policies = _policies(production)
    deny = policies["default-deny"]
    assert deny["podSelector"] == {}
    assert set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny
    assert "egress" not in deny
    for service in services:
        labels = {"app.kubernetes.io/name": service, "app.kubernetes.io/component": "service"}
        allowed = _egress_ports(policies, labels)
        expected = {53, 4222, 5432, 443, 4318}
        if service == "verification":
            expected |= {8102}  # issuance's JWKS; the verify calls themselves go over NATS
        assert allowed == expected, (service, allowed)
    for component in ("migration", "maintenance"):
        labels = {"app.kubernetes.io/name": "catalog", "app.kubernetes.io/component": component}
        assert _egress_ports(policies, labels) == {53, 5432}
    nats_labels = {"app.kubernetes.io/name": "nats"}
    assert _egress_ports(policies, nats_labels) == {53, 6222}
    # only verification may call issuance over HTTP, besides the ingress and Prometheus
    issuance = policies["issuance-from-verification"]
    (rule,) = issuance["ingress"]
    assert rule["from"] == [
        {
            "podSelector": {
                "matchLabels": {
                    "app.kubernetes.io/name": "verification",
                    "app.kubernetes.io/component": "service",
                }
            }
        }
    ]


def test_nats_is_a_three_node_jetstream_cluster(
    production: list[dict[str, Any]], find_doc: Any
) -> None:
    statefulset = find_doc(production, "StatefulSet", "nats")
    assert statefulset["spec"]["replicas"] == 3
    assert statefulset["spec"]["serviceName"] == "nats-headless"
    (claim,) = statefulset["spec"]["volumeClaimTemplates"]
    assert claim["metadata"]["name"] == "data"
    headless = find_doc(production, "Service", "nats-headless")
    assert headless["spec"]["clusterIP"] == "None"
    config = find_doc(production, "ConfigMap", "nats-config")["data"]["nats.conf"]
    routes = re.findall(r"nats://(nats-\d)\.nats-headless:6222", config)
    assert routes == ["nats-0", "nats-1", "nats-2"]
    assert "store_dir: /data/jetstream" in config
    assert find_doc(production, "PodDisruptionBudget", "nats")["spec"]["maxUnavailable"] == 1


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def local_config(config: str, index: int, ports: list[int], store: Path) -> str:
    """The cluster's nats.conf for server ``index`` on this machine: pod DNS names and
    fixed ports become 127.0.0.1 and free ports; everything else is as deployed."""
    client, cluster, monitor = ports[index * 3 : index * 3 + 3]
    text = config.replace("listen: 0.0.0.0:4222", f"listen: 127.0.0.1:{client}")
    text = text.replace("http: 0.0.0.0:8222", f"http: 127.0.0.1:{monitor}")
    text = text.replace("listen: 0.0.0.0:6222", f"listen: 127.0.0.1:{cluster}")
    text = text.replace("/data/jetstream", str(store / f"js{index}"))
    text = text.replace("/var/run/nats/nats.pid", str(store / f"nats{index}.pid"))
    for other in range(3):
        text = text.replace(
            f"nats://nats-{other}.nats-headless:6222", f"nats://127.0.0.1:{ports[other * 3 + 1]}"
        )
    return text


@pytest.fixture
def nats_cluster(
    production: list[dict[str, Any]], find_doc: Any, tmp_path: Path
) -> Iterator[list[str]]:
    """Three nats-servers (the pip binary) from the deployed nats.conf, on 127.0.0.1."""
    config = find_doc(production, "ConfigMap", "nats-config")["data"]["nats.conf"]
    ports = _free_ports(9)
    processes = []
    try:
        for index in range(3):
            path = tmp_path / f"nats-{index}.conf"
            path.write_text(local_config(config, index, ports, tmp_path))
            checked = subprocess.run(
                [str(find_nats_server()), "-t", "-c", str(path)],
                env={**os.environ, "POD_NAME": f"nats-{index}"},
                capture_output=True,
                text=True,
                check=False,
            )
            assert checked.returncode == 0, checked.stderr
            with (tmp_path / f"nats-{index}.log").open("w") as log:
                processes.append(
                    subprocess.Popen(
                        [str(find_nats_server()), "-c", str(path)],
                        env={**os.environ, "POD_NAME": f"nats-{index}"},
                        stdout=subprocess.DEVNULL,
                        stderr=log,
                    )
                )
        yield [f"nats://127.0.0.1:{ports[i * 3]}" for i in range(3)]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.mark.slow
async def test_the_nats_config_forms_a_cluster_holding_streams_on_three_replicas(
    nats_cluster: list[str],
) -> None:
    connection = await nats.connect(servers=nats_cluster, connect_timeout=2)
    try:
        js = connection.jetstream(timeout=5)
        topology = mesh_topology(namespace="deploycheck", replicas=3)
        deadline = time.monotonic() + 60
        while True:  # JetStream needs its meta leader elected across the three first
            try:
                await topology.apply(js)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)
        for stream in topology.resolved_streams():
            info = await js.stream_info(stream.name)
            assert info.config.num_replicas == 3
            assert info.cluster is not None
            replicas = [str(info.cluster.leader)]
            replicas += [str(replica.name) for replica in info.cluster.replicas or []]
            assert sorted(replicas) == ["nats-0", "nats-1", "nats-2"]
        ack = await js.publish("deploycheck.catalog.item.upserted", b"{}")
        assert ack.stream == "deploycheck_CATALOG"
    finally:
        await connection.close()
