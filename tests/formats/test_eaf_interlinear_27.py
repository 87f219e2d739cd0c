"""The ELAN 2.7 interlinear-text shape (as in a DoBeS story file of ~4,600 annotations): an aligned
utterance tier, its words a time subdivision whose inner slots carry no time, the words'
morphemes a symbolic subdivision chained by PREVIOUS_ANNOTATION, a gloss associated with each
morpheme, and a translation and a reference number associated with each utterance.

Our own fixture in that layout. The morphemes sit two levels below the last slot with a time:
ELAN spreads the words evenly over the utterance and the morphemes evenly over their word;
so does the import, and every annotation is imported, kept as a note or skipped with a reason.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from mgstudio.formats.segment_io import import_file

TIER = '    <TIER DEFAULT_LOCALE="en" LINGUISTIC_TYPE_REF="{lt}"{parent} TIER_ID="{tid}">\n{body}    </TIER>\n'
ALIGN = ('        <ANNOTATION>\n            <ALIGNABLE_ANNOTATION ANNOTATION_ID="{id}" TIME_SLOT_REF1="{a}" '
         'TIME_SLOT_REF2="{b}">\n                <ANNOTATION_VALUE>{v}</ANNOTATION_VALUE>\n'
         '            </ALIGNABLE_ANNOTATION>\n        </ANNOTATION>\n')
REF = ('        <ANNOTATION>\n            <REF_ANNOTATION ANNOTATION_ID="{id}" ANNOTATION_REF="{r}"{prev}>\n'
       '                <ANNOTATION_VALUE>{v}</ANNOTATION_VALUE>\n'
       '            </REF_ANNOTATION>\n        </ANNOTATION>\n')


def interlinear_27() -> str:
    """Two utterances (0–2.4 s: three words; 2.4–4.0 s: two words), ELAN 2.7's layout."""
    # ts1 0, ts2 ts3 unaligned, ts4 2400 | ts5 2400 (the next utterance's own slot), ts6 unaligned, ts7 4000
    slots = [0, None, None, 2400, 2400, None, 4000]
    words = {"a1": ("ts1", "ts4", "ve lomi takasu", ["a3", "a4", "a5"]),
             "a2": ("ts5", "ts7", "nare po", ["a6", "a7"])}
    bounds = {"a3": ("ts1", "ts2"), "a4": ("ts2", "ts3"), "a5": ("ts3", "ts4"),
              "a6": ("ts5", "ts6"), "a7": ("ts6", "ts7")}
    text = "".join(ALIGN.format(id=u, a=a, b=b, v=v) for u, (a, b, v, _w) in words.items())
    tx, mr, graid, n = "", "", "", 20
    for _u, (_a, _b, v, wids) in words.items():
        for wid, w in zip(wids, v.split()):
            tx += ALIGN.format(id=wid, a=bounds[wid][0], b=bounds[wid][1], v=w)
            prev = None
            for m in ([w[:2], w[2:]] if len(w) > 2 else [w]):
                n += 1
                mid = f"a{n}"
                mr += REF.format(id=mid, r=wid, v=m, prev=f' PREVIOUS_ANNOTATION="{prev}"' if prev else "")
                prev = mid
                n += 1
                graid += REF.format(id=f"a{n}", r=mid, v="" if m == "lo" else "np", prev="")
    fg = REF.format(id="a90", r="a1", v="He went to the garden.", prev="") + REF.format(id="a91", r="a2", v="", prev="")
    ref = REF.format(id="a92", r="a1", v=" 001", prev="") + REF.format(id="a93", r="a2", v=" 002", prev="")
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n<ANNOTATION_DOCUMENT AUTHOR="" DATE="2013-03-11T16:00:47+10:00" '
            'FORMAT="2.7" VERSION="2.7" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:noNamespaceSchemaLocation="http://www.mpi.nl/tools/elan/EAFv2.7.xsd">\n'
            '    <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">\n'
            '        <MEDIA_DESCRIPTOR MEDIA_URL="file:///C:/stories/story.wav" MIME_TYPE="audio/x-wav" '
            'RELATIVE_MEDIA_URL="./story.wav"/>\n        <PROPERTY NAME="lastUsedAnnotationId">93</PROPERTY>\n'
            '    </HEADER>\n    <TIME_ORDER>\n'
            + "".join(f'        <TIME_SLOT TIME_SLOT_ID="ts{k + 1}"' + ("" if v is None else f' TIME_VALUE="{v}"')
                      + "/>\n" for k, v in enumerate(slots)) + "    </TIME_ORDER>\n")
    tiers = (TIER.format(lt="text", parent="", tid="Text", body=text)
             + TIER.format(lt="tx", parent=' PARENT_REF="Text"', tid="Words", body=tx)
             + TIER.format(lt="mr", parent=' PARENT_REF="Words"', tid="Morphemes", body=mr)
             + TIER.format(lt="GRAID", parent=' PARENT_REF="Morphemes"', tid="GRAID", body=graid)
             + TIER.format(lt="fg", parent=' PARENT_REF="Text"', tid="Free translation", body=fg)
             + TIER.format(lt="ref", parent=' PARENT_REF="Text"', tid="Ref", body=ref))
    types = "".join(f'    <LINGUISTIC_TYPE{c} GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="{i}" '
                    f'TIME_ALIGNABLE="{a}"/>\n'
                    for i, c, a in (("text", "", "true"), ("tx", ' CONSTRAINTS="Time_Subdivision"', "true"),
                                    ("mr", ' CONSTRAINTS="Symbolic_Subdivision"', "false"),
                                    ("GRAID", ' CONSTRAINTS="Symbolic_Association"', "false"),
                                    ("fg", ' CONSTRAINTS="Symbolic_Association"', "false"),
                                    ("ref", ' CONSTRAINTS="Symbolic_Association"', "false")))
    stereo = "".join(f'    <CONSTRAINT DESCRIPTION="{s}" STEREOTYPE="{s}"/>\n'
                     for s in ("Time_Subdivision", "Symbolic_Subdivision", "Symbolic_Association", "Included_In"))
    locale = '    <LOCALE COUNTRY_CODE="AU" LANGUAGE_CODE="en"/>\n'
    return head + tiers + types + locale + stereo + "</ANNOTATION_DOCUMENT>\n"


