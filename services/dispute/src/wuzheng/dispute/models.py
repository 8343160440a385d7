"""The dispute service's tables: one declarative base, one MetaData."""

from sqlalchemy.orm import DeclarativeBase

from wuzheng.db import make_metadata


class Base(DeclarativeBase):
    metadata = make_metadata()
