"""Shapes met in real ELAN files (ELAN's own example set, a Komi corpus file of ELAN 2.8).

Both were imported in full during issue 15 (counts in the report); these fixtures are our own,
written in their layouts: a reference tier with a symbolic-association transcription, a
symbolic subdivision of that transcription into words (three levels deep), a translation tier
whose later values are empty, dependent tiers without annotations, and a time subdivision with
an unaligned inner slot plus a part-of-speech association with one empty value. Every
annotation of the file is accounted for: imported, kept as a note, or skipped with a reason.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from mgstudio.formats.segment_io import import_file

CORPUS_28 = """<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT AUTHOR="unspecified" DATE="2015-02-17T15:57:52+01:00" FORMAT="2.8" VERSION="2.8"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://www.mpi.nl/tools/elan/EAFv2.8.xsd">
  <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds"><PROPERTY NAME="lastUsedAnnotationId">12</PROPERTY></HEADER>
  <TIME_ORDER>
    <TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="0"/><TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="3000"/>
    <TIME_SLOT TIME_SLOT_ID="ts3" TIME_VALUE="3000"/><TIME_SLOT TIME_SLOT_ID="ts4" TIME_VALUE="6000"/>
  </TIME_ORDER>
  <TIER LINGUISTIC_TYPE_REF="refT" PARTICIPANT="speaker:A" TIER_ID="ref@A">
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2">
      <ANNOTATION_VALUE>utt-1</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a2" TIME_SLOT_REF1="ts3" TIME_SLOT_REF2="ts4">
      <ANNOTATION_VALUE>utt-2</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
  </TIER>
  <TIER LINGUISTIC_TYPE_REF="noteT" PARENT_REF="ref@A" PARTICIPANT="speaker:A" TIER_ID="note(ref)@A"/>
  <TIER LINGUISTIC_TYPE_REF="orthT" PARENT_REF="ref@A" PARTICIPANT="speaker:A" TIER_ID="orth@A">
    <ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a3" ANNOTATION_REF="a1"><ANNOTATION_VALUE>one two three</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION>
    <ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a4" ANNOTATION_REF="a2"><ANNOTATION_VALUE>four</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION>
  </TIER>
  <TIER LINGUISTIC_TYPE_REF="wordT" PARENT_REF="orth@A" PARTICIPANT="speaker:A" TIER_ID="word@A">
    <ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a7" ANNOTATION_REF="a3" PREVIOUS_ANNOTATION="a6"><ANNOTATION_VALUE>three</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION>
    <ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a5" ANNOTATION_REF="a3"><ANNOTATION_VALUE>one</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION>
    <ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a6" ANNOTATION_REF="a3" PREVIOUS_ANNOTATION="a5"><ANNOTATION_VALUE>two</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION>
    <ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a8" ANNOTATION_REF="a4"><ANNOTATION_VALUE>four</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION>
  </TIER>
  <TIER LINGUISTIC_TYPE_REF="ft-engT" PARENT_REF="orth@A" PARTICIPANT="speaker:A" TIER_ID="ft-eng@A">
    <ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a9" ANNOTATION_REF="a3"><ANNOTATION_VALUE>1 2 3</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION>
    <ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a10" ANNOTATION_REF="a4"><ANNOTATION_VALUE></ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION>
  </TIER>
  <TIER LINGUISTIC_TYPE_REF="posT" PARENT_REF="word@A" PARTICIPANT="speaker:A" TIER_ID="pos@A"/>
  <LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="refT" TIME_ALIGNABLE="true"/>
  <LINGUISTIC_TYPE CONSTRAINTS="Symbolic_Association" GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="noteT" TIME_ALIGNABLE="false"/>
  <LINGUISTIC_TYPE CONSTRAINTS="Symbolic_Association" GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="orthT" TIME_ALIGNABLE="false"/>
  <LINGUISTIC_TYPE CONSTRAINTS="Symbolic_Subdivision" GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="wordT" TIME_ALIGNABLE="false"/>
  <LINGUISTIC_TYPE CONSTRAINTS="Symbolic_Association" GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="ft-engT" TIME_ALIGNABLE="false"/>
  <LINGUISTIC_TYPE CONSTRAINTS="Symbolic_Association" GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="posT" TIME_ALIGNABLE="false"/>
  <CONSTRAINT DESCRIPTION="Symbolic subdivision of a parent annotation." STEREOTYPE="Symbolic_Subdivision"/>
  <CONSTRAINT DESCRIPTION="1-1 association with a parent annotation" STEREOTYPE="Symbolic_Association"/>
