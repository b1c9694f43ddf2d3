"""The body's blocks read as a story: what its front gives (title, byline,
summary, dateline line), what is set apart before and after it, and its
sections."""

from __future__ import annotations

import datetime as dt
import re

from briefs.ingest.bylines import (
    byline_names,
    names_issuer,
    names_office_holder,
    names_role,
)
from briefs.ingest.parsing.blocks import _Block, _is_prose
from briefs.ingest.parsing.datelines import (
    _is_dateline,
    _is_dateline_line,
    _markdown_rest,
    _split_dateline,
)
from briefs.ingest.parsing.headings import (
    _decide_headings,
    _heading_text,
    _heading_text_ok,
    _is_body_text,
    _is_story_content,
)
from briefs.ingest.parsing.inline import _plain
from briefs.ingest.parsing.kinds import CODE, HEADING, LIST, PARAGRAPH, QUOTE, TABLE
from briefs.ingest.parsing.line_kinds import (
    _BOILERPLATE_START,
    _CHROME_LINE,
    _DELIVERY_NOTE,
    _FIELD_LINE,
    _SITE_SECTION,
    _SPEAKER_LABEL,
    _TRANSCRIPT_LABEL,
    _byline_name,
    _date_of_line,
    _is_byline,
    _is_caption,
    _is_date_line,
    _is_metadata_line,
    _is_sign_off,
    _is_summary_label,
    _is_transcript_marker,
    _is_wire_header,
    _summary_text,
    _transcript_event,
)
from briefs.ingest.parsing.parsed import ParsedSection
from briefs.ingest.parsing.titles import _title_shape

MAX_FRONT_BLOCKS = 40  # a story starts within this many blocks, or at the top
_STRAIGHT_QUOTES = str.maketrans("‘’“”\xa0", "''\"\" ")


