"""Form fields for numbers people type: amounts and percentages, read in the page's language.

Every money or percentage box of every form is an `AmountField` or a `PercentField` (a test
walks the form classes to keep it so). The field reads the text with `money.read_number` in
the page's language, so a service never sees a typed number: `.data` is what was understood,
written as program text ("1500.50", "" when empty) that `money.to_minor` and `percent_to_bp`
read with `locale=None`. Text it cannot read stays as typed, a `money.Unread` that carries
the refusal, which the service reading it raises among its other refusals (so a form
shows all its mistakes at once). The box keeps showing what was typed; a value put in for
editing is written in the page's language. Text that reads two ways is refused with both
readings in `.readings`, offered as a choice posted back as `<name>-meant`. Text not
written as the page writes numbers is shown back as understood and must be sent again
(the understood value posted back as `<name>-seen`) before a form acts on it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.numbers import format_decimal
from flask_babel import gettext as _
from wtforms import StringField
from wtforms.utils import unset_value
from wtforms.validators import StopValidation

from grants import money
from grants.errors import ServiceError

DECIMAL = {"inputmode": "decimal", "autocomplete": "off"}


page_locale = money.reader_locale  # the language of the page being answered


class AmountField(StringField):
    """An amount typed in the page's language; `.data` is the number understood."""

    kind = money.AMOUNT
    shown = "#,##0.00####"

    def __init__(self, *args, render_kw=None, confirm: bool = True, **kwargs):
        super().__init__(*args, render_kw=render_kw or dict(DECIMAL), **kwargs)
        self.confirm = confirm  # False where no page comes back to confirm on (a JSON call)
        self.readings: tuple[tuple[str, str], ...] = ()
        self.meant: str | None = None
        self.seen: str | None = None
        self.to_confirm = False

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.meant = formdata.get(f"{self.name}-meant") if formdata else None
        self.seen = formdata.get(f"{self.name}-seen") if formdata else None
        self.readings, self.to_confirm = (), False
        super().process(formdata, data, extra_filters)

    def process_formdata(self, valuelist):
        typed = valuelist[0] if valuelist else ""
        self.data = typed
        if not typed.strip():
            self.data = ""
            return
        try:
            value = money.read_number(typed, page_locale(), kind=self.kind)
        except money.AmbiguousNumber as exc:
            value = self._chosen(exc)
            if value is None:
                self.data = money.Unread(typed, exc)
                return
        except ServiceError as exc:
            self.data = money.Unread(typed, exc)
            return
        self.data = money.plain_number(value)
        self.to_confirm = self.confirm and not (self.meant or self.seen == self.data
                               or money.written_as_the_page_writes(typed, value, page_locale(),
                                                                   self.kind))

    def pre_validate(self, form):
        """Text not written as the page writes numbers ("1,500.50" on a Spanish page) is
        shown back as understood, to send again, before anything is decided on it."""
        if self.to_confirm:
            raise StopValidation(_("Read as %(amount)s. Send again to confirm, or correct it.",
                                   amount=self.understood()))

    def _chosen(self, exc: money.AmbiguousNumber) -> Decimal | None:
        """The reading the person picked among those of this very text, if any."""
        values = [money.plain_number(r) for r in exc.readings]
        self.readings = tuple(zip(values, exc.shown, strict=True))
        picked = [r for r in exc.readings if money.plain_number(r) == self.meant]
        if picked:
            self.readings = ()
        return picked[0] if picked else None

    def number(self) -> Decimal | None:
        """The number understood, None when empty or not read."""
        if isinstance(self.data, money.Unread) or self.data in (None, ""):
            return None
        try:
            return Decimal(str(self.data))
        except InvalidOperation:
            return None

    def understood(self) -> str:
        """The number as understood, written in the page's language ("1.500,00")."""
        value = self.number()
        return "" if value is None else format_decimal(value, format=self.shown,
                                                        locale=page_locale())

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        value = self.number()
        if value is None:
            return "" if self.data is None else str(self.data)
        return money.plain_number(value, page_locale())


class PercentField(AmountField):
    """A percentage typed in the page's language ("12,5 %"); `.data` as "12.5"."""

    kind = money.PERCENT
    shown = "#,##0.##"
