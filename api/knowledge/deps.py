"""The domain taxonomy and the knowledge index, as dependencies."""

from collections.abc import Sequence
from typing import Annotated

from fastapi import Depends

from api.core.deps import state
from api.knowledge.service import KnowledgeIndex
from knowledge_base.taxonomy import Domain

DomainsDep = Annotated[Sequence[Domain], Depends(state("domains"))]
IndexDep = Annotated[KnowledgeIndex, Depends(state("knowledge_index"))]