class _Story:
    """The body's blocks read as a story: its front (title, byline, deck,
    dateline line, chrome set apart), its headings, its end."""

    def __init__(
        self,
        blocks: list[_Block],
        *,
        title: str,
        byline: str,
        summary: str,
        markdown: bool,
    ) -> None:
        self.blocks = blocks
        self.title, self.byline, self.summary = title, byline, summary
        self.markdown = markdown
        self.set_apart: list[str] = []
        self.first_prose: tuple[int, int] | None = None
        self.lead: _Block | None = None
        self.dateline_line = ""
        # The day a release's date line before the story gives, if any.
        self.published: dt.date | None = None
        self.lead_with_dateline = ""  # the first paragraph before its dateline went

    def _apart(self, block: _Block) -> None:
        self.set_apart.append(block.text if self.markdown else block.stored(False))

    def read_front(self) -> None:
        """Walk the blocks before the story's first paragraph, taking what
        they give and setting apart what is not the story."""
        blocks = self.blocks
        given_title = self.title
        title, byline, summary, dateline = self.title, self.byline, self.summary, ""
        candidates: list[int] = []
        apart: list[int] = []
        start = None
        wants_summary = False
        seen_byline = False
        for index, block in enumerate(blocks[:MAX_FRONT_BLOCKS]):
            after = blocks[index + 1] if index + 1 < len(blocks) else None
            if (
                seen_byline
                and block.kind == PARAGRAPH
                and block.single_line
                and _title_shape(block.plain)
                and not _is_prose(block)
            ):
                apart.append(index)  # a headline comes before its byline
                continue
            if wants_summary and block.kind == PARAGRAPH:
                wants_summary = False
                if not summary:
                    summary = block.plain
                    continue
            if not title and block.kind == HEADING and block.level == 1:
                title = _heading_text(block, self.markdown)
                self.title = title
                continue
            kind = self._front_kind(block, after)
            if kind == "story":
                start = index
                break
            if kind == "candidate":
                candidates.append(index)
            elif kind == "dateline":
                dateline = _split_dateline(f"{block.plain} x").dateline.strip()
                apart.append(index)
            elif kind == "byline":
                seen_byline = True
                if byline:
                    apart.append(index)
                else:
                    byline = _byline_name(block.plain) or _credit(block, after)
            elif kind == "summary" and not summary:
                summary = _summary_text(block.plain)
                wants_summary = not summary
                if wants_summary:
                    apart.append(index)
            elif kind == "deck" and not summary:
                summary = block.plain
            else:
                apart.append(index)
        if start is None:
            # No story paragraph: nothing is set apart, and a heading-like
            # first line is the title, as it always was.
            self.title = given_title
            first = blocks[0]
            headline = candidates[:1] == [0] or (
                first.kind == HEADING and first.level == 1
            )
            if not self.title and headline and len(blocks) > 1:
                self.title = _heading_text(first, self.markdown)
                self.blocks = blocks[1:]
            return
        if not title and candidates:
            title = self._transcript_title(candidates)
            if title:  # the header lines that gave it are not story text
                apart.extend(candidates)
                candidates = []
        if not title and candidates:
            chosen = self._choose_title(candidates)
            title = _heading_text(blocks[chosen], self.markdown)
            candidates.remove(chosen)
        for index in candidates:
            block = blocks[index]
            if index == start - 1 and _heading_text_ok(block, marked=bool(block.level)):
                start = index  # the story opens with this heading
            else:
                apart.append(index)
        self.title, self.byline, self.summary = title, byline, summary
        self.dateline_line = dateline
        for index in sorted(apart):
            if index < start:
                self._apart(blocks[index])
                if self.published is None and _is_date_line(blocks[index].plain):
                    self.published = _date_of_line(blocks[index].plain)
        self.blocks = blocks[start:]

    def _front_kind(self, block: _Block, after: _Block | None) -> str:
        plain = block.plain
        if block.kind == LIST:
            return "apart" if _is_link_list(block) else "story"
        if block.kind == TABLE:
            return "apart"
        if block.kind in (QUOTE, CODE):
            return "story"
        if block.html:
            # Raw HTML is never a headline: an embed before the story is
            # set apart, a paragraph of prose in tags starts it.
            return "story" if _is_prose(block) else "apart"
        if self.title and _same_text(plain, self.title):
            return "apart"
        if self.markdown and _is_figure(block):
            return "apart"
        if block.kind == PARAGRAPH and _is_dateline_line(plain) and after is not None:
            return "dateline"
        if len(block.lines) > 1 and all(
            _FIELD_LINE.match(_plain(line) if self.markdown else line)
            for line in block.lines
        ):
            return "apart"
        if _is_byline(plain):
            return "byline"
        if block.single_line and _named_writer(plain, after):
            return "byline"
        if block.single_line and (names_issuer(plain) or names_office_holder(plain)):
            # Who issued the text ("The White House" under a fact sheet's
            # headline, "Minister for Agriculture" over a release's):
            # attribution, never a headline or a heading.
            return "apart"
        if block.kind == PARAGRAPH and _is_summary_label(plain):
            return "summary"
        if (
            _is_caption(plain)
            or _is_date_line(plain)
            or _is_wire_header(plain)
            or _is_sign_off(plain)
            or _is_transcript_marker(plain)
            or _DELIVERY_NOTE.fullmatch(plain)
            or (block.single_line and _CHROME_LINE.match(plain))
            or _SITE_SECTION.fullmatch(plain)
        ):
            return "apart"
        if block.emphasis == "italic" and len(plain.split()) >= 3:
            return "deck"
        if not self.title and _is_long_headline(block, after):
            return "candidate"
        prose = _is_prose(block)
        if not prose and (
            block.link_share >= 0.6 or (self.title and _contains(plain, self.title))
        ):
            return "apart"
        if block.kind == HEADING:
            if (
                after is not None
                and _is_story_content(after)
                and _heading_text_ok(block, marked=True)
            ):
                return "candidate" if not self.title else "story"
            return (
                "candidate"
                if not self.title and _heading_text_ok(block, marked=True)
                else "apart"
            )
        if prose:
            return "story"
        if block.single_line and _title_shape(plain):
            if self.title:
                if (
                    after is not None
                    and _is_body_text(after)
                    and _heading_text_ok(block, marked=False)
                ):
                    return "story"
                return "apart" if after is None or _is_front_chrome(after) else "story"
            return "candidate"
        if block.single_line and _is_metadata_line(plain):
            return "apart"
        return "story"

    def _transcript_title(self, candidates: list[int]) -> str:
        """A transcript's title when its header lines are all the headline
        it has ("TRANSCRIPT", "DOORSTOP INTERVIEW", "TOWNSVILLE,
        QUEENSLAND"): what it records, then the place line under it, if
        any ("Doorstop interview, Townsville, Queensland"); "" when another
        line could be the headline."""
        texts = [self.blocks[index].plain for index in candidates]
        events = [_transcript_event(text) for text in texts]
        if not any(events):
            return ""
        at = next(position for position, event in enumerate(events) if event)
        place = ""
        for position, text in enumerate(texts):
            if position == at or _TRANSCRIPT_LABEL.fullmatch(text):
                continue
            if place or position != at + 1 or not _is_place_name(text):
                return ""  # a line that may be the headline
            place = text.title() if text.isupper() else text
        return f"{events[at]}, {place}" if place else events[at]

    def _choose_title(self, candidates: list[int]) -> int:
        """A level-1 heading; else a marked heading; else the first line,
        unless a later one is half as long again (a headline under a
        section label such as "World News")."""
        blocks = self.blocks
        for wanted in (
            lambda b: b.level == 1,
            lambda b: b.level or b.emphasis == "bold",
        ):
            for index in candidates:
                if wanted(blocks[index]):
                    return index
        longest = max(candidates, key=lambda index: (len(blocks[index].plain), -index))
        first = candidates[0]
        if len(blocks[longest].plain) >= 1.5 * len(blocks[first].plain):
            return longest
        return first

    def read_end(self) -> None:
        """Set apart what closes a release after its story: sign-offs ("###",
        "-30-", "ENDS"), boilerplate (disclaimers, copyright notices),
        contact lines, a lone place name, a page's closing links ("Related
        Topics" and the short lines under it), and a page's lines anywhere
        ("Media playback is unsupported on your device")."""
        blocks = self.blocks
        end = len(blocks)
        while end > 1:
            block, before = blocks[end - 1], blocks[end - 2]
            text = block.plain
            closing = block.kind == PARAGRAPH and (
                _is_sign_off(text)
                or _BOILERPLATE_START.match(text)
                or (block.single_line and _is_metadata_line(text))
                or _is_contact_block(block)
                or _follows_contact_label(blocks, end)
                or (
                    _is_place_line(block)
                    and (_is_prose(before) or _is_metadata_line(before.plain))
                )
            )
            if not closing:
                end = _closing_chrome(blocks, end)
                break
            end -= 1
        story = []
        for block in blocks[:end]:
            if (
                block.kind == PARAGRAPH
                and block.single_line
                and _CHROME_LINE.match(block.plain)
            ):
                self._apart(block)
            else:
                story.append(block)
        for block in blocks[end:]:
            self._apart(block)
        self.blocks = story or blocks[:end]

    def sections(self) -> list[ParsedSection]:
        blocks = self.blocks
        headings = _decide_headings(blocks, markdown=self.markdown)
        sections: list[ParsedSection] = []
        heading, paragraphs = "", []
        for index, block in enumerate(blocks):
            if index in headings:
                if paragraphs or heading or sections:
                    sections.append(ParsedSection(heading, tuple(paragraphs)))
                heading, paragraphs = _heading_text(block, self.markdown), []
                continue
            stored = block.stored(self.markdown)
            if not stored.strip():
                continue
            if (
                self.first_prose is None
                and block.kind == PARAGRAPH
                and _is_prose(block)
            ):
                self.first_prose = (len(sections), len(paragraphs))
            if self.lead is None:
                self.lead = block
            paragraphs.append(stored)
        sections.append(ParsedSection(heading, tuple(paragraphs)))
        return sections

    def lead_text(self, sections: list[ParsedSection]) -> str:
        """The plain text of the story's first paragraph of prose (after its
        dateline), else of its first block, else its first heading."""
        if self.first_prose is not None:
            section, paragraph = self.first_prose
            text = sections[section].paragraphs[paragraph]
            return _plain(text) if self.markdown else text
        if self.lead is not None:
            if self.lead.kind == LIST and self.lead.plain_items:
                return self.lead.plain_items[0]
            return self.lead.plain if self.markdown else self.lead.text
        return sections[0].heading

    def split_dateline(self, sections: list[ParsedSection]) -> str:
        """The dateline at the start of the story's first paragraph, taken
        off it; "" when there is none."""
        if self.first_prose is None or self.dateline_line:
            return ""
        section_index, paragraph_index = self.first_prose
        if section_index or paragraph_index:
            return ""
        section = sections[0]
        paragraph = section.paragraphs[0]
        plain = _plain(paragraph) if self.markdown else paragraph
        found = _split_dateline(plain)
        if not found or not _is_dateline(found, plain, self._speaker_labels()):
            return ""
        if self.markdown:
            rest = _markdown_rest(paragraph, plain, len(plain) - len(found.rest))
            if rest is None:
                return ""
        else:
            rest = found.rest.strip()
        self.lead_with_dateline = paragraph
        sections[0] = ParsedSection(section.heading, (rest, *section.paragraphs[1:]))
        return found.dateline.strip()

    def _speaker_labels(self) -> bool:
        """Whether paragraphs open with a speaker's label ("JOURNALIST: …"),
        as in a transcript, where "NAME:" is a speaker, not a dateline."""
        labelled = 0
        for block in self.blocks[1:]:
            if block.kind == PARAGRAPH and _SPEAKER_LABEL.match(block.plain):
                labelled += 1
                if labelled > 1:
                    return True
        return False

    def restore_dateline(self, sections: list[ParsedSection]) -> None:
        """Put back a dateline that the fields' dateline overrides."""
        if not self.lead_with_dateline:
            return
        section = sections[0]
        sections[0] = ParsedSection(
            section.heading, (self.lead_with_dateline, *section.paragraphs[1:])
        )


