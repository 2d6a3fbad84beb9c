"""The cockpit's summaries: what the registered indicators counted, per indicator, unit and day."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IndicatorTally(models.Model):
    """What the statements of one day added to one indicator of one unit (the unit's whole subtree: a visit in a
    grid adds to the grid, its department, county, city and province). Written only by the statement batch
    handler (and `cockpit_rebuild`); the cockpit sums a handful of these rows."""

    indicator = models.CharField(_("indicator"), max_length=64)
    unit = models.ForeignKey(
        "people.OrgUnit", verbose_name=_("organisation unit"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    numerator = models.BigIntegerField(_("numerator"), default=0)
    denominator = models.BigIntegerField(_("denominator"), default=0)

    class Meta:
        verbose_name = _("indicator tally")
        verbose_name_plural = _("indicator tallies")
        constraints = [
            models.UniqueConstraint(fields=["unit", "indicator", "day"], name="cockpit_tally_unit_indicator_day")
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.unit_id} {self.day}: {self.numerator}/{self.denominator}"


class PendingTally(models.Model):
    """What a statement batch added to the summaries while another batch was writing them: kept here, in the
    batch's own transaction, and folded into `IndicatorTally` by the next batch that gets to write them
    (`services.statements_tally`). Every batch of visits moves the same rows (the city's and its ancestors' for
    today); this way no batch waits on another's row locks. The cockpit reads both tables, so its figures are
    the same whether a batch's deltas are folded yet or not."""

    indicator = models.CharField(_("indicator"), max_length=64)
    unit = models.ForeignKey(
        "people.OrgUnit", verbose_name=_("organisation unit"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    numerator = models.BigIntegerField(_("numerator"), default=0)
    denominator = models.BigIntegerField(_("denominator"), default=0)

    class Meta:
        verbose_name = _("pending indicator tally")
        verbose_name_plural = _("pending indicator tallies")

    def __str__(self) -> str:
        return f"{self.indicator} {self.unit_id} {self.day}: +{self.numerator}/+{self.denominator}"
