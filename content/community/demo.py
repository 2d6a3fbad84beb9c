"""placeholder replaced below"""


def seed(ctx) -> None:
    pass
