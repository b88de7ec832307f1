"""What Microsoft's published Graph metadata says, per version: the structural properties of the types the emulator
serves, and the photo paths it publishes. The emulator answers $select and routes by these lists.

Source: the msgraph-metadata repository at commit f54f11b60956ea7b185ca0447b2b80805836ec7b (v1.0:
clean_v10_metadata/cleanMetadata.xml; beta: schemas/type-mappings/beta-*-types.json, from beta-Prod.csdl), paths from
the SDKs generated from it; extracted in
../shared/graph-metadata/facts.json, copied with its README into tests/fixtures/graph-metadata/. A test
(tests/integration/test_emulator_graph_metadata.py) compares these lists with that file: change both together.
"""

# Structural properties, inherited ones included (entity, directoryObject, outlookItem), in the metadata's order.
PROPERTIES = {
    "v1.0": {
        "user": (
            "id", "deletedDateTime", "aboutMe", "accountEnabled", "ageGroup", "assignedLicenses", "assignedPlans",
            "authorizationInfo", "birthday", "businessPhones", "city", "companyName", "consentProvidedForMinor", "country",
            "createdDateTime", "creationType", "customSecurityAttributes", "department", "deviceEnrollmentLimit",
            "displayName", "employeeHireDate", "employeeId", "employeeLeaveDateTime", "employeeOrgData", "employeeType",
            "externalUserState", "externalUserStateChangeDateTime", "faxNumber", "givenName", "hireDate", "identities",
            "identityParentId", "imAddresses", "interests", "isManagementRestricted", "isResourceAccount", "jobTitle",
            "lastPasswordChangeDateTime", "legalAgeGroupClassification", "licenseAssignmentStates", "mail",
            "mailboxSettings", "mailNickname", "mobilePhone", "mySite", "officeLocation", "onPremisesDistinguishedName",
            "onPremisesDomainName", "onPremisesExtensionAttributes", "onPremisesImmutableId", "onPremisesLastSyncDateTime",
            "onPremisesProvisioningErrors", "onPremisesSamAccountName", "onPremisesSecurityIdentifier",
            "onPremisesSyncEnabled", "onPremisesUserPrincipalName", "otherMails", "passwordPolicies", "passwordProfile",
            "pastProjects", "postalCode", "preferredDataLocation", "preferredLanguage", "preferredName", "print",
            "provisionedPlans", "proxyAddresses", "responsibilities", "schools", "securityIdentifier",
            "serviceProvisioningErrors", "showInAddressList", "signInActivity", "signInSessionsValidFromDateTime", "skills",
            "state", "streetAddress", "surname", "usageLocation", "userPrincipalName", "userType",
        ),
        "group": (
            "id", "deletedDateTime", "accessType", "allowExternalSenders", "assignedLabels", "assignedLicenses",
            "autoSubscribeNewMembers", "classification", "createdDateTime", "description", "displayName",
            "expirationDateTime", "groupTypes", "hasMembersWithLicenseErrors", "hideFromAddressLists",
            "hideFromOutlookClients", "infoCatalogs", "isArchived", "isAssignableToRole", "isFavorite",
            "isManagementRestricted", "isSubscribedByMail", "licenseProcessingState", "mail", "mailEnabled", "mailNickname",
            "membershipRule", "membershipRuleProcessingState", "onPremisesDomainName", "onPremisesExtensionAttributes",
            "onPremisesLastSyncDateTime", "onPremisesNetBiosName", "onPremisesProvisioningErrors",
            "onPremisesSamAccountName", "onPremisesSecurityIdentifier", "onPremisesSyncEnabled", "organizationId",
            "preferredDataLocation", "preferredLanguage", "proxyAddresses", "renewedDateTime", "resourceBehaviorOptions",
            "resourceProvisioningOptions", "securityEnabled", "securityIdentifier", "serviceProvisioningErrors", "theme",
            "uniqueName", "unseenConversationsCount", "unseenCount", "unseenMessagesCount", "visibility",
            "welcomeMessageEnabled",
        ),
        "contact": (
            "id", "categories", "changeKey", "createdDateTime", "lastModifiedDateTime", "assistantName", "birthday",
            "businessAddress", "businessHomePage", "businessPhones", "children", "companyName", "department", "displayName",
            "emailAddresses", "fileAs", "generation", "givenName", "homeAddress", "homePhones", "imAddresses", "initials",
            "jobTitle", "manager", "middleName", "mobilePhone", "nickName", "officeLocation", "otherAddress",
            "parentFolderId", "personalNotes", "primaryEmailAddress", "profession", "secondaryEmailAddress", "spouseName",
            "surname", "tertiaryEmailAddress", "title", "yomiCompanyName", "yomiGivenName", "yomiSurname",
        ),
        "team": (
            "id", "classification", "createdDateTime", "description", "displayName", "firstChannelName", "funSettings",
            "guestSettings", "internalId", "isArchived", "memberSettings", "messagingSettings", "specialization", "summary",
            "tenantId", "visibility", "webUrl",
        ),
        "profilePhoto": (
            "id", "height", "width",
        ),
    },
    "beta": {
        "user": (
            "id", "deletedDateTime", "aboutMe", "accountEnabled", "ageGroup", "assignedLicenses", "assignedPlans",
            "authorizationInfo", "birthday", "businessPhones", "city", "cloudLicensing", "cloudRealtimeCommunicationInfo",
            "companyName", "consentProvidedForMinor", "country", "createdDateTime", "creationType",
            "customSecurityAttributes", "department", "deviceEnrollmentLimit", "deviceKeys", "displayName",
            "employeeHireDate", "employeeId", "employeeLeaveDateTime", "employeeOrgData", "employeeType",
            "externalUserState", "externalUserStateChangeDateTime", "faxNumber", "givenName", "hireDate", "identities",
            "identityGovernance", "identityParentId", "imAddresses", "infoCatalogs", "interests",
            "isLicenseReconciliationNeeded", "isManagementRestricted", "isResourceAccount", "jobTitle",
            "lastPasswordChangeDateTime", "legalAgeGroupClassification", "licenseAssignmentStates", "mail",
            "mailboxSettings", "mailNickname", "mobilePhone", "mySite", "officeLocation", "onPremisesDistinguishedName",
            "onPremisesDomainName", "onPremisesExtensionAttributes", "onPremisesImmutableId", "onPremisesLastSyncDateTime",
            "onPremisesProvisioningErrors", "onPremisesSamAccountName", "onPremisesSecurityIdentifier", "onPremisesSipInfo",
            "onPremisesSyncEnabled", "onPremisesUserPrincipalName", "otherMails", "passwordPolicies", "passwordProfile",
            "pastProjects", "postalCode", "preferredDataLocation", "preferredLanguage", "preferredName", "print",
            "provisionedPlans", "proxyAddresses", "refreshTokensValidFromDateTime", "responsibilities", "schools",
            "securityIdentifier", "serviceProvisioningErrors", "showInAddressList", "signInActivity",
            "signInSessionsValidFromDateTime", "skills", "state", "streetAddress", "surname", "usageLocation",
            "userPrincipalName", "userType",
        ),
        "group": (
            "id", "deletedDateTime", "accessType", "allowExternalSenders", "assignedLabels", "assignedLicenses",
            "autoSubscribeNewMembers", "classification", "cloudLicensing", "createdByAppId", "createdDateTime",
            "description", "displayName", "expirationDateTime", "groupTypes", "hasMembersWithLicenseErrors",
            "hideFromAddressLists", "hideFromOutlookClients", "infoCatalogs", "isArchived", "isAssignableToRole",
            "isFavorite", "isManagementRestricted", "isSubscribedByMail", "licenseProcessingState", "mail", "mailEnabled",
            "mailNickname", "membershipRule", "membershipRuleProcessingState", "membershipRuleProcessingStatus",
            "onPremisesDomainName", "onPremisesExtensionAttributes", "onPremisesLastSyncDateTime", "onPremisesNetBiosName",
            "onPremisesProvisioningErrors", "onPremisesSamAccountName", "onPremisesSecurityIdentifier",
            "onPremisesSyncEnabled", "organizationId", "preferredDataLocation", "preferredLanguage", "proxyAddresses",
            "renewedDateTime", "resourceBehaviorOptions", "resourceProvisioningOptions", "securityEnabled",
            "securityIdentifier", "serviceProvisioningErrors", "theme", "uniqueName", "unseenConversationsCount",
            "unseenCount", "unseenMessagesCount", "visibility", "welcomeMessageEnabled", "writebackConfiguration",
        ),
        "contact": (
            "id", "categories", "changeKey", "createdDateTime", "lastModifiedDateTime", "assistantName", "birthday",
            "children", "companyName", "department", "displayName", "emailAddresses", "fileAs", "flag", "gender",
            "generation", "givenName", "imAddresses", "initials", "isFavorite", "jobTitle", "manager", "middleName",
            "nickName", "officeLocation", "parentFolderId", "personalNotes", "phones", "postalAddresses",
            "primaryEmailAddress", "profession", "secondaryEmailAddress", "spouseName", "surname", "tertiaryEmailAddress",
            "title", "websites", "weddingAnniversary", "yomiCompanyName", "yomiGivenName", "yomiSurname",
        ),
        "team": (
            "id", "classification", "createdDateTime", "description", "discoverySettings", "displayName",
            "firstChannelName", "funSettings", "guestSettings", "internalId", "isArchived", "isMembershipLimitedToOwners",
            "memberSettings", "messagingSettings", "specialization", "summary", "tenantId", "visibility", "webUrl",
        ),
        "profilePhoto": (
            "id", "height", "width",
        ),
    },
}

