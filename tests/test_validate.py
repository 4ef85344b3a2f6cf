"""One failing file per validation case: each problem names its file, row, column and fix."""

from __future__ import annotations

import pytest

import orggraph
from orggraph import ValidationError

from .conftest import DELIVERIES, HANDOFFS, UNITS, write_org


def errors_of(path, **kw):
    with pytest.raises(ValidationError) as info:
        orggraph.load(path, **kw)
    return info.value.problems


def only(problems, code):
    hits = [p for p in problems if p.code == code]
    assert hits, f"no {code!r} among {[str(p) for p in problems]}"
    return hits


# Each case: (id, table, old text, new text, code, source, row, column, words in the message)
CASES = [
    (
        "duplicate id",
        "units",
        "cat,Cat Moss",
        "bob,Cat Moss",
        "duplicate_id",
        "units.csv",
        7,
        "id",
        ["already used on row 6"],
    ),
    (
        "unknown parent",
        "units",
        "bob,Bob Ray,person,sales",
        "bob,Bob Ray,person,sale",
        "unknown_id",
        "units.csv",
        6,
        "parent",
        ["no unit has this id", '"sales"'],
    ),
    (
        "unknown manager",
        "units",
        "person,sales,cat,",
        "person,sales,dan,",
        "unknown_id",
        "units.csv",
        6,
        "manager",
        ["no unit has this id"],
    ),
    (
        "manager not a person",
        "units",
        "person,sales,cat,",
        "person,sales,ops,",
        "bad_manager",
        "units.csv",
        6,
        "manager",
        ["must be a person"],
    ),
    (
        "person in a person",
        "units",
        "bob,Bob Ray,person,sales",
        "bob,Bob Ray,person,cat",
        "bad_parent",
        "units.csv",
        6,
        "parent",
        ["cannot belong to a person"],
    ),
    (
        "unknown kind",
        "units",
        "bob,Bob Ray,person",
        "bob,Bob Ray,persn",
        "unknown_kind",
        "units.csv",
        6,
        "kind",
        ["department, team, person, external", 'did you mean "person"'],
    ),
    (
        "external with parent",
        "units",
        "cust,Customer,external,,",
        "cust,Customer,external,ops,",
        "bad_parent",
        "units.csv",
        8,
        "parent",
        ["leave parent empty"],
    ),
    (
        "person without parent",
        "units",
        "cat,Cat Moss,person,sales",
        "cat,Cat Moss,person,",
        "missing_value",
        "units.csv",
        7,
        "parent",
        ["must belong to a team or department"],
    ),
    (
        "unknown provider",
        "handoffs",
        "bob,ann,customer order",
        "bobb,ann,customer order",
        "unknown_id",
        "handoffs.csv",
        2,
        "provider",
        ["no unit has this id", 'did you mean "bob"'],
    ),
    (
        "customer given by name",
        "handoffs",
        "ann,cust,shipment",
        "ann,Customer,shipment",
        "unknown_id",
        "handoffs.csv",
        3,
        "customer",
        ["name of unit", "cust"],
    ),
    (
        "self handoff",
        "handoffs",
        "cat,bob,sales targets",
        "cat,cat,sales targets",
        "self_handoff",
        "handoffs.csv",
        4,
        "customer",
        ["its own internal customer"],
    ),
    (
        "closeness out of range",
        "handoffs",
        "bob,ann,customer order,2",
        "bob,ann,customer order,7",
        "out_of_range",
        "handoffs.csv",
        2,
        "closeness",
        ["from 1 to 5"],
    ),
    (
        "closeness not a number",
        "handoffs",
        "bob,ann,customer order,2",
        "bob,ann,customer order,high",
        "not_a_number",
        "handoffs.csv",
        2,
        "closeness",
        ["expected a number from 1 to 5"],
    ),
    (
        "satisfaction out of range",
        "handoffs",
        "4,weekly,,4,15",
        "4,weekly,,0,15",
        "out_of_range",
        "handoffs.csv",
        3,
        "satisfaction",
        ["from 1 to 5"],
    ),
    (
        "importance not a number",
        "handoffs",
        "daily,5,2,1",
        "daily,very,2,1",
        "not_a_number",
        "handoffs.csv",
        2,
        "importance",
        ["number"],
    ),
    (
        "negative sla",
        "handoffs",
        "4,weekly,,4,15",
        "4,weekly,,4,-3",
        "out_of_range",
        "handoffs.csv",
        3,
        "sla_days",
        ["greater than 0"],
    ),
    (
        "unknown frequency",
        "handoffs",
        "2,daily",
        "2,dayly",
        "unknown_frequency",
        "handoffs.csv",
        2,
        "frequency",
        ["daily, weekly, biweekly, monthly, quarterly, yearly, ad hoc", 'did you mean "daily"'],
    ),
    (
        "missing frequency",
        "handoffs",
        "5,monthly,3",
        "5,,3",
        "missing_value",
        "handoffs.csv",
        4,
        "frequency",
        ["how often"],
    ),
    (
        "conflicting duplicate handoff",
        "handoffs",
        "cat,bob,sales targets,5,monthly,3,,\n",
        "cat,bob,sales targets,5,monthly,3,,\ncat,bob,Sales targets,3,monthly,3,,\n",
        "duplicate_handoff",
        "handoffs.csv",
        5,
        "deliverable",
        ["as row 4", "rejected", "closeness"],
    ),
    (
        "unparseable date",
        "deliveries",
        "2026-01-05,2026-01-12",
        "2026-01-05,12th of Jan",
        "bad_date",
        "deliveries.csv",
        2,
        "delivered",
        ["YYYY-MM-DD"],
    ),
    (
        "impossible date",
        "deliveries",
        "2026-01-05,2026-01-12",
        "2026-02-30,2026-03-02",
        "bad_date",
        "deliveries.csv",
        2,
        "requested",
        ["not a date"],
    ),
    (
        "delivered before requested",
        "deliveries",
        "2026-01-05,2026-01-12",
        "2026-01-05,2026-01-02",
        "delivered_before_requested",
        "deliveries.csv",
        2,
        "delivered",
        ["before it was requested"],
    ),
    (
        "delivery of no handoff",
        "deliveries",
        "ann,cust,shipment,2026-01-05",
        "ann,cust,invoice,2026-01-05",
        "unknown_handoff",
        "deliveries.csv",
        2,
        "deliverable",
        ["no handoff"],
    ),
    (
        "missing delivery date",
        "deliveries",
        "2026-01-05,2026-01-12",
        ",2026-01-12",
        "missing_value",
        "deliveries.csv",
        2,
        "requested",
        ["needs a requested date"],
    ),
]


