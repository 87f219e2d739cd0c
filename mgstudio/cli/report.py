"""``mgstudio report``: an emotion-reasoning report per item, or a batch evaluation."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from mgstudio.cli.common import add_read_only, find_item, open_for_reading
from mgstudio.core.errors import MGStudioError, ProjectError
from mgstudio.reasoning.prompts import NARRATIVE_MAX_TOKENS

EXAMPLES = """examples:
  mgstudio report interviews.mgproj session1 --out reports/
  mgstudio report matches.mgproj final1 final2 --scenario won_lost --context "post-match press conference" --out reports/
  mgstudio report interviews.mgproj session1 --scenario free --question "Does the person seem at ease?" --out r/
  mgstudio report interviews.mgproj session1 --backend http --base-url http://localhost:11434/v1 --model llama3.1 --out r/
  mgstudio report matches.mgproj --batch --attribute outcome --out eval/
  mgstudio report study.mgproj --batch --no-model --out eval/          # statistics only, seconds
  mgstudio report study.mgproj --batch --sample 30 --out eval/         # the model on 30 items

--batch with --out is resumable: each item's result is saved in OUT/items/ as soon as it is done,
so after Ctrl+C (or a crash) the same command continues where it stopped.

The offline default model (SmolLM2-135M) is small: fluent but shallow. For real analyses use
--model BIGGER.gguf or --backend http with a stronger model. An API key is read from the
environment variable named by --api-key-env (or from the system keyring), never from the
command line, and is never written anywhere.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="ask a language model what an item's micro-gestures suggest",
        description="Write an emotion-reasoning report (report.html, report.md, verdict.json) for "
        "each item from its micro-gesture timeline, or evaluate verdicts against known outcomes "
        "with --batch. Only labels and times are sent to the model: no names, paths or video.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("project", help="the project folder (NAME.mgproj)")
    p.add_argument("items", nargs="*", metavar="ITEM", help="item names (with --batch: optional subset)")
    p.add_argument("--scenario", default="standout", choices=["standout", "won_lost", "stress", "free"],
                   help="the question asked (default: standout, what stands out in the gestures)")
    p.add_argument("--question", help="your own question (replaces the scenario's question)")
    p.add_argument("--context", default="", help='one line of context, e.g. "post-match press conference"')
    p.add_argument("--backend", default="embedded", choices=["embedded", "http"],
                   help="embedded: a GGUF file run offline (default); http: an OpenAI-compatible server")
    p.add_argument("--model", help="GGUF file (embedded) or model name (http; default: the server's first)")
    p.add_argument("--base-url", help="server address for --backend http, e.g. http://localhost:11434/v1")
    p.add_argument("--api-key-env", metavar="VAR", help="environment variable that holds the API key")
    p.add_argument("--include-proposals", action="store_true",
                   help="also send un-reviewed model proposals (marked as such, with confidence)")
    p.add_argument("--tier", help="use only this coder's tier, with its '(overlap)' tiers (default: one "
                        "coder per item, the current annotator or else the one with most segments, "
                        "with their '(overlap)' tiers, plus the model's tier); also for --batch")
    p.add_argument("--temperature", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-tokens", type=int, default=NARRATIVE_MAX_TOKENS,
                   help=f"most tokens of the model's narrative (default: {NARRATIVE_MAX_TOKENS})")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for an HTTP server")
    p.add_argument("--batch", action="store_true",
                   help="evaluate verdicts with and without MG evidence against an item attribute")
    p.add_argument("--attribute", default="outcome", help="the item attribute holding the known outcome")
    p.add_argument("--no-model", action="store_true",
                   help="with --batch: the statistics-only baseline alone, no language model")
    p.add_argument("--sample", type=int, metavar="N",
                   help="with --batch: ask the model about N items only (stratified by outcome; --seed picks them)")
    p.add_argument("--out", help="output folder (required for reports)")
    add_read_only(p)
    p.set_defaults(func=run_report)


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or "item"


def _item_folders(items: list) -> dict[int, str]:
    """One folder name per item, from its name; names that clean up alike in the project get the item id
    added, so the folder of a recording is the same in every run."""
    names = [_safe(it.name) for it in items]
    return {it.id: name if names.count(name) == 1 else f"{name}-{it.id}" for it, name in zip(items, names)}


