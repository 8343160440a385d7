"""Every setting every service reads, discovered from the settings classes themselves.

The deploy checks (``test_settings_everywhere.py``) compare this inventory with
``docker-compose.yml``, ``.env.example`` and the Kubernetes manifests, so a setting a service
engineer adds is missed nowhere. When that test fails, print what to add::

    .venv/bin/python tests/deploy/settings_inventory.py            # every setting, a table
    .venv/bin/python tests/deploy/settings_inventory.py env-example  # .env.example lines
    .venv/bin/python tests/deploy/settings_inventory.py configmap issuance  # k8s ConfigMap data
"""

from __future__ import annotations

import importlib
import json
import sys
import tomllib
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, SecretStr
from pydantic.fields import FieldInfo

from wuzheng.settings import PLACEHOLDER_SECRET, ServiceSettings

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Setting:
    """One environment variable a service reads."""

    service: str  # the service whose class declares it (mesh-wide ones: every service)
    env: str  # the variable's name
    field: str
    mesh: bool  # read without the service prefix: one value for every service
    secret: bool  # a SecretStr: from a Secret in Kubernetes, refused as a placeholder
    default: Any
    description: str

    def example_value(self) -> str:
        """The value as it is written in an env file or a ConfigMap; a secret's is its
        placeholder (``changeme``, or empty where dev generates one), which production
        refuses."""
        if self.secret:
            value = render(self.default)
            return value if value in ("", PLACEHOLDER_SECRET) else PLACEHOLDER_SECRET
        return render(self.default)


def render(value: Any) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, (dict, list, tuple, set)):
        return json.dumps(_plain(value), ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(_plain(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def service_names() -> list[str]:
    """The workspace's services: every ``services/<name>`` with a pyproject."""
    return sorted(p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml"))


def package_name(service: str) -> str:
    data = tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text())
    name: str = data["project"]["name"]
    return name


def settings_class(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"wuzheng.{service}.settings")
    found = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, ServiceSettings)
        and value is not ServiceSettings
        and value.__module__ == module.__name__
    ]
    if len(found) != 1:
        raise LookupError(f"wuzheng.{service}.settings defines {len(found)} settings classes")
    return found[0]


def env_name(prefix: str, name: str, field: FieldInfo) -> tuple[str, bool]:
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        first = alias.choices[0]
        assert isinstance(first, str)
        return first, True
    if isinstance(alias, str):
        return alias, True
    return f"{prefix}{name.upper()}", False


def _default(field: FieldInfo) -> Any:
    if field.default_factory is not None:
        return field.default_factory()  # type: ignore[call-arg]
    return field.default


def settings_of(service: str) -> list[Setting]:
    cls = settings_class(service)
    prefix = str(cls.model_config.get("env_prefix", ""))
    found = []
    for name, field in cls.model_fields.items():
        env, mesh = env_name(prefix, name, field)
        annotation = field.annotation
        found.append(
            Setting(
                service=service,
                env=env,
                field=name,
                mesh=mesh,
                secret=annotation is SecretStr,
                default=_default(field),
                description=" ".join((field.description or "").split()),
            )
        )
    return found


def inventory() -> dict[str, list[Setting]]:
    return {service: settings_of(service) for service in service_names()}


def mesh_settings() -> list[Setting]:
    """The mesh-wide settings (the same in every class: taken from the first service)."""
    first = service_names()[0]
    return [setting for setting in settings_of(first) if setting.mesh]


def env_example_lines(settings: list[Setting]) -> list[str]:
    lines = []
    for setting in settings:
        about = setting.description or f"{setting.field} (see the service's settings.py)"
        if setting.secret:
            about += " [secret: production refuses the placeholder]"
        lines.append(f"# {about}")
        lines.append(f"# {setting.env}={setting.example_value()}")
    return lines


def _main(argv: list[str]) -> int:
    command = argv[0] if argv else "table"
    if command == "table":
        for service, settings in inventory().items():
            for setting in settings:
                kind = "mesh" if setting.mesh else ("secret" if setting.secret else service)
                print(f"{setting.env:45} {kind:12} {setting.example_value()[:40]}")
        return 0
    if command == "env-example":
        print("\n".join(env_example_lines(mesh_settings())))
        for service, settings in inventory().items():
            print(f"\n# --- {service} ---")
            print("\n".join(env_example_lines([s for s in settings if not s.mesh])))
        return 0
    if command == "configmap" and len(argv) == 2:
        for setting in settings_of(argv[1]):
            if setting.mesh or setting.secret:
                continue
            print(f"  {setting.env}: {json.dumps(setting.example_value(), ensure_ascii=False)}")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
