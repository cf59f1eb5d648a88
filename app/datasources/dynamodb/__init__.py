"""The AMAZON_DYNAMODB data source, and DynamoDB Local started for the user."""
