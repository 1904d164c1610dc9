"""What the expertise search ranks and filters by, copied into the search document.

Before, every matching member was scored with correlated subqueries (declared
level, projects with a tool or of a kind), which cost 0.2–1.4 s at 50,000
members (docs/performance.md). Now the document carries the member's active
flag, name, municipality and state, the declared levels per field and the
published projects per tool and kind, so a search ranks on this table alone.
The existing documents are filled here; ``community.services.search_index_update``
keeps them current. On PostgreSQL the JSON columns get GIN indexes (filters by
field, kind and tool) and the searchword/tsvector indexes of 0003/0006 stay.
"""

from collections import defaultdict

from django.db import migrations, models

CHUNK = 2000
POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS community_searchdoc_levels_gin"
    " ON community_membersearchdocument USING gin (levels)",
    "CREATE INDEX IF NOT EXISTS community_searchdoc_evidence_gin"
    " ON community_membersearchdocument USING gin (evidence)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS community_searchdoc_evidence_gin",
    "DROP INDEX IF EXISTS community_searchdoc_levels_gin",
]


def fill(apps, schema_editor):
    """The same facts as services._search_facts, from the historical models."""
    document_model = apps.get_model("community", "MemberSearchDocument")
    user_model = apps.get_model("community", "User")
    entry_model = apps.get_model("community", "MemberExpertise")
    project_model = apps.get_model("community", "Project")
    ids = list(document_model.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        levels = defaultdict(dict)
        for member_id, expertise_id, level in entry_model.objects.filter(
            member_id__in=chunk
        ).values_list("member_id", "expertise_id", "level"):
            levels[member_id][f"e{expertise_id}"] = level
        evidence = defaultdict(lambda: defaultdict(int))
        memberships = (
            project_model.members.through.objects.filter(
                user_id__in=chunk, project__is_published=True
            )
            .order_by("-project__updated_at", "-project_id")
            .values_list(
                "user_id",
                "project_id",
                "project__kind",
                "project__title",
                "project__municipality__name",
            )
        )
        tools = defaultdict(set)
        rows = list(memberships)
        project_ids = {row[1] for row in rows}
        projects = defaultdict(list)
        for project_id, tool_id in project_model.tools.through.objects.filter(
            project_id__in=project_ids
        ).values_list("project_id", "tool_id"):
            tools[project_id].add(tool_id)
        for user_id, project_id, kind, title, place in rows:
            projects[user_id].append([title, place, kind, sorted(tools[project_id])])
            facts = evidence[user_id]
            facts[f"k{kind}"] += 1
            for tool_id in tools[project_id]:
                facts[f"t{tool_id}"] += 1
                facts[f"k{kind}t{tool_id}"] += 1
        members = user_model.objects.filter(pk__in=chunk).select_related("municipality")
        documents = []
        for member in members:
            member_levels = levels.get(member.pk, {})
            documents.append(
                document_model(
                    member_id=member.pk,
                    is_active=member.is_active,
                    display_name=member.display_name,
                    municipality_id=member.municipality_id,
                    state=member.municipality.state if member.municipality else "",
                    levels=member_levels,
                    max_level=max(member_levels.values(), default=0),
                    evidence=dict(evidence.get(member.pk, {})),
                    projects=projects.get(member.pk, []),
                )
            )
        document_model.objects.bulk_update(
            documents,
            [
                "is_active",
                "display_name",
                "municipality",
                "state",
                "levels",
                "max_level",
                "evidence",
                "projects",
            ],
            batch_size=500,
        )


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("community", "0006_search_vocabulary")]

    operations = [
        migrations.AddField(
            model_name="membersearchdocument",
            name="display_name",
            field=models.CharField(blank=True, max_length=150, verbose_name="Anzeigename"),
        ),
        migrations.AddField(
            model_name="membersearchdocument",
            name="evidence",
            field=models.JSONField(blank=True, default=dict, verbose_name="Belege"),
        ),
        migrations.AddField(
            model_name="membersearchdocument",
            name="is_active",
            field=models.BooleanField(default=False, verbose_name="aktiv"),
        ),
        migrations.AddField(
            model_name="membersearchdocument",
            name="levels",
            field=models.JSONField(blank=True, default=dict, verbose_name="Stufen je Fachgebiet"),
        ),
        migrations.AddField(
            model_name="membersearchdocument",
            name="max_level",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="höchste Stufe"),
        ),
        migrations.AddField(
            model_name="membersearchdocument",
            name="municipality",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=models.deletion.SET_NULL,
                related_name="+",
                to="community.municipality",
                verbose_name="Kommune",
            ),
        ),
        migrations.AddField(
            model_name="membersearchdocument",
            name="projects",
            field=models.JSONField(blank=True, default=list, verbose_name="Projekte"),
        ),
        migrations.AddField(
            model_name="membersearchdocument",
            name="state",
            field=models.CharField(blank=True, max_length=2, verbose_name="Bundesland"),
        ),
        migrations.AddIndex(
            model_name="membersearchdocument",
            index=models.Index(
                condition=models.Q(("is_active", True)),
                fields=["display_name", "member"],
                name="searchdoc_directory",
            ),
        ),
        migrations.AddIndex(
            model_name="membersearchdocument",
            index=models.Index(fields=["state"], name="searchdoc_state"),
        ),
        migrations.RunPython(
            run({"postgresql": POSTGRES_FORWARD}), run({"postgresql": POSTGRES_BACKWARD})
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        # The whole text once more, for a trigram index (71 MB at 50,000
        # members) that no search reads since 0006; dropping the column drops it.
        migrations.RemoveField(model_name="membersearchdocument", name="text"),
    ]