def _comparable(text: str) -> str:
    return " ".join(text.translate(_STRAIGHT_QUOTES).split()).casefold().rstrip(".")


def _same_text(text: str, other: str) -> bool:
    return _comparable(text) == _comparable(other)


def _contains(text: str, part: str) -> bool:
    part = _comparable(part)
    return len(part) >= 8 and part in _comparable(text)


def _is_front_chrome(block: _Block) -> bool:
    """What a page puts around a story's head: dates, captions, bylines,
    wire header lines, metadata, links, and label lines."""
    text = block.plain
    if block.kind == TABLE or (block.kind == PARAGRAPH and block.link_share >= 0.6):
        return True
    if block.kind != PARAGRAPH:
        return False
    return (
        _is_date_line(text)
        or _is_caption(text)
        or _is_byline(text)
        or _is_wire_header(text)
        or _is_metadata_line(text)
        or (block.single_line and _title_shape(text))
    )


def _is_link_list(block: _Block) -> bool:
    """A list of links: navigation, downloads, versions."""
    if block.link_share >= 0.6:
        return True
    return all(
        "](" in item and len(plain.split()) <= 6
        for item, plain in zip(block.items, block.plain_items, strict=True)
    )


def _closing_chrome(blocks: list[_Block], end: int) -> int:
    """Where a page's closing chrome starts: a line or heading such as
    "Related Topics" or "More on this story" followed only by short lines
    and lists of links, among the last blocks, and any such run before it
    ("Related Topics" over "More on this story"); ``end`` when there is none."""
    found = start = end
    while start > 1 and found - start < 12:
        block = blocks[start - 1]
        start -= 1
        if block.kind == LIST and _is_link_list(block):
            continue
        if block.kind not in (PARAGRAPH, HEADING) or not block.single_line:
            break
        if _CHROME_LINE.match(block.plain):
            found = start
        elif block.kind == HEADING or _is_prose(block) or block.plain.count(" ") > 5:
            break
    return found


