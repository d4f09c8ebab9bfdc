"""Fiches service desk (FSD): the ticket, its attachments and its history."""

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.core.db import Base, utcnow


class FsdStatus(enum.StrEnum):
    """The statuses of the seeds' FSD lifecycle."""

    NOUVEAU = "nouveau"
    EN_COURS = "en_cours_de_traitement"
    ENVOYE_SUPPORT = "envoye_au_support"
    ACTION_CORRESPONDANT = "action_correspondant"
    PROPOSITION_SOLUTION = "proposition_de_solution"
    CLOS = "clos"


class Intervention(enum.StrEnum):
    """Interventions of the AIFE support that need an administrative certificate (seeds)."""

    NEXT_ACTOR = "passage_acteur_suivant"
    WORKFLOW_RESTART = "relance_workflow_ae"
    TABLE_CHANGE = "modification_donnee_table"
    POSTING = "comptabilisation"
    DELETION = "suppression"
    MATCHING = "rapprochement"
    REVERSAL = "contrepassation"


class AttachmentKind(enum.StrEnum):
    """What an attachment is for."""

    SCREENSHOT = "screenshot"
    FILE = "file"
    PIECES_LIST = "pieces_list"  # the spreadsheet listing the pieces, beyond 5
    CERTIFICATE = "certificate"  # the administrative certificate, signed


def _enum(cls: type[enum.StrEnum], name: str) -> Enum:
    return Enum(
        cls, name=name, native_enum=False, length=30, values_callable=lambda e: [m.value for m in e]
    )


class Fsd(Base):
    """A fiche service desk; its id is the FSD number."""

    __tablename__ = "fsd"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    application: Mapped[str] = mapped_column(String(30))
    domain: Mapped[str | None] = mapped_column(String(50))
    category: Mapped[str] = mapped_column(String(30))  # support_outil or service_metier
    subcategory: Mapped[str] = mapped_column(String(60))
    object_number: Mapped[str | None] = mapped_column(String(60))
    severity: Mapped[int] = mapped_column(SmallInteger)
    impact: Mapped[int] = mapped_column(SmallInteger)
    users_blocked: Mapped[int] = mapped_column(Integer)
    priority: Mapped[str] = mapped_column(String(20))
    intervention: Mapped[Intervention | None] = mapped_column(_enum(Intervention, "intervention"))
    pieces_count: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[FsdStatus] = mapped_column(_enum(FsdStatus, "fsd_status"))
    initiator: Mapped[str] = mapped_column(String(120))
    initiator_email: Mapped[str] = mapped_column(String(254))
    ministry_code: Mapped[str | None] = mapped_column(String(20))
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    external_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    attachments: Mapped[list["FsdAttachment"]] = relationship(
        order_by="FsdAttachment.id", cascade="all, delete-orphan", lazy="selectin"
    )
    history: Mapped[list["FsdEvent"]] = relationship(
        order_by="FsdEvent.id", cascade="all, delete-orphan", lazy="selectin"
    )


class FsdAttachment(Base):
    """A file joined to an FSD (screenshot, pieces list, administrative certificate...)."""

    __tablename__ = "fsd_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fsd_id: Mapped[int] = mapped_column(ForeignKey("fsd.id", ondelete="CASCADE"), index=True)
    kind: Mapped[AttachmentKind] = mapped_column(_enum(AttachmentKind, "attachment_kind"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FsdEvent(Base):
    """One change in an FSD's life: creation, a status change, an attachment."""

    __tablename__ = "fsd_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fsd_id: Mapped[int] = mapped_column(ForeignKey("fsd.id", ondelete="CASCADE"), index=True)
    actor: Mapped[str] = mapped_column(String(120))
    actor_role: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str | None] = mapped_column(String(30))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
