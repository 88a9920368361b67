"""Bodies saved before tracking pixels were removed lose theirs now: an image
drawn 0 or 1 pixel wide or high is taken out of the stored HTML (the pages
follow at the next build or publish)."""

from django.db import migrations

from content.text import without_tracking_images

MODELS = ["Story", "Obituary", "CrimeReport", "Birth", "Wedding", "UnpublishingPolicy"]


def drop_tracking_images(apps, schema_editor):
    for name in MODELS:
        model = apps.get_model("content", name)
        rows = model.objects.filter(body_html__contains="<img").only("pk", "body_html")
        for row in rows.iterator():
            cleaned = without_tracking_images(row.body_html)
            if cleaned != row.body_html:
                # update(), not save(): the body did not change, nor its times.
                model.objects.filter(pk=row.pk).update(body_html=cleaned)


class Migration(migrations.Migration):
    dependencies = [("content", "0011_unpublishing_policy")]

    operations = [migrations.RunPython(drop_tracking_images, migrations.RunPython.noop)]
