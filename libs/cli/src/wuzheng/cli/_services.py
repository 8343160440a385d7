"""The five services as the launcher runs them locally."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LocalService:
    name: str
    port: int
    title: str

    @property
    def env_prefix(self) -> str:
        return f"{self.name.upper()}_"

    @property
    def module(self) -> str:
        return f"wuzheng.{self.name}"

    def url(self, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}"


SERVICES: tuple[LocalService, ...] = (
    LocalService("catalog", 8101, "事项与证照目录 catalog"),
    LocalService("issuance", 8102, "证照制发 issuance"),
    LocalService("verification", 8103, "核验 verification"),
    LocalService("rescode", 8104, "居民码/企业码 rescode"),
    LocalService("dispute", 8105, "异议投诉 dispute"),
)
EMBEDDED_NATS_PORT = 4223
DEFAULT_BASE_PORT = SERVICES[0].port


def services_from(base_port: int) -> tuple[LocalService, ...]:
    """The five services on consecutive ports starting at ``base_port``."""
    offset = base_port - DEFAULT_BASE_PORT
    return tuple(
        LocalService(service.name, service.port + offset, service.title) for service in SERVICES
    )
