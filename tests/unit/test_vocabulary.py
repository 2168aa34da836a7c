"""The attack and vulnerability vocabulary: every known code in words, with category and remediation."""

from chalicelib import vocabulary


def test_every_known_type_has_words_a_category_and_what_to_do() -> None:
    for code in vocabulary.codes():
        info = vocabulary.describe(code)
        assert info.code == code and info.name and info.remediation, info
        assert info.name != code, "a reader sees words, not the code"
        if info.owasp_api is not None:
            assert info.owasp_api in vocabulary.API_TOP_10


def test_a_known_code_reads_as_words_with_cwe_and_owasp() -> None:
    sqli = vocabulary.describe("SQLi ")
    assert (sqli.name, sqli.cwe, sqli.owasp_api) == ("SQL injection", "CWE-89", None)  # no API category fits
    assert sqli.category == "CWE-89 · A03:2021 Injection"
    assert vocabulary.describe("bola").owasp_api.startswith("API1:2023")


def test_an_unknown_code_is_described_from_itself_never_dropped() -> None:
    info = vocabulary.describe("weird_new_type")
    assert (info.name, info.cwe, info.category, info.remediation) == ("Weird new type", None, "", None)
    assert vocabulary.describe(None).name == "Unknown type"
    assert vocabulary.describe("").name == "Unknown type"


def test_countries_are_named_from_their_iso_code():
    assert vocabulary.country_name("DE") == "Germany (DE)"
    assert vocabulary.country_name("ZZ") == "ZZ"  # not a country: shown as given
    assert vocabulary.country_name(None) == vocabulary.country_name("") == ""


def test_every_injection_is_a03_and_only_fitting_types_have_an_api_category() -> None:
    injections = ("sqli", "nosqli", "xss", "rce", "cmdi", "lfi", "crlf", "ldapi", "ssti", "ssi", "mail_injection")
    assert {vocabulary.describe(code).owasp for code in injections} == {"A03:2021 Injection"}
    assert {vocabulary.describe(code).owasp_api for code in injections} == {None}
    assert vocabulary.describe("ptrav").owasp == "A01:2021 Broken Access Control"
    assert vocabulary.describe("ssrf").owasp_api == "API7:2023 Server Side Request Forgery"
    assert vocabulary.describe("brute").owasp_api == "API2:2023 Broken Authentication"
    for code in vocabulary.codes():
        info = vocabulary.describe(code)
        assert info.owasp is None or info.owasp in vocabulary.TOP_10, info
