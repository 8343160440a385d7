"""Path parameters shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from wuzheng.contracts import HolderCode

HolderPath = Annotated[
    HolderCode,
    Path(
        description="The holder code '<type>:<code>': 111:<resident ID number> or "
        "001:<unified social credit code>",
        examples=["111:370784199001011239"],
    ),
]
