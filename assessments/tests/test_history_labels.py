"""HistoryEntry.get_action_display (its own: Django's rebuilds the choices on every call) names each action
as Django's would, in Thai and in English."""

from django.utils import translation

from assessments.models import HistoryEntry


def test_each_action_is_named_as_djangos_choices_name_it():
    field = HistoryEntry._meta.get_field("action")
    for language in ("th", "en"):
        with translation.override(language):
            for value, label in field.flatchoices:
                assert str(HistoryEntry(action=value).get_action_display()) == str(label)
    with translation.override("en"):
        assert HistoryEntry(action="step_done").get_action_display() == "Mark as done"
    assert HistoryEntry(action="retired_action").get_action_display() == "retired_action"
