# Builds AWS requests with the real boto3/botocore serializers and signers and records them as they
# would go on the wire, without sending anything: a `before-send` hook records the prepared request
# and stops the call. stdin: JSON list of calls {service, operation, params, region, endpoint_url?,
# addressing_style?, protocol?}; `protocol: "query"` re-serialises a JSON service (SQS) with
# botocore's AWS Query serializer, the wire format older SDKs used. Binary parameters are given as
# {"$bytes": "text"}. stdout: JSON list of {method, url, headers, body_b64}.
import base64
import json
import sys

import boto3
import botocore.session
from botocore.config import Config


class Captured(Exception):
    pass


def decode(value):
    if isinstance(value, dict):
        if set(value) == {"$bytes"}:
            return value["$bytes"].encode()
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def make_client(call):
    session = botocore.session.get_session()
    if call.get("protocol"):
        loader = session.get_component("data_loader")
        model = loader.load_service_model(call["service"], "service-2")
        model["metadata"]["protocol"] = call["protocol"]
        model["metadata"]["protocols"] = [call["protocol"]]
        loader._cache[("load_service_model", (call["service"], "service-2", None), ())] = model
        original = loader.load_service_model

        def patched(service_name, type_name, api_version=None):
            if service_name == call["service"] and type_name == "service-2":
                return model
            return original(service_name, type_name, api_version)

        loader.load_service_model = patched
    config = Config(
        region_name=call.get("region", "us-east-1"),
        retries={"max_attempts": 1},
        s3={"addressing_style": call.get("addressing_style", "auto")},
    )
    return boto3.Session(botocore_session=session).client(
        call["service"],
        endpoint_url=call.get("endpoint_url"),
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        config=config,
    )


seen = {}
clients = {}


def before_send(request, **_):
    body = request.body
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode()
    seen["request"] = {
        "method": request.method,
        "url": request.url,
        "headers": {k: (v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()},
        "body_b64": base64.b64encode(body or b"").decode(),
    }
    raise Captured()


def capture(call):
    # One client per configuration: creating clients is most of the cost.
    config_key = json.dumps([call["service"], call.get("region"), call.get("endpoint_url"), call.get("addressing_style"), call.get("protocol")])
    if config_key not in clients:
        clients[config_key] = make_client(call)
        clients[config_key].meta.events.register("before-send", before_send)
    client = clients[config_key]
    seen.clear()
    try:
        getattr(client, call["operation"])(**decode(call.get("params", {})))
    except Captured:
        return seen["request"]
    raise RuntimeError("the request was not captured: %s" % call["operation"])


json.dump([capture(c) for c in json.load(sys.stdin)], sys.stdout)
