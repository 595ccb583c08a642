from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kehu.core.backup import BackupError, backup_restore
from kehu.core.management.progress import progress_bar


class Command(BaseCommand):
    help = (
        "Replace the database's content by a backup made with 'kehu backup', in one "
        "transaction. The database must be migrated to the same version as the backup."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup file made by 'kehu backup'.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the data of a database that is not empty (everything in it is lost).",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])

        def bar(total):
            return progress_bar(_("Restoring"), self.stderr, options["verbosity"], total=total)

        try:
            header = backup_restore(path, force=options["force"], progress_factory=bar)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("Restored %(rows)d rows from %(path)s (made %(when)s by Kehu %(version)s).")
            % {
                "rows": header.total,
                "path": path,
                "when": header.created_at,
                "version": header.kehu_version,
            }
        )
