"""How a client is pointed at a running emulator."""


def client_environment(info: dict) -> dict:
    """The variables that point the modules (and MSAL) at this emulator with the demo app's credentials.

    The same six the emulator prints as export lines, and the ones `make demo` and the tests set.
    """
    return {
        "GRAPH_ENDPOINT": info["url"],
        "AZURE_AUTHORITY_HOST": info["url"],
        "REQUESTS_CA_BUNDLE": str(info["ca_path"]),
        "AZURE_TENANT_ID": info["tenant_id"],
        "AZURE_CLIENT_ID": info["client_id"],
        "AZURE_CLIENT_SECRET": info["client_secret"],
    }
