"""Demo: train a first model at the end of seeding (when there are learning statements), so the
"为你推荐" block is full on first start."""


def seed(ctx) -> None:
    from core.activity.models import Statement

    from .selectors import activity_types
    from .services import current_model_reset, model_train

    if getattr(ctx, "province", False):
        # A province's history trains for minutes (issue #17, item 3): the nightly job does it, not the seed.
        ctx.stdout.write("  recommender: province: no model trained; run `manage.py train_recommender`")
        return
    if not Statement.objects.trusted().filter(activity_type__in=activity_types()).exists():
        ctx.stdout.write("  recommender: no learning statements yet, no model trained")
        return
    path = model_train(progress=lambda rows, desc, total: ctx.progress(rows, desc=desc, total=total), stdout=ctx.stdout)
    current_model_reset()
    if path is not None:
        ctx.stdout.write(f"  recommender: model {path.name}")