</ANNOTATION_DOCUMENT>
"""

EXAMPLE_23 = """<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT AUTHOR="" DATE="2006-06-13T15:09:43+01:00" FORMAT="2.3" VERSION="2.3">
  <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">
    <MEDIA_DESCRIPTOR MEDIA_URL="file:///D:/Data/elan/clip.mpg" MIME_TYPE="video/mpeg"/></HEADER>
  <TIME_ORDER>
    <TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="1000"/><TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="1400"/>
    <TIME_SLOT TIME_SLOT_ID="ts3"/><TIME_SLOT TIME_SLOT_ID="ts4" TIME_VALUE="2000"/>
  </TIME_ORDER>
  <TIER DEFAULT_LOCALE="en" LINGUISTIC_TYPE_REF="utterance" PARTICIPANT="" TIER_ID="W-Spch">
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts4">
      <ANNOTATION_VALUE>and you follow</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
  </TIER>
  <TIER DEFAULT_LOCALE="en" LINGUISTIC_TYPE_REF="words" PARENT_REF="W-Spch" PARTICIPANT="" TIER_ID="W-Words">
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a2" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2"><ANNOTATION_VALUE>and</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a3" TIME_SLOT_REF1="ts2" TIME_SLOT_REF2="ts3"><ANNOTATION_VALUE>you</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a4" TIME_SLOT_REF1="ts3" TIME_SLOT_REF2="ts4"><ANNOTATION_VALUE>follow</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
  </TIER>
  <TIER DEFAULT_LOCALE="en" LINGUISTIC_TYPE_REF="part of speech" PARENT_REF="W-Words" PARTICIPANT="" TIER_ID="W-POS">
    <ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a5" ANNOTATION_REF="a2"><ANNOTATION_VALUE></ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION>
    <ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a6" ANNOTATION_REF="a3"><ANNOTATION_VALUE>pro</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION>
    <ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a7" ANNOTATION_REF="a4"><ANNOTATION_VALUE>v</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION>
  </TIER>
  <LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="utterance" TIME_ALIGNABLE="true"/>
  <LINGUISTIC_TYPE CONSTRAINTS="Time_Subdivision" GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="words" TIME_ALIGNABLE="true"/>
  <LINGUISTIC_TYPE CONSTRAINTS="Symbolic_Association" CONTROLLED_VOCABULARY_REF="POS" GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="part of speech" TIME_ALIGNABLE="false"/>
  <CONTROLLED_VOCABULARY CV_ID="POS" DESCRIPTION="Part of Speech"><CV_ENTRY DESCRIPTION="noun">n</CV_ENTRY></CONTROLLED_VOCABULARY>
</ANNOTATION_DOCUMENT>
"""


def n_annotations(text: str) -> int:
    return sum(1 for _ in ET.fromstring(text.encode()).iter("ANNOTATION"))


def load(project_factory, tmp_path, name: str, text: str, dependent: str, frames: int = 400):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    p = project_factory(f"p-{dependent}", n_frames=frames)
    item = p.item_by_name("session1").id
    return p, item, import_file(p, f, item_id=item, dependent=dependent)


def test_every_annotation_is_accounted_for_and_an_empty_translation_is_counted_with_tier_and_time(
        project_factory, tmp_path) -> None:
    p, item, rep = load(project_factory, tmp_path, "corpus.eaf", CORPUS_28, "notes")
    assert rep.imported + rep.notes_attached + rep.skipped == n_annotations(CORPUS_28) == 10
    assert (rep.imported, rep.notes_attached, rep.skips["empty"]) == (2, 7, 1)
    assert "1 empty annotation(s) were skipped (the first: corpus.eaf, tier 'ft-eng@A' at 00:00:03.000)" \
        in rep.summary()
    first, second = sorted(p.segments(item), key=lambda s: s.start)
    # the words come in their PREVIOUS_ANNOTATION order, not the file's order
    assert first.note == "orth@A: one two three; word@A: one | two | three; ft-eng@A: 1 2 3"
    assert second.note == "orth@A: four; word@A: four"
    assert {p.tier(first.tier_id).annotator} == {"speaker:A"}


def test_symbolic_subdivisions_three_levels_deep_split_their_parents_time_as_elan_does(
        project_factory, tmp_path) -> None:
    p, item, rep = load(project_factory, tmp_path, "corpus.eaf", CORPUS_28, "tiers")
    assert rep.imported + rep.skipped == 10 and rep.skips["empty"] == 1
    words = sorted((s.start, s.end, s.label) for s in p.segments(item) if p.tier(s.tier_id).name == "word@A")
    assert words == [(0, 25, "one"), (25, 50, "two"), (50, 75, "three"), (75, 150, "four")]  # 25 fps


def test_a_time_subdivision_with_an_unaligned_slot_and_an_empty_part_of_speech(project_factory, tmp_path) -> None:
    p, item, rep = load(project_factory, tmp_path, "example.eaf", EXAMPLE_23, "tiers")
    assert rep.imported + rep.skipped == n_annotations(EXAMPLE_23) == 7
    assert rep.skips["empty"] == 1 and "tier 'W-POS' at 00:00:01.000" in rep.summary()
    words = sorted((s.start, s.end, s.label) for s in p.segments(item) if p.tier(s.tier_id).name == "W-Words")
    assert words == [(25, 35, "and"), (35, 43, "you"), (43, 50, "follow")]  # ts3 = 1700 ms, half-way
    p2, item2, rep2 = load(project_factory, tmp_path, "example.eaf", EXAMPLE_23, "notes")
    assert (rep2.imported, rep2.notes_attached, rep2.skips["empty"]) == (1, 5, 1)
    assert p2.segments(item2)[0].note == "W-Words: and | you | follow; W-POS: pro | v"
