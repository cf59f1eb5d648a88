"""Mapping templates: the engine contract, the VTL engine and AppSync's `$util` library."""
