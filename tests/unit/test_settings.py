import pytest

from truthgraph.errors import InvalidInput
from truthgraph.settings import DEFAULT_MAX_RETRIES, DEFAULT_RESULT_TTL_S, DEFAULT_TIME_LIMIT_S, Settings


def test_defaults_point_at_local_services():
    settings = Settings.from_env({})
    assert settings.rabbitmq_url.startswith("amqp://guest:guest@127.0.0.1:5672")
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.result_ttl_s == DEFAULT_RESULT_TTL_S == 3600
    assert settings.time_limit_s == DEFAULT_TIME_LIMIT_S == 120
    assert settings.max_retries == DEFAULT_MAX_RETRIES == 3
    assert (settings.min_backoff_s, settings.max_backoff_s) == (2.0, 30.0)
    assert settings.verify_queue == "truthgraph.verify"


def test_environment_overrides_and_converts_types():
    settings = Settings.from_env(
        {"TRUTHGRAPH_RESULT_TTL_S": "60", "TRUTHGRAPH_MIN_BACKOFF_S": "0.5", "TRUTHGRAPH_NAMESPACE": "qa"}
    )
    assert settings.result_ttl_s == 60
    assert settings.min_backoff_s == 0.5
    assert settings.verify_queue == "qa.verify"


def test_empty_variable_keeps_the_default():
    assert Settings.from_env({"TRUTHGRAPH_MAX_RETRIES": ""}).max_retries == DEFAULT_MAX_RETRIES


@pytest.mark.parametrize(
    "name, value",
    [
        ("TRUTHGRAPH_RESULT_TTL_S", "soon"),
        ("TRUTHGRAPH_RESULT_TTL_S", "0"),
        ("TRUTHGRAPH_MAX_RETRIES", "-1"),
        ("TRUTHGRAPH_MIN_BACKOFF_S", "60"),
        ("TRUTHGRAPH_MAX_SENTENCES", "0"),
    ],
)
def test_bad_values_are_rejected_with_the_variable_named(name, value):
    with pytest.raises(InvalidInput) as info:
        Settings.from_env({name: value})
    assert info.value.field is not None


def test_judged_sentences_per_claim_default_to_the_pipelines_and_can_be_lowered():
    from truthgraph.verification.pipeline import DEFAULT_MAX_SENTENCES

    assert Settings.from_env({}).max_sentences == DEFAULT_MAX_SENTENCES
    assert Settings.from_env({"TRUTHGRAPH_MAX_SENTENCES": "12"}).max_sentences == 12


def test_the_default_pipeline_judges_as_many_sentences_as_the_settings_say(tmp_path):
    from truthgraph.verification.default import build_default_pipeline

    settings = Settings.from_env({"TRUTHGRAPH_DATA_DIR": str(tmp_path), "TRUTHGRAPH_MAX_SENTENCES": "7",
                                  "TRUTHGRAPH_DEFAULT_CORPUS": "mine"})
    assert build_default_pipeline(settings).max_sentences == 7
