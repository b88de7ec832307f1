"""Graph's throttling budgets per app and tenant, as "Microsoft Graph service-specific throttling limits" lists them.

Source: microsoft-graph-docs-contrib, concepts/throttling-limits.md ("Identity and access service limits" and
"Outlook service limits"; GRAPH_PHOTO_API.md, "Throttling and batching"):

- identity and access, per app and tenant: 3,500 / 5,000 / 8,000 resource units per 10 s for tenants of under 50 /
  50 to 500 / over 500 users. A request costs 1 unit; GET /users 2, GET groups/{id}/members 3, transitiveMembers 5;
  ``$select`` one less, ``$expand`` one more, ``$top`` under 20 one less; never less than 1. Answers carry
  ``x-ms-resource-unit`` (the units the request cost).
- identity and access writes: 3,000 per 2 min 30 s per app and tenant, 18,000 per 5 min per tenant (all apps
  together), 35,000 per 5 min per app across tenants.
- Outlook, per app and mailbox: 10,000 requests per 10 min; 150 MB uploaded per 5 min.

Each request inside a $batch is charged on its own (the batch processor prepares every inner request through the
same path), and so each gets its own 429 and Retry-After. A request over any budget spends none of them.

Which of these photo requests spend is not documented (photos moved to Entra ID storage in 2023-2024, while the
Outlook page still lists them): ``photo_budget`` says, ``both`` by default, the strictest (a client that keeps both
converges under either).

Windows (``budget_windows``): ``fixed`` by default, windows of the documented length one after the other, a 429's
Retry-After running to the end of the window; this is what the issue measured and the harder case for a client, since
a whole backlog meets the next window's start at once. ``sliding`` is the token bucket that Microsoft's identity page
names ("Throttling is based on a token bucket algorithm"): the budget refills continuously at quota/window, and a 429's
Retry-After is the time until enough has refilled for the request. Outlook does not say which it uses.

``budget_window_scale`` shrinks every window and quota together (0.0667 makes 3,000 per 150 s into 200 per 10 s: the
same rate, shorter waits) for tests and the benchmark; ``budget_rate_scale`` multiplies the quotas alone (a slower
Graph, for a machine that cannot serve the documented rate). Everything is off unless ``budgets`` is true.
"""

import math
import threading
import time

# Resource units per 10 s per app and tenant, by tenant size (S: under 50 users, M: 50 to 500, L: over 500).
RESOURCE_UNIT_QUOTAS = ((50, 3500), (501, 5000), (None, 8000))
RESOURCE_UNIT_WINDOW = 10.0
WRITES_PER_APP_AND_TENANT = (3000, 150.0)
WRITES_PER_TENANT = (18000, 300.0)
WRITES_PER_APP = (35000, 300.0)
OUTLOOK_REQUESTS_PER_MAILBOX = (10000, 600.0)
OUTLOOK_UPLOAD_BYTES_PER_MAILBOX = (150 * 1024 * 1024, 300.0)

