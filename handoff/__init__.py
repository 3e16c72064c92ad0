"""Handing conversations to human agents: console, routing, SLA, escalation, CSAT."""
