"""``kehu export FILE [query options]``: the customers of a query to XLSX or CSV (SPEC §8, §10)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from pydantic import ValidationError

from kehu.core.management.progress import progress_bar
from kehu.customers import exports, selectors
from kehu.customers.filters import ORDERING_FIELDS, ConditionError, filter_with_saved
from kehu.customers.models import Customer, SavedQuery
from kehu.customers.selectors import saved_queries_visible_to

# option -> CustomerFilter field
FILTER_OPTIONS = {
    "q": "q",
    "code": "code",
    "class": "class_code",
    "region": "region_code",
    "industry": "industry",
    "department": "department",
    "salesperson": "salesperson",
    "credit_grade": "credit_grade",
    "tag": "tag",
    "status": "status",
    "ordering": "ordering",
}


class Command(BaseCommand):
    help = (
        "Export the customers of a query to FILE (.xlsx or .csv) with every column the import "
        "reads (SPEC §8's and the other writable ones). "
        "With --user the export holds what that user may see (their data scope); without it, "
        "every customer, as the operator of the installation (who can also run kehu backup)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The file to write, e.g. customers.xlsx")
        parser.add_argument(
            "--format", choices=exports.FORMATS, help="Default: by FILE's suffix, else xlsx."
        )
        parser.add_argument("--encoding", choices=tuple(exports.ENCODINGS), default="utf-8")
        parser.add_argument(
            "--columns", help="Comma-separated column names, e.g. code,name,class_code."
        )
        parser.add_argument("--language", choices=("zh-hans", "en"), help="Header language.")
        parser.add_argument("--user", help="Export as this user: their data scope applies.")
        query = parser.add_argument_group("query options (as in the customer list)")
        query.add_argument("--q", help="Part of the code, name, short name or mnemonic.")
        query.add_argument("--code", help="Exact customer code.")
        query.add_argument("--class", dest="class", help="A class code and its subtree.")
        query.add_argument("--region", help="A region code and its subtree.")
        query.add_argument("--industry", help="Industry code.")
        query.add_argument("--department", help="Department code.")
        query.add_argument("--salesperson", help="Salesperson code.")
        query.add_argument("--credit-grade", dest="credit_grade", help="Credit grade code.")
        query.add_argument("--tag", help="Tag name.")
        query.add_argument(
            "--status", choices=("active", "deactivated", "all"), help="Default: all."
        )
        query.add_argument(
            "--ordering",
            help=f"A column, - for descending: {', '.join(ORDERING_FIELDS)}. Default: code.",
        )
        query.add_argument(
            "--param",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="Any other condition of the customer list, e.g. credit_limit_min=1000, "
            "developed_from=2024-01-01, tag=重点 (repeat --param for several), uf_KEY=VALUE.",
        )
        query.add_argument(
            "--saved",
            help="A saved query (its id or name) as the base; the options given override it.",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.parent.is_dir():
            raise CommandError(_("There is no directory %(path)s.") % {"path": path.parent})
        file_format = options["format"] or ("csv" if path.suffix.lower() == ".csv" else "xlsx")
        user = self._user(options["user"])
        saved = self._saved(options["saved"], user) if options["saved"] else None
        conditions = _conditions(options)
        try:
            filters = filter_with_saved(conditions, user, saved)
        except ConditionError as error:
            raise CommandError(_condition_text(error)) from error
        columns = options["columns"]
        if columns is None and saved is not None and saved.columns:
            columns = ",".join(saved.columns)
        try:
            params = exports.ExportParams(
                format=file_format,
                encoding=options["encoding"],
                columns=columns,
                language=options["language"],
            )
        except ValidationError as error:
            raise CommandError(_error_text(error)) from error
        queryset = filters.apply(self._customers(user))
        total = queryset.count()

        def write(advance):
            with path.open("wb") as file:
                exports.export_write(queryset, params, file, progress=advance)

        with progress_bar(
            _("Exporting"), self.stderr, options["verbosity"], total=total
        ) as advance:
            try:
                write(advance)
            except OSError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("%(count)d customers written to %(path)s.") % {"count": total, "path": path}
        )

    @staticmethod
    def _user(username):
        if username is None:
            return None
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("There is no active user %(name)s.") % {"name": username})
        if not user.has_perm("customers.view_customer"):
            raise CommandError(_("User %(name)s may not view customers.") % {"name": username})
        return user

    @staticmethod
    def _saved(name_or_id: str, user) -> SavedQuery:
        """The saved query of that id or name: one the user may use, or (without --user) any;
        a name held by several users' queries must be given as an id."""
        queries = SavedQuery.objects.all() if user is None else saved_queries_visible_to(user)
        text = name_or_id.strip()
        found = list(queries.filter(name=text)[:2])
        if not found and text.isdigit() and len(text) < 12:
            found = list(queries.filter(pk=int(text)))
        if len(found) == 1:
            return found[0]
        if found:
            raise CommandError(
                _("Several saved queries are named %(name)s: give its id.") % {"name": text}
            )
        raise CommandError(_("There is no saved query %(name)s.") % {"name": text})

    @staticmethod
    def _customers(user):
        if user is None:
            # The operator's own export: every customer, like the backup of the database.
            return Customer.objects.all()
        return selectors.customers_visible_to(user)


def _conditions(options) -> dict:
    """The query options and every ``--param NAME=VALUE`` (a name given twice: both values)."""
    conditions = {
        field: options[option]
        for option, field in FILTER_OPTIONS.items()
        if options[option] is not None
    }
    for item in options["param"]:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise CommandError(_("--param takes NAME=VALUE, not %(item)s.") % {"item": item})
        name = name.strip()
        if name in conditions and name not in ("q", "code", "status", "ordering"):
            previous = conditions[name]
            conditions[name] = [*(previous if isinstance(previous, list) else [previous]), value]
        else:
            conditions[name] = value
    return conditions


def _condition_text(error: ConditionError) -> str:
    lines = []
    for field, messages in sorted(error.message_dict.items()):
        option = next((k for k, v in FILTER_OPTIONS.items() if v == field), None)
        name = f"--{option.replace('_', '-')}" if option else field
        lines += [f"{name}: {message}" for message in messages]
    return "\n".join(lines)


def _error_text(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else ""
        option = next((k for k, v in FILTER_OPTIONS.items() if v == field), field)
        text = str(item.get("msg", "")).removeprefix("Value error, ")
        lines.append(f"--{option.replace('_', '-')}: {text}")
    return "\n".join(lines)
