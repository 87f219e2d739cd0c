"""ELAN files of the shapes ELAN 2.7, 2.8 and 3.0 write, generated for the tests.

Modelled on ELAN's own sample corpora: a top-level gesture tier with a controlled vocabulary
(ANNOTATOR and PARTICIPANT set), a comment tier (symbolic association), a phase tier
(symbolic subdivision, PREVIOUS_ANNOTATION chains), a stroke tier (time subdivision whose
inner slots carry no TIME_VALUE), an included-in tier with unaligned slots, a second
participant's tier without ANNOTATOR, and a tier with neither. One gesture is empty, as in
real files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

LABELS = ["touching or scratching head", "folding arms", "rubbing eyes", "minaret gesture"]


@dataclass
class Sample:
    """What a generated file holds (the expected import)."""

    text: str
    gestures: list[tuple[int, int, str]] = field(default_factory=list)  # (start ms, end ms, label), non-empty
    empty_at: int = 0  # ms of the empty gesture annotation
    comments: int = 0
    phases: int = 0
    strokes: list[tuple[int, int]] = field(default_factory=list)  # (start, end) ms, as ELAN shows them
    holds: list[tuple[int, int]] = field(default_factory=list)
    hands: int = 0
    free: int = 0


def elan_file(version: str = "3.0", n: int = 30, schema: bool = True, step: int = 1000) -> Sample:
    """An EAF document of ``n`` gestures in the layout of ELAN ``version`` (2.7, 2.8 or 3.0)."""
    slots: list[tuple[str, int | None]] = []

    def slot(value: int | None) -> str:
        sid = f"ts{len(slots) + 1}"
        slots.append((sid, value))
        return sid

    aid = [0]

    def new_id() -> str:
        aid[0] += 1
        return f"a{aid[0]}"

    s = Sample("")
    gest, comm, phase, stroke, hold, hands, free = ([] for _ in range(7))
    for k in range(n):
        t0 = 500 + k * step
        t1 = t0 + step * 6 // 10 + (k % 7) * 10
        a, b = slot(t0), slot(t1)
        gid = new_id()
        label = "" if k == n // 2 else LABELS[k % len(LABELS)]
        if label:
            s.gestures.append((t0, t1, label))
        else:
            s.empty_at = t0
        gest.append(f'<ALIGNABLE_ANNOTATION ANNOTATION_ID="{gid}" TIME_SLOT_REF1="{a}" TIME_SLOT_REF2="{b}">'
                    f"<ANNOTATION_VALUE>{escape(label)}</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION>")
        if label and k % 3 == 0:
            comm.append(f'<REF_ANNOTATION ANNOTATION_ID="{new_id()}" ANNOTATION_REF="{gid}">'
                        f"<ANNOTATION_VALUE>comment {k} &amp; more</ANNOTATION_VALUE></REF_ANNOTATION>")
            s.comments += 1
        if label:
            prev = None
            for ph in ("preparation", "stroke", "retraction"):
                pid = new_id()
                prev_attr = f' PREVIOUS_ANNOTATION="{prev}"' if prev else ""
                phase.append(f'<REF_ANNOTATION ANNOTATION_ID="{pid}" ANNOTATION_REF="{gid}"{prev_attr}>'
                             f"<ANNOTATION_VALUE>{ph}</ANNOTATION_VALUE></REF_ANNOTATION>")
                prev = pid
                s.phases += 1
            # time subdivision: shares the parent's slots, the inner slot is unaligned
            mid = slot(None)
            for x, y, v in ((a, mid, "up"), (mid, b, "down")):
                stroke.append(f'<ALIGNABLE_ANNOTATION ANNOTATION_ID="{new_id()}" TIME_SLOT_REF1="{x}" '
                              f'TIME_SLOT_REF2="{y}"><ANNOTATION_VALUE>{v}</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION>')
            m = t0 + (t1 - t0) // 2
            s.strokes += [(t0, m), (m, t1)]
            if k % 2 == 0:  # included in: two unaligned inner slots between aligned ends
                ha, hb = t0 + (t1 - t0) // 6, t0 + (t1 - t0) * 4 // 6
                inner = [ha + (hb - ha) * m // 3 for m in range(4)]
                h = [slot(ha), slot(None), slot(None), slot(hb)]
                for m, v in enumerate(("h1", "h2", "h3")):
                    hold.append(f'<ALIGNABLE_ANNOTATION ANNOTATION_ID="{new_id()}" TIME_SLOT_REF1="{h[m]}" '
                                f'TIME_SLOT_REF2="{h[m + 1]}"><ANNOTATION_VALUE>{v}</ANNOTATION_VALUE>'
                                "</ALIGNABLE_ANNOTATION>")
                    s.holds.append((inner[m], inner[m + 1]))
        if k % 4 == 1:
            c, d = slot(t0 + step // 20), slot(t0 + step // 4)
            hands.append(f'<ALIGNABLE_ANNOTATION ANNOTATION_ID="{new_id()}" TIME_SLOT_REF1="{c}" TIME_SLOT_REF2="{d}">'
                         f"<ANNOTATION_VALUE>folding arms</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION>")
            s.hands += 1
        if k % 5 == 2:
            c, d = slot(t0 + step // 10), slot(t0 + step // 2)
            free.append(f'<ALIGNABLE_ANNOTATION ANNOTATION_ID="{new_id()}" TIME_SLOT_REF1="{c}" TIME_SLOT_REF2="{d}">'
                        f"<ANNOTATION_VALUE>rubbing eyes</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION>")
            s.free += 1

    def tier(tid: str, lt: str, anns: list[str], parent: str | None = None, annotator: str | None = None,
             participant: str | None = None) -> str:
        attrs = f'TIER_ID={quoteattr(tid)} LINGUISTIC_TYPE_REF="{lt}" DEFAULT_LOCALE="en"'
        if parent:
            attrs += f' PARENT_REF="{parent}"'
        if participant is not None:
            attrs += f" PARTICIPANT={quoteattr(participant)}"
        if annotator is not None:
            attrs += f" ANNOTATOR={quoteattr(annotator)}"
        if version == "3.0":
            attrs += ' LANG_REF="eng"'
        body = "".join(f"<ANNOTATION>{x}</ANNOTATION>\n" for x in anns)
        return f"<TIER {attrs}>\n{body}</TIER>\n"

    # ELAN writes the time order sorted by time, each unaligned slot after the slot it follows
    unaligned_after: dict[str, list[str]] = {}
    prev_aligned = ""
    for sid, v in slots:
        if v is None:
            unaligned_after.setdefault(prev_aligned, []).append(sid)
        else:
            prev_aligned = sid
    time_order = []
    for sid, v in sorted((x for x in slots if x[1] is not None), key=lambda x: x[1]):
        time_order.append(f'<TIME_SLOT TIME_SLOT_ID="{sid}" TIME_VALUE="{v}"/>')
        time_order += [f'<TIME_SLOT TIME_SLOT_ID="{u}"/>' for u in unaligned_after.get(sid, [])]

    xsd = {"2.7": "EAFv2.7.xsd", "2.8": "EAFv2.8.xsd", "3.0": "EAFv3.0.xsd"}[version]
    schema_attr = (f' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                   f'xsi:noNamespaceSchemaLocation="http://www.mpi.nl/tools/elan/{xsd}"') if schema else ""
    if version == "2.7":
        cv = ('<CONTROLLED_VOCABULARY CV_ID="gestures" DESCRIPTION="MG classes">'
              + "".join(f'<CV_ENTRY DESCRIPTION="">{escape(x)}</CV_ENTRY>' for x in LABELS)
              + "</CONTROLLED_VOCABULARY>")
        lang = ""
        license_ = ""
    else:
        cv = ('<CONTROLLED_VOCABULARY CV_ID="gestures"><DESCRIPTION LANG_REF="eng">MG classes</DESCRIPTION>'
              + "".join(f'<CV_ENTRY_ML CVE_ID="cve{k}"><CVE_VALUE LANG_REF="eng">{escape(x)}</CVE_VALUE></CV_ENTRY_ML>'
                        for k, x in enumerate(LABELS))
              + "</CONTROLLED_VOCABULARY>")
        lang = '<LANGUAGE LANG_DEF="http://cdb.iso.org/lg/CDB-00130975-001" LANG_ID="eng" LANG_LABEL="English (eng)"/>'
        license_ = '<LICENSE LICENSE_URL="">CC BY</LICENSE>' if version == "3.0" else ""
    doc = f"""<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT AUTHOR="" DATE="2019-05-14T10:22:31+01:00" FORMAT="{version}" VERSION="{version}"{schema_attr}>
{license_}<HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">
<MEDIA_DESCRIPTOR MEDIA_URL="file:///data/interview.mp4" MIME_TYPE="video/mp4" RELATIVE_MEDIA_URL="./interview.mp4"/>
<PROPERTY NAME="URN">urn:nl-mpi-tools-elan-eaf:4f6c</PROPERTY>
<PROPERTY NAME="lastUsedAnnotationId">{aid[0]}</PROPERTY>
</HEADER>
<TIME_ORDER>
{chr(10).join(time_order)}
</TIME_ORDER>
{tier("gesture", "gesture-lt", gest, annotator="Maria", participant="P1")}{tier("comments", "comment-lt", comm, parent="gesture", annotator="Maria")}{tier("phases", "phase-lt", phase, parent="gesture")}{tier("strokes", "stroke-lt", stroke, parent="gesture")}{tier("holds", "hold-lt", hold, parent="gesture")}{tier("hands P2", "gesture-lt", hands, participant="P2")}{tier("free notes", "default-lt", free)}<LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="default-lt" TIME_ALIGNABLE="true"/>
<LINGUISTIC_TYPE CONTROLLED_VOCABULARY_REF="gestures" GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="gesture-lt" TIME_ALIGNABLE="true"/>
<LINGUISTIC_TYPE CONSTRAINTS="Symbolic_Association" GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="comment-lt" TIME_ALIGNABLE="false"/>
<LINGUISTIC_TYPE CONSTRAINTS="Symbolic_Subdivision" GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="phase-lt" TIME_ALIGNABLE="false"/>
<LINGUISTIC_TYPE CONSTRAINTS="Time_Subdivision" GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="stroke-lt" TIME_ALIGNABLE="true"/>
<LINGUISTIC_TYPE CONSTRAINTS="Included_In" GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="hold-lt" TIME_ALIGNABLE="true"/>
<LOCALE COUNTRY_CODE="US" LANGUAGE_CODE="en"/>
{lang}
<CONSTRAINT DESCRIPTION="Time subdivision of parent annotation's time interval, no time gaps allowed within this interval" STEREOTYPE="Time_Subdivision"/>
<CONSTRAINT DESCRIPTION="Symbolic subdivision of a parent annotation. Annotations refering to the same parent are ordered" STEREOTYPE="Symbolic_Subdivision"/>
<CONSTRAINT DESCRIPTION="1-1 association with a parent annotation" STEREOTYPE="Symbolic_Association"/>
<CONSTRAINT DESCRIPTION="Time alignable annotations within the parent annotation's time interval, gaps are allowed" STEREOTYPE="Included_In"/>
{cv}
</ANNOTATION_DOCUMENT>
"""
    s.text = doc
    return s