def run_report(args: argparse.Namespace) -> int:
    from mgstudio.reasoning.backends import make_backend

    if not args.batch and not args.items:
        raise MGStudioError("Name at least one item to report on (or use --batch).")
    if not args.batch and not args.out:
        raise MGStudioError("Give an output folder with --out.")
    if not Path(args.project).exists():
        raise ProjectError(f"There is no project at {args.project}.")
    from mgstudio.reasoning.backends import LLMError, UnavailableBackend

    if args.sample is not None and args.sample < 1:
        raise MGStudioError("--sample needs a number of items of at least 1.")
    try:
        backend = None if (args.batch and args.no_model) else make_backend(
            args.backend, args.model, args.base_url, args.api_key_env, args.timeout)
    except LLMError as exc:
        if args.batch or not args.model:
            raise
        # A model file that cannot be used: the evidence report is still written, with the reason.
        print(str(exc), file=sys.stderr)
        backend = UnavailableBackend(exc, Path(args.model).name)
    gen = {"temperature": args.temperature, "seed": args.seed, "max_tokens": args.max_tokens}
    with open_for_reading(args.project, args.read_only) as project:
        tier = args.tier or None
        items = [find_item(project, name) for name in args.items]
        if args.batch:
            return _batch(args, project, backend, [i.id for i in items] or None, gen, tier)
        from mgstudio.reasoning.evidence import build_evidence
        from mgstudio.reasoning.report import generate_report, study_rates, write_report

        out = Path(args.out)
        folders = _item_folders(project.items())  # the whole project: a recording's folder never changes
        for item in items:
            ev = build_evidence(project, item.id, args.include_proposals, args.context, tier=tier)
            print(f"{item.name}: {len(ev.segments)} micro-gestures; asking {backend.model or 'the server'}...",
                  file=sys.stderr)
            refs = study_rates(project, exclude=item.id, include_proposals=args.include_proposals, tier=tier)
            result = generate_report(ev, backend, args.scenario, args.question, reference_rates=refs, **gen)
            folder = out / folders[item.id]  # always one folder per recording: reports never overwrite each other
            paths = write_report(result, folder, title=f"Micro-gesture emotion report: {item.name}")
            a = result.answer
            summary = f"{a.verdict} (confidence {a.confidence}), written by {result.written_by}" if a else result.status_text
            print(f"{item.name}: {len(result.findings)} findings; {summary} -> {paths['html']}")
    return 0


def _batch(args: argparse.Namespace, project, backend, item_ids, gen, tier=None) -> int:
    from tqdm import tqdm

    from mgstudio.reasoning.batch import evaluate_cases, project_cases

    cases, skipped = project_cases(project, args.attribute, args.scenario, item_ids,
                                   args.include_proposals, args.context, tier=tier)
    out = Path(args.out) if args.out else None
    results_dir = out / "items" if out is not None else None
    asked = 0 if backend is None else min(args.sample or len(cases), len(cases))
    print(f"Evaluating {len(cases)} items ({len(skipped)} without a known '{args.attribute}'); "
          + (f"asking {backend.model or 'the server'} about {asked} of them." if asked else "statistics only."),
          file=sys.stderr)
    if asked and results_dir is None:
        print("Note: without --out nothing is saved as it goes; a stopped run starts again from the first item.",
              file=sys.stderr)
    with tqdm(total=len(cases), unit="item", desc="Evaluating", disable=None, file=sys.stderr) as bar:
        def progress(done: int, total: int) -> None:
            bar.n = done
            bar.refresh()

        try:
            result = evaluate_cases(cases, backend, args.scenario, args.question, progress=progress,
                                    results_dir=results_dir, ask_model=backend is not None,
                                    sample=args.sample, **gen)
        except KeyboardInterrupt:
            bar.close()
            kept = len(list(results_dir.glob("*.json"))) if results_dir is not None and results_dir.is_dir() else 0
            where = (f"{kept} finished item result(s) are kept in {results_dir}: run the same command again to "
                     "continue." if results_dir is not None else "nothing was saved (no --out).")
            raise MGStudioError(f"Stopped; {where}") from None
    if result.resumed:
        print(f"{result.resumed} item(s) taken from the earlier run in {results_dir}.", file=sys.stderr)
    result.skipped = skipped
    print(result.summary())
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        from mgstudio.formats.atomic import atomic_write

        with atomic_write(out / "batch.json") as fh:
            json.dump(result.to_dict(), fh, indent=2)
        print(f"Details: {out / 'batch.json'}")
    return 0
