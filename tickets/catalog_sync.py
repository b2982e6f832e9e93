"""Mirror the content catalog's topics into the database."""

from __future__ import annotations

from extensions import db
from kb.catalog import Catalog
from tickets.models import CatalogTopic


def sync_topics(catalog: Catalog) -> tuple[int, int]:
    """Upsert every topic, deactivate removed ones; return (added, updated)."""
    existing = {(t.category_slug, t.topic_slug): t for t in db.session.scalars(db.select(CatalogTopic))}
    added = updated = 0
    seen = set()
    for category in catalog.categories:
        for topic in category.topics:
            key = (category.slug, topic.slug)
            seen.add(key)
            values = {
                "category_title": category.title,
                "topic_title": topic.title,
                "priority": topic.priority,
                "active": True,
            }
            row = existing.get(key)
            if row is None:
                db.session.add(CatalogTopic(category_slug=category.slug, topic_slug=topic.slug, **values))
                added += 1
            elif any(getattr(row, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(row, k, v)
                updated += 1
    for key, row in existing.items():
        if key not in seen and row.active:
            row.active = False
            updated += 1
    db.session.commit()
    return added, updated
