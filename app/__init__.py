"""Strawsync: a self-hosted, AppSync-compatible GraphQL service."""

__version__ = "0.1.0"
