"""boto3/botocore as a conformance client: reads a JSON list of operations on stdin, prints a JSON
list of results. Errors are reported as botocore surfaces them (Error.Code, Message, HTTP status,
exception class name), so the tests assert on what a real boto3 user would see."""
import json
import os
import sys

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["IRSA_ENDPOINT"]
REGION = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
NO_RETRY = Config(retries={"max_attempts": 1, "mode": "legacy"})


def error(e):
    err = e.response.get("Error", {})
    return {
        "ok": False,
        "code": err.get("Code", ""),
        "message": err.get("Message", ""),
        "status": e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0),
        "exception": type(e).__name__,
    }


def clean(value):
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [clean(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


CLIENTS = {}


def client(service, credentials=None, unsigned=False):
    key = (service, json.dumps(credentials, sort_keys=True), unsigned)
    if key not in CLIENTS:
        CLIENTS[key] = make_client(service, credentials, unsigned)
    return CLIENTS[key]


def make_client(service, credentials=None, unsigned=False):
    kwargs = {"endpoint_url": ENDPOINT, "region_name": REGION}
    if unsigned:
        kwargs["config"] = NO_RETRY.merge(Config(signature_version=UNSIGNED))
    else:
        kwargs["config"] = NO_RETRY
    if credentials is not None:
        kwargs["aws_access_key_id"] = credentials["AccessKeyId"]
        kwargs["aws_secret_access_key"] = credentials["SecretAccessKey"]
        if credentials.get("SessionToken"):
            kwargs["aws_session_token"] = credentials["SessionToken"]
    return boto3.session.Session().client(service, **kwargs)


def run(op):
    kind = op["op"]
    if kind == "chain":
        # The web-identity provider of the default chain, from the environment alone.
        saved = dict(os.environ)
        try:
            os.environ.update(op["env"])
            sts = boto3.session.Session().client("sts", config=NO_RETRY)
            return {"ok": True, "result": clean(sts.get_caller_identity())}
        finally:
            os.environ.clear()
            os.environ.update(saved)
    if kind == "assume":
        return {"ok": True, "result": clean(client("sts", unsigned=True).assume_role_with_web_identity(**op["params"]))}
    if kind == "gci":
        sts = client("sts", op.get("credentials"), op.get("unsigned", False))
        return {"ok": True, "result": clean(sts.get_caller_identity())}
    if kind == "iam":
        iam = client("iam", op["credentials"])
        return {"ok": True, "result": clean(getattr(iam, op["method"])(**op["params"]))}
    raise ValueError(kind)


def main():
    out = []
    for op in json.load(sys.stdin):
        try:
            out.append(run(op))
        except ClientError as e:
            out.append(error(e))
    json.dump(out, sys.stdout)


main()
