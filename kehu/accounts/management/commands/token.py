from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kehu.accounts.models import ApiToken
from kehu.accounts.services import token_create, token_revoke


class Command(BaseCommand):
    help = "Issue, list and revoke API tokens."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Issue a token and print it once.")
        create.add_argument("username")
        create.add_argument("--name", default="", help="What the token is for.")
        create.add_argument("--days", type=int, help="Expire after this many days.")
        listing = actions.add_parser("list", help="List a user's tokens (prefixes only).")
        listing.add_argument("username")
        revoke = actions.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("prefix")

    def _user(self, username):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user '{username}'.")
        if not user.is_active:
            raise CommandError(f"User '{username}' is inactive.")
        return user

    def handle(self, *args, **options):
        action = options["action"]
        if action == "create":
            days = options["days"]
            if days is not None and days < 1:
                raise CommandError("--days must be at least 1.")
            expires = timezone.now() + timedelta(days=days) if days else None
            _token, raw = token_create(
                user=self._user(options["username"]), name=options["name"], expires_at=expires
            )
            self.stdout.write(raw)
        elif action == "list":
            for token in ApiToken.objects.filter(user=self._user(options["username"])):
                state = "revoked" if token.revoked_at else "active"
                self.stdout.write(
                    f"{token.prefix}\t{token.name}\t{state}\t{token.created_at:%Y-%m-%d}"
                )
        else:
            tokens = list(
                ApiToken.objects.filter(prefix=options["prefix"], revoked_at__isnull=True)[:2]
            )
            if len(tokens) != 1:
                raise CommandError("No single active token has this prefix.")
            token_revoke(token=tokens[0])
            self.stdout.write(f"Token {options['prefix']} revoked.")
