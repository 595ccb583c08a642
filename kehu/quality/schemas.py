"""API schemas of duplicate detection."""

from typing import Annotated

from ninja import Schema
from pydantic import Field

from kehu.core.api.errors import ErrorOut
from kehu.core.api.schemas import InputSchema, model_text
from kehu.customers.models import Contact, Customer
from kehu.customers.schemas import MAX_CHILDREN
from kehu.quality.duplicates import DEFAULT_THRESHOLD, Candidate, CustomerRef


class CustomerRefOut(Schema):
    id: int | None = Field(description="None for the customer being checked, not yet saved.")
    code: str
    name: str


class ReasonOut(Schema):
    code: str = Field(description="credit_code, name, phone or email.")
    text: str
    score: int = Field(description="The weight of this piece of evidence, 0–100.")


class DuplicatePairOut(Schema):
    """Two customers that are probably the same one."""

    left: CustomerRefOut
    right: CustomerRefOut
    score: int = Field(description="0–100: the reasons combined.")
    reasons: list[ReasonOut]


class DuplicateCandidateOut(Schema):
    """An existing customer that is probably the one checked."""

    customer: CustomerRefOut
    score: int
    reasons: list[ReasonOut]


class ProbableDuplicateOut(ErrorOut):
    """409: a taken code or name (``duplicate``), or a probable duplicate
    (``probable_duplicate``) with its ``candidates``."""

    candidates: list[DuplicateCandidateOut] = []


class ContactCheckIn(InputSchema):
    phone: model_text(Contact, "phone") | None = None
    mobile: model_text(Contact, "mobile") | None = None
    email: model_text(Contact, "email") | None = None


class DuplicateCheckIn(InputSchema):
    """The values a new customer is compared by; all optional."""

    name: model_text(Customer, "name") | None = None
    credit_code: model_text(Customer, "credit_code") | None = None
    phone: model_text(Customer, "phone") | None = None
    mobile: model_text(Customer, "mobile") | None = None
    email: model_text(Customer, "email") | None = None
    contacts: Annotated[list[ContactCheckIn], Field(max_length=MAX_CHILDREN)] | None = None
    exclude_id: int | None = Field(
        None, ge=1, description="The customer being edited, not to be reported as its own twin."
    )


class DuplicateReportParams(Schema):
    min_score: int = Field(
        DEFAULT_THRESHOLD, ge=1, le=100, description="Only pairs scoring at least this."
    )


def _ref(ref: CustomerRef) -> dict:
    return {"id": ref.pk, "code": ref.code, "name": ref.name}


def _reasons(candidate: Candidate) -> list[dict]:
    return [{"code": r.code, "text": r.text, "score": r.score} for r in candidate.reasons]


def pair_out(candidate: Candidate) -> dict:
    return {
        "left": _ref(candidate.left),
        "right": _ref(candidate.right),
        "score": candidate.score,
        "reasons": _reasons(candidate),
    }


def candidate_out(candidate: Candidate) -> dict:
    return {
        "customer": _ref(candidate.right),
        "score": candidate.score,
        "reasons": _reasons(candidate),
    }


class AllowDuplicates(Schema):
    allow_duplicates: bool = Field(
        False,
        description="Create the customer even if it is probably one that exists already.",
    )


def probable_duplicate_out(exc) -> dict:
    """The 409 body of a refused probable duplicate: the error and its candidates."""
    return {
        "code": exc.code,
        "message": str(exc),
        "errors": {},
        "candidates": [candidate_out(c) for c in exc.candidates],
    }


# Import (SPEC §7, §8) ----------------------------------------------------------------------


class ImportErrorOut(Schema):
    sheet: str = Field(description="The sheet's key: classes, regions, customers, contacts…")
    line: int = Field(description="The line as the spreadsheet shows it; the header is line 1.")
    column: str = Field(description="The header as written in the file ('' for the whole row).")
    code: str = Field(description="required, invalid, does_not_exist, repeated, depends_on…")
    message: str = Field(description="The reason, in the request's language.")
    key: str = Field(description="The row's customer code, when it has one.")
    text: str = Field(description="Sheet, line, column and reason in one sentence.")


class ImportChangeOut(Schema):
    sheet: str
    line: int
    key: str
    action: str = Field(description="create, update or unchanged.")
    fields: dict[str, list] = Field(description="For an update: field -> [old, new].")


class ImportSheetCountsOut(Schema):
    created: int
    updated: int
    unchanged: int
    rejected: int


class ImportReportOut(Schema):
    """What an import did, or (dry run, refused import) would have done."""

    file_name: str
    dry_run: bool
    skip_errors: bool
    operation_id: str = Field(description="Every audit event of the import carries it.")
    written: bool = Field(description="False for a dry run, or when a refused row stopped it.")
    rows: int
    sheets: dict[str, ImportSheetCountsOut]
    errors: list[ImportErrorOut]
    changes: list[ImportChangeOut]
    warnings: list[str]


def import_report_out(report) -> dict:
    """An ``ImportReport`` as ``ImportReportOut`` data (what a background job stores too)."""
    return report.to_dict()
