"""The recommender's engine: interactions -> model -> recommendations, and their offline evaluation.

Django-free on purpose (tests/test_layering.py checks it): it reads pandas frames and CSV files, and of the
platform only the statement contract's pure-Python modules (core/activity/iris.py, durations.py). The Django
app around it (selectors, services, serving, api, commands) feeds it statements and serves its answers.

* data.py -- input checks, statement weights, the Dataset (codes and the user x item matrix);
* algorithms.py -- the models and the blend, and the one ranking loop;
* metrics.py -- Recall, NDCG, coverage;
* evaluation.py -- the time split and every model side by side;
* recommender.py -- ``Recommender``, the contract of DESIGN.md.
"""
