"""Typed questions get their answer, through Rasa and the action server, on two held-out sets
of questions written from the seeds by people who never saw the entries (tests/heldout/
measure.py): questions.yml (165, used while the design changed), questions_second.yml (160,
written and labelled blind on 2026-12-02, asked once before this test) and questions_third.yml
(143, written and labelled blind later that day with a stricter rule: an entry that only routes
to someone does not answer a question asking for a procedure or a detail). Each floor of the
issue is its own test."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests import tokens
from tests.heldout.measure import QUESTIONS, Report, measure

SECOND = QUESTIONS.with_name("questions_second.yml")
THIRD = QUESTIONS.with_name("questions_third.yml")


@pytest.fixture(
    scope="module",
    params=[QUESTIONS, SECOND, THIRD],
    ids=["first-set", "second-set", "third-set"],
)
def report(request: pytest.FixtureRequest, stack: Any) -> Report:
    path: Path = request.param

    async def run() -> Report:
        async with tokens.client(base_url=stack.api_url, timeout=30) as client:
            return await measure(client, path)

    # Its own thread: the browser tests' sync Playwright may hold this thread's event loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        measured = pool.submit(asyncio.run, run()).result()
    print(measured.markdown())
    return measured


def test_the_right_entry_is_answered_directly_for_60_percent(report: Report) -> None:
    assert report.direct >= 0.60


def test_the_right_entry_is_answered_or_suggested_for_85_percent(report: Report) -> None:
    assert report.direct_or_suggested >= 0.85


def test_a_wrong_entry_is_answered_for_at_most_5_percent(report: Report) -> None:
    assert report.wrong_answerable <= 0.05


@pytest.mark.xfail(
    strict=True,
    reason="known gap, issue 12 left open: too many of the questions no entry answers get a "
    "related entry (4 of 38, 10.5 %; 5 of 46, 10.9 %; 17 of 50, 34 % on the third set, written "
    "to be close to the entries): see docs/retrieval.md",
)
def test_questions_no_entry_answers_get_an_entry_at_most_10_percent(
    report: Report,
) -> None:
    assert report.wrong_unanswerable <= 0.10