def load(project_factory, tmp_path, dependent: str):
    text = interlinear_27()
    f = tmp_path / "story.eaf"
    f.write_text(text, encoding="utf-8")
    p = project_factory(f"p-{dependent}", n_frames=400)
    item = p.item_by_name("session1").id
    total = sum(1 for _ in ET.fromstring(text.encode()).iter("ANNOTATION"))
    return p, item, import_file(p, f, item_id=item, dependent=dependent), total


def test_morphemes_below_unaligned_words_get_elans_even_split(project_factory, tmp_path) -> None:
    p, item, rep, total = load(project_factory, tmp_path, "tiers")
    assert total == 27 and rep.imported + rep.skipped == total
    # one empty gloss (of 'lo') and the second utterance's empty translation, each with tier and time
    assert rep.skips["empty"] == 2
    assert "tier 'GRAID' at 00:00:00.800" in rep.summary()

    def on(name: str) -> list[tuple[int, int, str]]:
        return sorted((s.start, s.end, s.label) for s in p.segments(item) if p.tier(s.tier_id).name == name)

    # 25 fps: the first utterance's three words share 0–2.4 s (60 frames), the second's two 2.4–4.0 s
    assert on("Words") == [(0, 20, "ve"), (20, 40, "lomi"), (40, 60, "takasu"), (60, 80, "nare"), (80, 100, "po")]
    assert on("Morphemes") == [(0, 20, "ve"), (20, 30, "lo"), (30, 40, "mi"), (40, 50, "ta"), (50, 60, "kasu"),
                               (60, 70, "na"), (70, 80, "re"), (80, 100, "po")]
    assert (20, 30, "np") not in on("GRAID") and (30, 40, "np") in on("GRAID")


def test_the_interlinear_lines_become_notes_of_the_utterance(project_factory, tmp_path) -> None:
    p, item, rep, total = load(project_factory, tmp_path, "notes")
    assert rep.imported + rep.notes_attached + rep.skipped == total
    assert (rep.imported, rep.skips["empty"]) == (2, 2)
    first, second = sorted(p.segments(item), key=lambda s: s.start)
    assert (first.start, first.end, second.start, second.end) == (0, 60, 60, 100)
    assert "Words: ve | lomi | takasu" in first.note and "Free translation: He went to the garden." in first.note
    # each word's morphemes in their place (ve | lo mi | ta kasu), not ordered by rank within their word
    assert "Morphemes: ve | lo | mi | ta | kasu" in first.note and "Ref: 001" in first.note
