"""Agents' corrections to the intents the catalog gained in Classifier II become training rows
(none is dropped as outside the catalog), each counted twice, and the model learns them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from classifier.catalog import load_catalog
from classifier.model import SklearnClassifier, fit_intent_model
from classifier.registry import ModelRegistry
from classifier.training import DESK_WEIGHT, gather_training_rows
from handoff.model_admin import desk_examples
from store.database import Store
from store.migrate import upgrade
from store.training_labels import TrainingLabel
from tests.model_template import TRAINING_TIMEOUT

pytestmark = pytest.mark.timeout(TRAINING_TIMEOUT)  # tests that train models

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
# (what the customer wrote, the intent an agent filed it under)
CORRECTIONS = [
    ("I typed the wrong code too often and now it says my user is frozen", "account_locked"),
    ("the authenticator app was on my old phone, how do I get in now", "mfa_trouble"),
    ("please wipe my profile and everything attached to it", "delete_account"),
    ("we need all our tickets and contacts as a spreadsheet", "data_export"),
    ("under the GDPR I want to see every record you keep on me", "privacy_request"),
    ("Tom left us last week, take his seat away", "remove_team_member"),
    ("make Priya an admin of our workspace instead of a viewer", "change_role"),
    ("we want our people to sign in through Okta with SAML", "sso_setup"),
    ("move us down to the cheaper tier from next month", "plan_change"),
    ("stop the subscription, we won't renew", "cancel_subscription"),
    ("I want my money back for the unused months", "refund_request"),
    ("could you mail me the receipt for the October payment", "invoice_copy"),
    ("my card shows the same charge two times this month", "charged_twice"),
    ("every page takes ages to load since Monday", "slow_performance"),
    ("a red box pops up saying something went wrong when I save", "error_message"),
    ("the Slack integration stopped posting our alerts", "integration_trouble"),
    ("half of last week's tickets vanished from the list", "data_missing"),
    ("it would be great if reports could be scheduled", "feature_request"),
    ("where do I find the setting for email signatures?", "how_to_question"),
    ("your support has been useless and slow, I'm disappointed", "complaint"),
    ("brilliant, that sorted it, many thanks", "thanks"),
    ("that's all for today, see you", "goodbye"),
]


async def test_corrections_to_the_new_intents_train_the_new_catalog(
    sqlite_url: str, tmp_path: Path, trained_classifier: SklearnClassifier
) -> None:
    catalog = load_catalog()
    await upgrade(sqlite_url)
    async with Store(sqlite_url) as store:

        async def agents_correct(uow: object) -> None:
            for text, intent in CORRECTIONS:
                kind = catalog[intent].type.value
                label = TrainingLabel(text, "agent", intent, kind, created_at=NOW)
                await uow.labels.add(label)  # type: ignore[attr-defined]

        await store.write(agents_correct)
        examples = await desk_examples(store, catalog)
    assert (sorted(examples.rows), examples.outside_catalog) == (sorted(CORRECTIONS), 0)

    rows = gather_training_rows(ModelRegistry(tmp_path), examples.rows, catalog)
    assert [rows.count(c) for c in CORRECTIONS] == [DESK_WEIGHT] * len(CORRECTIONS)
    # with the served model's ensemble weight (what ``train`` fits with), not chosen again
    weight = getattr(trained_classifier.intent_pipeline.steps[-1][1], "weight_", None)
    learnt = fit_intent_model(rows, weight=weight).predict([text for text, _ in CORRECTIONS])
    assert list(learnt) == [intent for _, intent in CORRECTIONS]
