"""``kehu evaluate [--as-of DATE] [--query NAME]``: an evaluation run (SPEC §6, §10)."""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core.management.progress import progress_bar
from kehu.customers.models import SavedQuery
from kehu.evaluation.services import evaluation_run
from kehu.evaluation.services.runs import run_population


class Command(BaseCommand):
    help = (
        "Score every customer (or a saved query's customers) with the default scorecard as of "
        "a date, and store the run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD; default: today.")
        parser.add_argument("--query", help="A saved query (its id or name).")

    def handle(self, *args, **options):
        as_of = None
        if options["as_of"]:
            try:
                as_of = datetime.date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError(_("--as-of: enter a date as YYYY-MM-DD.")) from None
        query = self._query(options["query"]) if options["query"] else None
        try:
            total = run_population(None, as_of or timezone.localdate(), query).count()
            with progress_bar(
                _("Evaluating"), self.stderr, options["verbosity"], total=total
            ) as advance:
                done_before = [0]

                def progress(done, _total):
                    if advance is not None:
                        advance(done - done_before[0])
                    done_before[0] = done

                run = evaluation_run(actor=None, as_of=as_of, query=query, progress=progress)
        except ValidationError as error:
            lines = [
                f"--{field.replace('_', '-')}: {' '.join(messages)}"
                for field, messages in error.message_dict.items()
            ]
            raise CommandError("\n".join(lines)) from error
        counts = {}
        for grade in run.results.values_list("grade", flat=True):
            counts[grade or "—"] = counts.get(grade or "—", 0) + 1
        summary = ", ".join(f"{grade}: {count}" for grade, count in sorted(counts.items()))
        self.stdout.write(
            _("Run %(id)s as of %(date)s: %(count)d customers evaluated (%(summary)s).")
            % {"id": run.pk, "date": run.as_of, "count": run.customer_count, "summary": summary}
        )

    @staticmethod
    def _query(text: str) -> SavedQuery:
        text = text.strip()
        found = list(SavedQuery.objects.filter(name=text)[:2])
        if not found and text.isdigit() and len(text) < 12:
            found = list(SavedQuery.objects.filter(pk=int(text)))
        if len(found) == 1:
            return found[0]
        if found:
            raise CommandError(
                _("Several saved queries are named %(name)s: give its id.") % {"name": text}
            )
        raise CommandError(_("There is no saved query %(name)s.") % {"name": text})
