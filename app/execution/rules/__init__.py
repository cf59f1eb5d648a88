"""Strawsync's own validation rules, one per module, as graphql-core lays out its rules."""
