"""One record per injection, structured conservative care (issue 11): new columns.

The data move is 0009; 0010 then drops the block-response table and narrows the
care outcome to a choice. Three migrations, so that on PostgreSQL each runs in its
own transaction (no schema change after row changes in one transaction).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("priorauth", "0010_request_returned_to_billing"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="priorprocedure",
            options={"ordering": ["-date", "id"]},
        ),
        migrations.AddField(
            model_name="priorprocedure",
            name="pre_score",
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="priorprocedure",
            name="post_score",
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="priorprocedure",
            name="needs_review",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="priorprocedure",
            name="review_note",
            field=models.TextField(blank=True, max_length=2000),
        ),
        migrations.AddField(
            model_name="authrequest",
            name="builds_on",
            field=models.ManyToManyField(
                blank=True, related_name="built_on_by", to="priorauth.priorprocedure"
            ),
        ),
        migrations.AddField(
            model_name="authrequest",
            name="review_note",
            field=models.TextField(
                blank=True,
                help_text="Never printed: what staff must still check or enter, e.g. "
                "a block response without a date that could not be placed in the "
                "history.",
                max_length=5000,
                verbose_name="note for staff",
            ),
        ),
        migrations.AddField(
            model_name="conservativecare",
            name="note",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name="conservativecare",
            name="needs_review",
            field=models.BooleanField(default=False),
        ),
    ]
