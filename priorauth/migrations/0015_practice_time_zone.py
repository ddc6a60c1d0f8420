"""Each practice's time zone (IANA name): times shown to its users and printed in its
packets are in this zone, in words. Existing practices get America/Los_Angeles.
"""

from django.db import migrations, models

import priorauth.models.validators


class Migration(migrations.Migration):
    dependencies = [
        ("priorauth", "0014_revoked_certificate"),
    ]

    operations = [
        migrations.AddField(
            model_name="practice",
            name="time_zone",
            field=models.CharField(
                default="America/Los_Angeles",
                help_text="IANA name, e.g. America/Los_Angeles: every time shown to the practice's users, and printed in its packets, is in this zone.",
                max_length=64,
                validators=[priorauth.models.validators.validate_time_zone],
            ),
        ),
    ]
