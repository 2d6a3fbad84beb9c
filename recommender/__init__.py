"""Learning logs -> model -> recommendations; offline evaluation.

The Django-free engine is the sub-package ``recommender.engine``; the modules beside it are the Django app
around it. ``from recommender import Recommender`` needs no Django settings. The heavy modules (pandas,
SciPy, scikit-learn) are imported on first use, so that Django loading this app stays cheap.
"""

__all__ = ["Recommender", "Recommendation", "statements_to_interactions", "statement_weight"]


def __getattr__(name):
    if name in ("Recommender", "Recommendation"):
        from .engine import recommender as _module

        return getattr(_module, name)
    if name in ("statements_to_interactions", "statement_weight"):
        from .engine import data as _data

        return getattr(_data, name)
    raise AttributeError(f"module 'recommender' has no attribute {name!r}")
