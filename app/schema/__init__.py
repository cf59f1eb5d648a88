"""The API's GraphQL schema: AppSync prelude, SDL loading and the generated Strawberry schema."""
