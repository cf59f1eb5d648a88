"""Authorization: modes, the authorizer, and field directives."""