# Collection-valued properties: an empty list when the object has none, never null (the metadata's Collection(...) types).
COLLECTIONS = {
    "user": frozenset((
        "assignedLicenses", "assignedPlans", "businessPhones", "identities", "imAddresses", "interests", "licenseAssignmentStates",
        "onPremisesProvisioningErrors", "otherMails", "pastProjects", "provisionedPlans", "proxyAddresses", "responsibilities",
        "schools", "serviceProvisioningErrors", "skills",
        "deviceKeys", "infoCatalogs",  # beta only
    )),
    "group": frozenset(("assignedLabels", "assignedLicenses", "groupTypes", "onPremisesProvisioningErrors", "proxyAddresses",
                        "resourceBehaviorOptions", "resourceProvisioningOptions", "serviceProvisioningErrors")),
    "contact": frozenset(("businessPhones", "categories", "children", "emailAddresses", "homePhones", "imAddresses",
                          "phones", "postalAddresses", "websites")),  # the last three beta only
}

# Photo paths the metadata publishes that the emulator does not route (each answers 400 "Resource not found for the
# segment"), with why: no module of the collection sends them. Every other published photo path is routed.
_NOT_EMULATED_ON_BOTH = {
    "/groups/{group-id}/team/photo": "a team's photo is read and written as /teams/{id}/photo",
    "/groups/{group-id}/team/photo/$value": "a team's photo is read and written as /teams/{id}/photo/$value",
}
_NOT_EMULATED_ON_BOTH.update({
    "%s/contactFolders/{contactFolder-id}/childFolders/{contactFolder-id1}/contacts/{contact-id}/photo%s" % (root, value): "nested contact folders"
    for root in ("/me", "/users/{user-id}") for value in ("", "/$value")})
