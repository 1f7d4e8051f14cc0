"""Expiry warnings: people and their training officers are told before training lapses."""
