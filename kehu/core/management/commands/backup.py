from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kehu.core.backup import BackupError, backup_write
from kehu.core.management.progress import progress_bar


class Command(BaseCommand):
    help = "Write the whole database to FILE (gzip'd JSON; restores into SQLite or PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup file to write, e.g. kehu-2026-01-31.json.gz")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.parent.is_dir():
            raise CommandError(_("There is no directory %(path)s.") % {"path": path.parent})

        def bar(total):
            return progress_bar(_("Backing up"), self.stderr, options["verbosity"], total=total)

        try:
            header = backup_write(path, progress_factory=bar)
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("Backup written to %(path)s: %(rows)d rows of %(tables)d tables.")
            % {"path": path, "rows": header.total, "tables": len(header.counts)}
        )
