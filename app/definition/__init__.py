"""The API definition: schema, data sources, resolvers, functions and settings, loaded once."""
