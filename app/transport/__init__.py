"""Transports: GraphQL over HTTP, GraphiQL, and (later) the WebSocket protocols."""
