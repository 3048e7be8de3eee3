"""Command line: `python -m geo validate [--json]`, `python -m geo manifest`, `python -m geo build-basemap`,
`python -m geo static-basemap`,
`python -m geo export --format geojson|gpkg|kml|csv [--from DATE] [--to DATE] [--crossing ID ...] --out PATH`,
`python -m geo briefing --out PATH.html [--scene ID]`, `python -m geo figure --scene ID --out PATH.png|.svg|.pdf`,
`python -m geo site --out DIR [--lang en] [filters...]`,
`python -m geo db init|seed|revise|history|diff|publish` (the history store: geo/store/cli.py),
`python -m geo user add NAME --role editor|reviewer|admin` (accounts: geo/store/user_cli.py),
`python -m geo messages ko` (what the Korean catalogs lack, as .po entries to fill in: geo/messages.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from geo.atomic import OutputRefused
from geo.basemap import write_static_basemap
from geo.i18n import LANGUAGES, use_language
from geo.io import DATA_DIR, PROJECT_ROOT, DataFileError, load_dataset
from geo.manifest import ManifestError, manifest_problems, write_manifest


def validation_report(data_dir: Path) -> dict:
    problems = manifest_problems(data_dir)
    try:
        dataset = load_dataset(data_dir)
    except (ManifestError, DataFileError, OSError) as error:
        return {"layers": {}, "ok": False, "problems": [*problems, str(error)], "rejected": []}
    counts = dataset.raw_counts()
    from geo.scenes import scene_problems
    from geo.schema import sources_table_problems

    problems = [*problems, *sources_table_problems(dataset.sources)]  # publisher / primary / mirror_of
    problems = [*problems, *scene_problems(dataset, data_dir)]  # data/scenes.json (presenter scenes)
    rejected = dataset.rejected.to_dict("records")
    ok = not problems and not rejected
    return {"layers": counts, "ok": ok, "problems": problems, "rejected": rejected, "version": dataset.version}


def print_report(report: dict) -> None:
    for name, counts in report["layers"].items():
        print(f"{name:22} {counts['valid']:4} valid  {counts['rejected']:4} rejected")
    for row in report["rejected"]:
        print(f"  rejected {row['layer']} row {row['row']} ({row['id']}): {row['field']}: {row['reason']}")
    for problem in report["problems"]:
        print(f"  problem: {problem}")
    verdict = "OK" if report["ok"] else "FAILED"
    version = f" (dataset version {report['version']})" if report.get("version") else ""
    print(f"{verdict}{version}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo", description="Crossings data tools")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("validate", help="check every data file and the manifest")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.add_argument(
        "--lang",
        default="en",
        choices=list(LANGUAGES),
        help="language of the printed reasons (the --json output stays English, for machines)",
    )
    check.add_argument("--data", "--data-dir", dest="data", type=Path, default=DATA_DIR)
    manifest = commands.add_parser("manifest", help="rewrite data/manifest.json after editing data files")
    manifest.add_argument("--data", type=Path, default=DATA_DIR)
    basemap = commands.add_parser("build-basemap", help="derive data/basemap from geodata/")
    basemap.add_argument("--geodata", type=Path, default=PROJECT_ROOT / "geodata")
    basemap.add_argument("--out", type=Path, default=DATA_DIR / "basemap")
    commands.add_parser("static-basemap", help="write static/crossings/basemap.json, the basemap the app serves")
    from geo.export import add_export_parser

    add_export_parser(commands)  # python -m geo export --format geojson|gpkg|kml|csv ... --out PATH
    from geo.briefing import add_briefing_parser
    from geo.figure import add_figure_parser

    add_briefing_parser(commands)  # python -m geo briefing --out PATH.html
    add_figure_parser(commands)  # python -m geo figure --scene ID --out PATH.png
    from geo.site import add_site_parser

    add_site_parser(commands)  # python -m geo site --out DIR [filters...]
    from geo.store.cli import add_db_parser

    add_db_parser(commands)  # python -m geo db init|seed|revise|history|diff|publish
    from geo.store.user_cli import add_user_parser

    add_user_parser(commands)  # python -m geo user add NAME --role editor|reviewer|admin
    messages = commands.add_parser("messages", help="list the interface messages a language's catalogs lack")
    messages.add_argument("lang", help="a language code, e.g. ko")
    args = parser.parse_args(argv)
    try:
        return run_command(args)
    except OutputRefused as error:
        print(f"{args.command}: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # disk full, no permission, a missing directory…: one line, not a traceback
        where = f" {error.filename}" if error.filename else ""
        print(f"{args.command}: could not write or read{where}: {error.strerror or error}", file=sys.stderr)
        return 1


def run_command(args: argparse.Namespace) -> int:
    if args.command == "validate":
        with use_language("en" if args.json else args.lang):
            report = validation_report(args.data)
        if args.json:
            print(json.dumps({"layers": report["layers"], "ok": report["ok"], "problems": report["problems"]}))
        else:
            print_report(report)
        return 0 if report["ok"] else 1
    if args.command == "manifest":
        print(f"wrote {write_manifest(args.data)}")
        return 0
    if args.command == "build-basemap":
        from geo.basemap_build import build_basemap

        print(json.dumps(build_basemap(args.geodata, args.out), indent=1))
        write_manifest(args.out.parent)
        if args.out == DATA_DIR / "basemap":
            print(f"wrote {write_static_basemap(DATA_DIR)}")
        return 0
    if args.command == "static-basemap":
        print(f"wrote {write_static_basemap(DATA_DIR)}")
        return 0
    if args.command == "export":
        from geo.export import run_export_command

        with use_language(args.lang):  # the caveats and the citation text; columns and ids stay as they are
            return run_export_command(args)
    if args.command == "briefing":
        from geo.briefing import run_briefing_command

        return run_briefing_command(args)
    if args.command == "figure":
        from geo.figure import run_figure_command

        return run_figure_command(args)
    if args.command == "site":
        from geo.site import run_site_command

        return run_site_command(args)
    if args.command == "db":
        from geo.store.cli import run_db_command

        return run_db_command(args)
    if args.command == "user":
        from geo.store.user_cli import run_user_command

        return run_user_command(args)
    if args.command == "messages":
        return report_messages(args.lang)
    return 2


def report_messages(lang: str) -> int:
    """Print the untranslated messages as .po entries (paste into geo/locales/LANG/LC_MESSAGES/*.po and
    fill in), placeholder mismatches and unused entries; exit 1 when the catalogs are incomplete."""
    from geo.messages import missing, placeholder_mismatches, po_entry, unused

    lacking = missing(lang)
    for message in lacking:
        print(po_entry(message))
    mismatched = placeholder_mismatches(lang)
    for message, form in mismatched:
        print(f"# placeholders differ ({message.where}): {message.id!r} -> {form!r}", file=sys.stderr)
    for message_id in unused(lang):
        print(f"# unused entry: {message_id!r}", file=sys.stderr)
    print(f"# {len(lacking)} untranslated, {len(mismatched)} with other placeholders", file=sys.stderr)
    return 1 if lacking or mismatched else 0


if __name__ == "__main__":
    sys.exit(main())
