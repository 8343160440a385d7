"""``python -m wuzheng.catalog.seed``: regenerate or check the catalog's data files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wuzheng.catalog.seed import (
    SEED_FILE_NAME,
    PlanFormatError,
    PlanText,
    corrections_summary,
    parse_plan,
    render_data_files,
)

_PACKAGE_DATA = Path(__file__).resolve().parent.parent / "data"


def default_source() -> Path:
    """``<repo root>/../shared/seeds/<seed>`` when running from a source checkout."""
    repo_root = Path(__file__).resolve().parents[6]
    return repo_root.parent / "shared" / "seeds" / SEED_FILE_NAME


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m wuzheng.catalog.seed",
        description=(
            "Parse the 无证明城市 plan text (附件1: 664 service items, 附件2: 50 common "
            "e-licences) into the catalog's data files: departments.json, items.json, "
            "licences.json, licence_types.json. The output is deterministic: regenerating from "
            "the same plan text gives byte-identical files."
        ),
        epilog=(
            "Examples (from the repository root):\n"
            "  python -m wuzheng.catalog.seed --source ../shared/seeds/"
            f"{SEED_FILE_NAME} --out services/catalog/src/wuzheng/catalog/data\n"
            "  python -m wuzheng.catalog.seed --check        # exit 1 if the committed files "
            "differ\n"
            "  python -m wuzheng.catalog.seed --report       # list the corrections made"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--source",
        type=Path,
        default=None,
        help=f"the plan text (default: <repo root>/../shared/seeds/{SEED_FILE_NAME})",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=_PACKAGE_DATA,
        help="directory to write the data files to (default: the wuzheng.catalog.data package)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if any file in --out differs from what the source gives",
    )
    parser.add_argument(
        "--report",
        action="store_true",
        help="print every correction the parser made to the source, row by row",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    source: Path = args.source or default_source()
    out: Path = args.out
    if not source.is_file():
        parser.error(f"plan text not found: {source} (pass --source)")
    try:
        parsed = parse_plan(PlanText.read(source))
    except PlanFormatError as exc:
        print(f"error: {source}: {exc}", file=sys.stderr)
        return 2
    files = render_data_files(parsed)

    if args.report:
        for c in parsed.corrections.entries:
            where = f"序号 {c.seq_no}" if c.seq_no is not None else "-"
            print(f"{c.table}\t{c.kind}\t{where}\t{c.detail}")
        print()
    for line in corrections_summary(parsed.corrections):
        print(line, file=sys.stderr)

    if args.check:
        stale = []
        for name, content in files.items():
            path = out / name
            if not path.is_file() or path.read_text(encoding="utf-8") != content:
                stale.append(name)
        if stale:
            print(
                f"out of date in {out}: {', '.join(stale)} "
                "(run python -m wuzheng.catalog.seed to regenerate)",
                file=sys.stderr,
            )
            return 1
        print(f"up to date: {', '.join(files)} in {out}", file=sys.stderr)
        return 0

    out.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (out / name).write_text(content, encoding="utf-8", newline="\n")
    print(
        f"wrote {', '.join(files)} to {out}: {len(parsed.items)} items, "
        f"{len(parsed.licences)} licences, {len(parsed.departments)} departments, "
        f"{len(parsed.licence_types)} licence types",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
