"""An `in` lookup for integer columns that ignores numbers no such column can hold.

Django already answers `pk=<a number past the column's range>` with no rows
(its IntegerFieldOverflow guard), but not `pk__in=[...]`: on SQLite such a
number raises OverflowError, so a form's multiple choice (ModelMultipleChoiceField
filters with `pk__in`) sent a hostile id answered 500. No row can hold the
number, so dropping it changes no result on any database.
"""

from django.db.models import IntegerField
from django.db.models.lookups import In


class IntegerIn(In):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            try:
                low, high = connection.ops.integer_field_range(
                    self.lhs.output_field.get_internal_type()
                )
            except KeyError:  # not a column type Django knows the range of
                low = high = None
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int)
                or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)


def register() -> None:
    IntegerField.register_lookup(IntegerIn)
