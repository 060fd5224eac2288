"""boto3 as a Pod Identity client. Reads a JSON request (or a list of them) on stdin, prints the
JSON result (or the list of results), so a test pays the interpreter start-up once.

- {"op": "chain", "env": {...}}: the default credential chain under exactly that environment (the
  container provider reads AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE),
  then sts.get_caller_identity signed with what it found.
- {"op": "eks_auth", "cluster": ..., "token": ...}: eks-auth assume_role_for_pod_identity, signed with
  the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY of this process.
Errors come back as botocore surfaces them (Code, Message, HTTP status)."""
import json
import os
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["IRSA_ENDPOINT"]
NO_RETRY = Config(retries={"max_attempts": 1, "mode": "standard"})


def error(e):
    err = e.response.get("Error", {})
    return {"ok": False, "code": err.get("Code", ""), "message": err.get("Message", ""), "status": e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)}


def handle(req):
    try:
        if req["op"] == "chain":
            for k in [k for k in os.environ if k.startswith("AWS_")]:
                del os.environ[k]
            os.environ.update(req["env"])
            session = boto3.Session()
            creds = session.get_credentials()
            if creds is None:
                return {"ok": False, "code": "NoCredentials", "message": "no credentials found", "status": 0}
            frozen = creds.get_frozen_credentials()
            sts = session.client("sts", endpoint_url=ENDPOINT, config=NO_RETRY)
            ident = sts.get_caller_identity()
            return {"ok": True, "method": creds.method, "accessKeyId": frozen.access_key, "arn": ident["Arn"], "account": ident["Account"], "userId": ident["UserId"]}
        if req["op"] == "eks_auth":
            client = boto3.client("eks-auth", endpoint_url=ENDPOINT, config=NO_RETRY)
            r = client.assume_role_for_pod_identity(clusterName=req["cluster"], token=req["token"])
            r.pop("ResponseMetadata", None)
            r["credentials"]["expiration"] = r["credentials"]["expiration"].timestamp()
            return {"ok": True, "result": r}
        return {"ok": False, "code": "BadOp", "message": req["op"], "status": 0}
    except ClientError as e:
        return error(e)


def main():
    req = json.load(sys.stdin)
    return [handle(r) for r in req] if isinstance(req, list) else handle(req)


print(json.dumps(main()))
