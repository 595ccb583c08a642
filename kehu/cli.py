"""The ``kehu`` console script: Kehu's own commands in front of Django's management commands."""

import os
import sys

COMMANDS = {
    "init": "Create or migrate the database and create the administrator.",
    "serve": "Serve Kehu with gunicorn and the background-job worker (--host, --port).",
    "worker": "Run only the background-job worker (imports queued from the web and the API).",
    "demo": "Load the demo data (trees, lists, users of each role, ~200 customers).",
    "user": "Create and list users: kehu user create USERNAME --role ROLE.",
    "token": "Issue, list and revoke API tokens: kehu token create USERNAME.",
    "duplicates": "List probable duplicate customers: kehu duplicates [--min-score N].",
    "merge": "Merge a duplicate customer into another: kehu merge SURVIVOR OTHER [--take F,...].",
    "expiring": "List qualification documents due for renewal: kehu expiring [--status S].",
    "check-balances": "Recompute receivables from the sales documents, list differences [--fix].",
    "evaluate": "Score the customers: kehu evaluate [--as-of DATE] [--query NAME].",
    "aging": "Aging of receivables as of a date: kehu aging [--as-of DATE] [--group-by G].",
    "backup": "Write the whole database to one file: kehu backup FILE.",
    "export": "Export customers to XLSX or CSV: kehu export FILE [--user U] [query options].",
    "import": "Import customers from XLSX or CSV: kehu import FILE [--dry-run] [--skip-errors].",
    "cleanup-imports": "Delete uploaded import files left behind: [--older-than DAYS].",
    "restore": "Replace the database's content by a backup: kehu restore FILE [--force].",
    "manage": "Run any Django management command: kehu manage COMMAND ...",
}


def _usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = [
        "usage: kehu COMMAND [options]",
        "",
        "Kehu (客户): customer management for ERP sales.",
        "",
    ]
    lines.append("commands:")
    lines += [f"  {name.ljust(width)}  {text}" for name, text in COMMANDS.items()]
    lines += ["", "Run 'kehu COMMAND --help' for a command's options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(_usage())
        return 0
    if argv[0] == "--version":
        from kehu import __version__

        print(f"kehu {__version__}")
        return 0
    command = argv[0]
    if command not in COMMANDS:
        print(f"kehu: unknown command '{command}'\n\n{_usage()}", file=sys.stderr)
        return 2
    import getpass

    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    from kehu.audit.context import audit_context

    # Changes made from the command line name the command and the operating-system user; a
    # server's requests name their own users.
    serving = command in {"serve", "worker"} or (command == "manage" and argv[1:2] == ["runserver"])
    try:
        os_user = getpass.getuser()
    except (KeyError, OSError):
        os_user = "?"
    actor = None if serving else f"kehu {' '.join(argv[:2])} ({os_user})"[:150]
    try:
        with audit_context(actor_name=actor):
            if command == "manage":
                execute_from_command_line(["kehu manage", *argv[1:]])
            else:
                execute_from_command_line(["kehu", *argv])
    except ImproperlyConfigured as exc:
        # A setting refused (production without a real SECRET_KEY): the reason, no traceback.
        print(f"kehu: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
