"""Text classification: intent, type and priority of a customer's message.

Importing this package loads nothing heavy, so ``classifier.base`` (the port) stays cheap for
the engine. Public modules (see docs/classifier.md):

* ``catalog``: ``load_catalog``, ``Catalog``, ``IntentSpec``, ``UNKNOWN_INTENT``
* ``model``: ``SklearnClassifier``, ``train_default_classifier``, ``combine_priority``
* ``registry``: ``ModelRegistry`` (versions, activation, rollback, verified loading)
* ``training``: ``train``, ``promote``, ``import_csv``, ``TrainingResult``
* ``holder``: ``ClassifierHolder`` (hot swap of the active version)
* ``clarify``: ``clarify`` -> ``Clarification`` (whether to ask, which intents to offer)
* ``benchmark``: ``run_benchmark``
* ``errors``: ``ClassifierError`` and its children
"""
