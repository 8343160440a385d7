"""Fixtures for the seed-data tests: the plan text and its parse."""

from __future__ import annotations

from pathlib import Path

import pytest

from wuzheng.catalog.seed import SEED_FILE_NAME, ParsedPlan, PlanText, parse_plan

REPO_ROOT = Path(__file__).resolve().parents[4]
SEED_PATH = REPO_ROOT.parent / "shared" / "seeds" / SEED_FILE_NAME
README = REPO_ROOT / "services" / "catalog" / "README.md"


@pytest.fixture(scope="session")
def readme_path() -> Path:
    return README


@pytest.fixture(scope="session")
def seed_path() -> Path:
    if not SEED_PATH.is_file():
        pytest.skip(f"plan text not available at {SEED_PATH} (<repo root>/../shared/seeds/)")
    return SEED_PATH


@pytest.fixture(scope="session")
def plan(seed_path: Path) -> PlanText:
    return PlanText.read(seed_path)


@pytest.fixture(scope="session")
def parsed(plan: PlanText) -> ParsedPlan:
    return parse_plan(plan)
