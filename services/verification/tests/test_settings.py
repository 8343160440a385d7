"""Settings: the holder secret must be real outside dev and test; a CA bundle must load."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from wuzheng.verification.settings import VerificationSettings


def test_placeholder_holder_secret_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="VERIFICATION_HOLDER_SECRET"):
        VerificationSettings(environment="production")
    settings = VerificationSettings(environment="production", holder_secret="s3cr3t-value")
    assert settings.holder_secret.get_secret_value() == "s3cr3t-value"
    assert not settings.http_routes_allowed
    assert VerificationSettings(environment="test").http_routes_allowed


def test_the_issuer_ca_bundle_must_be_a_pem_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="no such file"):
        VerificationSettings(environment="test", issuer_ca_bundle=str(tmp_path / "ca.pem"))
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    with pytest.raises(ValidationError, match="not a readable PEM file"):
        VerificationSettings(environment="test", issuer_ca_bundle=str(garbage))
    assert VerificationSettings(environment="test").resolved_issuer_ca_bundle is None
