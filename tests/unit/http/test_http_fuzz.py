"""Property tests: no verification request body, however odd, yields a 500."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, event, given, settings, strategies as st

VERIFY = "/api/v1/claims/claim-42/verify"
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Surrogates and control characters included: JSON escapes can carry them.
any_text = st.text(
    st.characters(codec=None, categories=None) | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=40
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | any_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4),
    max_leaves=15,
)
options = st.dictionaries(
    st.sampled_from(["corpus_ids", "top_k"]) | any_text,
    st.integers(-5, 30) | st.lists(any_text | st.sampled_from(["wiki", "a.b", "x" * 64]), max_size=12) | json_values,
    max_size=3,
)
bodies = st.fixed_dictionaries({"claim_text": any_text}, optional={"options": options}) | st.dictionaries(
    st.sampled_from(["claim_text", "options"]) | any_text,
    any_text | options | json_values,
    max_size=3,
) | json_values


def check(result) -> None:
    event(f"HTTP {result.status_code}")
    assert result.status_code in (202, 400, 413, 415, 422), result.text
    if result.status_code >= 400:
        assert result.json["title"] and result.json["description"]


@FUZZ
@given(body=bodies)
def test_json_bodies_never_fail_the_server(client, body) -> None:
    encoded = json.dumps(body).encode("ascii")  # lone surrogates travel as \\udXXX escapes

    check(client.simulate_post(VERIFY, body=encoded, headers={"Content-Type": "application/json"}))


@FUZZ
@given(raw=st.binary(max_size=200) | st.builds(lambda t: t.encode("utf-8", "surrogatepass"), any_text))
def test_raw_bytes_never_fail_the_server(client, raw) -> None:
    check(client.simulate_post(VERIFY, body=raw, headers={"Content-Type": "application/json"}))
