"""Signals the apps share without importing each other."""

from django.dispatch import Signal

# Facts the engagement report counts were written in bulk, past the models' own
# save signals (bulk_create sends none): `sender` is the model, `people` the ids
# of the users they are about, `kinds` the kinds of roll-up row (reports.models.
# ActivityRollup) they make. reports.rollup_signals brings its roll-ups in line.
facts_written = Signal()
