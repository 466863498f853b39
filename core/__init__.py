"""Rollcall domain: models, calendar, codes, policy, roster; no web framework here."""
