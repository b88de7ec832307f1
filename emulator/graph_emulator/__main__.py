"""Command line: python -m graph_emulator [--seed FILE] [--port 8443] [--state-dir DIR] ..."""

import argparse
import json
import os
import signal
import sys
import tempfile
import threading

from .client_environment import client_environment
from .emulator import Emulator
from .faults import FAULT_KINDS
from .runtime_config import DEFAULTS, parse_setting
from .runtime_config import validate as validate_setting
from .seed import DEFAULT_SEED, SeedError
from .server import EmulatorHTTPServer
from .tls import create_server_context


def _fault(text):
    kind, dummy, rate = text.partition("=")
    try:
        value = float(rate)
    except ValueError:
        value = -1.0
    if kind not in FAULT_KINDS or not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("expected KIND=RATE with KIND in %s and RATE in [0, 1]" % ", ".join(FAULT_KINDS))
    return kind, value


def _behaviour(text):
    try:
        return parse_setting(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("%s (KEY among %s)" % (exc, ", ".join(sorted(DEFAULTS)))) from None


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="graph_emulator", description="Local Microsoft Graph + Entra ID emulator (profile photos).")
    parser.add_argument("--seed", default=DEFAULT_SEED, help="seed file (YAML); default: the packaged demo seed")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8443, help="0 picks a free port")
    parser.add_argument("--state-dir", help="where ca.pem, certificates, requests.jsonl and emulator.json go; default: a temp dir")
    parser.add_argument("--no-rewrite", action="store_true", help="store uploads as sent instead of re-encoding them like Graph")
    parser.add_argument("--no-throttle", action="store_true", help="no 4-per-mailbox concurrency limit")
    parser.add_argument("--latency-ms", type=int, default=0, help="added to every Graph and token request")
    parser.add_argument("--fault", type=_fault, action="append", default=[], metavar="KIND=RATE",
                        help="random fault rate, KIND among 429, 503, 504, reset (repeatable)")
    parser.add_argument("--group-photo-app-only", choices=("allow", "deny", "deny_writes"),
                        help="app-only tokens on group photos: allowed (default), refused, or refused for writes only")
    parser.add_argument("--behaviour", type=_behaviour, action="append", default=[], metavar="KEY=VALUE",
                        help="a setting of POST /_emulator/config, e.g. aspect=crop_square (repeatable; wins over the seed's behaviour:)")
    parser.add_argument("--profile", metavar="FILE",
                        help="a YAML or JSON mapping of settings (KEY: VALUE, as --behaviour takes them), such as the emulator_profile "
                             "that graphops.msgraph.graph_profile_photo_probe returns; wins over the seed's behaviour:, --behaviour wins over it")
    parser.add_argument("--quiet", action="store_true", help="no per-request lines on stderr")
    return parser.parse_args(argv)


def _write_json_atomically(path, payload):
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=2)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def _banner(info):
    return "\n".join([
        "Graph emulator listening on %s" % info["url"],
        "  CA file:       %s" % info["ca_path"],
        "  tenant id:     %s" % info["tenant_id"],
        "  client id:     %s" % info["client_id"],
        "  client secret: %s   (demo value, valid only here)" % info["client_secret"],
        "  state dir:     %s" % info["state_dir"],
    ] + ["  other tenant:  %s (%s)" % (tenant["id"], tenant["domain"])
         for tenant in info.get("tenants", [])[1:]] + [
        "",
    ] + ["export %s=%s" % item for item in client_environment(info).items()] + [
        "",
        "Press Ctrl-C to stop.",
    ])


def load_profile(path):
    """The settings of a profile file (a mapping of setting: value), each checked; ValueError names the file and the key."""
    import yaml  # pylint: disable=import-outside-toplevel

    try:
        with open(path, encoding="utf-8") as handle:
            raw = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError("%s: cannot be read as YAML or JSON (%s)" % (path, exc)) from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValueError("%s: a profile must be a mapping of setting: value" % path)
    try:
        return {str(key): validate_setting(str(key), value) for key, value in raw.items()}
    except ValueError as exc:
        raise ValueError("%s: %s" % (path, exc)) from None


def _command_line_config(args):
    """Only what the command line names (a --profile, then each option): the seed's behaviour: fills in the rest."""
    config = load_profile(args.profile) if args.profile else {}
    if args.no_rewrite:
        config["rewrite"] = False
    if args.no_throttle:
        config["throttle"] = False
    if args.group_photo_app_only:
        config["group_photo_app_only"] = args.group_photo_app_only
    config.update(dict(args.behaviour))
    return config


def main(argv=None) -> int:
    args = parse_args(argv)
    state_dir = os.path.abspath(args.state_dir or tempfile.mkdtemp(prefix="graph-emulator-"))
    os.makedirs(state_dir, exist_ok=True)
    try:
        config = _command_line_config(args)
    except ValueError as exc:
        sys.stderr.write("graph_emulator: error: --profile %s\n" % exc)
        return 2
    try:
        emulator = Emulator(
            seed_path=args.seed,
            state_dir=state_dir,
            config=config,
            fault_rates=dict(args.fault),
            latency_ms=args.latency_ms,
        )
    except SeedError as exc:
        sys.stderr.write("graph_emulator: error: %s\n" % exc)
        return 2
    ssl_context, ca_path = create_server_context(state_dir, args.host)
    server = EmulatorHTTPServer((args.host, args.port), emulator, ssl_context, quiet=args.quiet)
    host, port = server.server_address[:2]
    url = "https://%s:%d" % ("[%s]" % host if ":" in host else host, port)
    info = emulator.describe(url=url, ca_path=ca_path, pid=os.getpid())

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *args: stop.set())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    _write_json_atomically(os.path.join(state_dir, "emulator.json"), info)
    sys.stdout.write(_banner(info) + "\n")
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
