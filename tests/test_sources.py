"""The corrections on the Sources page: the runs give the right numbers, and the famous wrong ones are wrong."""

import math

CHAPTER = "sources"


def test_twenty_steps_end_where_the_closed_form_says(chapter):
    assert math.isclose(chapter["final_x"], 5 - 5 * 0.8**20, rel_tol=1e-6)
    assert math.isclose(chapter["closed_form"], chapter["final_x"], rel_tol=1e-6)
    assert abs(chapter["final_x"] - 4.985981) > 0.04  # the printed number is not a rounding slip


def test_the_table_prints_steps_ten_and_fifteen(chapter):
    rows = [line.split("|")[0].strip() for line in chapter.output("twenty_steps").splitlines()[1:-1]]
    assert rows == [str(n) for n in [*range(10), 10, 15]]
