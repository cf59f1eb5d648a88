"""Data sources: one small module per AppSync data source type, behind one interface."""
