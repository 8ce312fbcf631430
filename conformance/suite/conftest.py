"""`pytest conformance/suite` from a checkout: registers the plugin unless its entry point already did."""

from __future__ import annotations

import pytest

from conformance.suite import plugin


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    if not pluginmanager.has_plugin(plugin.PLUGIN_NAME) and not pluginmanager.is_registered(plugin):
        pluginmanager.register(plugin, plugin.PLUGIN_NAME)
