"""Which data source types this build supports, by AppSync type name."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from app.datasources.awslambda.source import LambdaType
from app.datasources.base import DataSourceType
from app.datasources.dynamodb.source import DynamoDBType
from app.datasources.none import NoneType
from app.datasources.opensearch.source import OpenSearchType

KNOWN_APPSYNC_TYPES = frozenset(
    {
        "NONE",
        "AMAZON_DYNAMODB",
        "AWS_LAMBDA",
        "AMAZON_ELASTICSEARCH",
        "AMAZON_OPENSEARCH_SERVICE",
        "HTTP",
        "RELATIONAL_DATABASE",
        "AMAZON_EVENTBRIDGE",
        "AMAZON_BEDROCK_RUNTIME",
    }
)

DATA_SOURCE_TYPES: Mapping[str, DataSourceType] = MappingProxyType(
    {
        "NONE": NoneType(),
        "AMAZON_DYNAMODB": DynamoDBType(),
        "AWS_LAMBDA": LambdaType(),
        "AMAZON_OPENSEARCH_SERVICE": OpenSearchType("AMAZON_OPENSEARCH_SERVICE"),
        "AMAZON_ELASTICSEARCH": OpenSearchType("AMAZON_ELASTICSEARCH"),
    }
)
