"""A track's family tree: the original it comes from and everything made from that original.

Two recursive queries (``WITH RECURSIVE`` works on SQLite and PostgreSQL) find the root and
then every descendant, however deep, so the tree costs the same few queries at any size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection

from soundsite.library.models import Track

MAX_DEPTH = 30
MAX_NODES = 300

_ROOT_SQL = """
WITH RECURSIVE up(id, parent_id, depth) AS (
    SELECT id, parent_id, 0 FROM library_track WHERE id = %s
    UNION ALL
    SELECT t.id, t.parent_id, up.depth + 1
    FROM library_track t JOIN up ON t.id = up.parent_id
    WHERE up.depth < %s AND t.workspace_id = %s
)
SELECT id FROM up ORDER BY depth DESC LIMIT 1
"""

_FAMILY_SQL = """
WITH RECURSIVE down(id, depth) AS (
    SELECT id, 0 FROM library_track WHERE id = %s
    UNION ALL
    SELECT t.id, down.depth + 1
    FROM library_track t JOIN down ON t.parent_id = down.id
    WHERE down.depth < %s AND t.workspace_id = %s
)
SELECT id FROM down LIMIT %s
"""


@dataclass
class Node:
    track: Track
    children: list[Node] = field(default_factory=list)
    current: bool = False

    @property
    def stems(self) -> list[Node]:
        """Stems with nothing made from them: shown together on one line, not one per row."""
        return [child for child in self.children if _is_plain_stem(child)]

    @property
    def branches(self) -> list[Node]:
        return [child for child in self.children if not _is_plain_stem(child)]


def _is_plain_stem(node: Node) -> bool:
    return node.track.relation == "stem" and not node.children


def family_tree(track: Track) -> Node | None:
    """The tree holding ``track``, or None when the track stands alone."""
    with connection.cursor() as cursor:
        cursor.execute(_ROOT_SQL, [track.pk, MAX_DEPTH, track.workspace_id])
        root_id = cursor.fetchone()[0]
        cursor.execute(_FAMILY_SQL, [root_id, MAX_DEPTH, track.workspace_id, MAX_NODES])
        ids = [row[0] for row in cursor.fetchall()]
    if len(ids) <= 1:
        return None
    tracks = Track.objects.filter(id__in=ids).only(
        "id",
        "code",
        "title",
        "relation",
        "stem_kind",
        "task",
        "duration",
        "parent_id",
        "deleted_at",
        "created_at",
    )
    nodes = {item.pk: Node(item, current=item.pk == track.pk) for item in tracks}
    for node in sorted(nodes.values(), key=lambda node: (node.track.created_at, node.track.pk)):
        parent = nodes.get(node.track.parent_id)
        if parent is not None and node.track.pk != root_id:
            parent.children.append(node)
    return nodes.get(root_id)
