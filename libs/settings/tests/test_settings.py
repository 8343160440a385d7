from typing import ClassVar

import pytest
from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from wuzheng.settings import ServiceSettings, service_config


class DemoSettings(ServiceSettings):
    model_config: ClassVar[SettingsConfigDict] = service_config("DEMO_")
    service_name: ClassVar[str] = "demo"
    port: int = 8199
    signing_secret: SecretStr = SecretStr("changeme")


def test_prefix_applies_to_service_settings_and_not_to_mesh_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEMO_PORT", "9000")
    monkeypatch.setenv("DEMO_DATABASE_URL", "postgresql+asyncpg://db/demo")
    monkeypatch.setenv("NATS_URL", "nats://elsewhere:4222")
    settings = DemoSettings()
    assert settings.port == 9000
    assert settings.resolved_database_url == "postgresql+asyncpg://db/demo"
    assert settings.nats_url == "nats://elsewhere:4222"


def test_embedded_default_is_a_sqlite_file_under_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEMO_DATABASE_URL", raising=False)
    monkeypatch.setenv("WUZHENG_VAR_DIR", "/tmp/x")
    settings = DemoSettings()
    assert settings.resolved_database_url == "sqlite+aiosqlite:////tmp/x/db/demo.sqlite3"
    assert settings.resolved_auth_jwks == "/tmp/x/auth/jwks.json"


def test_placeholder_secret_is_refused_outside_dev(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WUZHENG_ENV", "production")
    with pytest.raises(match="DEMO_SIGNING_SECRET"):
        DemoSettings()
    monkeypatch.setenv("DEMO_SIGNING_SECRET", "a-real-secret-from-the-vault")
    assert DemoSettings().signing_secret.get_secret_value() == "a-real-secret-from-the-vault"


def test_placeholder_secret_is_allowed_in_dev(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WUZHENG_ENV", "dev")
    assert DemoSettings().signing_secret.get_secret_value() == "changeme"


def test_mesh_settings_can_be_passed_by_field_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WUZHENG_VAR_DIR", raising=False)
    settings = DemoSettings(var_dir="/srv/wz", nats_url="nats://n:4222")  # type: ignore[arg-type]
    assert str(settings.var_dir) == "/srv/wz"
    assert settings.nats_url == "nats://n:4222"
