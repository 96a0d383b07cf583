"""`nabd kibana import`: load nabd's data views, saved searches, visualizations and dashboards into Kibana."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    kibana = subparsers.add_parser(
        "kibana", help="import the analysts' Kibana assets (data views, searches, dashboards)",
        description="nabd ships Kibana saved objects for analysts: data views on the mentions and alerts "
                    "indices with Arabic/English field names, saved searches, Lens visualizations, and the "
                    "'Brand health', 'Complaints', 'Competitors', 'Operations' and 'Alerts' dashboards.")
    actions = kibana.add_subparsers(dest="kibana_action", metavar="ACTION", required=True)
    load = actions.add_parser(
        "import", help="import the saved objects with Kibana's saved-objects import API",
        description="POST the saved objects to KIBANA/api/saved_objects/_import (overwriting nabd's own objects "
                    "by id). Secrets come from environment variables, never from arguments.")
    load.add_argument("--url", default=os.environ.get("NABD_KIBANA_URL"),
                      help="Kibana's URL, e.g. http://localhost:5601 (default: $NABD_KIBANA_URL)")
    load.add_argument("--space", help="Kibana space id (default: the default space)")
    load.add_argument("--username", help="basic-auth user; the password is read from --password-env")
    load.add_argument("--password-env", default="NABD_KIBANA_PASSWORD", metavar="NAME",
                      help="environment variable holding the password (default: NABD_KIBANA_PASSWORD)")
    load.add_argument("--api-key-env", metavar="NAME",
                      help="environment variable holding a Kibana API key (used instead of a password)")
    load.add_argument("--ca-certs", type=Path, help="CA bundle to verify Kibana's TLS certificate")
    load.add_argument("--index-prefix", default="nabd",
                      help="the deployment's index prefix, when not `nabd` (data views follow it)")
    source = load.add_mutually_exclusive_group()
    source.add_argument("--file", type=Path, help="import this NDJSON instead of the one nabd ships")
    source.add_argument("--config-dir", type=Path,
                        help="render the objects for this configuration's brands.yaml (who is compared with whom in "
                             "share of voice and the Competitors dashboard) instead of the shipped demo brands")
    load.add_argument("--no-overwrite", action="store_true",
                      help="keep objects that already exist in Kibana (they are reported as conflicts)")
    load.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for Kibana (default 30)")
    load.set_defaults(handler=run_kibana_import)


def run_kibana_import(args: argparse.Namespace) -> int:
    from index.kibana.assets import NDJSON_PATH
    from index.kibana.importer import KibanaTarget, import_saved_objects, with_index_prefix

    if not args.url:
        raise ValueError("no Kibana URL: pass --url http://HOST:5601 or set NABD_KIBANA_URL")
    api_key = None
    if args.api_key_env:
        api_key = os.environ.get(args.api_key_env)
        if not api_key:
            raise ValueError(f"--api-key-env names {args.api_key_env}, but that environment variable is empty")
    password = os.environ.get(args.password_env) if args.username else None
    if args.ca_certs and not args.ca_certs.is_file():
        raise ValueError(f"--ca-certs {args.ca_certs}: no such file")
    if args.config_dir:
        from index.kibana.assets import brand_groups, render_ndjson, saved_objects

        ndjson = render_ndjson(saved_objects(args.index_prefix, brand_groups(args.config_dir)))
    else:
        path = args.file or NDJSON_PATH
        try:
            ndjson = path.read_text(encoding="utf-8")
        except OSError as error:
            raise ValueError(f"cannot read the saved objects at {path}: {error.strerror}") from error
        ndjson = with_index_prefix(ndjson, args.index_prefix)
    target = KibanaTarget(url=args.url, space=args.space, username=args.username, password=password,
                          api_key=api_key, ca_certs=str(args.ca_certs) if args.ca_certs else None,
                          timeout_s=args.timeout)
    result = import_saved_objects(target, ndjson.encode("utf-8"), overwrite=not args.no_overwrite)
    sent = sum(1 for line in ndjson.splitlines() if line.strip())
    where = f"Kibana at {args.url}" + (f" (space {args.space})" if args.space else "")
    print(f"imported {result.success_count} of {sent} saved objects into {where}")
    for problem in result.problems():
        print(f"  not imported: {problem}")
    return 0 if result.success and not result.errors else 2
