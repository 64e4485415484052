"""Walk every URL pattern of the platform, with sample arguments for the ones that need them.

Each app's test package may define ``samples.py`` with ``SAMPLES = {"app:name": factory}``,
where ``factory()`` creates whatever records the URL needs and returns its kwargs. A factory
that takes one argument is given the signed-in user (None when anonymous), so it can make a
record that user would be entitled to by object-level rules if their role allows the view
(e.g. a report assigned to that officer, a draft that practitioner wrote). The access
tests fail for a parameterised URL with no sample, so a new view cannot skip them.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

import tests.web


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    pattern: str
    callback: Callable
    params: tuple[str, ...]


def iter_routes(patterns=None, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            yield from iter_routes(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace else (p.name or "")
            yield Route(name, prefix + str(p.pattern), p.callback,
                        tuple(p.pattern.converters))


def call_sample(factory: Callable, user) -> dict:
    import inspect

    return factory(user) if inspect.signature(factory).parameters else factory()


def url_samples() -> dict[str, Callable[[], dict]]:
    samples: dict[str, Callable[[], dict]] = {}
    for info in pkgutil.walk_packages(tests.web.__path__, "tests.web."):
        if info.name.endswith(".samples"):
            samples.update(importlib.import_module(info.name).SAMPLES)
    return samples
