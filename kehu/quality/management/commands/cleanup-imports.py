from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kehu.quality.import_jobs import import_files_cleanup

DEFAULT_DAYS = 7


class Command(BaseCommand):
    help = (
        "Delete uploaded import files left behind: those no job needs any more, dry runs never "
        "confirmed after --older-than days, and stray files of the upload directory."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=DEFAULT_DAYS,
            metavar="DAYS",
            help=(
                "Dry runs finished, and stray files written, more than this many days ago "
                f"(default {DEFAULT_DAYS}; 0: all of them). Queued and running jobs keep "
                "their files."
            ),
        )

    def handle(self, *args, **options):
        days = options["older_than"]
        if days < 0:
            raise CommandError(_("--older-than must be 0 or more days."))
        result = import_files_cleanup(older_than=timedelta(days=days))
        self.stdout.write(
            _(
                "%(files)d file(s) deleted (%(size)s), %(expired)d of them of dry runs never "
                "confirmed."
            )
            % {
                "files": result.files,
                "size": _megabytes(result.bytes),
                "expired": result.expired_previews,
            }
        )


def _megabytes(size: int) -> str:
    return _("%(mb).1f MB") % {"mb": size / (1 << 20)}