PHOTO_PATHS_NOT_EMULATED = {
    "v1.0": dict(_NOT_EMULATED_ON_BOTH, **{
        "%s/joinedTeams/{team-id}/photo%s" % (root, value): "a team through its members (v1.0 only)"
        for root in ("/me", "/users/{user-id}") for value in ("", "/$value")}),
    "beta": dict(_NOT_EMULATED_ON_BOTH, **{
        "%s/teamDefinition/photo%s" % (root, value): "team templates (beta only)"
        for root in ("/teamTemplateDefinition/{teamTemplateDefinition-id}",
                     "/teamwork/teamTemplates/{teamTemplate-id}/definitions/{teamTemplateDefinition-id}")
        for value in ("", "/$value")}),
}


class UnknownProperty(ValueError):
    """$select names a property the type does not have; str() is Graph's message."""


def selected_properties(query: dict, version: str, kind: str) -> list:
    """The properties of kind (user, group, contact) that the query's $select names on version, in Graph's spelling, each
    once; [] without $select. Matched without regard to case, as Graph's directory does; UnknownProperty for a name the
    type does not have on that version (a beta-only property on v1.0)."""
    known = {name.lower(): name for name in PROPERTIES.get(version, PROPERTIES["v1.0"])[kind]}
    selected = []
    for name in (part.strip() for part in query.get("$select", "").split(",")):
        if not name:
            continue
        found = known.get(name.lower())
        if found is None:
            # The message Graph's OData layer gives (reported for $select on other types, e.g. davmail issue 488).
            raise UnknownProperty("Could not find a property named '%s' on type 'microsoft.graph.%s'." % (name, kind))
        if found not in selected:
            selected.append(found)
    return selected


def empty_value(kind: str, name: str):
    return [] if name in COLLECTIONS.get(kind, ()) else None
