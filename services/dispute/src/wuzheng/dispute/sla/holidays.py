"""The mainland public-holiday schedule (法定节假日) as the State Council General Office
announced it for 2024 and 2025: the default of ``DISPUTE_HOLIDAYS`` and
``DISPUTE_MAKEUP_WORKDAYS``. Later years are published each November; operators add them
in settings (or replace the lists with a local calendar)."""

from __future__ import annotations

import datetime as dt


def _span(first: str, last: str) -> list[dt.date]:
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


DEFAULT_HOLIDAYS: tuple[dt.date, ...] = (
    # 2024
    *_span("2024-01-01", "2024-01-01"),  # 元旦
    *_span("2024-02-10", "2024-02-17"),  # 春节
    *_span("2024-04-04", "2024-04-06"),  # 清明节
    *_span("2024-05-01", "2024-05-05"),  # 劳动节
    *_span("2024-06-10", "2024-06-10"),  # 端午节
    *_span("2024-09-15", "2024-09-17"),  # 中秋节
    *_span("2024-10-01", "2024-10-07"),  # 国庆节
    # 2025
    *_span("2025-01-01", "2025-01-01"),  # 元旦
    *_span("2025-01-28", "2025-02-04"),  # 春节
    *_span("2025-04-04", "2025-04-06"),  # 清明节
    *_span("2025-05-01", "2025-05-05"),  # 劳动节
    *_span("2025-05-31", "2025-06-02"),  # 端午节
    *_span("2025-10-01", "2025-10-08"),  # 国庆节、中秋节
)

DEFAULT_MAKEUP_WORKDAYS: tuple[dt.date, ...] = tuple(
    dt.date.fromisoformat(day)
    for day in (
        # 2024
        "2024-02-04",
        "2024-02-18",
        "2024-04-07",
        "2024-04-28",
        "2024-05-11",
        "2024-09-14",
        "2024-09-29",
        "2024-10-12",
        # 2025
        "2025-01-26",
        "2025-02-08",
        "2025-04-27",
        "2025-09-28",
        "2025-10-11",
    )
)
