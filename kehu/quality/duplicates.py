"""Probable duplicates among customers (SPEC §7): scored pairs with the reasons shown.

Evidence and its weight (0–100): the same credit code (100), the same name after
normalising (100) or similar names (the similarity, from 70 %), the same email (90), the same
mobile (90) or other phone number (85); the customers' own values and their contacts' count
alike. Several pieces of evidence combine like independent chances, ``1 − Π(1 − s/100)``:
a shared phone (85) and 80 % similar names make 97. A pair is a probable duplicate from
``threshold`` (85) on. Names whose numbers differ (测试客户1 / 测试客户2, 第2分店) are never
similar: a number is the strongest sign of a different entity.

The report never compares all pairs. It streams each customer's values once (one query for
the customers, one for their contacts), groups equal credit codes, phones, emails and names in
dictionaries, and compares names fuzzily only inside blocks of names that share their numbers
and their first (or last) two characters — a block too large to compare is split by a longer
prefix. Nothing is stored, so nothing goes stale when a name, a contact or the region tree
changes, and bulk writes need no hook.
"""

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Replace
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rapidfuzz import fuzz, process

from kehu.core.errors import ConflictError
from kehu.customers.models import Contact, Customer
from kehu.customers.selectors import customers_visible_to
from kehu.quality.normalize import (
    NameNormalizer,
    name_digits,
    normalize_credit_code,
    normalize_email,
    normalize_phone,
    region_names,
)

DEFAULT_THRESHOLD = 85
NAME_FLOOR = 70  # below this, names are not called similar at all
MIN_NAME_KEY = 2  # a one-character key says nothing
SCORE_CREDIT_CODE = 100
SCORE_EMAIL = 90
SCORE_MOBILE = 90
SCORE_PHONE = 85
# A value shared by more customers than this is a placeholder (a switchboard, 13800000000,
# a group's mailbox), not evidence: it would otherwise pair everyone with everyone.
MAX_SHARED = 50
MAX_BLOCK = 500  # names compared pairwise in one block before it is split further
MAX_CHECK_ROWS = 2000  # customers looked at for one duplicate check


@dataclass(frozen=True)
class Reason:
    """Why two customers look alike: a machine code, the text shown, its weight."""

    code: str  # credit_code, name, phone, email
    text: str
    score: int


@dataclass(frozen=True)
class CustomerRef:
    """A customer as a duplicate pair shows it; ``pk`` is None for one not yet saved."""

    pk: int | None
    code: str
    name: str


@dataclass(frozen=True)
class Candidate:
    """A probable duplicate pair: ``score`` 0–100 and the reasons, strongest first."""

    left: CustomerRef
    right: CustomerRef
    score: int
    reasons: tuple[Reason, ...]


@dataclass
class Profile:
    """The normalised values one customer is compared by."""

    key: str = ""
    digits: tuple = ()
    credit_code: str = ""
    phones: set = field(default_factory=set)
    emails: set = field(default_factory=set)

    def add_contact(self, phone: str | None, mobile: str | None, email: str | None) -> None:
        self.phones.update(p for p in (normalize_phone(phone), normalize_phone(mobile)) if p)
        if normalize_email(email):
            self.emails.add(normalize_email(email))


def _profile(normalizer, name, credit_code, phone, mobile, email) -> Profile:
    key = normalizer(name)
    profile = Profile(
        key=key, digits=name_digits(key), credit_code=normalize_credit_code(credit_code)
    )
    profile.add_contact(phone, mobile, email)
    return profile


def _is_mobile(number: str) -> bool:
    return len(number) == 11 and number.startswith("1")


def name_similarity(a: Profile, b: Profile) -> int:
    """0–100; 0 whenever the names carry different numbers or are too short to compare."""
    if len(a.key) < MIN_NAME_KEY or len(b.key) < MIN_NAME_KEY or a.digits != b.digits:
        return 0
    return round(fuzz.ratio(a.key, b.key))


