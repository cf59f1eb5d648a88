"""DynamoDB Streams event source mappings: a table's changes delivered to a Lambda function,
or to an OpenSearch index by the built-in indexer (`streams:` in strawsync.yaml)."""
