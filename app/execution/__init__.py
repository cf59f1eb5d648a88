"""Executing one GraphQL request: per-request context and AppSync-shaped errors."""
