"""IdempotencyKey now lives in core (core.0002 took over and renamed its table): drop it from the referrals
state only; nothing changes in the database here."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0002_directory_service'),
        ('core', '0002_idempotencykey'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='IdempotencyKey')],
            database_operations=[],
        ),
    ]
