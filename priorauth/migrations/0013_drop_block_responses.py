"""Drop the block-response table (its rows now live in the injection history, 0009)
and make the conservative-care outcome a choice (0009 wrote choice values)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("priorauth", "0012_move_block_responses_and_care_outcomes"),
    ]

    operations = [
        migrations.DeleteModel(name="BlockResponse"),
        migrations.AlterField(
            model_name="conservativecare",
            name="outcome",
            field=models.CharField(
                blank=True,
                choices=[
                    ("failed", "Failed"),
                    ("partial", "Partial relief, not enough"),
                    ("not_tolerated", "Not tolerated"),
                    ("contraindicated", "Contraindicated"),
                    ("ongoing", "Ongoing"),
                    ("improved", "Improved"),
                ],
                max_length=20,
            ),
        ),
    ]
