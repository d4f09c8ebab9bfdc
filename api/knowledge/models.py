"""Knowledge entries and the texts that identify them, as stored in the database."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.core.db import Base, utcnow


class KnowledgeEntry(Base):
    """A knowledge entry; `source` says whether it comes from the YAML files or the admin API."""

    __tablename__ = "knowledge_entries"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    application: Mapped[str] = mapped_column(String(30))
    domain: Mapped[str] = mapped_column(String(50), index=True)
    title: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(Text)
    # Words or acronyms users type for this entry that its title and answer lack (retrieval).
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    buttons: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    follow_up: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    proposes_fsd: Mapped[bool] = mapped_column(Boolean, default=False)
    overview: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[str] = mapped_column(String(20), default="knowledge")
    incident: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(10), default="yaml")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    texts: Mapped[list["KnowledgeText"]] = relationship(
        back_populates="entry", order_by="KnowledgeText.id", cascade="all, delete-orphan"
    )


class KnowledgeText(Base):
    """A canonical error message or a reformulation of an entry."""

    __tablename__ = "knowledge_texts"
    __table_args__ = (UniqueConstraint("entry_id", "text"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(
        ForeignKey("knowledge_entries.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    is_error_message: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(10), default="yaml")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    entry: Mapped[KnowledgeEntry] = relationship(back_populates="texts")


class KnowledgeRevision(Base):
    """One row counting the changes of the knowledge base, so every API process can tell when
    its matcher index is stale."""

    __tablename__ = "knowledge_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)


class KnowledgeEntryVersion(Base):
    """An entry's content after a change (whole snapshot), with who made the change and how:
    the editor's history, diffs and restore read these."""

    __tablename__ = "knowledge_entry_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(
        ForeignKey("knowledge_entries.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    # create, update, retire, reactivate, restore, teach, untaught, yaml, import
    action: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(64))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
