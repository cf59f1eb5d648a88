"""The AWS_LAMBDA data source: local functions and functions on AWS Lambda."""
