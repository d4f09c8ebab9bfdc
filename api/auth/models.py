"""Support staff accounts."""

import enum
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Enum, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, utcnow


class Role(enum.StrEnum):
    """What a staff member may do."""

    ADMIN = "admin"  # reviews and teaches the assistant (knowledge base)
    ADVISOR = "advisor"  # answers handed-off conversations
    CCA = "cca"  # correspondant Chorus applicatif: the only one who opens an FSD
    SN1 = "sn1"  # ministerial support: handles FSDs, escalates to SN2
    SN2 = "sn2"  # AIFE support: answers the FSDs SN1 escalated


class User(Base):
    """A support staff account; the password is stored as an argon2 hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            name="user_role",
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
