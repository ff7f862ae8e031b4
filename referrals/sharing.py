"""The catalogue of information that may leave the organisation with a referral.

Need to know: a worker picks, field by field, what a service receives, starting from a default
set for the kind of help (a school gets less than a foster carer). A consent lists the same
codes. When a referral is sent, `snapshot` computes the chosen fields for the chosen children
and that snapshot is all a partner ever reads (`render` turns it into labelled text in the
reader's language), so a field that was not chosen cannot appear anywhere on the partner side.

Each field is either about each child (names, age...) or about the referral as a whole
(village, caregivers...). Values are stored language-neutral (codes, both scripts of a name)
and rendered at reading time.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from casework.models import Case, Person

JSON = Any

# The people of the family whose names the "caregivers" field shares.
CAREGIVER_RELATIONSHIPS = (
    Person.Relationship.MOTHER,
    Person.Relationship.FATHER,
    Person.Relationship.GRANDPARENT,
    Person.Relationship.RELATIVE,
)


@dataclass(frozen=True)
class ShareContext:
    """What a snapshot is computed from: the case, the children referred, the referral's texts."""

    case: Case
    children: Sequence[Person]
    need: str
    background: str
    on: datetime.date


@dataclass(frozen=True)
class ShareableField:
    code: str
    label: Promise
    # About each child (computed per child) or about the referral as a whole.
    per_child: bool
    child_value: Callable[[Person, datetime.date], JSON] | None
    case_value: Callable[[ShareContext], JSON] | None
    text: Callable[[JSON], str]


def _khmer() -> bool:
    return (get_language() or "").startswith("km")


def _name(value: JSON) -> str:
    km, latin = (value or {}).get("km", ""), (value or {}).get("latin", "")
    if km and latin:
        return f"{km} ({latin})" if _khmer() else f"{latin} ({km})"
    return str(km or latin)


def _not_known() -> str:
    return _("Not known")


def _age_text(value: JSON) -> str:
    if value is None:
        return _not_known()
    return _("%(age)s years") % {"age": value}


def _date_text(value: JSON) -> str:
    if not value:
        return _not_known()
    return str(formats.date_format(datetime.date.fromisoformat(value), "DATE_FORMAT"))


def _choice_text(choices: type[Person.Sex] | type[Person.School]) -> Callable[[JSON], str]:
    def text(value: JSON) -> str:
        if value in choices.values and value:
            return str(choices(value).label)
        return _not_known()

    return text


def _plain_text(value: JSON) -> str:
    return str(value) if value else _("None recorded")


def _village_value(ctx: ShareContext) -> JSON:
    village = ctx.case.family.village
    return {
        "name": village.name,
        "name_km": village.name_km,
        "commune": village.commune,
        "district": village.district,
        "province": village.province,
    }


def _village_text(value: JSON) -> str:
    if not value:
        return _not_known()
    name = value.get("name_km") if _khmer() and value.get("name_km") else value.get("name")
    return ", ".join(part for part in (name, value.get("commune"), value.get("province")) if part)


def _caregivers_value(ctx: ShareContext) -> JSON:
    people = ctx.case.family.people.filter(relationship__in=CAREGIVER_RELATIONSHIPS).order_by("pk")
    return [
        {"km": p.name_km, "latin": p.name_latin, "relationship": p.relationship} for p in people
    ]


def _caregivers_text(value: JSON) -> str:
    if not value:
        return _("None recorded")
    parts = []
    for carer in value:
        relationship = carer.get("relationship", "")
        label = (
            Person.Relationship(relationship).label
            if relationship in Person.Relationship.values
            else ""
        )
        parts.append(f"{_name(carer)} ({label})" if label else _name(carer))
    return ", ".join(parts)


def _concerns_value(ctx: ShareContext) -> JSON:
    return [
        {"code": c.code, "name": c.name, "name_km": c.name_km}
        for c in ctx.case.concerns.order_by("order", "name")
    ]


def _concerns_text(value: JSON) -> str:
    if not value:
        return _("None recorded")
    return ", ".join(
        (c.get("name_km") if _khmer() and c.get("name_km") else c.get("name", "")) for c in value
    )


CATALOGUE: dict[str, ShareableField] = {
    field.code: field
    for field in (
        ShareableField(
            "names",
            gettext_lazy("children's names"),
            True,
            lambda p, on: {"km": p.name_km, "latin": p.name_latin},
            None,
            _name,
        ),
        ShareableField(
            "age",
            gettext_lazy("age in years"),
            True,
            lambda p, on: p.age_on(on),
            None,
            _age_text,
        ),
        ShareableField(
            "date_of_birth",
            gettext_lazy("date of birth"),
            True,
            lambda p, on: p.date_of_birth.isoformat() if p.date_of_birth else None,
            None,
            _date_text,
        ),
        ShareableField(
            "sex", gettext_lazy("sex"), True, lambda p, on: p.sex, None, _choice_text(Person.Sex)
        ),
        ShareableField(
            "school",
            gettext_lazy("school status"),
            True,
            lambda p, on: p.school_status,
            None,
            _choice_text(Person.School),
        ),
        ShareableField(
            "disability",
            gettext_lazy("disability"),
            True,
            lambda p, on: p.disability,
            None,
            _plain_text,
        ),
        ShareableField(
            "village", gettext_lazy("village"), False, None, _village_value, _village_text
        ),
        ShareableField(
            "caregivers",
            gettext_lazy("caregivers' names"),
            False,
            None,
            _caregivers_value,
            _caregivers_text,
        ),
        ShareableField(
            "phone",
            gettext_lazy("phone number"),
            False,
            None,
            lambda ctx: ctx.case.family.phone,
            _plain_text,
        ),
        ShareableField(
            "concerns",
            gettext_lazy("the concerns"),
            False,
            None,
            _concerns_value,
            _concerns_text,
        ),
        ShareableField(
            "need",
            gettext_lazy("the need this referral is for"),
            False,
            None,
            lambda ctx: ctx.need,
            _plain_text,
        ),
        ShareableField(
            "background",
            gettext_lazy("background summary"),
            False,
            None,
            lambda ctx: ctx.background,
            _plain_text,
        ),
    )
}

