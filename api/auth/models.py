"""Support staff accounts."""

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, utcnow


class Role(enum.StrEnum):
    """What a staff member may do."""

    ADMIN = "admin"  # reviews and teaches the assistant (knowledge base)
    ADVISOR = "advisor"  # answers handed-off conversations
    CCA = "cca"  # correspondant Chorus applicatif: the only one who opens an FSD
    SN1 = "sn1"  # ministerial support: handles FSDs, escalates to SN2
    SN2 = "sn2"  # AIFE support: answers the FSDs SN1 escalated


# The roles of the FSD desk: a staff member holds at most one of them.
DESK_ROLES: tuple[Role, ...] = (Role.CCA, Role.SN1, Role.SN2)


class User(Base):
    """A support staff account, with one or more roles; the password is stored as an argon2
    hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # What the member may do, e.g. ["advisor", "admin"]: an advisor may also review and teach.
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def has_role(self, role: Role) -> bool:
        """Whether the member holds this role."""
        return role.value in self.roles

    @property
    def role(self) -> Role:
        """The role that decides what the member sees of the FSD desk: their desk role if they
        hold one, else their first role."""
        held = [Role(r) for r in self.roles]
        return next((r for r in held if r in DESK_ROLES), held[0])
