from __future__ import annotations

import pytest
from feedback_cases import seed_core

from pipelines.warehouse import connect


@pytest.fixture
def con():
    c = connect(":memory:")
    seed_core(c)
    yield c
    c.close()