def _evidence(a: Profile, b: Profile) -> list[tuple[str, int, str]]:
    """``(code, score, value)`` of each reason, cheap enough for every candidate pair."""
    found = []
    if a.credit_code and a.credit_code == b.credit_code:
        found.append(("credit_code", SCORE_CREDIT_CODE, a.credit_code))
    similarity = name_similarity(a, b)
    if similarity >= NAME_FLOOR:
        found.append(("name", similarity, ""))
    for email in a.emails & b.emails:
        found.append(("email", SCORE_EMAIL, email))
    for number in a.phones & b.phones:
        found.append(("phone", SCORE_MOBILE if _is_mobile(number) else SCORE_PHONE, number))
    return found


def _reason(code: str, score: int, value: str) -> Reason:
    if code == "credit_code":
        text = _("same credit code")
    elif code == "name" and score == 100:
        text = _("same name after normalising")
    elif code == "name":
        text = _("similar names %(percent)d%%") % {"percent": score}
    elif code == "email":
        text = _("same email %(email)s") % {"email": value}
    else:
        text = _("same phone %(number)s") % {"number": value}
    return Reason(code, text, score)


def compare(a: Profile, b: Profile) -> list[Reason]:
    """Every reason to think ``a`` and ``b`` are the same customer, strongest first."""
    evidence = sorted(_evidence(a, b), key=lambda item: (-item[1], item[0], item[2]))
    return [_reason(*item) for item in evidence]


def combined_score(scores: Iterable[int]) -> int:
    """Independent pieces of evidence together: ``100 × (1 − Π(1 − s/100))``."""
    doubt = math.prod(1 - score / 100 for score in scores)
    return round(100 * (1 - doubt))


def _sort_key(candidate: Candidate):
    return (-candidate.score, candidate.left.code, candidate.right.code)


# The report --------------------------------------------------------------------------------


def find_duplicates(queryset: QuerySet, *, threshold: int = DEFAULT_THRESHOLD) -> list[Candidate]:
    """Every probable duplicate pair among the customers of ``queryset``, best first.

    ``queryset`` is already scoped (``customers_visible_to(user)``): pairs are only ever made
    of customers the user may see. Two queries, whatever the number of customers.
    """
    normalizer = NameNormalizer(region_names())
    refs: dict[int, CustomerRef] = {}
    profiles: dict[int, Profile] = {}
    rows = queryset.order_by().values_list(
        "pk", "code", "name", "credit_code", "phone", "mobile", "email"
    )
    for pk, code, name, credit_code, phone, mobile, email in rows.iterator(chunk_size=5000):
        refs[pk] = CustomerRef(pk, code, name)
        profiles[pk] = _profile(normalizer, name, credit_code, phone, mobile, email)
    contacts = Contact.objects.filter(customer__in=queryset.order_by().values("pk"))
    for customer_id, phone, mobile, email in (
        contacts.order_by().values_list("customer_id", "phone", "mobile", "email").iterator(5000)
    ):
        if customer_id in profiles:
            profiles[customer_id].add_contact(phone, mobile, email)
    pairs = _equal_value_pairs(profiles) | _similar_name_pairs(profiles)
    found = []
    for a, b in pairs:
        score = combined_score(item[1] for item in _evidence(profiles[a], profiles[b]))
        if score >= threshold:
            left, right = sorted((refs[a], refs[b]), key=lambda ref: (ref.code, ref.pk))
            found.append(Candidate(left, right, score, tuple(compare(profiles[a], profiles[b]))))
    found.sort(key=_sort_key)
    return found


def _pairs_of(pks: list[int]) -> Iterable[tuple[int, int]]:
    return itertools.combinations(sorted(pks), 2)