def _is_place_name(text: str) -> bool:
    """A line that is only a place: up to five capitalised words, commas
    between them ("TOWNSVILLE, QUEENSLAND", "Canberra")."""
    words = text.replace(",", " ").split()
    return 0 < len(words) <= 5 and all(
        word[:1].isupper() and word.replace("-", "").isalpha() for word in words
    )


def _is_place_line(block: _Block) -> bool:
    """A line that is only a name in capitals, as a place signing off a release."""
    words = block.plain.split()
    return (
        block.kind == PARAGRAPH
        and block.single_line
        and 0 < len(words) <= 4
        and all(word[:1].isupper() and word.isalpha() for word in words)
    )


def _is_long_headline(block: _Block, after: _Block | None) -> bool:
    """A headline line long enough to pass for a sentence (fifteen words or
    more, no closing stop), told apart by what follows it: an issuer line
    ("The White House") or a date line, as over a government statement."""
    if after is None or not after.lines or block.kind != PARAGRAPH:
        return False
    if not (block.single_line and _title_shape(block.plain)):
        return False
    first = after.lines[0].strip()
    return bool(names_issuer(first) or _is_date_line(first))


def _named_writer(text: str, after: _Block | None) -> str:
    """The writer a byline without "By" names: "Rachel Kimura / Staff
    Writer", or a name alone on its line with a staff title on the next
    ("Rachel Kimura" over "Staff Writer"); "" when ``text`` is not one."""
    name, slash, role = text.partition(" / ")
    if not slash:
        if after is None or not after.lines:
            return ""
        role = after.lines[0]
    name = name.strip()
    if not names_role(role.strip()) or len(name.split()) > 4:
        return ""
    return name if byline_names(name) == [name] else ""


