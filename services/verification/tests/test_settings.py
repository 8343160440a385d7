"""Settings: the holder secret must be real outside dev and test."""

from __future__ import annotations

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
