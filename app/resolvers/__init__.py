"""The resolver runtime: unit and pipeline resolvers, AppSync's template versions."""
