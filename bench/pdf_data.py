"""Long synthetic case histories for bench/pdf.py, by copying a demo case's history many times.

A case file's length comes from its history: visits, assessments, mappings, scores, plans and
their versions, safety plans, interventions, reviews, referrals, the access trail. Rather than
know how each phase app writes each record, `case_copy` takes one demo case (written by the
apps' own demo loaders, so every record is valid and every section has something to print) and
writes a new case whose history is that case's history `copies` times over:

- The case, its family and the family's people are written once (a new reference, the same
  invented names); the case's children and concerns, its grants and its intake come once.
- Every other row that hangs off the case (found by following foreign keys from the case, in
  every installed app, so records of apps added later come too) is written once per copy, its
  foreign keys pointed at the same copy's rows, its dates moved a week back per copy.
- A row a uniqueness rule allows once per case (a scheduled review, a draft safety plan, the
  closure) comes once; numbers unique per case (plan versions) are renumbered per copy.

Everything is synthetic: the demo's invented families, in the demo's synthetic organisation.
Bench cases are kept, and found again by the next run (`bench_case`): signed visits and the
audit trail cannot be deleted, by design (casework migration 0003), and a bench is no reason to
get round that. Their reference says how many copies of which history they hold.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.apps import apps
from django.db import models, transaction
from django.db.models import Q

from casework.models import Case, Family, Person

REFERENCE_PREFIX = "BENCH-PDF-"  # + copies + "-" + fingerprint: at most 20 characters
SHIFT = datetime.timedelta(days=7)

Model = type[models.Model]
M = TypeVar("M", bound=models.Model)

# Written once per case whatever else the uniqueness rules say (a case closes once; it came in
# through one intake); never copied at all: what a bench case does not need and must not send.
ONCE = {"reviews.Closure", "referrals.Intake"}
NEVER = {
    "reports.CaseExport",
    "reviews.ReturnFlag",
    "reviews.Reminder",
    "reviews.Delivery",
    "reviews.Notification",
}


def _foreign_keys(model: Model) -> list[models.ForeignKey[Any, Any]]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey)  # OneToOneField included
    ]


def history_models() -> list[Model]:
    """Every model whose rows hang off a case, parents before children."""
    found: list[Model] = []
    reached: set[Model] = {Case}
    everything = apps.get_models(include_auto_created=True)
    changed = True
    while changed:
        changed = False
        for model in everything:
            if model in reached or model._meta.label in NEVER:
                continue
            if any(f.related_model in reached for f in _foreign_keys(model)):
                reached.add(model)
                found.append(model)
                changed = True
    # Parents first: a model comes after every history model it points at.
    ordered: list[Model] = []
    placed: set[Model] = {Case}
    pending = list(found)
    while pending:
        progress = False
        for model in list(pending):
            targets = {f.related_model for f in _foreign_keys(model)} & (set(found) | {Case})
            if targets <= placed | {model}:
                ordered.append(model)
                placed.add(model)
                pending.remove(model)
                progress = True
        if not progress:
            raise RuntimeError(f"foreign keys go round in circles: {pending}")
    return ordered


def history_rows(case_id: int, models_: Iterable[Model]) -> dict[Model, list[int]]:
    """The primary keys of every row hanging off one case, per model."""
    rows: dict[Model, list[int]] = {Case: [case_id]}
    for model in models_:
        condition = Q()
        for f in _foreign_keys(model):
            # Only the case and its history lead further: not the family's people, whose other
            # cases' records are not this case's history.
            target: Any = f.related_model
            ids = rows.get(target)
            if ids:
                condition |= Q(**{f"{f.attname}__in": ids})
        if condition:
            found = list(
                model._base_manager.filter(condition).order_by("pk").values_list("pk", flat=True)
            )
            if found:
                rows[model] = found
    return rows


def _unique_sets(model: Model) -> list[tuple[list[str], Q | None]]:
    sets: list[tuple[list[str], Q | None]] = [
        ([f.name], None) for f in model._meta.concrete_fields if f.unique and not f.primary_key
    ]
    sets += [(list(names), None) for names in model._meta.unique_together]
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            sets.append((list(constraint.fields), constraint.condition))
    return sets


def _plan(model: Model, ids: list[int], history: set[Model]) -> tuple[set[int], list[str]]:
    """Which rows may be written once only, and which integer fields to renumber per copy."""
    if model._meta.label in ONCE:
        return set(ids), []
    once: set[int] = set()
    renumber: list[str] = []
    for names, condition in _unique_sets(model):
        fields = [model._meta.get_field(name) for name in names]
        per_copy = any(
            isinstance(f, models.ForeignKey) and f.related_model in history for f in fields
        )
        numbers = [
            f.name
            for f in fields
            if isinstance(f, models.IntegerField) and not isinstance(f, models.ForeignKey)
        ]
        dated = any(isinstance(f, models.DateField) for f in fields)  # DateTimeField too
        if condition is not None:
            matching = model._base_manager.filter(condition, pk__in=ids)
            once |= set(matching.values_list("pk", flat=True))
        elif per_copy or dated:
            continue
        elif numbers:
            renumber += numbers
        else:
            once |= set(ids)
    return once, renumber


def _insert(model: Model, rows: Sequence[models.Model]) -> list[Any]:
    if not rows:
        return []
    created = model._base_manager.bulk_create(rows, batch_size=500)
    return [row.pk for row in created]


def _blank(model: type[M], source: M) -> M:
    row = model(**{f.attname: getattr(source, f.attname) for f in model._meta.concrete_fields})
    pk = model._meta.pk
    row.pk = pk.get_default() if pk is not None and pk.has_default() else None
    return row


@transaction.atomic
def case_copy(source: Case, *, copies: int, reference: str) -> Case:
    """A new case whose history is `source`'s, `copies` times over."""
    order = history_models()
    history = set(order)
    rows = history_rows(source.pk, order)

    # The family, its people and the case itself: once.
    family = _blank(Family, Family.objects.get(pk=source.family_id))
    family.family_name = f"{source.family.family_name} (bench, {copies} copies)"
    _insert(Family, [family])
    people = list(Person.objects.filter(family_id=source.family_id).order_by("pk"))
    new_people = []
    for person in people:
        new_person = _blank(Person, person)
        new_person.family_id = family.pk
        new_people.append(new_person)
    once_map: dict[Model, dict[Any, Any]] = {
        Family: {source.family_id: family.pk},
        Person: dict(zip([p.pk for p in people], _insert(Person, new_people), strict=True)),
    }
    case = _blank(Case, source)
    case.reference = reference
    case.family_id = family.pk
    case.opened_on = source.opened_on - SHIFT * (copies - 1)
    _insert(Case, [case])
    once_map[Case] = {source.pk: case.pk}

    plans = {model: _plan(model, rows.get(model, []), history) for model in order}
    source_ids = {model: set(ids) for model, ids in rows.items()}
    tops = {
        model: {
            name: max(
                model._base_manager.filter(pk__in=rows.get(model, [])).values_list(name, flat=True),
                default=0,
            )
            or 0
            for name in plans[model][1]
        }
        for model in order
    }
    for index in range(copies):
        mapping: dict[Model, dict[Any, Any]] = defaultdict(dict)  # this copy's new keys
        for model in order:
            ids = rows.get(model)
            if not ids:
                continue
            once, renumber = plans[model]
            sources = list(model._base_manager.filter(pk__in=ids).order_by("pk"))
            written: list[tuple[Any, models.Model]] = []
            for row in sources:
                if index and row.pk in once:
                    continue
                copy = _blank(model, row)
                keep = True
                for key in _foreign_keys(model):
                    value = getattr(row, key.attname)
                    target: Any = key.related_model
                    if value is None:
                        continue
                    if value in once_map.get(target, {}):
                        setattr(copy, key.attname, once_map[target][value])
                    elif value in source_ids.get(target, ()):
                        new = mapping[target].get(value)
                        if new is None:  # its parent is written once, in the first copy
                            keep = False
                            break
                        setattr(copy, key.attname, new)
                if not keep:
                    continue
                for field in model._meta.concrete_fields:
                    value = getattr(copy, field.attname)
                    if isinstance(field, models.DateField) and value is not None:
                        setattr(copy, field.attname, value - SHIFT * index)
                for name in renumber:
                    value = getattr(copy, name)
                    if value is not None:
                        setattr(copy, name, value + tops[model][name] * (copies - 1 - index))
                written.append((row.pk, copy))
            new_pks = _insert(model, [copy for _pk, copy in written])
            for (old, _copy), new in zip(written, new_pks, strict=True):
                mapping[model][old] = new
    return case


def history_fingerprint(source: Case) -> str:
    """Six hex digits that change when the source's history does (new records, new apps)."""
    rows = history_rows(source.pk, history_models())
    counts = sorted((model._meta.label, len(ids)) for model, ids in rows.items())
    return hashlib.sha256(repr((source.pk, counts)).encode()).hexdigest()[:6]


def bench_case(source: Case, *, copies: int, fingerprint: str) -> Case:
    """The bench case holding `source`'s history `copies` times: found, or written now."""
    reference = f"{REFERENCE_PREFIX}{copies}-{fingerprint}"
    existing = Case.objects.filter(reference=reference).first()
    if existing is not None:
        return existing
    return case_copy(source, copies=copies, reference=reference)
