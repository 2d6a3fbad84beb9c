"""Demo: questions and answers on the first lessons of the catalogue, so every demo person meets the part on first
start: the retailer asked and accepted the editor's answer, the member answered, the villager asked a question
still open. Written through the services (so each act is one statement); idempotent (skipped when any exists)."""

from __future__ import annotations

from datetime import timedelta

# (lesson index, asker, question, [(author, answer)], index of the accepted answer or None, days ago)
THREADS = [
    (
        0,
        "demo_retailer",
        "畅销品放在视线平齐处，那新品应该放哪里？",
        [
            ("demo_editor", "新品可以放在畅销品旁边的“黄金位”，借畅销品的人气带一带，一周后看销量再调整。"),
            ("demo_member", "我们店是把新品放收银台旁边，顾客结账时最容易看到。"),
        ],
        0,
        6,
    ),
    (
        1,
        "demo_member",
        "价签用手写的可以吗？还是一定要打印？",
        [("demo_retailer", "我用的是统一打印的价签，清楚，客户经理也建议这样。")],
        None,
        4,
    ),
    (0, "demo_villager", "村里小店地方小，货架只有一排，怎么陈列比较好？", [], None, 2),
]


def seed(ctx) -> None:
    from core.activity.items import items_list
    from core.people.models import User

    from .models import Question
    from .services import answer_accept, answer_post, question_ask

    if Question.objects.exists():
        ctx.stdout.write("  qa: questions already there")
        return
    lessons = sorted((item for item in items_list() if item.kind == "lesson"), key=lambda i: int(i.item_id[7:]))
    if not lessons:
        ctx.stdout.write("  qa: no lessons, no questions")
        return
    people = {u.username: u for u in User.objects.filter(username__startswith="demo_")}
    count = 0
    for index, asker, text, answers, accepted, days in THREADS:
        if asker not in people or any(author not in people for author, _text in answers):
            continue
        lesson_id = int(lessons[index % len(lessons)].item_id.partition(":")[2])
        at = ctx.now - timedelta(days=days)
        question = question_ask(user=people[asker], lesson_id=lesson_id, body=text, now=at)
        posted = [
            answer_post(user=people[author], question=question, body=body, now=at + timedelta(hours=n + 1))
            for n, (author, body) in enumerate(answers)
        ]
        if accepted is not None:
            answer_accept(
                user=people[asker], question=question, answer_id=posted[accepted].pk, now=at + timedelta(days=1)
            )
        count += 1
    ctx.stdout.write(f"  qa: {count} questions")
