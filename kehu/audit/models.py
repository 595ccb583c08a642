"""The audit trail (SPEC §9): who changed what, when, from where; append-only."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")
    # One customer merged into another (kehu.quality.merge): recorded on the survivor.
    MERGE = "merge", _("merged")
    LOGIN = "login", _("logged in")
    LOGIN_FAILED = "login_failed", _("login failed")
    LOGOUT = "logout", _("logged out")


class AppendOnlyError(Exception):
    """An attempt to change or remove a recorded audit event."""


class AuditEventQuerySet(models.QuerySet):
    """Events can be read and added; bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise AppendOnlyError("Audit events cannot be changed.")

    update.queryset_only = True

    def delete(self):
        raise AppendOnlyError("Audit events cannot be deleted.")

    delete.queryset_only = True


class AuditEvent(models.Model):
    """One recorded event. Rows are only ever inserted: nothing in the product updates or
    deletes them, and the database refuses it too.

    References are kept as plain values (no database constraint, no cascade), so an event
    outlives the user, the record and the customer it is about.
    """

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # nothing reads events by it: by ``actor_name`` (migration 0005)
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    # The user name at the time (for a failed login: the name that was tried).
    actor_name = models.CharField(_("user name"), max_length=150, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    content_type = models.ForeignKey(
        ContentType,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the index ``audit_object`` starts with it (migration 0005)
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kind of record"),
    )
    object_id = models.CharField(_("record id"), max_length=64, blank=True)
    object_repr = models.CharField(_("record"), max_length=255, blank=True)
    # The customer the record belongs to (the customer itself or its contact, address...).
    customer_id = models.BigIntegerField(_("customer id"), null=True, blank=True)
    # {field: [old, new]}; on create only new values matter, on delete only old ones.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    # Groups the events of one operation (an import, a merge) under one id.
    operation_id = models.CharField(_("operation id"), max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="audit_object"),
            models.Index(fields=["customer_id", "at"], name="audit_customer"),
            models.Index(fields=["action", "actor_name", "ip", "at"], name="audit_login"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    save.alters_data = True

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events cannot be deleted.")

    delete.alters_data = True
