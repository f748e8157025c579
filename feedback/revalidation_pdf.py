"""Journal entries as an NMC-style "Reflective accounts form" PDF (A4, one account a page).

It carries the author's name, their NMC PIN if they added it, and the themes
of the Code they chose as ticked boxes: no other person's details. Every piece
of text the author wrote is escaped before it reaches reportlab's paragraph
markup, so no input can break the document.
"""

import io
import re
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib.colors import black
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .journal_templates import nmc_account

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _markup(text: "StrOrPromise") -> str:
    """Plain text as safe paragraph markup, keeping its line breaks."""
    text = _CONTROL.sub("", str(text))
    return escape(text).replace("\r\n", "\n").replace("\n", "<br/>")


def reflective_accounts_pdf(*, author_name: str, nmc_pin: str = "", entries) -> bytes:
    """The PDF's bytes. Uncompressed and invariant, so the same entries give the same file."""
    styles = getSampleStyleSheet()
    title = _("Reflective accounts form")
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author=author_name,
        invariant=1,
        pageCompression=0,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )
    story: list[Flowable] = []
    for number, entry in enumerate(entries, start=1):
        if number > 1:
            story.append(PageBreak())
        story += [
            Paragraph(_markup(title), styles["Title"]),
            Paragraph(
                _markup(
                    _(
                        "You must use this form to record five written reflective accounts on "
                        "your CPD and/or practice-related feedback and/or an event or experience "
                        "in your practice and how this relates to the Code. Please fill in a "
                        "page for each of your reflective accounts, making sure you do not "
                        "include any information that might identify a specific patient, "
                        "service user or colleague."
                    )
                ),
                styles["BodyText"],
            ),
            Spacer(1, 4 * mm),
            _fields_table(author_name, nmc_pin, number, entry, styles),
            Spacer(1, 4 * mm),
        ]
        for item in nmc_account(entry):
            story.append(Paragraph(_markup(item["question"]), styles["Heading4"]))
            if item["themes"]:
                story.append(_themes_table(item["themes"], styles))
                continue
            if not item["parts"]:
                story.append(Paragraph(_markup(_("(Not yet written)")), styles["Italic"]))
            for part in item["parts"]:
                story.append(
                    Paragraph(
                        f"<b>{_markup(part['label'])}</b><br/>{_markup(part['text'])}",
                        styles["BodyText"],
                    )
                )
    document.build(story)
    return buffer.getvalue()


class TickBox(Flowable):
    """A box on the form: empty, or with a tick when `ticked`.

    Drawn with lines, not set as a character: the PDF's standard fonts have no
    ballot-box glyph (U+2610, U+2611), and printed every box as a filled square.
    """

    SIZE = 3.6 * mm

    def __init__(self, *, ticked: bool) -> None:
        super().__init__()
        self.ticked = ticked
        self.width = self.height = self.SIZE

    def draw(self) -> None:
        canvas, size = self.canv, self.SIZE
        canvas.saveState()
        canvas.setStrokeColor(black)
        canvas.setLineWidth(0.8)
        canvas.rect(0, 0, size, size, stroke=1, fill=0)
        if self.ticked:
            canvas.setLineWidth(1.4)
            canvas.setLineCap(1)
            canvas.setLineJoin(1)
            tick = canvas.beginPath()
            tick.moveTo(0.18 * size, 0.52 * size)
            tick.lineTo(0.42 * size, 0.22 * size)
            tick.lineTo(0.84 * size, 0.84 * size)
            canvas.drawPath(tick, stroke=1, fill=0)
        canvas.restoreState()


def _themes_table(themes: list[tuple[str, bool]], styles) -> Table:
    """Each theme of the Code beside its box, ticked where the author chose it."""
    table = Table(
        [
            [TickBox(ticked=ticked), Paragraph(_markup(label), styles["BodyText"])]
            for label, ticked in themes
        ],
        colWidths=[8 * mm, 162 * mm],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
            ]
        )
    )
    return table


def _fields_table(author_name: str, nmc_pin: str, number: int, entry, styles) -> Table:
    when = date_format(entry.occurred_on, "j F Y") if entry.occurred_on else ""
    rows = [
        (_("Reflective account"), str(number)),
        (_("Name"), author_name),
        (_("NMC Pin"), nmc_pin),
        (_("Date"), when),
        (_("Title"), entry.title),
    ]
    table = Table(
        [
            [Paragraph(_markup(k), styles["BodyText"]), Paragraph(_markup(v), styles["BodyText"])]
            for k, v in rows
        ],
        colWidths=[45 * mm, 125 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, "#425563"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table
