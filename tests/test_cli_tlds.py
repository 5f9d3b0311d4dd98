"""`flask import-tlds FILE.csv`: the platform's catalogue from a file, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from storefront.db import db
from storefront.models.catalog import Tld
from storefront.services.catalog import DEMO_CATALOGUE

HEADER = "tld,kind,register,renew,transfer,currency,min_years,max_years,idn,backend,enabled\n"


@pytest.fixture
def import_tlds(app, tmp_path):
    runner = app.test_cli_runner()

    def run(text: str | None = None, path: Path | None = None):
        if path is None:
            path = tmp_path / "tlds.csv"
            path.write_text(text or "", encoding="utf-8")
        return runner.invoke(args=["import-tlds", str(path)])

    return run


def tlds() -> dict[str, Tld]:
    return {t.name: t for t in db.session.scalars(select(Tld))}


def test_imports_the_demo_catalogue_and_says_what_it_created(app, import_tlds):
    app.config["REGISTRAR_BACKENDS"] = {"sandbox": {"kind": "sandbox"}, "epp": {"kind": "epp"}}
    result = import_tlds(path=DEMO_CATALOGUE)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "created 52, updated 0"
    assert "com.pl" in result.output and "xn--p1ai" in result.output
    assert len(tlds()) == 52

    again = import_tlds(path=DEMO_CATALOGUE)
    assert again.exit_code == 0 and again.output.strip() == "created 0, updated 0"


def test_a_second_file_updates_by_name_and_lists_what_changed(import_tlds):
    first = import_tlds(HEADER + "pl,country,29.00,69.00,49.00,PLN,1,10,1,sandbox,1\n"
                                 "com,generic,55.00,59.00,55.00,PLN,1,10,1,sandbox,1\n")
    assert first.exit_code == 0, first.output
    second = import_tlds(HEADER + "pl,country,35,69.00,49.00,PLN,1,10,1,sandbox,1\n"
                                  "com,generic,55.00,59.00,55.00,PLN,1,10,1,sandbox,1\n"
                                  "рф,idn,29.00,29.00,29.00,PLN,1,10,1,sandbox,1\n")
    assert second.exit_code == 0, second.output
    assert second.output.splitlines() == ["created 1, updated 1", "created: xn--p1ai",
                                          "updated: pl"]
    assert tlds()["pl"].register_price == 3500


def test_a_bad_file_prints_every_bad_line_and_changes_nothing(app, import_tlds):
    app.config["REGISTRAR_BACKENDS"] = {"sandbox": {"kind": "sandbox"}}
    assert import_tlds(HEADER + "pl,country,29.00,69.00,49.00,PLN,1,10,1,sandbox,1\n"
                       ).exit_code == 0
    result = import_tlds(
        HEADER
        + "pl,country,1.00,1.00,1.00,PLN,1,10,1,sandbox,1\n"      # 2: fine, but must not apply
        + "com,generic,-5,59.00,55.00,PLN,1,10,1,sandbox,1\n"     # 3: negative price
        + "net,generic,abc,59.00,55.00,PLN,1,10,1,sandbox,1\n"    # 4: not a number
        + "-bad,generic,5,5,5,PLN,1,10,1,sandbox,1\n"              # 5: invalid extension
        + "org,generic,5.001,5,5,PLN,1,10,1,sandbox,1\n"           # 6: three decimals
        + "eu,country,5,5,5,PLN,3,2,1,sandbox,1\n"                 # 7: min > max
        + "de,country,5,5,5,PLN,1,10,1,epp,1\n"                    # 8: backend not configured
    )
    assert result.exit_code != 0
    err = result.stderr if hasattr(result, "stderr") else result.output
    for line, says in ((3, "negative"), (4, "“abc”"), (5, "hyphen"), (6, "decimal places"),
                       (7, "more than max_years"), (8, "unknown registrar backend “epp”")):
        assert f"line {line}:" in err and says in err, err
    assert "line 2:" not in err
    assert list(tlds()) == ["pl"] and tlds()["pl"].register_price == 2900
    assert "created" not in result.stdout


def test_a_file_that_is_not_csv_text_is_refused(import_tlds, tmp_path):
    binary = tmp_path / "logo.csv"
    binary.write_bytes(b"\xff\xd8\xff\xe0 not text")
    result = import_tlds(path=binary)
    assert result.exit_code != 0 and "not a readable UTF-8 CSV file" in result.output
    nul = tmp_path / "nul.csv"
    nul.write_text(HEADER + "pl,country,29\x00,69,49,PLN,1,10,1,sandbox,1\n")
    result = import_tlds(path=nul)
    assert result.exit_code != 0 and "line 2:" in result.output
    assert db.session.scalar(select(func.count()).select_from(Tld)) == 0


def test_missing_columns_and_missing_files(import_tlds, tmp_path):
    result = import_tlds("tld,kind\npl,country\n")
    assert result.exit_code != 0 and "missing column(s) register" in result.output
    result = import_tlds(path=tmp_path / "nowhere.csv")
    assert result.exit_code != 0 and "does not exist" in result.output
