"""Everything that persists: the one DuckDB owner (``Store``), run folders, client workspaces and who may open them."""
from dashboard.store.database import Store

__all__ = ["Store"]
