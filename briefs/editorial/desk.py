"""What needs doing, for the admin's desk home.

Four piles of briefs, each counted and its first few listed: the person's
own drafts, briefs in review, scheduled briefs with their times, and the
briefs published last; then the last import runs with their failures and
conflicts. Who sees what follows the workflow: a writer's drafts are the
briefs they created or are assigned to, and a writer sees only their own
briefs in review (editors review every one). The desk costs the same few
queries however many briefs there are: the counts together, each pile's
first briefs, and the imports with their first problems.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from briefs.editorial.workflow import can_publish
from briefs.models import Brief, ImportProblem, ImportRecord

Status = Brief.Status
# How many briefs each pile lists, imports the desk shows, and problems
# it shows of each import; the counts and "see all" links tell the rest.
BRIEFS_SHOWN = 5
IMPORTS_SHOWN = 3
PROBLEMS_SHOWN = 10


def mine(user) -> Q:
    """Briefs ``user`` created or is assigned to (``workflow.owns``)."""
    return Q(created_by=user) | Q(assigned_to=user)


def live(now: dt.datetime) -> Q:
    """Briefs readers see now (``BriefQuerySet.published``)."""
    return Q(status=Status.PUBLISHED, published_at__lte=now)


def scheduled(now: dt.datetime) -> Q:
    """Briefs published for a time still to come (``Brief.is_scheduled``)."""
    return Q(status=Status.PUBLISHED, published_at__gt=now)


@dataclass(frozen=True)
class PileRule:
    """How one pile is made: ``where`` picks its briefs, ``order`` lists
    them, and ``list_filters`` are the brief list's filters
    (``briefs.admin.filters``) that show the whole pile."""

    name: str
    title: str
    where: Q
    order: tuple[str, ...]
    list_filters: dict[str, str]


@dataclass(frozen=True)
class Pile:
    """One pile on the desk: how many briefs it holds, and the first few."""

    name: str
    title: str
    count: int
    briefs: list[Brief]
    list_filters: dict[str, str]

    @property
    def query(self) -> str:
        """The brief list's query string for the whole pile."""
        return urlencode(self.list_filters)


def pile_rules(user, *, now: dt.datetime) -> list[PileRule]:
    """The piles of ``user``'s desk, in order.

    Editors review every brief in review, longest waiting first; a writer
    sees the briefs they submitted, so that one does not vanish from their
    desk until an editor has read it.
    """
    in_review = Q(status=Status.REVIEW)
    if can_publish(user):
        review = PileRule(
            "review",
            "Awaiting review",
            in_review,
            ("updated_at", "pk"),
            {"status": "review"},
        )
    else:
        review = PileRule(
            "review",
            "Submitted for review",
            in_review & mine(user),
            ("-updated_at", "-pk"),
            {"status": "review", "mine": "yes"},
        )
    return [
        PileRule(
            "drafts",
            "My drafts",
            Q(status=Status.DRAFT) & mine(user),
            ("-updated_at", "-pk"),
            {"status": "draft", "mine": "yes"},
        ),
        review,
        PileRule(
            "scheduled",
            "Scheduled",
            scheduled(now),
            ("published_at", "pk"),
            {"status": "scheduled"},
        ),
        PileRule(
            "published",
            "Recently published",
            live(now),
            ("-published_at", "-pk"),
            {"status": "live"},
        ),
    ]


@dataclass(frozen=True)
class Desk:
    """What one person's desk shows: the piles, in order, and the last imports."""

    piles: list[Pile]
    imports: list[ImportRecord] = field(default_factory=list)


def desk_for(user, *, now: dt.datetime | None = None) -> Desk:
    """The desk of ``user``: nothing for staff who may not view briefs."""
    if not user.has_perm("briefs.view_brief"):
        return Desk(piles=[])
    rules = pile_rules(user, now=now or timezone.now())
    counts = Brief.objects.aggregate(
        **{rule.name: Count("pk", filter=rule.where) for rule in rules}
    )
    piles = [
        Pile(
            rule.name,
            rule.title,
            counts[rule.name],
            first_briefs(rule.where, rule.order),
            rule.list_filters,
        )
        for rule in rules
    ]
    return Desk(piles=piles, imports=last_imports())


def first_briefs(where: Q, order: tuple[str, ...]) -> list[Brief]:
    """The first BRIEFS_SHOWN briefs ``where`` picks, with their people."""
    return list(
        Brief.objects.filter(where)
        .select_related("created_by", "assigned_to")
        .order_by(*order)[:BRIEFS_SHOWN]
    )


def last_imports() -> list[ImportRecord]:
    """The last IMPORTS_SHOWN import runs, newest first, each with who ran
    it and its first PROBLEMS_SHOWN failures and conflicts (``first_problems``);
    each problem's ``brief_pk`` is the brief it names, if that brief still
    has its slug."""
    problems = ImportProblem.objects.order_by("pk")[:PROBLEMS_SHOWN]
    imports = list(
        ImportRecord.objects.select_related("user").prefetch_related(
            Prefetch("problems", queryset=problems, to_attr="first_problems")
        )[:IMPORTS_SHOWN]
    )
    shown = [problem for record in imports for problem in record.first_problems]
    brief_ids = briefs_by_slug({problem.slug for problem in shown if problem.slug})
    for problem in shown:
        problem.brief_pk = brief_ids.get(problem.slug)
    return imports


def briefs_by_slug(slugs: set[str]) -> dict[str, int]:
    """The primary key of the brief at each of ``slugs``; a slug no brief
    has now (deleted, or renamed since) is left out."""
    if not slugs:
        return {}
    return dict(Brief.objects.filter(slug__in=slugs).values_list("slug", "pk"))
