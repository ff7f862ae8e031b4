"""The mark of a database filled by `generate_synthetic`: only such a database may be wiped."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SyntheticDataset(models.Model):
    """One run of `generate_synthetic`. Its presence says every case here is invented."""

    seed = models.BigIntegerField(_("seed"))
    cases = models.PositiveIntegerField(_("cases"))
    users = models.PositiveIntegerField(_("users"))
    as_of = models.DateField(
        _("as of"), help_text=_("The day the data is generated for: dates are relative to it.")
    )
    created_at = models.DateTimeField(_("created at"))
    duration = models.DurationField(_("time taken"))
    # How many rows each table received, for the benchmarks' tables.
    row_counts = models.JSONField(_("rows per table"), default=dict)

    class Meta:
        verbose_name = _("synthetic dataset")
        verbose_name_plural = _("synthetic datasets")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.cases} cases, seed {self.seed}, as of {self.as_of:%Y-%m-%d}"
