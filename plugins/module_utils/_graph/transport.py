# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place that sends HTTP: every Graph call and every call MSAL makes go through RetryingTransport."""

from __future__ import annotations

from urllib.parse import urlsplit

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.retries import RetryPolicy
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.throttle_gate import budget_wait_message

try:
    import requests
except ImportError:
    requests = None


class RetryingTransport:
    """Sends requests through a session, retrying per RetryPolicy.

    Retried: 429, 503, 504 (honouring Retry-After) and connection errors / read timeouts. Not retried: TLS
    failures (a certificate does not fix itself) and every other status, which is returned to the caller.
    It also offers get() and post() so MSAL can use it as its http_client: the token endpoint is throttled
    and fails like any other.
    """

    def __init__(self, session, policy: RetryPolicy, *, timeout: float, on_retry=None):
        self.session = session
        self.policy = policy
        self.timeout = timeout
        self.on_retry = on_retry or (lambda message: None)

    def request(self, method: str, url: str, *, budget=None, **kwargs):
        """budget: the request's BudgetTicket (throttle_gate.py) for Graph's requests; None for the token endpoint's.
        A budget's 429 closes the gate for what it spends and is sent again once it reopens, spending no retry."""
        kwargs.setdefault('timeout', self.timeout)
        where = '%s %s%s' % (method, urlsplit(url).netloc, urlsplit(url).path)
        attempt = 0
        while True:
            if budget is not None:
                budget.admit()
            try:
                response = self.session.request(method, url, **kwargs)
            except requests.exceptions.SSLError:
                raise
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                if not self.policy.may_retry(attempt):
                    raise
                wait = self.policy.delay(attempt)
                self.on_retry('%s: %s, retry %d of %d in %.2fs' % (where, type(exc).__name__, attempt + 1, self.policy.retries, wait))
            else:
                if budget is not None and self._waits_for_budget(budget, response, where):
                    continue
                if not self.policy.should_retry_status(response.status_code, attempt):
                    return response
                retry_after = response.headers.get('Retry-After')
                wait = self.policy.delay(attempt, retry_after)
                self.on_retry('%s: HTTP %d (Retry-After %s), retry %d of %d in %.2fs' % (
                    where, response.status_code, retry_after, attempt + 1, self.policy.retries, wait))
                response.close()
            self.policy.sleep(wait)
            attempt += 1

    def _waits_for_budget(self, budget, response, where: str) -> bool:
        """True when the response is a budget's 429 (the gate now holds the request back); counts what landed."""
        if response.status_code != 429:
            if response.status_code < 500:
                budget.landed()
            return False
        refusal = budget.budget_refusal(response)
        if refusal is None:
            return False
        self.on_retry('%s: %s' % (where, budget_wait_message(*refusal)))
        response.close()
        return True

    def get(self, url, **kwargs):
        return self.request('GET', url, **kwargs)

    def post(self, url, **kwargs):
        return self.request('POST', url, **kwargs)

    def close(self):
        self.session.close()