# Base costs that differ from 1 (the identity page's table), for the paths this emulator serves.
LISTING_COSTS = {"users": 2, "members": 3, "transitivemembers": 5}
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class Budget:
    """One quota per window, for one key; fixed windows or a token bucket (module docstring)."""

    def __init__(self, quota: float, window: float, sliding: bool, now: float):
        self.quota = quota
        self.window = window
        self.sliding = sliding
        self.anchor = now  # fixed windows: [anchor + k*window, anchor + (k+1)*window)
        self.window_index = 0
        self.used = 0.0
        self.tokens = quota
        self.refilled_at = now

    def wait_for(self, cost: float, now: float) -> float:
        """Seconds until cost fits (0: it fits now)."""
        if self.sliding:
            self.tokens = min(self.quota, self.tokens + (now - self.refilled_at) * self.quota / self.window)
            self.refilled_at = now
            return 0.0 if self.tokens >= cost else (min(cost, self.quota) - self.tokens) * self.window / self.quota
        index = int((now - self.anchor) // self.window)
        if index != self.window_index:
            self.window_index, self.used = index, 0.0
        if self.used + cost <= self.quota or (self.used == 0 and cost > self.quota):
            return 0.0
        return self.anchor + (index + 1) * self.window - now

    def spend(self, cost: float) -> None:
        if self.sliding:
            self.tokens -= cost
        else:
            self.used += cost


class Charge:
    """What one request spends: a list of (key, quota, window, cost, what) and the resource units it cost."""

    def __init__(self):
        self.items = []
        self.resource_units = None

    def add(self, key, quota, window, cost, what):
        self.items.append((key, quota, window, cost, what))


# What a budget's 429 says, by budget: (x-ms-throttle-scope limit, x-ms-throttle-information, message).
# The identity page documents the two headers (scope "<Scope>/<Limit>/<ApplicationId>/<TenantId>") but no message;
# Outlook documents neither, and its 429s are known to name the limit ("Application is over its MailboxConcurrency
# limit."), so its budgets name theirs the same way.
REFUSALS = {
    "resource_units": ("Tenant_Application", "ReadWrite", "ResourceUnitLimitExceeded",
                       "Application is over its resource unit limit for this tenant."),
    "writes_app_tenant": ("Tenant_Application", "Write", "WriteLimitExceeded", "Application is over its write request limit for this tenant."),
    "writes_tenant": ("Tenant", "Write", "WriteLimitExceeded", "The tenant is over its write request limit."),
    "writes_app": ("Application", "Write", "WriteLimitExceeded", "Application is over its write request limit."),
    "outlook_requests": (None, None, None, "Application is over its MailboxRequests limit."),
    "outlook_bytes": (None, None, None, "Application is over its IncomingBytes limit."),
}


class BudgetBook:
    """Every budget of the emulator, keyed by what it counts; cleared on reset and when the budget settings change."""

    def __init__(self, config, clock=time.monotonic):
        self.config = config
        self.clock = clock
        self._lock = threading.Lock()
        self._budgets = {}
        self._settings = None

    def clear(self):
        with self._lock:
            self._budgets = {}
            self._settings = None

    def enabled(self) -> bool:
        return bool(self.config["budgets"])

    def charge_for(self, *, method: str, segments, query: dict, token, tenant, mailbox_key=None, photo: bool = False,
                   body_bytes: int = 0) -> Charge:
        """The budgets a request spends (see the module docstring)."""
        charge = Charge()
        app = token.client_id or token.identity
        write = method in WRITE_METHODS
        spends = self.config["photo_budget"]
        directory = not photo or spends in ("directory", "both")
        outlook = photo and spends in ("outlook", "both") and mailbox_key is not None
        if directory:
            units = resource_unit_cost(method, segments, query)
            charge.resource_units = units
            charge.add(("ru", app, tenant.id), tenant_unit_quota(len(tenant.users)), RESOURCE_UNIT_WINDOW, units, "resource_units")
            if write:
                charge.add(("w", app, tenant.id), WRITES_PER_APP_AND_TENANT[0], WRITES_PER_APP_AND_TENANT[1], 1, "writes_app_tenant")
                charge.add(("wt", tenant.id), WRITES_PER_TENANT[0], WRITES_PER_TENANT[1], 1, "writes_tenant")
                charge.add(("wa", app), WRITES_PER_APP[0], WRITES_PER_APP[1], 1, "writes_app")
        if outlook:
            charge.add(("or", app, mailbox_key), OUTLOOK_REQUESTS_PER_MAILBOX[0], OUTLOOK_REQUESTS_PER_MAILBOX[1], 1, "outlook_requests")
            if write and body_bytes:
                charge.add(("ob", app, mailbox_key), OUTLOOK_UPLOAD_BYTES_PER_MAILBOX[0], OUTLOOK_UPLOAD_BYTES_PER_MAILBOX[1], body_bytes,
                           "outlook_bytes")
        return charge

    def spend(self, charge: Charge):
        """None when every budget allowed the request (and it was spent), else (seconds to wait, what refused it)."""
        window_scale = float(self.config["budget_window_scale"])
        rate_scale = float(self.config["budget_rate_scale"])
        sliding = self.config["budget_windows"] == "sliding"
        settings = (window_scale, rate_scale, sliding, self.config["photo_budget"])
        with self._lock:
            if settings != self._settings:
                self._budgets, self._settings = {}, settings
            now = self.clock()
            budgets, refused = [], None
            for key, quota, window, cost, what in charge.items:
                budget = self._budgets.get(key)
                if budget is None:
                    budget = Budget(max(1.0, quota * window_scale * rate_scale), window * window_scale, sliding, now)
                    self._budgets[key] = budget
                wait = budget.wait_for(cost, now)
                if wait > 0 and (refused is None or wait > refused[0]):
                    refused = (wait, what)
                budgets.append((budget, cost))
            if refused is not None:
                return refused
            for budget, cost in budgets:
                budget.spend(cost)
            return None


def tenant_unit_quota(users: int) -> int:
    for below, quota in RESOURCE_UNIT_QUOTAS:
        if below is None or users < below:
            return quota
    return RESOURCE_UNIT_QUOTAS[-1][1]


def resource_unit_cost(method: str, segments, query: dict) -> int:
    """The identity page's cost of a request: its base cost, then $select -1, $expand +1, $top under 20 -1; at least 1."""
    lowered = [s.lower() for s in segments]
    cost = 1
    if method == "GET":
        if lowered == ["users"]:
            cost = LISTING_COSTS["users"]
        elif len(lowered) >= 3 and lowered[0] == "groups" and lowered[2] in LISTING_COSTS:
            cost = LISTING_COSTS[lowered[2]]
    names = {key.lower(): value for key, value in (query or {}).items()}
    if "$select" in names:
        cost -= 1
    if "$expand" in names:
        cost += 1
    try:
        if "$top" in names and int(names["$top"]) < 20:
            cost -= 1
    except ValueError:
        pass
    return max(1, cost)


def retry_after_header(seconds: float, *, whole_seconds: bool = False) -> str:
    """Retry-After for a wait: never shorter than the wait, rounded up to the millisecond (as Graph's "2.128") or to
    whole seconds (as Graph's "10"; the setting budget_retry_after)."""
    if whole_seconds:
        return "%d" % max(1, math.ceil(seconds))
    value = math.ceil(seconds * 1000.0) / 1000.0
    return ("%.3f" % value).rstrip("0").rstrip(".") or "0"


def refusal_headers(what: str, *, app: str, tenant_id: str, with_headers: bool) -> dict:
    scope, limit, information, _message = REFUSALS[what]
    if not with_headers or scope is None:
        return {}
    return {"x-ms-throttle-scope": "%s/%s/%s/%s" % (scope, limit, app, tenant_id), "x-ms-throttle-information": information}


def refusal_message(what: str) -> str:
    return REFUSALS[what][3]
