"""CPU per GetItem: the lean SigV4 + aiohttp client against aioboto3, on DynamoDB Local.

    .venv/bin/python -m benchmarks.bench_dynamodb_get_item [--calls 2000]

Process CPU time (`time.process_time`) covers only this process, so DynamoDB Local's own
work is excluded; calls run one at a time so the figures are per call, not per batch.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import aioboto3

from app.datasources.dynamodb.client import Credentials, DynamoDBClient, static_credentials
from app.datasources.dynamodb.local_engine import DynamoDBLocal, default_cache_dir, prepare

TABLE = "Bench"
KEY = {"id": {"S": "item-1"}}


async def lean(endpoint: str, calls: int) -> float:
    client = DynamoDBClient(
        region="us-east-1", endpoint=endpoint, credentials=static_credentials(Credentials("a", "b"))
    )
    await client.start()
    try:
        for _ in range(50):
            await client.call("GetItem", {"TableName": TABLE, "Key": KEY})
        start = time.process_time()
        for _ in range(calls):
            await client.call("GetItem", {"TableName": TABLE, "Key": KEY})
        return (time.process_time() - start) / calls
    finally:
        await client.close()


async def boto(endpoint: str, calls: int) -> float:
    session = aioboto3.Session(aws_access_key_id="a", aws_secret_access_key="b")
    async with session.client("dynamodb", region_name="us-east-1", endpoint_url=endpoint) as ddb:
        for _ in range(50):
            await ddb.get_item(TableName=TABLE, Key=KEY)
        start = time.process_time()
        for _ in range(calls):
            await ddb.get_item(TableName=TABLE, Key=KEY)
        return (time.process_time() - start) / calls


async def main(calls: int) -> None:
    installation = await prepare(default_cache_dir(), progress=print)
    async with DynamoDBLocal(installation) as engine:
        endpoint = await engine.start(data_dir=None)
        setup = DynamoDBClient(
            region="us-east-1",
            endpoint=endpoint,
            credentials=static_credentials(Credentials("a", "b")),
        )
        await setup.start()
        await setup.call(
            "CreateTable",
            {
                "TableName": TABLE,
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            },
        )
        item = {**KEY, "title": {"S": "hello"}, "votes": {"N": "3"}}
        await setup.call("PutItem", {"TableName": TABLE, "Item": item})
        await setup.close()
        for _ in range(2):
            print(f"lean     GetItem: {await lean(endpoint, calls) * 1e6:7.0f} µs CPU/call")
            print(f"aioboto3 GetItem: {await boto(endpoint, calls) * 1e6:7.0f} µs CPU/call")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=2000)
    asyncio.run(main(parser.parse_args().calls))