def _credit(block: _Block, after: _Block | None) -> str:
    """A byline without "By", as written: the whole "Name / Staff Writer"
    line, or the name over a staff title (which is set apart)."""
    name = _named_writer(block.plain, after)
    return block.plain if name and " / " in block.plain else name


# A Markdown image alone on its line: "![alt](address)".
_IMAGE_LINE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")


def _is_figure(block: _Block) -> bool:
    """A Markdown paragraph that is a figure: an image line, and under it
    nothing, a caption, or one line in emphasis ("*An empty platform at
    Newark Penn Station. (Photo: …)*")."""
    if block.kind != PARAGRAPH or not _IMAGE_LINE.fullmatch(block.lines[0].strip()):
        return False
    rest = [line.strip() for line in block.lines[1:]]
    if not rest:
        return True
    caption = " ".join(rest)
    emphasised = len(rest) == 1 and caption[:1] in "*_" and caption[-1:] == caption[0]
    return emphasised or _is_caption(_plain(caption))


# The label over a release's contact lines: "Media contacts:", "Enquiries:".
_CONTACT_LABEL = re.compile(
    r"(?:media |press )?(?:contacts?|enquiries|inquiries)\s?:", re.IGNORECASE
)
MAX_CONTACT_LINES = 8


def _follows_contact_label(blocks: list[_Block], end: int) -> bool:
    """Whether the last of ``blocks[:end]`` is a contact line under a
    contact label on a line of its own: up to MAX_CONTACT_LINES short lines
    after it, none prose."""
    for index in range(end - 1, max(-1, end - 2 - MAX_CONTACT_LINES), -1):
        block = blocks[index]
        if block.kind != PARAGRAPH or not block.single_line or len(block.plain) > 200:
            return False
        if _CONTACT_LABEL.fullmatch(block.plain.strip()):
            return True
        if _is_prose(block):
            return False
    return False


def _is_contact_block(block: _Block) -> bool:
    """A release's contacts at its end: a contact label, then up to
    MAX_CONTACT_LINES short lines (offices, numbers, addresses) under it."""
    return (
        block.kind == PARAGRAPH
        and 1 < len(block.lines) <= MAX_CONTACT_LINES
        and _CONTACT_LABEL.match(block.lines[0].strip()) is not None
        and all(len(line) <= 200 for line in block.lines)
    )
