"""Strawsync's embedded search engine: OpenSearch's REST API over tantivy, for local runs.

No OpenSearch distribution installs from the package registries, so `serve` runs this engine
as a supervised child process on loopback instead (`python -m app.searchengine`). Production
points the same OpenSearch data source at a real cluster; nothing above the data source can
tell the two apart. The modules, from the wire inwards:

- `server`: the REST routes and their JSON shapes (errors as OpenSearch renders them).
- `store`: indexes on disk or in memory, documents, versions, `_bulk`, refresh.
- `search`, `query`, `aggregations`, `highlight`: the `_search` request, compiled to tantivy.
- `mapping`: an index's field mappings and the tantivy schema they give; `analysis`: how text
  is split into terms (the same at index and at query time).
- `errors`: `SearchError`, the one error type every layer raises.
- `local`: the engine as a `LocalEngine` that `serve` starts and supervises.
"""
