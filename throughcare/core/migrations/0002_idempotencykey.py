"""IdempotencyKey moves from referrals to core: assessments take an Idempotency-Key too (decision 0023).

The table is kept, with its rows, and renamed: the model is created here in the migration state only
(over the existing referrals_idempotencykey table), then its table renamed to core_idempotencykey.
referrals.0003 removes the model from the referrals state, touching nothing in the database."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_initial'),
        ('referrals', '0002_directory_service'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='IdempotencyKey',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name='ID')),
                        ('key', models.CharField(max_length=255)),
                        ('request_hash', models.CharField(help_text='sha256 of the canonical JSON request',
                                                          max_length=64)),
                        ('state', models.CharField(choices=[('in_flight', 'In flight'), ('done', 'Done')],
                                                   default='in_flight', max_length=20)),
                        ('resource_id', models.CharField(blank=True, max_length=64)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+',
                                                   to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'referrals_idempotencykey',
                        'constraints': [models.UniqueConstraint(fields=('user', 'key'),
                                                                name='idempotency_user_key')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name='IdempotencyKey', table=None),
    ]
