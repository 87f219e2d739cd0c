"""Project store at 100,000 segments against BORIS's project file, the peer a behaviour coder would pick.

Run: ``.venv/bin/python -m benchmarks.bench_store`` after ``make bench-peers`` (BORIS runs in
``.venv-bench``, in a child process: :mod:`benchmarks.peers.store_peer`; without it only our side
is measured, and the run says so). Both sides get the same segments (10 sessions x 10,000; in BORIS
each segment is a state event, a start and a stop row) and are timed call by call, interleaved:

- bulk import: one session's 10,000 segments per step (ours: ``add_segments``, overlap-checked,
  one durable transaction; BORIS: the rows into the observation, then its project save); the
  first session is the warm-up, the median is over the other nine;
- single durable edit: one new segment (ours: ``create_segment``, its own transaction; BORIS:
  ``insort`` of its two rows, then the save, the only way its edit reaches the disk);
- load: opening the project (ours: open + the first window, and open + every segment; BORIS:
  ``open_project_json``);
- window query: random 30-second windows (what a timeline asks while scrolling); ours through
  ``Project.segments``; BORIS through its real-time plot's ``aggregate_events``; and the baseline
  of the same SQLite with the index switched off (``NOT INDEXED``), all three chunk by chunk.

Also whether each side's save is durable (fsync), read from the code it runs, and undo/redo.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.peers import Peer, load, peer_python
from mgstudio.core.project import Project
from mgstudio.core.project.rows import SEG_COLS, segment_from_db
from mgstudio.core.segments import Segment, Source, Status

N_ITEMS = 10
PER_ITEM = 10_000
FPS = 25
FRAMES = 101_000  # about 67 minutes per session; 10,100 slots of 10 frames, 100 left free for edits
WINDOW = 30 * FPS
CHUNKS, CHUNK = 20, 10  # window queries: 200 windows, 10 per chunk (one session each)
ROUNDS = 5  # measured rounds after one warm-up (window queries, load)
EDITS = 9  # measured single edits after one warm-up


def _pcts(xs: list[float]) -> tuple[float, float]:
    xs = sorted(xs)
    return statistics.median(xs), xs[int(0.95 * (len(xs) - 1))]


def _timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def _start_peer() -> tuple[Peer | None, dict]:
    if peer_python() is None:
        print("Skipped the peer (BORIS): no peer environment .venv-bench; run `make bench-peers` to measure it.")
        return None, {}
    try:
        peer = Peer("benchmarks.peers.store_peer")
        return peer, peer.ask(op="info")
    except (RuntimeError, OSError) as exc:
        print(f"Skipped the peer (BORIS): it did not start ({exc}); run `make bench-peers` to (re)build it.")
        return None, {}


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="mg-bench-store-"))
    rng = np.random.default_rng(0)
    peer, info = _start_peer()
    if peer is not None:
        print(f"peer: BORIS {info['version']} ({info['save']} / {info['load']} / {info['window']})"
              + (f"; {'; '.join(info['shims'])}" if info["shims"] else ""))
    proj_path = tmp / "bench.mgproj"
    with Project.create(proj_path, annotator="alice") as p:
        labels = p.taxonomy.names
        items, names, plans = [], [], []
        for k in range(N_ITEMS):
            video = tmp / f"session{k}.mp4"  # the store only fingerprints the file; info is given
            video.write_bytes(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())
            items.append(p.add_video(video, info={"fps": FPS, "frame_count": FRAMES, "width": 640, "height": 360}))
            names.append(items[-1].name)
            slots = np.sort(rng.choice(FRAMES // 10, PER_ITEM, replace=False))
            plans.append([(int(s) * 10, int(s) * 10 + int(rng.integers(2, 10)), labels[j % len(labels)])
                          for j, s in enumerate(slots)])
        tier = p.tier("alice").id
        sync = p.read_sql("PRAGMA synchronous")[0][0]
        journal = p.read_sql("PRAGMA journal_mode")[0][0]
        if peer is not None:
            peer.ask(op="new", path=str(tmp / "bench.boris"), labels=labels, items=names)

        # Bulk import, session by session, the sides alternating which goes first.
        ours_imp, theirs_imp, peer_save = [], [], []
        for k, (it, plan) in enumerate(zip(items, plans)):
            segs = [Segment(it.id, tier, s, e, lab) for s, e, lab in plan]
            def ours() -> None:
                ours_imp.append(_timed(p.add_segments, segs, f"Import {it.name}")[0])
            def theirs() -> None:
                r = peer.ask(op="import_", obs=it.name, fps=FPS, segs=[list(x) for x in plan])
                theirs_imp.append(r["s"])
                peer_save.append(r["save_s"])
            for side in ((ours, theirs) if k % 2 == 0 else (theirs, ours)):
                if side is ours or peer is not None:
                    side()
        total = p.count_segments()

        # A model tier on top, overlapping freely (proposals).
        props = [Segment(items[0].id, p.proposals_tier.id, int(s), int(s) + 50, "head up", source=Source.MODEL,
                         status=Status.PROPOSED, confidence=0.5) for s in rng.integers(0, FRAMES - 50, 2000)]
        proposals_s = _timed(p.replace_proposals, items[0].id, props)[0]

        # Single durable edits into the free slots of session 1 (the same slots on both sides).
        used = {s // 10 for s, _, _ in plans[1]}
        free = [f for f in range(FRAMES // 10) if f not in used][:EDITS + 1]
        ours_edit, theirs_edit = [], []
        for k, slot in enumerate(free):
            seg = (slot * 10, slot * 10 + 5, "touching jaw")
            a = _timed(p.create_segment, Segment(items[1].id, tier, *seg))[0]
            b = peer.ask(op="edit", obs=items[1].name, fps=FPS, seg=list(seg))["s"] if peer is not None else None
            if k:
                ours_edit.append(a)
                if b is not None:
                    theirs_edit.append(b)

        # Window queries: ours (R*Tree), the same SQLite NOT INDEXED, BORIS; chunk by chunk.
        scan_sql = (f"SELECT {SEG_COLS} FROM segments NOT INDEXED WHERE item_id = ? AND start_frame < ? "
                    "AND end_frame > ? ORDER BY start_frame, end_frame, id")
        chunks = [(int(rng.integers(N_ITEMS)), [int(x) for x in rng.integers(0, FRAMES - WINDOW, CHUNK)])
                  for _ in range(CHUNKS)]

        def indexed(item_id: int, start: int) -> list:
            return p.segments(item_id, start=start, end=start + WINDOW)

        def scanned(item_id: int, start: int) -> list:
            return [segment_from_db(r) for r in p.read_sql(scan_sql, (item_id, start + WINDOW, start))]

        sizes, agree, touching, compared = [], 0, 0, 0
        pooled: dict[str, list[float]] = {"indexed": [], "scanned": [], "boris": []}
        for rnd in range(ROUNDS + 1):
            for c, (k, starts) in enumerate(chunks):
                item_id = items[k].id
                got: dict[str, list[float]] = {"indexed": [], "scanned": []}
                order = ["indexed", "scanned", "boris"]
                order = order[(rnd + c) % 3:] + order[:(rnd + c) % 3]
                for kind in order:
                    if kind == "boris":
                        if peer is None:
                            continue
                        r = peer.ask(op="window", obs=items[k].name, fps=FPS, starts=starts, length=WINDOW)
                        got["boris"], counts = r["ms"], r["counts"]
                        continue
                    fn = indexed if kind == "indexed" else scanned
                    for s in starts:
                        dt, res = _timed(fn, item_id, s)
                        got[kind].append(1000 * dt)
                        if kind == "indexed" and rnd == 0:
                            sizes.append(len(res))
                if rnd == 0:  # same answer: our scan, and the number of segments BORIS finds
                    for s in starts:
                        assert [x.id for x in indexed(item_id, s)] == [x.id for x in scanned(item_id, s)]
                    if peer is not None:
                        # BORIS holds the coder's tier only (session 0 also has our proposals tier)
                        ours_n = [len(p.segments(item_id, tier, start=s, end=s + WINDOW)) for s in starts]
                        agree += sum(a == b for a, b in zip(ours_n, counts))
                        # BORIS counts a segment that only touches the window's edge: ours, edges included
                        edge_n = [len(p.segments(item_id, tier, start=s - 1, end=s + WINDOW + 1)) for s in starts]
                        touching += sum(a == b for a, b in zip(edge_n, counts))
                        compared += len(starts)
                if rnd:
                    for kind, xs in got.items():
                        pooled[kind] += xs

        # Undo / redo.
        undo_ms = [1000 * _timed(p.undo)[0] for _ in range(EDITS)]
        redo_ms = [1000 * _timed(p.redo)[0] for _ in range(EDITS)]
        while p.undo_text() and not p.undo_text().startswith("Import"):
            p.undo()
        bulk_undo_s = _timed(p.undo)[0]
        bulk_redo_s = _timed(p.redo)[0]
        db_mb = os.path.getsize(p.db_path) / 2**20
        first_item = items[0].id

    # Load: a fresh open each time, interleaved with BORIS's open.
    def open_first() -> None:
        with Project.open(proj_path, annotator="alice") as q:
            q.segments(first_item, start=0, end=WINDOW)

    def open_all() -> int:
        with Project.open(proj_path, annotator="alice") as q:
            return len(q.segments())

    loads: dict[str, list[float]] = {"first": [], "all": [], "boris": []}
    peer_events = 0
    for rnd in range(ROUNDS + 1):
        a = _timed(open_first)[0]
        b, n_all = _timed(open_all)
        c = None
        if peer is not None:
            r = peer.ask(op="load", path=str(tmp / "bench.boris"))
            c, peer_events = r["s"], r["events"]
        if rnd:
            loads["first"].append(a)
            loads["all"].append(b)
            if c is not None:
                loads["boris"].append(c)
    boris_mb = os.path.getsize(tmp / "bench.boris") / 2**20 if peer is not None else 0.0
    if peer is not None:
        peer.close()

    med = statistics.median
    ratio = lambda theirs, ours: f"{theirs / ours:.1f}x" if theirs and ours else "–"  # noqa: E731
    print(f"store: {total:,} segments in {N_ITEMS} sessions ({os.cpu_count()} CPUs, load average {load()}), "
          f"database {db_mb:.0f} MB" + (f"; BORIS project {boris_mb:.0f} MB, {peer_events:,} events" if peer else ""))
    print(f"  durable save: ours SQLite journal_mode={journal}, synchronous={'FULL' if sync == 2 else sync} "
          f"(fsync at every commit: {'yes' if sync >= 2 else 'no'}); BORIS save_project_json "
          + ("not measured" if peer is None else
             f"calls fsync: {'yes' if info['fsync'] else 'no (open/write/close: the OS may still lose it on a crash)'}"))
    oi = med(ours_imp[1:])
    line = f"  bulk import of one session ({PER_ITEM:,} segments), median of {len(ours_imp) - 1}: ours {oi:.2f} s"
    if theirs_imp:
        ti = med(theirs_imp[1:])
        line += f", BORIS rows + save {ti:.2f} s (save alone {med(peer_save[1:]):.2f} s); BORIS / ours {ratio(ti, oi)}"
    print(line)
    print(f"  all {total:,} segments: ours {sum(ours_imp):.1f} s" +
          (f", BORIS {sum(theirs_imp):.1f} s" if theirs_imp else ""))
    print(f"  replace proposals (2,000 overlapping, model tier): ours {proposals_s:.2f} s")
    e50, e95 = _pcts([1000 * x for x in ours_edit])
    line = f"  single durable edit, median of {len(ours_edit)}: ours {e50:.2f} ms (p95 {e95:.2f})"
    if theirs_edit:
        t50 = 1000 * med(theirs_edit)
        line += f", BORIS insert + save {t50:.0f} ms; BORIS / ours {ratio(t50, e50)}"
    print(line)
    lf, la = 1000 * med(loads["first"]), 1000 * med(loads["all"])
    line = f"  load, median of {ROUNDS}: ours open + first window {lf:.0f} ms, open + all segments {la:.0f} ms"
    if loads["boris"]:
        lb = 1000 * med(loads["boris"])
        line += f", BORIS open_project_json {lb:.0f} ms; BORIS / ours {ratio(lb, lf)} (first window), {ratio(lb, la)} (all)"
    print(line)
    q50, q95 = _pcts(pooled["indexed"])
    b50, b95 = _pcts(pooled["scanned"])
    n = len(pooled["indexed"])
    print(f"  window query ({WINDOW} frames, mean {statistics.mean(sizes):.0f} segments), {n} queries: "
          f"ours p50 {q50:.3f} ms, p95 {q95:.3f} ms")
    print(f"  same SQLite NOT INDEXED (baseline): p50 {b50:.3f} ms, p95 {b95:.3f} ms; baseline / ours p50 "
          f"{ratio(b50, q50)}, p95 {ratio(b95, q95)}")
    if pooled["boris"]:
        w50, w95 = _pcts(pooled["boris"])
        print(f"  BORIS aggregate_events:             p50 {w50:.3f} ms, p95 {w95:.3f} ms; BORIS / ours p50 "
              f"{ratio(w50, q50)}, p95 {ratio(w95, q95)}; same segment count on {agree} of {compared} windows "
              f"({touching} of {compared} when segments touching the window's edge count, as BORIS counts them)")
    u50, _ = _pcts(undo_ms)
    r50, _ = _pcts(redo_ms)
    print(f"  undo single edit p50 {u50:.2f} ms, redo p50 {r50:.2f} ms; undo / redo of a {PER_ITEM:,}-segment import: "
          f"{bulk_undo_s:.2f} s / {bulk_redo_s:.2f} s")
    print(f"  (interleaved call by call, warm-up excluded; load average now {load()})")

    from benchmarks.results import record, row

    exact = f"same count {agree}/{compared} windows, {touching}/{compared} edges included" if compared else ""
    fsync = "" if peer is None else f"ours fsync yes; BORIS fsync {'yes' if info['fsync'] else 'no'}"
    boris = "BORIS 8.27.4" if peer is None else f"BORIS {info['version']}"
    rows = [row(f"window query p50 ({WINDOW} frames, {total:,} segments)", q50, "same SQLite, NOT INDEXED scan",
                b50, "ms", False)]
    if peer is not None:
        rows += [row("window query p50", q50, f"{boris} aggregate_events", med(pooled["boris"]), "ms", False, exact),
                 row("single durable edit p50", e50, f"{boris} insert + save_project_json", 1000 * med(theirs_edit),
                     "ms", False, note=fsync),
                 row(f"bulk import of {PER_ITEM:,} segments", oi, f"{boris} rows + save_project_json", med(theirs_imp[1:]),
                     "s", False, note=fsync),
                 row("load (open + first window)", lf, f"{boris} open_project_json", 1000 * med(loads["boris"]),
                     "ms", False),
                 row("load (open + all segments)", la, f"{boris} open_project_json", 1000 * med(loads["boris"]),
                     "ms", False)]
    else:
        rows += [row("single durable edit p50", e50, "", None, "ms", False),
                 row(f"bulk import of {PER_ITEM:,} segments", oi, "", None, "s", False)]
    record("bench_store", rows)


if __name__ == "__main__":
    main()
