"""System checks for the desk's settings (``manage.py check`` and every
command run them). Each has a stable id and says what to set."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security)
def check_trusted_proxies(app_configs: Any = None, **kwargs: Any) -> list:
    """Each entry of PUBLISHER_TRUSTED_PROXY is an address or a network, exactly:
    a misread entry would let readers choose the address they are counted by."""
    problems = []
    for value in settings.PUBLISHER_TRUSTED_PROXY:
        try:
            ipaddress.ip_network(value)
        except (TypeError, ValueError) as error:
            problems.append(
                Error(
                    f"PUBLISHER_TRUSTED_PROXY has {value!r}, which is not an IP address "
                    f"or network ({error}).",
                    hint="List the proxies' addresses or networks, comma separated, e.g. "
                    "10.0.0.0/16 for a load balancer's subnet (a network with no host "
                    "bits set: 10.0.0.0/16, not 10.0.3.4/16).",
                    id="desk.E001",
                )
            )
    return problems