def _equal_value_pairs(profiles: dict[int, Profile]) -> set[tuple[int, int]]:
    """Pairs sharing a credit code, phone, email or normalised name."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for pk, profile in profiles.items():
        if profile.credit_code:
            groups["credit_code", profile.credit_code].append(pk)
        if len(profile.key) >= MIN_NAME_KEY:
            groups["name", profile.key].append(pk)
        for phone in profile.phones:
            groups["phone", phone].append(pk)
        for email in profile.emails:
            groups["email", email].append(pk)
    pairs = set()
    for pks in groups.values():
        if 1 < len(pks) <= MAX_SHARED:
            pairs.update(_pairs_of(pks))
    return pairs


def _similar_name_pairs(profiles: dict[int, Profile]) -> set[tuple[int, int]]:
    """Pairs of similar names, compared only within blocks (see the module's docstring)."""
    by_key: dict[str, list[int]] = defaultdict(list)
    for pk, profile in profiles.items():
        if len(profile.key) >= MIN_NAME_KEY:
            by_key[profile.key].append(pk)
    # Equal keys are paired by _equal_value_pairs; here each distinct key is compared once.
    keys = [key for key, pks in by_key.items() if len(pks) <= MAX_SHARED]
    digits = {key: profiles[by_key[key][0]].digits for key in keys}
    pairs = set()
    for side in ("head", "tail"):
        blocks: dict[tuple, list[str]] = defaultdict(list)
        for key in keys:
            blocks[digits[key], _cut(key, side, 2)].append(key)
        for block in blocks.values():
            for first, second in _block_pairs(block, side, 2):
                for a in by_key[first]:
                    for b in by_key[second]:
                        pairs.add((a, b) if a < b else (b, a))
    return pairs


def _cut(key: str, side: str, width: int) -> str:
    return key[:width] if side == "head" else key[-width:]


def _block_pairs(block: list[str], side: str, width: int) -> Iterable[tuple[str, str]]:
    """Similar keys within a block; a block too large is split by a longer head or tail."""
    if len(block) < 2:
        return
    longer = [key for key in block if len(key) > width]
    if len(block) > MAX_BLOCK and len(longer) > 1:
        sub: dict[str, list[str]] = defaultdict(list)
        for key in longer:
            sub[_cut(key, side, width + 1)].append(key)
        for part in sub.values():
            yield from _block_pairs(part, side, width + 1)
        # The short keys left behind still meet every longer key of the block.
        short = [key for key in block if len(key) <= width]
        for key in short:
            for _match, _score, index in process.extract(
                key, block, scorer=fuzz.ratio, score_cutoff=NAME_FLOOR, limit=None
            ):
                if block[index] != key:
                    yield key, block[index]
        return
    for index, key in enumerate(block):
        rest = block[index + 1 :]
        for _match, _score, other in process.extract(
            key, rest, scorer=fuzz.ratio, score_cutoff=NAME_FLOOR, limit=None
        ):
            yield key, rest[other]


# One customer: the warning when it is created ---------------------------------------------


def _digits_of(field_name: str):
    """The column with the usual separators removed, to compare phone numbers in SQL."""
    expression = field_name
    for separator in ("-", " ", "(", ")", "+", ".", "/"):
        expression = Replace(expression, Value(separator), Value(""))
    return expression


def _phone_condition(phones: set[str]) -> Q:
    """Rows annotated with ``phone_digits`` / ``mobile_digits`` ending like one of ``phones``."""
    condition = Q(pk__in=[])
    for phone in phones:
        tail = phone[-8:]
        condition |= Q(phone_digits__endswith=tail) | Q(mobile_digits__endswith=tail)
    return condition


def _name_fragments(key: str) -> set[str]:
    """Parts of a normalised name a similar stored name very likely contains."""
    if len(key) < MIN_NAME_KEY:
        return set()
    if len(key) <= 3:
        return {key}
    return {key, key[:3], key[-3:]}


def duplicates_of(
    data: dict,
    *,
    user,
    exclude_pk: int | None = None,
    active_only: bool = True,
    threshold: int = DEFAULT_THRESHOLD,
) -> list[Candidate]:
    """Customers the user may see that are probably the one ``data`` describes, best first.

    ``data`` has the archive's input names (``name``, ``credit_code``, ``phone``, ``mobile``,
    ``email``, ``contacts``: a list of dicts with ``phone``, ``mobile``, ``email``).
    ``exclude_pk`` is the customer itself when it is being edited (or was just created).

    Candidates come from one query that ORs cheap conditions — the credit code (indexed),
    emails, the last eight digits of each phone (separators removed in SQL), and three
    fragments of the normalised name (whole, first and last three characters, so a typo at
    either end is still found) — over the user's active customers and their contacts. At most
    ``MAX_CHECK_ROWS`` rows are scored in Python with the report's own rules. On PostgreSQL a
    trigram index on the name would make the fragment search an index scan; it is a
    backend-specific extra left out so SQLite works alike.
    """
    normalizer = NameNormalizer(region_names())
    probe = _profile(
        normalizer,
        data.get("name"),
        data.get("credit_code"),
        data.get("phone"),
        data.get("mobile"),
        data.get("email"),
    )
    for contact in data.get("contacts") or ():
        if isinstance(contact, dict):
            probe.add_contact(contact.get("phone"), contact.get("mobile"), contact.get("email"))
    customers = customers_visible_to(user)
    if active_only:
        customers = customers.filter(deactivated_on__isnull=True)
    if exclude_pk is not None:
        customers = customers.exclude(pk=exclude_pk)
    condition = _phone_condition(probe.phones)
    if probe.credit_code:
        condition |= Q(credit_code=probe.credit_code)
    for fragment in _name_fragments(probe.key):
        condition |= Q(name__icontains=fragment)
    contact_condition = _phone_condition(probe.phones)
    for email in probe.emails:
        condition |= Q(email__iexact=email)
        contact_condition |= Q(email__iexact=email)
    if probe.phones or probe.emails:
        matching_contacts = Contact.objects.annotate(
            phone_digits=_digits_of("phone"), mobile_digits=_digits_of("mobile")
        ).filter(contact_condition)
        condition |= Q(pk__in=matching_contacts.values("customer_id"))
    rows = list(
        customers.annotate(phone_digits=_digits_of("phone"), mobile_digits=_digits_of("mobile"))
        .filter(condition)
        .order_by()
        .values_list("pk", "code", "name", "credit_code", "phone", "mobile", "email")[
            :MAX_CHECK_ROWS
        ]
    )
    profiles = {
        pk: _profile(normalizer, name, credit_code, phone, mobile, email)
        for pk, _code, name, credit_code, phone, mobile, email in rows
    }
    for customer_id, phone, mobile, email in Contact.objects.filter(
        customer_id__in=list(profiles)
    ).values_list("customer_id", "phone", "mobile", "email"):
        profiles[customer_id].add_contact(phone, mobile, email)
    me = CustomerRef(exclude_pk, str(data.get("code") or ""), str(data.get("name") or ""))
    found = []
    for pk, code, name, *_values in rows:
        reasons = compare(probe, profiles[pk])
        score = combined_score(reason.score for reason in reasons)
        if score >= threshold:
            found.append(Candidate(me, CustomerRef(pk, code, name), score, tuple(reasons)))
    found.sort(key=_sort_key)
    return found


class ProbableDuplicateError(ConflictError):
    """The customer being created is probably one that exists (HTTP 409); nothing is written.

    The caller may repeat the request confirming that it is a different customer.
    """

    code = "probable_duplicate"
    default_message = gettext_lazy(
        "This customer probably exists already (see the candidates). If it is a different "
        "customer, confirm that and save again."
    )

    def __init__(self, candidates: list[Candidate]):
        super().__init__()
        self.candidates = candidates


def customer_check_data(customer: Customer) -> dict:
    """A saved customer's values in the form ``duplicates_of`` reads, with its contacts."""
    return {
        "code": customer.code,
        "name": customer.name,
        "credit_code": customer.credit_code,
        "phone": customer.phone,
        "mobile": customer.mobile,
        "email": customer.email,
        "contacts": list(customer.contacts.values("phone", "mobile", "email")),
    }


def refuse_probable_duplicates(customer: Customer, *, user) -> None:
    """Raise ``ProbableDuplicateError`` when the just-written ``customer`` probably exists.

    Called inside the creating transaction, after the service accepted every value, so that
    plain errors (a taken code or name) are reported first and the raise undoes the write.
    """
    candidates = duplicates_of(customer_check_data(customer), user=user, exclude_pk=customer.pk)
    if candidates:
        raise ProbableDuplicateError(candidates)
