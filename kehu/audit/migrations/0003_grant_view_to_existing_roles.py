"""Installations that seeded their role groups before the audit trail existed: give the
administrator, sales manager and auditor groups ``audit.view_auditevent``, as ``roles.py`` does
for new installations (where the groups do not exist yet during migrate and this does nothing).
"""

from django.db import migrations

ROLES = ("administrator", "sales manager", "auditor")


def grant(apps, schema_editor):
    db = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    groups = list(Group.objects.using(db).filter(name__in=ROLES))
    if not groups:
        return
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _created = ContentType.objects.using(db).get_or_create(
        app_label="audit", model="auditevent"
    )
    permission, _created = Permission.objects.using(db).get_or_create(
        content_type=content_type,
        codename="view_auditevent",
        defaults={"name": "Can view audit event"},
    )
    for group in groups:
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_triggers"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
