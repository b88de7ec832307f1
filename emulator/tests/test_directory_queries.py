"""GET /users and group member listings: $filter, $select, $top, $count, paging, advanced queries, permissions."""

import pytest

from graph_emulator import odata_filter

from emulator_testing import ALICE_ID, BOB_ID, CAROL_ID, READONLY_APP, secret_token

ALL_EMPLOYEES = "8e5f0b7a-1c9e-4f5d-9a8c-5e6f7a8b9c4a"
ERIN_ID = "5b2c7e4d-8f6b-4c2a-8d59-2b3c4d5e6f17"
DAVE_ID = "4a1b6d3c-7e5a-4b19-9c48-1a2b3c4d5e06"
ADVANCED = {"ConsistencyLevel": "eventual"}


def users(graph, **params):
    response = graph.get("/users", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_select_returns_only_the_selected_properties(graph):
    body = users(graph, **{"$filter": "employeeId eq 'E1001'", "$select": "id,employeeId,accountEnabled"})
    assert [{k: v for k, v in user.items() if not k.startswith("@")} for user in body["value"]] == [
        {"id": ALICE_ID, "employeeId": "E1001", "accountEnabled": True}]


def test_without_select_properties_returned_only_on_select_are_absent(graph):
    body = users(graph, **{"$filter": "id eq '%s'" % ALICE_ID})
    assert "employeeId" not in body["value"][0] and body["value"][0]["userPrincipalName"] == "alice@contoso.com"


@pytest.mark.parametrize("expression, expected", [
    ("employeeId eq 'e1002' or employeeId eq 'E1003'", {BOB_ID, CAROL_ID}),
    ("accountEnabled eq false", {DAVE_ID}),
    ("startswith(userPrincipalName, 'ALI')", {ALICE_ID}),
    ("(department eq 'Sales' or department eq 'Marketing') and accountEnabled eq true", {ALICE_ID, CAROL_ID}),
    ("mailNickname eq 'erin.o''brien'", {ERIN_ID}),
    ("employeeId in ('E1001', 'E1005')", {ALICE_ID, ERIN_ID}),
])
def test_filter_operators(graph, expression, expected):
    assert {user["id"] for user in users(graph, **{"$filter": expression, "$select": "id"})["value"]} == expected


@pytest.mark.parametrize("expression", [
    "onPremisesSamAccountName eq 'alice'",
    "accountEnabled ne true",
    "endswith(mail, '@contoso.com')",
    "not(accountEnabled eq true)",
    " or ".join("employeeId eq 'E%d'" % n for n in range(16)),
])
def test_advanced_only_filters_answer_400_without_the_advanced_parameters(graph, expression):
    response = graph.get("/users", params={"$filter": expression})
    assert response.status_code == 400 and response.json()["error"]["code"] == "Request_UnsupportedQuery"
    advanced = graph.get("/users", params={"$filter": expression, "$count": "true"}, headers=ADVANCED)
    assert advanced.status_code == 200, advanced.text
    assert advanced.json()["@odata.count"] == len(advanced.json()["value"])


def test_consistency_header_without_count_is_not_advanced(graph):
    response = graph.get("/users", params={"$filter": "onPremisesSamAccountName eq 'alice'"}, headers=ADVANCED)
    assert response.status_code == 400
    assert "onPremisesSamAccountName" in response.json()["error"]["message"]


def test_unknown_property_is_refused(graph):
    response = graph.get("/users", params={"$filter": "shoeSize eq 'x'"})
    assert response.status_code == 400 and "shoeSize" in response.json()["error"]["message"]


# The user resource's "Returned by default" properties, in the order of the List users and Get user examples
# (https://learn.microsoft.com/graph/api/resources/user, user-list, user-get).
DEFAULT_PROPERTIES = ["businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation",
                      "preferredLanguage", "surname", "userPrincipalName", "id"]


@pytest.mark.parametrize("path", ["/users", "/users/%s" % ALICE_ID, "/users/alice@contoso.com"])
def test_without_select_a_user_has_the_documented_default_properties(graph, path):
    response = graph.get(path)
    assert response.status_code == 200, response.text
    body = response.json()
    alice = next(user for user in body["value"] if user["id"] == ALICE_ID) if "value" in body else body
    assert list(alice) == (["@odata.context"] if "value" not in body else []) + DEFAULT_PROPERTIES
    assert (alice["displayName"], alice["mail"], alice["businessPhones"], alice["jobTitle"]) == (
        "Alice Example", "alice@contoso.com", [], None)


def test_listed_users_carry_no_odata_type_and_directory_objects_do(graph):
    assert all("@odata.type" not in user for user in users(graph)["value"])
    cast = graph.get("/groups/%s/transitiveMembers/microsoft.graph.user" % ALL_EMPLOYEES, params={"$count": "true"},
                     headers=ADVANCED).json()["value"]
    assert cast and all("@odata.type" not in user for user in cast)
    assert list(cast[0]) == DEFAULT_PROPERTIES
    members = graph.get("/groups/%s/transitiveMembers" % ALL_EMPLOYEES).json()["value"]
    assert {entry["@odata.type"] for entry in members} == {"#microsoft.graph.user", "#microsoft.graph.group"}


@pytest.mark.parametrize("path, params, headers", [
    ("/users", {"$select": "id,shoeSize"}, {}),
    ("/users/%s" % ALICE_ID, {"$select": "id,shoeSize"}, {}),
    ("/groups/%s/transitiveMembers/microsoft.graph.user" % ALL_EMPLOYEES, {"$select": "id,shoeSize", "$count": "true"}, ADVANCED),
], ids=["list", "get", "cast-members"])
def test_an_unknown_property_in_select_is_a_400_not_a_null(graph, path, params, headers):
    response = graph.get(path, params=params, headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "BadRequest"
    assert response.json()["error"]["message"] == "Could not find a property named 'shoeSize' on type 'microsoft.graph.user'."


def test_select_names_any_documented_property_in_any_case_and_answers_in_graphs_spelling(graph):
    """What the collection's modules select (match_by, export's name_by) and a property no seed sets."""
    select = "ID,userprincipalname,mail,employeeId,mailNickname,onPremisesSamAccountName,accountEnabled,userType,otherMails,city"
    (alice,) = users(graph, **{"$filter": "id eq '%s'" % ALICE_ID, "$select": select})["value"]
    assert alice == {"id": ALICE_ID, "userPrincipalName": "alice@contoso.com", "mail": "alice@contoso.com", "employeeId": "E1001",
                     "mailNickname": "alice", "onPremisesSamAccountName": "alice", "accountEnabled": True, "userType": "Member",
                     "otherMails": [], "city": None}


def test_paging_follows_next_links_with_top(graph):
    seen, url, pages = [], "/users", 0
    params = {"$top": "2", "$select": "id"}
    while url:
        response = graph.get(url, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        seen.extend(user["id"] for user in body["value"])
        pages += 1
        link = body.get("@odata.nextLink")
        url, params = (link.split("/v1.0", 1)[1], None) if link else (None, None)
    assert pages == 4 and len(seen) == len(set(seen)) == 7


def test_top_over_999_is_refused(graph):
    response = graph.get("/users", params={"$top": "1000"})
    assert response.status_code == 400 and "999" in response.json()["error"]["message"]


def test_transitive_members_with_user_cast_needs_advanced_and_includes_nested_groups(graph):
    path = "/groups/%s/transitiveMembers/microsoft.graph.user" % ALL_EMPLOYEES
    assert graph.get(path).status_code == 400
    body = graph.get(path, params={"$count": "true", "$select": "id"}, headers=ADVANCED).json()
    assert {user["id"] for user in body["value"]} == {ALICE_ID, CAROL_ID, DAVE_ID, BOB_ID, ERIN_ID}
    direct = graph.get("/groups/%s/members" % ALL_EMPLOYEES).json()["value"]
    assert sorted(entry["@odata.type"] for entry in direct) == ["#microsoft.graph.group"] + ["#microsoft.graph.user"] * 3


def test_listing_permissions(emulator, client_for):
    readonly = client_for(secret_token(emulator, READONLY_APP))
    for path in ("/users", "/groups/%s/transitiveMembers" % ALL_EMPLOYEES):
        response = readonly.get(path)
        assert response.status_code == 403 and response.json()["error"]["code"] == "Authorization_RequestDenied"


def test_case_sensitive_switch(graph, emulator):
    emulator.admin.config(filter_string_case="sensitive")
    assert users(graph, **{"$filter": "employeeId eq 'e1001'"})["value"] == []
    assert len(users(graph, **{"$filter": "employeeId eq 'E1001'"})["value"]) == 1


def _reference(node, record, case_sensitive):
    """The filter's meaning, one comparison at a time (what compile_filter must agree with)."""
    def norm(value):
        return value.lower() if isinstance(value, str) and not case_sensitive else value

    if isinstance(node, odata_filter.Logical):
        results = [_reference(part, record, case_sensitive) for part in node.parts]
        return all(results) if node.operator == "and" else any(results)
    if isinstance(node, odata_filter.Negation):
        return not _reference(node.part, record, case_sensitive)
    actual = record.get(node.prop.lower())
    if node.operator in ("eq", "in"):
        return any(norm(actual) == norm(value) for value in (node.value if node.operator == "in" else [node.value]))
    if node.operator == "ne":
        return norm(actual) != norm(node.value)
    if not isinstance(actual, str) or not isinstance(node.value, str):
        return False
    method = str.startswith if node.operator == "startswith" else str.endswith
    return method(norm(actual), norm(node.value))


@pytest.mark.parametrize("case_sensitive", [False, True])
def test_a_compiled_filter_means_what_each_comparison_means(case_sensitive):
    records = [{"employeeid": "E1001", "department": "Sales", "accountenabled": True, "mail": "a@contoso.com"},
               {"employeeid": "e1002", "department": "sales", "accountenabled": False, "mail": None},
               {"employeeid": ["E1003"], "department": "Marketing", "accountenabled": True},
               {"department": "HR"}]
    expressions = [
        " or ".join("employeeId eq 'E%d'" % n for n in range(1000, 1016)),
        "employeeId eq 'E1001' or department eq 'HR'",
        "(employeeId eq 'E1001' or employeeId eq 'e1002') or employeeId in ('E1003', 'x')",
        "employeeId in ('E1001', 'E1002') and accountEnabled eq true",
        "not(department eq 'sales') or accountEnabled ne true",
        "startswith(mail, 'A') or endswith(department, 'ING')",
        "accountEnabled eq true or accountEnabled eq false",
    ]
    for expression in expressions:
        node = odata_filter.parse_filter(expression)
        compiled = odata_filter.compile_filter(node, case_sensitive=case_sensitive)
        for record in records:
            assert compiled(record) == _reference(node, record, case_sensitive), (expression, record)