FIELD_CODES: tuple[str, ...] = tuple(CATALOGUE)

# Need to know: what each kind of service receives unless the worker chooses otherwise.
DEFAULT_FIELDS: dict[str, tuple[str, ...]] = {
    "food": ("names", "age", "village", "need"),
    "education": ("names", "age", "village", "school", "need"),
    "health": (
        "names",
        "age",
        "sex",
        "date_of_birth",
        "village",
        "caregivers",
        "phone",
        "disability",
        "need",
    ),
    "legal": ("names", "age", "village", "caregivers", "phone", "concerns", "background", "need"),
    "psychosocial": ("names", "age", "village", "caregivers", "phone", "concerns", "need"),
    "livelihood": ("caregivers", "village", "phone", "need"),
    "shelter": FIELD_CODES,
    "alternative_care": FIELD_CODES,
}
# A kind an administrator added later starts from the least.
FALLBACK_FIELDS: tuple[str, ...] = ("names", "age", "village", "need")


def default_fields(kind_code: str | None) -> list[str]:
    """The need-to-know default set for a kind of help (by its code), in catalogue order."""
    return list(DEFAULT_FIELDS.get(kind_code or "", FALLBACK_FIELDS))


def field_choices() -> list[tuple[str, str]]:
    """(code, label) for every shareable field, for forms and the API schema."""
    return [(code, str(field.label)) for code, field in CATALOGUE.items()]


def label_of(code: str) -> str:
    field = CATALOGUE.get(code)
    return str(field.label) if field is not None else code


def labels(codes: Iterable[str]) -> str:
    """A readable list of fields, in the reader's language: "phone number, date of birth"."""
    return ", ".join(label_of(code) for code in codes)


def clean_codes(codes: Iterable[str], field_name: str) -> list[str]:
    """Known codes, each once, in catalogue order; at least one. Refuses anything else."""
    wanted = [str(code) for code in codes]
    unknown = sorted({code for code in wanted if code not in CATALOGUE})
    if unknown:
        raise ValidationError(
            {
                field_name: _("Unknown kinds of information: %(codes)s")
                % {"codes": ", ".join(unknown)}
            }
        )
    if not wanted:
        raise ValidationError({field_name: _("Choose at least one kind of information.")})
    return [code for code in FIELD_CODES if code in set(wanted)]


def snapshot(ctx: ShareContext, codes: Sequence[str]) -> dict[str, JSON]:
    """The values of exactly the chosen fields, for exactly the chosen children.

    {"children": [{code: value, ...}, ...], code: value, ...} — "children" only when a field
    about each child was chosen.
    """
    chosen = [CATALOGUE[code] for code in codes]
    data: dict[str, JSON] = {}
    per_child = [field for field in chosen if field.per_child]
    if per_child:
        data["children"] = [
            {
                field.code: field.child_value(child, ctx.on)
                for field in per_child
                if field.child_value
            }
            for child in ctx.children
        ]
    for field in chosen:
        if not field.per_child and field.case_value is not None:
            data[field.code] = field.case_value(ctx)
    return data


@dataclass(frozen=True)
class SharedItem:
    code: str
    label: str
    value: JSON
    text: str

    def as_dict(self) -> dict[str, JSON]:
        return {"code": self.code, "label": self.label, "value": self.value, "text": self.text}


def render(
    codes: Sequence[str], data: dict[str, JSON]
) -> tuple[list[list[SharedItem]], list[SharedItem]]:
    """A snapshot as labelled text in the active language: (per child, about the referral).

    Only codes that are both chosen and in the snapshot appear; nothing else is read.
    """
    chosen = [CATALOGUE[code] for code in codes if code in CATALOGUE]
    children: list[list[SharedItem]] = []
    for child in data.get("children", []) if any(f.per_child for f in chosen) else []:
        children.append(
            [
                SharedItem(f.code, str(f.label), child[f.code], f.text(child[f.code]))
                for f in chosen
                if f.per_child and f.code in child
            ]
        )
    general = [
        SharedItem(f.code, str(f.label), data[f.code], f.text(data[f.code]))
        for f in chosen
        if not f.per_child and f.code in data
    ]
    return children, general
