"""Rollcall adapters: the web app, channel handlers, conversation flows and the CLI."""
