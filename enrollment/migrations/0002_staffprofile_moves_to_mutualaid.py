# StaffProfile moved to mutualaid (roles and the profile live below the apps); the table stays.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="StaffProfile")],
            database_operations=[],
        ),
    ]