@pytest.mark.parametrize(
    "table,old,new,code,source,row,column,words", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_case_is_located(tmp_path, table, old, new, code, source, row, column, words):
    texts = {"units": UNITS, "handoffs": HANDOFFS, "deliveries": DELIVERIES}
    assert old in texts[table], "the fixture changed; fix the case"
    texts[table] = texts[table].replace(old, new, 1)
    problems = errors_of(write_org(tmp_path / "org", **texts))
    (p,) = [p for p in only(problems, code) if p.row == row] or [None]
    assert p is not None, [str(x) for x in problems]
    assert (p.source, p.row, p.column) == (source, row, column)
    for w in words:
        assert w in p.message or w in p.value, str(p)


def test_all_problems_in_one_pass(tmp_path):
    units = UNITS.replace("cat,Cat Moss", "bob,Cat Moss")
    handoffs = HANDOFFS.replace("2,daily", "9,dayly")
    deliveries = DELIVERIES.replace("2026-01-12", "soon")
    problems = errors_of(write_org(tmp_path / "o", units, handoffs, deliveries))
    assert {p.code for p in problems} >= {
        "duplicate_id",
        "out_of_range",
        "unknown_frequency",
        "bad_date",
    }


def test_cycle_in_parent_chain(tmp_path):
    units = UNITS.replace("ops,Operations,department,,", "ops,Operations,department,plan,")
    problems = errors_of(write_org(tmp_path / "o", units=units))
    (p,) = only(problems, "cycle")
    assert p.column == "parent" and p.row == 2
    assert "ops -> plan -> ops" in p.message


def test_cycle_in_reporting_line(tmp_path):
    units = UNITS.replace("cat,Cat Moss,person,sales,,", "cat,Cat Moss,person,sales,bob,")
    problems = errors_of(write_org(tmp_path / "o", units=units))
    (p,) = only(problems, "cycle")
    assert p.column == "manager" and p.row == 6
    assert "reporting line loops" in p.message and "bob -> cat -> bob" in p.message


@pytest.mark.parametrize(
    "header,suggested",
    [("Provider ", "Provider "), ("supplier", "supplier"), ("Customer ID", "Customer ID")],
)
def test_missing_column_suggests_near_miss(tmp_path, header, suggested):
    wanted = "customer" if "ustomer" in header else "provider"
    lines = HANDOFFS.split("\n")
    lines[0] = lines[0].replace(wanted, header, 1)
    problems = errors_of(write_org(tmp_path / "o", handoffs="\n".join(lines)))
    (p,) = only(problems, "missing_column")
    assert p.source == "handoffs.csv" and p.column == wanted
    assert f'found "{suggested}"' in p.message and f'rename it to "{wanted}"' in p.message


def test_empty_table(tmp_path):
    problems = errors_of(write_org(tmp_path / "o", handoffs=HANDOFFS.split("\n")[0] + "\n"))
    (p,) = only(problems, "empty_table")
    assert p.source == "handoffs.csv" and "no rows" in p.message


def test_empty_file(tmp_path):
    problems = errors_of(write_org(tmp_path / "o", units=""))
    (p,) = only(problems, "empty_table")
    assert p.source == "units.csv" and "empty" in p.message


def test_missing_file_names_near_miss(tmp_path):
    folder = write_org(tmp_path / "o", handoffs=None)
    (folder / "Handoffs.csv").write_text(HANDOFFS)
    problems = errors_of(folder)
    (p,) = only(problems, "missing_table")
    assert 'no "handoffs.csv"' in p.message and 'rename it to "handoffs.csv"' in p.message


def test_identical_duplicate_handoff_is_merged_with_a_warning(tmp_path):
    handoffs = HANDOFFS + "cat,bob,sales targets,5,monthly,3,,\n"
    org = orggraph.load(write_org(tmp_path / "o", handoffs=handoffs))
    assert len(org.handoffs) == 3  # the repeat was merged, not counted twice
    (w,) = [w for w in org.warnings if w.code == "duplicate_handoff"]
    assert w.row == 5 and "repeats row 4 exactly; merged" in w.message


def test_warnings_not_errors(tmp_path):
    units = UNITS + "hr,HR,department,,,\ndan,Dan Fox,person,sales,,\n"
    handoffs = HANDOFFS.replace("cat,bob,sales targets,5", "cat,bob,sales targets,")
    org = orggraph.load(write_org(tmp_path / "o", units=units, handoffs=handoffs))
    by_code = {w.code: w for w in org.warnings}
    assert by_code["missing_closeness"].row == 4
    # hr has no people and takes part in nothing; dan takes part in nothing.
    isolated = {w.value for w in org.warnings if w.code == "isolated"}
    assert isolated == {"hr", "dan"}
    assert [w.value for w in org.warnings if w.code == "no_people"] == ["hr"]


def test_missing_closeness_uses_neutral_distance(tmp_path):
    handoffs = HANDOFFS.replace("cat,bob,sales targets,5", "cat,bob,sales targets,")
    org = orggraph.load(write_org(tmp_path / "o", handoffs=handoffs))
    assert org.graph.edges["cat", "bob"]["distance"] == pytest.approx(1 / 3)


def test_error_is_one_exception_type_with_structured_list(tmp_path):
    units = UNITS.replace("bob,Bob Ray,person", "bob,Bob Ray,persn")
    with pytest.raises(orggraph.OrgGraphError) as info:
        orggraph.load(write_org(tmp_path / "o", units=units))
    exc = info.value
    assert isinstance(exc, ValidationError)
    d = exc.problems[0].to_dict()
    assert set(d) == {"severity", "code", "message", "source", "table", "row", "column", "value"}
    assert 'units.csv, row 6, column "kind"' in str(exc)


# ---------------------------------------------------------------- rating scales
# HANDOFFS rates closeness 2, 4, 5 and satisfaction 2, 4, (empty); importance 5, (empty), 3.
SEVEN = HANDOFFS.replace(
    "bob,ann,customer order,2,daily,5,2,1", "bob,ann,customer order,7,daily,7,1,1"
)


def _h(org, provider):
    return org.handoffs.set_index("provider").loc[provider]


def test_rating_scale_maps_every_rating_by_the_linear_rule(tmp_path):
    # r' = 1 + 4 (r - 1) / 6 on 1-7: 7 -> 5, 4 -> 3, 5 -> 11/3, 3 -> 7/3, 1 -> 1.
    org = orggraph.load(write_org(tmp_path / "o", handoffs=SEVEN), rating_scale="1-7")
    bob, ann, cat = _h(org, "bob"), _h(org, "ann"), _h(org, "cat")
    assert (bob.closeness, ann.closeness, cat.closeness) == pytest.approx((5, 3, 11 / 3))
    assert (bob.satisfaction, ann.satisfaction) == pytest.approx((1, 3))
    assert cat.importance == pytest.approx(7 / 3)  # 3 -> 1 + 4 x 2 / 6
    # Weight uses the mapped importance: daily 21 x 5 / 3; distance the mapped closeness.
    assert bob.weight == pytest.approx(35.0)
    assert org.graph.edges["cat", "bob"]["distance"] == pytest.approx(3 / 11)


def test_one_column_on_its_own_scale(tmp_path):
    # satisfaction on 0-10: 2 -> 1.8, 4 -> 2.6 (r' = 1 + 4 r / 10); the rest stays 1-5.
    org = orggraph.load(write_org(tmp_path / "o"), rating_scale=["satisfaction=0-10"])
    assert _h(org, "bob").satisfaction == pytest.approx(1.8)
    assert _h(org, "ann").satisfaction == pytest.approx(2.6)
    assert _h(org, "bob").closeness == 2
    # 0-6 (r' = 1 + 4 r / 6): closeness 2, 4, 5 -> 7/3, 11/3, 13/3.
    org = orggraph.load(write_org(tmp_path / "o"), rating_scale="0-6")
    assert [_h(org, p).closeness for p in ("bob", "ann", "cat")] == pytest.approx(
        [1 + 4 * 2 / 6, 1 + 4 * 4 / 6, 1 + 4 * 5 / 6]
    )


def test_ratings_outside_the_declared_scale_are_located_errors(tmp_path):
    bad = SEVEN.replace("ann,cust,shipment,4,", "ann,cust,shipment,8,")
    (p,) = errors_of(write_org(tmp_path / "o", handoffs=bad), rating_scale="1-7")
    assert (p.code, p.row, p.column, p.value) == ("out_of_range", 3, "closeness", "8")
    assert "from 1 to 7 (the declared rating scale 1-7)" in p.message
    # Without the scale, the 7s are out of the default 1-5.
    problems = errors_of(write_org(tmp_path / "o", handoffs=SEVEN))
    assert {(p.row, p.column) for p in problems} == {(2, "closeness"), (2, "importance")}


def test_a_scales_table_declares_the_scale_in_the_file(tmp_path):
    folder = write_org(tmp_path / "o", handoffs=SEVEN)
    (folder / "scales.csv").write_text("column,low,high\ncloseness,1,7\nimportance,1,7\n")
    org = orggraph.load(folder)
    assert _h(org, "bob").closeness == pytest.approx(5)
    assert _h(org, "bob").satisfaction == 1  # not declared: 1-5
    # The same scale given again is fine; a different one is a located error.
    assert orggraph.load(folder, rating_scale="closeness=1-7").handoffs.equals(org.handoffs)
    (p,) = errors_of(folder, rating_scale="closeness=0-10")
    assert (p.code, p.source, p.row, p.column, p.value) == (
        "conflicting_scale",
        "scales.csv",
        2,
        "column",
        "closeness",
    )


def test_a_bad_scales_table(tmp_path):
    folder = write_org(tmp_path / "o")
    (folder / "scales.csv").write_text(
        "column,low,high\ncloseness,7,1\nsatisfactoin,0,10\ncloseness,1,7\nimportance,one,5\n"
    )
    problems = errors_of(folder)
    got = [(p.code, p.row, p.column) for p in problems]
    assert got == [
        ("bad_scale", 2, "high"),
        ("unknown_column", 3, "column"),
        ("duplicate_scale", 4, "column"),
        ("bad_scale", 5, "low"),
    ]
    assert 'did you mean "satisfaction"?' in problems[1].message


def test_rating_scale_specs():
    from orggraph.schema import RatingScale, rating_scales

    assert RatingScale.parse("0 to 6") == RatingScale(0, 6)
    assert RatingScale.parse("-3..3").to_five(0) == 3.0
    assert rating_scales(None) == {}
    assert set(rating_scales({"satisfaction": "0-10"})) == {"satisfaction"}
    for bad in ("7-1", "1-1", "seven", ["colour=1-7"]):
        with pytest.raises(ValueError):
            rating_scales(bad)


def test_from_tables_takes_a_rating_scale(small_org):
    org = orggraph.Organization.from_tables(
        small_org.units[["id", "name", "kind", "parent"]],
        small_org.handoffs[["provider", "customer", "deliverable", "closeness", "frequency"]],
        rating_scale="1-5",
    )
    assert org.handoffs["closeness"].tolist() == small_org.handoffs["closeness"].tolist()


def test_rating_scale_option(tmp_path, org_dir):
    from click.testing import CliRunner

    from orggraph.cli import main

    def invoke(*args):
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)

    r = invoke("validate", "--json", "--rating-scale", "0-10", org_dir)
    assert r.exit_code == 0
    bad = invoke("validate", "--rating-scale", "seven", org_dir)
    assert bad.exit_code == 2 and "--rating-scale" in bad.output
    bad = invoke("validate", "--rating-scale", "colour=1-7", org_dir)
    assert bad.exit_code == 2 and "not a rating column" in bad.output
    # 5 is out of 0-4: every rating of 5 in the small organization is listed.
    r = invoke("validate", "--rating-scale", "closeness=0-4", org_dir)
    assert r.exit_code == 1 and "the declared rating scale 0-4" in r.output
