"""The sentence splitter."""

from __future__ import annotations

import pytest

from truthgraph.text import split_sentences


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The sky is blue. Grass is green.", ["The sky is blue.", "Grass is green."]),
        ("Is it? Yes! It is.", ["Is it?", "Yes!", "It is."]),
        ("He moved to the U.S. in 1990. Then he left.", ["He moved to the U.S. in 1990.", "Then he left."]),
        ("Dr. Smith met Mr. Jones. They talked.", ["Dr. Smith met Mr. Jones.", "They talked."]),
        ("J. R. R. Tolkien wrote it. It sold well.", ["J. R. R. Tolkien wrote it.", "It sold well."]),
        ("It grew 3.5 percent. Prices rose.", ["It grew 3.5 percent.", "Prices rose."]),
        ("It reached No. 1 in the charts. It stayed.", ["It reached No. 1 in the charts.", "It stayed."]),
        ("The answer was no. He left.", ["The answer was no.", "He left."]),
        ('She said "Go." Then she left.', ['She said "Go."', "Then she left."]),
        ("It was built c. 1900 (see fig. 2). Done.", ["It was built c. 1900 (see fig. 2).", "Done."]),
        ("Founded in 1990. 2001 was a good year.", ["Founded in 1990.", "2001 was a good year."]),
        ("lower case after a stop. stays joined", ["lower case after a stop. stays joined"]),
        ("No full stop at the end", ["No full stop at the end"]),
        ("  Spaces   inside\nand lines.  ", ["Spaces inside and lines."]),
        ("", []),
        ("   ", []),
    ],
)
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


def test_wikipedia_style_lead():
    text = (
        "2001: A Space Odyssey is a 1968 epic science fiction film produced and directed by Stanley Kubrick, who "
        "co-wrote the screenplay with Arthur C. Clarke. Its plot was inspired by several short stories. The film "
        "stars Keir Dullea, Gary Lockwood, William Sylvester, and Douglas Rain."
    )
    sentences = split_sentences(text)
    assert len(sentences) == 3
    assert sentences[0].endswith("Arthur C. Clarke.")


def test_content_words_leave_out_stop_words_and_case():
    from truthgraph.text import content_words

    assert content_words("The Eiffel Tower is in Paris.") == {"eiffel", "tower", "paris"}


def test_training_splits_sentences_as_serving_does():
    from truthgraph.verification.training import negatives

    text = "Dr. Smith lived in St. Louis. He died in 1990. The U.S. mourned."
    assert negatives.sentences(text) == split_sentences(text)
