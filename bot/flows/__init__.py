"""Conversation flows: state kept in the database, each step a pure function."""
