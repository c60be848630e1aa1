"""The reference Lambda, as `cargo xtask bench drop-in` measures it: the Python function of the
vendor guide that tinesaudit-runner replaces, modelled on what the guide describes, run once per
process as a cold Lambda start would.

Same environment variables as the runner: TINES_BASE_URL, TINES_API_KEY, S3_BUCKET, S3_PREFIX,
STATE_KEY (default tines/audit/state.json, inside the prefix as in the guide), LOOKBACK_SECONDS
(3600), PAGE_SIZE (500), MAX_PAGES (20), HTTP_TIMEOUT (30), HTTP_RETRIES (3), and the AWS_* of
boto3. What it does, and what it gets wrong (pipeline.md, "Correctness pitfalls"):

- reads `{"since": ...}` from the state object, or starts LOOKBACK_SECONDS back;
- asks for `after=since`, pages 1..MAX_PAGES in order, one request at a time, retrying 429 and
  5xx after Retry-After (or 1 s);
- writes each page's raw JSON as one object, `<prefix>YYYY/MM/DD/HHMMSS-tines-audit-NNNNN.json`;
- then sets `since` to the newest `created_at` seen. Tines serves newest first, so a window
  holding more than MAX_PAGES pages loses every older record.

It prints one JSON line: pages, records, objects.
"""

import datetime
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request

import boto3
from botocore.config import Config


def env(name, default):
    value = os.environ.get(name, "")
    return value if value else default


def fetch(base_url, api_key, params, timeout, retries):
    url = f"{base_url.rstrip('/')}/api/v1/audit_logs?{urllib.parse.urlencode(params)}"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {api_key}"})
    for attempt in range(retries + 1):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            if (error.code == 429 or error.code >= 500) and attempt < retries:
                time.sleep(float(error.headers.get("Retry-After") or 1))
                continue
            raise


def handler(event, context):
    base_url = os.environ["TINES_BASE_URL"]
    api_key = os.environ["TINES_API_KEY"]
    bucket = os.environ["S3_BUCKET"]
    prefix = env("S3_PREFIX", "tines/audit/")
    state_key = env("STATE_KEY", "tines/audit/state.json")
    lookback = int(env("LOOKBACK_SECONDS", "3600"))
    page_size = int(env("PAGE_SIZE", "500"))
    max_pages = int(env("MAX_PAGES", "20"))
    timeout = float(env("HTTP_TIMEOUT", "30"))
    retries = int(env("HTTP_RETRIES", "3"))
    path_style = env("S3_FORCE_PATH_STYLE", "false").lower() == "true"
    s3 = boto3.client(
        "s3", config=Config(s3={"addressing_style": "path" if path_style else "auto"})
    )

    try:
        state = json.loads(s3.get_object(Bucket=bucket, Key=state_key)["Body"].read())
        since = state["since"]
    except s3.exceptions.NoSuchKey:
        start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=lookback)
        since = start.strftime("%Y-%m-%dT%H:%M:%SZ")

    newest = None
    pages = records = objects = 0
    for page in range(1, max_pages + 1):
        body = fetch(
            base_url,
            api_key,
            {"after": since, "per_page": page_size, "page": page},
            timeout,
            retries,
        )
        pages += 1
        logs = body.get("audit_logs") or []
        if logs:
            now = datetime.datetime.now(datetime.timezone.utc)
            key = f"{prefix}{now:%Y/%m/%d/%H%M%S}-tines-audit-{page:05d}.json"
            s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(body).encode())
            objects += 1
            records += len(logs)
            for log in logs:
                if newest is None or log["created_at"] > newest:
                    newest = log["created_at"]
        if not (body.get("meta") or {}).get("next_page"):
            break

    if newest is not None:
        s3.put_object(Bucket=bucket, Key=state_key, Body=json.dumps({"since": newest}).encode())
    return {"pages": pages, "records": records, "objects": objects}


if __name__ == "__main__":
    print(json.dumps(handler({}, None)))
