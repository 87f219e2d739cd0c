"""``mgstudio agree``: inter-rater agreement between annotators' tiers."""

from __future__ import annotations

import argparse
from pathlib import Path

from mgstudio.cli.common import add_read_only, find_item, open_for_reading

EXAMPLES = """examples:
  mgstudio agree study.mgproj                         # every pair of annotators' tiers, all items
  mgstudio agree study.mgproj --tier alice --tier bob --item session1 --out agreement/
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("agree", help="inter-rater agreement (Cohen's and Fleiss' kappa, segment F1)",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("project", help="the project folder (NAME.mgproj)")
    p.add_argument("--tier", action="append", default=[], help="tier to compare (repeatable; default all human tiers)")
    p.add_argument("--item", action="append", default=[], help="item name (repeatable; default all)")
    p.add_argument("--out", help="folder for agreement.csv, disagreements.csv and agreement.html")
    p.add_argument("--overlap", type=float, default=60.0, metavar="PERCENT",
                   help="gesture-by-gesture (Holle & Rein) linking criterion: the frames two segments share "
                        "as a share of the frames either covers (default 60)")
    add_read_only(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mgstudio.core.agreement import agreement
    from mgstudio.core.errors import MGStudioError
    from mgstudio.formats.agreement_report import write_agreement_csv, write_agreement_html

    with open_for_reading(args.project, args.read_only) as project:
        ids = [find_item(project, n).id for n in args.item] or None
        if not 1 <= args.overlap <= 100:  # 0.6 is most likely a share meant as 60 %: say so
            raise MGStudioError(f"--overlap is a percentage between 1 and 100 (60 means 60 %), not {args.overlap:g}.")
        report = agreement(project, args.tier or None, ids, min_overlap=args.overlap / 100.0)
    print(report.summary())
    if args.out:
        out = Path(args.out)
        files = write_agreement_csv(report, out) + [write_agreement_html(report, out / "agreement.html")]
        print("Wrote " + ", ".join(str(f) for f in files))
    return 0
