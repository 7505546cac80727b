"""LangGraph pipelines over a user's memories: ingestion (per job) and consolidation (per user)."""
